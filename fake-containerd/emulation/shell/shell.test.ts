import { describe, expect, test } from "vitest";
import { emulated, sh, transcript, type EmulateOptions } from "../testing/emulate.ts";

const run = async (script: string, options: EmulateOptions = {}) => transcript(await sh(script, options));
const out = (data: string, atMs = 0) => ({ stream: "stdout", data, atMs });
const err = (data: string, atMs = 0) => ({ stream: "stderr", data, atMs });

describe("redirections, exec and lists", () => {
  test("`>&2` sends a command's output to stderr; `exec` ends the shell with the command", async () => {
    expect(await sh("echo hello from busybox; echo to stderr >&2; exec sleep 2; echo never")).toEqual({
      output: [out("hello from busybox\n"), err("to stderr\n")],
      exit: { code: 0, afterMs: 2000 },
    });
    expect(await run("exec nope; echo never")).toBe("stderr:sh: exec: line 0: nope: not found\nexit 127");
    expect(await run("exec 2>/dev/null; nope; echo $?")).toBe("stdout:127\nexit 0");
  });

  test("each command after && runs only when the status so far is 0, after || only when it is not", async () => {
    expect(await run("true && echo yes || echo no; false && echo yes || echo no; false && echo yes")).toBe("stdout:yes\nstdout:no\nexit 1");
    expect(await run("echo a&&false||echo c")).toBe("stdout:a\nstdout:c\nexit 0");
    expect(await run("nope || echo fallback")).toBe("stderr:sh: nope: not found\nstdout:fallback\nexit 0");
    expect(await sh("sleep 1 && exit 3 && echo never; echo never")).toEqual({ exit: { code: 3, afterMs: 1000 } });
    expect(await run('echo "a && b" \'c || d\'')).toBe("stdout:a && b c || d\nexit 0");
  });

  test("names an object has as properties are no commands, options, classes or units: toString is not found", async () => {
    expect(await run("toString; constructor; echo $?")).toBe("stderr:sh: toString: not found\nstderr:sh: constructor: not found\nstdout:127\nexit 0");
    expect(await run("type hasOwnProperty")).toBe("stdout:hasOwnProperty: not found\nexit 127");
    expect(await run("set -o toString; echo $?")).toBe("stderr:sh: set: line 0: illegal option -o toString\nstdout:1\nexit 0");
    expect(await run("case x in [[:constructor:]]) echo y;; *) echo n;; esac")).toBe(await run("case x in [[:bogus:]]) echo y;; *) echo n;; esac"));
    expect(await sh("dd if=/dev/zero of=/dev/null bs=1constructor", { memoryLimit: 1n })).toEqual(await sh("dd if=/dev/zero of=/dev/null bs=1bogus", { memoryLimit: 1n }));
  });

  test("a syntax error ends the script with ash's words, after the lines before it have run", async () => {
    expect(await run("echo a\nfi")).toBe('stdout:a\nstderr:sh: syntax error: unexpected "fi"\nexit 2');
    expect(await run("echo a; fi")).toBe('stderr:sh: syntax error: unexpected "fi"\nexit 2');
    expect(await run("if true; then")).toBe('stderr:sh: syntax error: unexpected end of file (expecting "fi")\nexit 2');
    expect(await run("eval 'echo ('; echo after")).toBe('stderr:sh: eval: line 0: syntax error: unexpected end of file (expecting ")")\nexit 2');
  });
});

