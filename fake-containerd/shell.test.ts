import { describe, expect, test } from "vitest";
import { emulateContainerProcess } from "./process-emulation.ts";
import { shellScript } from "./shell.ts";

describe("shell redirections and exec", () => {
  test("`>&2` sends a command's output to stderr; `exec` ends the shell with the command", () => {
    expect(shellScript("echo hello from busybox; echo to stderr >&2; exec sleep 2; echo never")).toEqual({
      output: [
        { stream: "stdout", data: "hello from busybox\n", atMs: 0 },
        { stream: "stderr", data: "to stderr\n", atMs: 0 },
      ],
      exit: { code: 0, afterMs: 2000 },
    });
  });

  test("`exec` of something unknown fails as busybox sh does", () => {
    expect(shellScript("exec nope; echo never")).toEqual({
      output: [{ stream: "stderr", data: "sh: exec: nope: not found\n", atMs: 0 }],
      exit: { code: 127, afterMs: 0 },
    });
  });
});

describe("&& and || lists in a container's shell script", () => {
  const run = (script: string) => shellScript(script, { unemulated: { exists: (command) => command === "top", exec: false } });
  const out = (data: string, atMs = 0) => ({ stream: "stdout", data, atMs });

  test("each command after && runs only when the status so far is 0, after || only when it is not", () => {
    expect(run("true && echo yes || echo no")).toEqual({ output: [out("yes\n")], exit: { code: 0, afterMs: 0 } });
    expect(run("false && echo yes || echo no")).toEqual({ output: [out("no\n")], exit: { code: 0, afterMs: 0 } });
    expect(run("false && echo yes")).toEqual({ exit: { code: 1, afterMs: 0 } });
    expect(run("echo a&&false||echo c")).toEqual({ output: [out("a\n"), out("c\n")], exit: { code: 0, afterMs: 0 } });
    expect(run("nope || echo fallback")).toEqual({
      output: [{ stream: "stderr", data: "sh: nope: not found\n", atMs: 0 }, out("fallback\n")],
      exit: { code: 0, afterMs: 0 },
    });
    expect(run("sleep 1 && exit 3 && echo never; echo never")).toEqual({ exit: { code: 3, afterMs: 1000 } });
    expect(run('echo "a && b" \'c || d\'')).toEqual({ output: [out("a && b c || d\n")], exit: { code: 0, afterMs: 0 } });
    expect(run("echo up && top || echo never")).toEqual({ output: [out("up\n")] });
    expect(run("while true; do echo tick && sleep 1 || echo never; done")).toEqual({ repeat: { fromMs: 0, everyMs: 1000, output: [out("tick\n")] } });
  });
});

describe("an endless loop (critest's logging container: while true; do echo ...; sleep 1; done)", () => {
  const shellOnly = (p: string) => p === "/bin/sh";
  const run = (script: string) => emulateContainerProcess({ args: ["sh", "-c", script], env: [], hasFile: shellOnly });
  const tick = { stream: "stdout", data: "tick\n", atMs: 0 };

  test("prints every time round, from when the loop starts, for as long as the process runs", () => {
    expect(run("while true; do echo tick; sleep 1; done")).toEqual({ repeat: { fromMs: 0, everyMs: 1000, output: [tick] } });
    expect(run("while :\ndo\n  echo tick\n  sleep 1\ndone\n")).toEqual({ repeat: { fromMs: 0, everyMs: 1000, output: [tick] } });
    expect(run("until false; do echo tick; sleep 1; done")).toEqual({ repeat: { fromMs: 0, everyMs: 1000, output: [tick] } });
    expect(run("echo start; sleep 2; while true; do echo tick; echo done >&2; sleep 0.5; nope; sleep 1; done")).toEqual({
      output: [{ stream: "stdout", data: "start\n", atMs: 0 }],
      repeat: {
        fromMs: 2000,
        everyMs: 1500,
        output: [tick, { stream: "stderr", data: "done\n", atMs: 0 }, { stream: "stderr", data: "sh: nope: not found\n", atMs: 500 }],
      },
    });
    // Printing after the round's sleep: at the end of each round, which is the start of the next.
    expect(shellScript("while true; do sleep 1; echo late; done")).toEqual({
      repeat: { fromMs: 0, everyMs: 1000, output: [{ stream: "stdout", data: "late\n", atMs: 1000 }] },
    });
  });

  test("a round that exits, or never ends, happens once; a loop that prints nothing, or never sleeps, runs on silently", () => {
    expect(run("while true; do echo once; exit 3; done; echo after")).toEqual({
      output: [{ stream: "stdout", data: "once\n", atMs: 0 }],
      exit: { code: 3, afterMs: 0 },
    });
    expect(run("sleep 1; while true; do echo up; sleep infinity; done")).toEqual({ output: [{ stream: "stdout", data: "up\n", atMs: 1000 }] });
    expect(run("while true; do echo up; top; done")).toEqual({ output: [{ stream: "stdout", data: "up\n", atMs: 0 }] });
    expect(run("while true; do sleep 1; done")).toEqual({});
    expect(run("echo a; while true; do echo busy; done")).toEqual({ output: [{ stream: "stdout", data: "a\n", atMs: 0 }] });
  });
});