describe("compound commands", () => {
  test("if / elif / else / fi runs the first branch whose condition succeeds; with none taken the status is 0", async () => {
    expect(await run("if false; then echo a; elif true; then echo b; else echo c; fi")).toBe("stdout:b\nexit 0");
    expect(await run("false; if false; then echo a; fi")).toBe("exit 0");
    expect(await run("if true\nthen if false; then :; else echo nested; fi\nfi")).toBe("stdout:nested\nexit 0");
    expect(await run("if ! false; then exit 7; fi; echo never")).toBe("exit 7");
  });

  test("for runs its body once a word, in time on the fake's clock, and leaves the variable at the last word", async () => {
    expect(await sh("for i in a 'b c'; do echo $i; sleep 1; done; echo $i")).toEqual({
      output: [out("a\n"), out("b c\n", 1000), out("b c\n", 2000)],
      exit: { code: 0, afterMs: 2000 },
    });
    expect(await run("x='1 2'; for i in $x 3; do echo -n $i; done")).toBe("stdout:1stdout:2stdout:3exit 0");
    expect(await run("set -- p q; for i; do echo $i; done")).toBe("stdout:p\nstdout:q\nexit 0");
  });

  test("while and until loop while their condition holds (fails), with break and continue, also out of several loops", async () => {
    expect(await run("while false; do echo x; done; until true; do echo y; done; echo $?")).toBe("stdout:0\nexit 0");
    expect(await sh("i=0; while [ $i -lt 3 ]; do i=$((i+1)); [ $i = 2 ] && continue; echo $i; sleep 1; done")).toEqual({
      output: [out("1\n"), out("3\n", 1000)],
      exit: { code: 0, afterMs: 2000 },
    });
    expect(await run("for a in 1 2; do while true; do echo $a; break 2; done; done; echo out")).toBe("stdout:1\nstdout:out\nexit 0");
    expect(await run("break; continue 2; echo $?")).toBe("stdout:0\nexit 0");
  });

  test("case: the first item with a matching pattern runs: |, *, ?, [...] and [!...]; quoting makes pattern characters plain", async () => {
    expect(await run("for f in a.sh b.txt c; do case $f in *.sh|*.bash) echo script;; ?.txt) echo text;; [!ab]) echo other;; esac; done")).toBe(
      "stdout:script\nstdout:text\nstdout:other\nexit 0",
    );
    expect(await run("false; case x in y) echo y;; esac")).toBe("exit 0");
    expect(await run("p='a*'; case abc in \"$p\") echo quoted;; $p) echo glob;; esac; case '*' in \\*) echo escaped;; esac")).toBe("stdout:glob\nstdout:escaped\nexit 0");
    expect(await run("case $X in\n  1)\n    if true; then case a in a) exit 5;; esac; fi\n    ;;\n  *) echo no\nesac", { env: ["X=1"] })).toBe("exit 5");
  });

  test("{ } groups run in the shell; ( ) subshells in a copy of it, whose changes stay there", async () => {
    expect(await run("x=1; { x=2; echo in $x; }; echo $x; (x=3; cd /tmp; echo sub $x); echo $x $PWD", { files: { "/tmp": [] } })).toBe(
      "stdout:in 2\nstdout:2\nstdout:sub 3\nstdout:2 /\nexit 0",
    );
    expect(await run("(exit 7); echo $?; { false; }; echo $?")).toBe("stdout:7\nstdout:1\nexit 0");
    expect(await run("{ echo a; echo b; } > /tmp/g; cat /tmp/g", { files: { "/tmp": [] } })).toBe("stdout:a\nb\nexit 0");
  });
});

describe("functions", () => {
  test("a function runs in the shell with its own positional parameters; return ends it with a status", async () => {
    expect(await run('f() { echo "$# $1 $2"; shift; echo $@; return 3; echo never; }; f a "b c" d; echo $? $#')).toBe("stdout:3 a b c\nstdout:b c d\nstdout:3 0\nexit 0");
    expect(await run("f() { v=2; }; v=1; f; echo $v; g() { local v=3; echo $v; }; g; echo $v")).toBe("stdout:2\nstdout:3\nstdout:2\nexit 0");
    expect(await run("f() { echo $FOO; }; FOO=bar f; echo [$FOO]")).toBe("stdout:bar\nstdout:[]\nexit 0");
    expect(await run("local x")).toBe("stderr:sh: local: line 0: not in a function\nexit 2");
    expect(await run("f() { return; }; false; f; echo $?; return 5; echo never")).toBe("stdout:1\nexit 5");
  });

  test("functions call each other, loop, and take redirections", async () => {
    expect(await run("fib() { if [ $1 -lt 2 ]; then echo $1; return; fi; echo $(( $(fib $(($1-1))) + $(fib $(($1-2))) )); }; fib 10")).toBe("stdout:55\nexit 0");
    expect(await run("f() { echo in f; echo err >&2; }; f 2>/dev/null > /tmp/o; cat /tmp/o", { files: { "/tmp": [] } })).toBe("stdout:in f\nexit 0");
  });
});

describe("expansions", () => {
  test("parameters: defaults, assignments, errors, lengths, patterns, substrings and replacements", async () => {
    expect(await run("echo ${x:-d} ${x-e} ${x=set} $x ${y:+plus} ${#x}; unset x; echo ${x+gone}.")).toBe("stdout:d e set set 3\nstdout:.\nexit 0");
    expect(await run("x=hello.tar.gz; echo ${x%.*} ${x%%.*} ${x#*.} ${x##*.}; y=abcdef; echo ${y:2} ${y:1:3} ${y: -2} ${y/c/X} ${y//[ae]/_}")).toBe(
      "stdout:hello.tar hello tar.gz gz\nstdout:cdef bcd ef abXdef _bcd_f\nexit 0",
    );
    expect(await run("echo ${v:?must be set}; echo never")).toBe("stderr:sh: v: must be set\nexit 2");
    expect(await run("set -u; echo ${v:-fine}; echo $v; echo never")).toBe("stdout:fine\nstderr:sh: v: parameter not set\nexit 2");
  });

  test("$(...) and backquotes: the output without its trailing newlines; an assignment's status is the substitution's", async () => {
    expect(await run('x=$(echo a; echo b); echo "$x" `echo back` "$(echo "in  quotes")"')).toBe("stdout:a\nb back in  quotes\nexit 0");
    expect(await run("x=$(exit 3); echo $?; echo $(exit 4) $?")).toBe("stdout:3\nstdout:0\nexit 0");
    expect(await sh("echo $(sleep 2; echo late) now")).toEqual({ output: [out("late now\n", 2000)], exit: { code: 0, afterMs: 2000 } });
  });

  test("$((...)): 64-bit arithmetic with assignments; errors end the script", async () => {
    expect(await run("x=5; echo $((x*2+1)) $((x+=3)) $x $((x++)) $x $((2**10)) $((x>3 ? 1 : 0)) $((010+0x10)) $((-7/2))")).toBe("stdout:11 8 8 8 9 1024 1 24 -3\nexit 0");
    expect(await run("a=b; b=7; echo $((a+1)); x=3+4; echo $((x*2))")).toBe("stdout:8\nstdout:14\nexit 0");
    expect(await run("echo $((1/0)); echo never")).toBe("stderr:sh: divide by zero\nexit 2");
    expect(await run("echo $((1+)); echo never")).toBe("stderr:sh: arithmetic syntax error\nexit 2");
  });

  test("field splitting at IFS, \"$@\" and \"$*\", and pathname expansion of what matches in byte order", async () => {
    expect(await run('set -- a "b c"; for i in "$@"; do echo "[$i]"; done; echo "$*"; IFS=:; echo "$*"; x=p:q::r; for i in $x; do echo "<$i>"; done')).toBe(
      "stdout:[a]\nstdout:[b c]\nstdout:a b c\nstdout:a:b c\nstdout:<p>\nstdout:<q>\nstdout:<>\nstdout:<r>\nexit 0",
    );
    const files = { "/etc": ["passwd", "group", "hosts", ".hidden"], "/etc/passwd": "", "/etc/group": "", "/etc/hosts": "" };
    expect(await run("echo /etc/*; echo /etc/h*; echo /nope/*; echo '/etc/*'; cd /etc; echo *s*", { files })).toBe(
      "stdout:/etc/group /etc/hosts /etc/passwd\nstdout:/etc/hosts\nstdout:/nope/*\nstdout:/etc/*\nstdout:hosts passwd\nexit 0",
    );
  });

  test("quotes and backslashes make ; ( ) { } | & and keywords plain text; a quoted > or NAME= is a word", async () => {
    expect(await run(`echo "a;b" 'c;d'; echo 'if' "(x)" '{y}' "a|b" 'a&b' "a&&b" \\(z\\) '$(no)'`)).toBe("stdout:a;b c;d\nstdout:if (x) {y} a|b a&b a&&b (z) $(no)\nexit 0");
    expect(await run(`echo ">" x '>>' y \\> z "2>&1" '>&2'; v='>'; echo $v w`)).toBe("stdout:> x >> y > z 2>&1 >&2\nstdout:> w\nexit 0");
    expect(await run(`"x=1"; 'y'=2`)).toBe("stderr:sh: x=1: not found\nstderr:sh: y=2: not found\nexit 127");
    expect(await run(`x="a b"; y=$x'!'$x; echo "$y"; echo z=$x $'tab\\there'`)).toBe("stdout:a b!a b\nstdout:z=a b tab\there\nexit 0");
  });

  test("$NAME and ${NAME} come from the process's environment (the last of a name wins); ~ is HOME", async () => {
    const env = ["HOSTNAME=pod", "GREETING=hi  there", "GREETING=hello  there", "EMPTY=", "HOME=/root"];
    expect(await run("echo $HOSTNAME ${GREETING}! [$NOPE] [$EMPTY] ~ ~/x", { env })).toBe("stdout:pod hello there! [] [] /root /root/x\nexit 0");
  });
});