describe("compound commands in a shell script", () => {
  const run = (script: string) => shellScript(script);
  const out = (data: string, atMs = 0) => ({ stream: "stdout", data, atMs });

  test("if / elif / else / fi runs the first branch whose condition succeeds; with none taken the status is 0", () => {
    expect(run("if false; then echo a; elif true; then echo b; else echo c; fi")).toEqual({ output: [out("b\n")], exit: { code: 0, afterMs: 0 } });
    expect(run("if false; then echo a; fi")).toEqual({ exit: { code: 0, afterMs: 0 } });
    expect(run("if true\nthen if false; then :; else echo nested; fi\nfi")).toEqual({ output: [out("nested\n")], exit: { code: 0, afterMs: 0 } });
    expect(run("if ! false; then exit 7; fi; echo never")).toEqual({ exit: { code: 7, afterMs: 0 } });
  });

  test("for runs its body once a word, in time on the fake's clock, and leaves the variable at the last word", () => {
    expect(run("for i in a 'b c'; do echo $i; sleep 1; done; echo $i")).toEqual({
      output: [out("a\n"), out("b c\n", 1000), out("b c\n", 2000)],
      exit: { code: 0, afterMs: 2000 },
    });
    expect(run("x='1 2'; for i in $x 3; do echo -n $i; done")).toEqual({ output: [out("1"), out("2"), out("3")], exit: { code: 0, afterMs: 0 } });
  });

  test("an endless loop inside a compound command still repeats its round", () => {
    expect(run("if true; then while true; do echo tick; sleep 1; done; fi")).toEqual({
      repeat: { fromMs: 0, everyMs: 1000, output: [out("tick\n")] },
    });
  });

  test("while and until loop while their condition holds (fails), with break and continue, also out of several loops", () => {
    expect(run("while false; do echo x; done; until true; do echo y; done; echo $?")).toEqual({ output: [out("0\n")], exit: { code: 0, afterMs: 0 } });
    expect(run("i=0; while [ $i -lt 3 ]; do i=$((i+1)); [ $i = 2 ] && continue; echo $i; sleep 1; done")).toEqual({
      output: [out("1\n"), out("3\n", 1000)],
      exit: { code: 0, afterMs: 2000 },
    });
    expect(run("for a in 1 2; do while true; do echo $a; break 2; done; done; echo out")).toEqual({ output: [out("1\n"), out("out\n")], exit: { code: 0, afterMs: 0 } });
    expect(run("while true; do echo tick; sleep 1; continue; done")).toEqual({ repeat: { fromMs: 0, everyMs: 1000, output: [out("tick\n")] } });
    expect(run("break; continue 2; echo $?")).toEqual({ output: [out("0\n")], exit: { code: 0, afterMs: 0 } });
  });

  test("$((...)): C's integer arithmetic on variables; an error ends the script with status 2; assignments are beyond the emulation", () => {
    expect(run("a=6; b=a; echo $((a*7)) $(( (a+1) % 4 )) $((b+1)) $((a>5 && a<7)) $((1 ? 2 : 3)) $((-9/2)) $((1<<3|1))")).toEqual({
      output: [out("42 3 7 1 2 -4 9\n")],
      exit: { code: 0, afterMs: 0 },
    });
    expect(run("echo \"$((1||1/0))\"; echo $((2/0)); echo after")).toEqual({
      output: [out("1\n"), { stream: "stderr", data: "sh: divide by zero\n", atMs: 0 }],
      exit: { code: 2, afterMs: 0 },
    });
    expect(run("echo $((i+=1))")).toEqual({});
    expect(run("echo $((1 +* 2))")).toEqual({ output: [{ stream: "stderr", data: "sh: arithmetic syntax error\n", atMs: 0 }], exit: { code: 2, afterMs: 0 } });
  });

  test("seq", () => {
    expect(run("seq 2; seq 5 -2 1; seq -s: -w 9 11; seq 2 1")).toEqual({ output: [out("1\n2\n"), out("5\n3\n1\n"), out("09:10:11\n")], exit: { code: 0, afterMs: 0 } });
  });

  test("empty statements: a trailing ; or newline ends nothing, so the status is the last command's", () => {
    expect(run("false;")).toEqual({ exit: { code: 1, afterMs: 0 } });
    expect(run("true\nfalse\n\n")).toEqual({ exit: { code: 1, afterMs: 0 } });
  });

  test("test compares integers, with ash's error for what is not one", () => {
    expect(run("[ 10 -gt 9 ] && [ ' 3 ' -eq 3 ] && [ -1 -lt 0 ] && echo ok")).toEqual({ output: [out("ok\n")], exit: { code: 0, afterMs: 0 } });
    expect(run("[ 1x -eq 1 ]; echo $?; [ 99999999999999999999 -gt 1 ]")).toMatchObject({
      output: [{ stream: "stderr", data: "sh: 1x: bad number\n" }, out("2\n"), { stream: "stderr", data: "sh: 99999999999999999999: out of range\n" }],
      exit: { code: 2 },
    });
  });
});