describe("here-documents, read and eval", () => {
  test("a here-document's text, expanded unless its delimiter is quoted; <<- strips leading tabs", async () => {
    expect(await run("x=1; cat <<EOF\nx=$x $(echo sub) \\$x\nEOF\ncat <<'EOF'\n$x\nEOF\ncat <<-EOF\n\tindented\n\tEOF")).toBe("stdout:x=1 sub $x\nstdout:$x\nstdout:indented\nexit 0");
  });

  test("read takes a line into variables (the last one gets the rest), from a here-document, a pipe or a file", async () => {
    expect(await run("read a b <<EOF\none two three\nEOF\necho \"[$a] [$b]\"")).toBe("stdout:[one] [two three]\nexit 0");
    expect(await run('printf "1\\n2\\n" | while read n; do echo got $n; done; echo a | read x; echo [$x]')).toBe("stdout:got 1\nstdout:got 2\nstdout:[]\nexit 0");
    expect(await run("while IFS=: read user rest; do echo $user; done < /etc/passwd", { files: { "/etc/passwd": "root:x:0\nwww:x:33\n" } })).toBe("stdout:root\nstdout:www\nexit 0");
    expect(await run("read x </dev/null; echo $? [$x]", { files: { "/dev/null": "" } })).toBe("stdout:1 []\nexit 0");
  });

  test("read waits for a live shell's stdin", async () => {
    expect(await run("read a; read b; echo \"$b $a\"; read c; echo $? [$c]", { stdin: "first\nsecond\nrest" })).toBe("stdout:second first\nstdout:1 [rest]\nexit 0");
  });

  test("eval runs its words as a script in the shell; . runs a file's", async () => {
    expect(await run("cmd='x=5; echo $x'; eval $cmd; echo $x; eval; echo $?")).toBe("stdout:5\nstdout:5\nstdout:0\nexit 0");
    expect(await run(". /lib.sh; greet you", { files: { "/lib.sh": "greet() { echo hello $1; }\n" } })).toBe("stdout:hello you\nexit 0");
    expect(await run(". /nope; echo never")).toBe("stderr:sh: .: line 0: can't open '/nope': No such file or directory\nexit 2");
  });
});

describe("options, shift and traps", () => {
  test("set -e ends the script at a failure nothing tests; set -u at an unset variable; set -x traces", async () => {
    expect(await run("set -e; false || true; if false; then :; fi; ! true; echo still; false; echo never")).toBe("stdout:still\nexit 1");
    expect(await run("set -e; x=$(false); echo never")).toBe("exit 1");
    expect(await run("set -e; f() { false; echo in f; }; f && echo after")).toBe("stdout:in f\nstdout:after\nexit 0");
    expect(await run("set -x; echo a 'b c'; x=1")).toBe("stderr:+ echo a 'b c'\nstdout:a b c\nstderr:+ x=1\nexit 0");
    expect(await run("echo $-; set -eu; echo $-; set +e; echo $-")).toBe("stdout:c\nstdout:uce\nstdout:uc\nexit 0");
  });

  test("shift and set -- move the positional parameters", async () => {
    expect(await emulated(["sh", "-c", 'echo $0 $#; shift; echo $1; shift 5; echo $?; set -- x "y z"; echo $# "$2"', "name", "a", "b"])).toEqual({
      output: [out("name 2\n"), out("b\n"), out("1\n"), out("2 y z\n")],
      exit: { code: 0, afterMs: 0 },
    });
    expect(await run("shift x")).toBe("stderr:sh: shift: line 0: Illegal number: x\nexit 2");
  });

  test("trap: the EXIT trap runs as the shell ends, with its status; trap lists what is set", async () => {
    expect(await run("trap 'echo bye $?' EXIT; echo hi; exit 3")).toBe("stdout:hi\nstdout:bye 3\nexit 3");
    expect(await run("trap 'echo t; exit 4' EXIT; false")).toBe("stdout:t\nexit 4");
    expect(await run("trap 'echo a' INT TERM; trap - INT; trap '' HUP; trap")).toBe("stdout:trap -- '' HUP\ntrap -- 'echo a' TERM\nexit 0");
    expect(await run("trap x BOGUS; echo $?")).toBe("stderr:sh: trap: line 0: BOGUS: invalid signal specification\nstdout:1\nexit 0");
  });

  test("a trapped signal runs its trap between commands, after the command the shell waits for", async () => {
    const trapped = await emulated(["sh", "-c", "trap 'echo got TERM; exit 42' TERM; echo ready; sleep 10; echo never"], { exec: false, signals: [{ atMs: 2000, signal: 15 }] });
    expect(trapped).toEqual({ output: [out("ready\n"), out("got TERM\n", 10_000)], exit: { code: 42, afterMs: 10_000 } });
    const ignored = await emulated(["sh", "-c", "trap '' TERM; sleep 5; echo still here"], { exec: false, signals: [{ atMs: 1000, signal: 15 }] });
    expect(ignored).toEqual({ output: [out("still here\n", 5000)], exit: { code: 0, afterMs: 5000 } });
    const waiting = await emulated(["sh", "-c", "trap 'echo stopping; exit 0' TERM; sleep 600 & wait"], { exec: false, signals: [{ atMs: 3000, signal: 15 }] });
    expect(waiting).toEqual({ output: [out("stopping\n", 3000)], exit: { code: 0, afterMs: 3000 } });
  });
});

describe("background jobs", () => {
  test("& runs a job beside the shell; wait waits for it and gives its status; $! is its PID", async () => {
    expect(await sh("sleep 2 & echo started; wait; echo done")).toEqual({ output: [out("started\n"), out("done\n", 2000)], exit: { code: 0, afterMs: 2000 } });
    expect(await sh("(sleep 1; exit 3) & pid=$!; wait $pid; echo $?")).toEqual({ output: [out("3\n", 1000)], exit: { code: 0, afterMs: 1000 } });
    expect(await sh("(sleep 1; echo job) & echo main")).toEqual({ output: [out("main\n"), out("job\n", 1000)], exit: { code: 0, afterMs: 1000 } });
  });

  test("kill ends a job by its PID or number; what other processes are is left to the process table", async () => {
    expect(await run("sleep 100 & kill $!; wait $!; echo $?")).toBe("stderr:Terminated\nstdout:143\nexit 0");
    expect(await run("sleep 100 & kill -9 %1; wait; echo $?")).toBe("stdout:0\nexit 0");
    expect(await run("kill %3")).toBe("stderr:sh: kill: line 0: %3: no such job\nexit 2");
    expect(await run("kill 1")).toBe("stderr:sh: kill 1: not emulated by fake-cri\nexit 127");
  });
});

describe("what is not emulated", () => {
  test("says so in an exec, and runs on in a container's process", async () => {
    expect(await run("echo a; echo $RANDOM")).toBe("stdout:a\nstderr:sh: $RANDOM: not emulated by fake-cri\nexit 127");
    expect(await emulated(["sh", "-c", "echo a; alias x=y"], { exec: false })).toEqual({ output: [out("a\n")] });
  });
});