describe("case", () => {
  const run = (script: string, env: string[] = []) => shellScript(script, { env });
  const out = (data: string) => ({ stream: "stdout", data, atMs: 0 });

  test("the first item with a matching pattern runs: |, *, ?, [...] and [!...]; no match is status 0", () => {
    expect(run("for f in a.sh b.txt c; do case $f in *.sh|*.bash) echo script;; ?.txt) echo text;; [!ab]) echo other;; esac; done")).toEqual({
      output: [out("script\n"), out("text\n"), out("other\n")],
      exit: { code: 0, afterMs: 0 },
    });
    expect(run("false; case x in y) echo y;; esac")).toEqual({ exit: { code: 0, afterMs: 0 } });
  });

  test("quoted pattern characters are plain; an unquoted expansion is a pattern, a quoted one plain", () => {
    expect(run("p='a*'; case abc in \"$p\") echo quoted;; $p) echo glob;; esac; case '*' in \\*) echo escaped;; esac")).toEqual({
      output: [out("glob\n"), out("escaped\n")],
      exit: { code: 0, afterMs: 0 },
    });
  });

  test("bodies over several lines, with their own compound commands, cases and the status of their last command", () => {
    expect(run("case $X in\n  1)\n    if true; then case a in a) exit 5;; esac; fi\n    ;;\n  *) echo no\nesac", ["X=1"])).toEqual({ exit: { code: 5, afterMs: 0 } });
    expect(run("case a in a) false; esac || echo failed; case b in a) echo a;; b) ;; esac && echo empty")).toEqual({
      output: [out("failed\n"), out("empty\n")],
      exit: { code: 0, afterMs: 0 },
    });
  });

  test("a case that does not close, or an item without its ), is beyond the emulation", () => {
    for (const script of ["case a in a) echo a;;", "case a in a echo;; esac", "case a in a) echo a;; esac; case"]) expect(run(script), script).toEqual({});
  });
});
