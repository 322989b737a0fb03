import { describe, expect, test } from "vitest";
import { emulated, sh, transcript, type Tree } from "../testing/emulate.ts";

const encoded = (data: string) => new TextEncoder().encode(data);

describe("ls, as busybox lists to a pipe", () => {
  const tree: Tree = {
    "/": ["etc", "tmp", "mnt"],
    "/etc": ["passwd", "hostname", ".hidden", "group"],
    "/etc/passwd": "root:x:0:0::/:/bin/sh\n",
    "/etc/hostname": "pod\n",
    "/tmp": [],
    "/mnt": ["b", "a", "B"],
    "/work": ["notes"],
    "/work/notes": "x\n",
  };
  const ls = async (args: string[], cwd = "/", terminal = false) => transcript(await emulated(["ls", ...args], { files: tree, cwd, terminal }));

  test("a directory: one name a line, in byte order; dot names only with -A, and . and .. with -a", async () => {
    expect(await ls(["/etc"])).toBe("stdout:group\nhostname\npasswd\nexit 0");
    expect(await ls(["-A", "/etc"])).toBe("stdout:.hidden\ngroup\nhostname\npasswd\nexit 0");
    expect(await ls(["-1a", "/etc/"])).toBe("stdout:.\n..\n.hidden\ngroup\nhostname\npasswd\nexit 0");
    expect(await ls(["/mnt"])).toBe("stdout:B\na\nb\nexit 0");
    expect(await ls(["/tmp"])).toBe("exit 0");
  });

  test("several operands: errors first, then the files, then each directory under its name", async () => {
    expect(await ls(["/tmp", "/etc/passwd", "/nope", "/mnt", "/etc/hostname"])).toBe(
      "stderr:ls: /nope: No such file or directory\nstdout:/etc/hostname\n/etc/passwd\n\n/mnt:\nB\na\nb\n\n/tmp:\nexit 1",
    );
    expect(await ls(["/tmp", "/mnt"])).toBe("stdout:/mnt:\nB\na\nb\n\n/tmp:\nexit 0");
    expect(await ls(["/etc/passwd"])).toBe("stdout:/etc/passwd\nexit 0");
  });

  test("relative paths, and no operand, start from the working directory; in a script too", async () => {
    expect(await ls([], "/work")).toBe("stdout:notes\nexit 0");
    expect(await ls(["notes"], "/work")).toBe("stdout:notes\nexit 0");
    expect(transcript(await emulated(["cat", "../work/./notes"], { files: tree, cwd: "/work" }))).toBe("stdout:x\nexit 0");
    expect(transcript(await sh("ls /nope || ls /mnt", { files: tree }))).toBe("stderr:ls: /nope: No such file or directory\nstdout:B\na\nb\nexit 0");
  });

  test("other options, options after an operand, and a terminal are not emulated", async () => {
    for (const args of [["-l", "/etc"], ["/etc", "-A"], ["--color", "/etc"]]) expect(await ls(args), args.join(" ")).toBe("stderr:ls: not emulated by fake-cri\nexit 127");
    expect(await ls(["/etc"], "/", true)).toBe("stderr:ls: not emulated by fake-cri\nexit 127");
    expect(await ls(["--", "-A"])).toBe("stderr:ls: -A: No such file or directory\nexit 1");
  });
});

describe("commands that change files: the script sees its changes at once, the container at their moment", () => {
  const tree: Tree = { "/": ["etc", "tmp", "ro"], "/etc": ["passwd"], "/etc/passwd": "root\n", "/tmp": [], "/ro": ["f"], "/ro/f": "x\n" };
  const options = { files: tree, readOnly: (path: string) => path === "/ro" || path.startsWith("/ro/"), cwd: "/tmp" };
  const run = async (script: string) => transcript(await sh(script, options));

  test("touch, mkdir, rm, > and >> are changes at the moment they run, and the rest of the script sees them", async () => {
    const script = await sh("touch a && [ -f a ] && echo found; sleep 1; mkdir -p /tmp/d/e; echo hi > d/e/f; echo more >> /tmp/d/e/f; cat d/e/f; ls /tmp; sleep 1; rm -r /tmp/d; ls", options);
    expect(transcript(script)).toBe("stdout:found\nstdout:hi\nmore\nstdout:a\nd\nstdout:a\nexit 0");
    expect(script.files).toEqual([
      { atMs: 0, path: "/tmp/a", change: "touch" },
      { atMs: 1000, path: "/tmp/d", change: "mkdir" },
      { atMs: 1000, path: "/tmp/d/e", change: "mkdir" },
      { atMs: 1000, path: "/tmp/d/e/f", change: "write", data: new Uint8Array() },
      { atMs: 1000, path: "/tmp/d/e/f", change: "append", data: encoded("hi\n") },
      { atMs: 1000, path: "/tmp/d/e/f", change: "append", data: encoded("more\n") },
      { atMs: 2000, path: "/tmp/d", change: "remove" },
    ]);
    expect(script.exit).toEqual({ code: 0, afterMs: 2000 });
  });

  test("cp and mv of files, into a file or a directory, with busybox's errors; what they would do otherwise is not emulated", async () => {
    expect(await run("cp /etc/passwd /tmp/p; mv /tmp/p /tmp/q; cat /tmp/q; ls /tmp; cp /etc/passwd /ro/f /tmp; ls /tmp")).toBe("stdout:root\nstdout:q\nstdout:f\npasswd\nq\nexit 0");
    expect(await run("echo x > /tmp/q; cp /nope /tmp; cp /etc /tmp; cp /tmp/q /tmp/q; cp /etc/passwd /ro/g; mv /nope /tmp; echo $?")).toBe(
      "stderr:cp: can't stat '/nope': No such file or directory\nstderr:cp: omitting directory '/etc'\nstderr:cp: '/tmp/q' and '/tmp/q' are the same file\n" +
        "stderr:cp: can't create '/ro/g': Read-only file system\nstderr:mv: can't rename '/nope': No such file or directory\nstdout:1\nexit 0",
    );
    for (const script of ["cp -r /etc /tmp", "mv /etc /tmp", "mv /ro/f /tmp"]) expect(await run(script), script).toBe(`stderr:sh: ${script.split(" ")[0]}: not emulated by fake-cri\nexit 127`);
  });

  test("busybox's errors: a read-only filesystem, a missing parent, a directory, what exists", async () => {
    expect(await run("touch /ro/f /ro/g /nope/x; mkdir /etc /ro/d; rm /ro/f /gone /etc; rm -f /gone")).toBe(
      "stderr:touch: /ro/f: Read-only file system\nstderr:touch: /ro/g: Read-only file system\nstderr:touch: /nope/x: No such file or directory\n" +
        "stderr:mkdir: can't create directory '/etc': File exists\nstderr:mkdir: can't create directory '/ro/d': Read-only file system\n" +
        "stderr:rm: can't remove '/ro/f': Read-only file system\nstderr:rm: can't remove '/gone': No such file or directory\nstderr:rm: '/etc' is a directory\nexit 0",
    );
    expect(await run("echo x > /ro/f")).toBe("stderr:sh: can't create /ro/f: Read-only file system\nexit 1");
    expect(await run("echo x > /nope/f; echo x > /etc || echo failed")).toBe("stderr:sh: can't create /nope/f: nonexistent directory\nstderr:sh: can't create /etc: Is a directory\nstdout:failed\nexit 0");
    expect(await run("[ -f /etc")).toBe("stderr:sh: missing ]\nexit 2");
  });

  test("[ and test; redirections in order; /dev/null, /dev/stdout and /dev/stderr are the process's own", async () => {
    expect(await run("[ -d /etc ] && [ ! -e /x ] && test -f /etc/passwd && [ -n x ] && [ a = a ] && [ a != b ] && [ -z '' ] && echo yes")).toBe("stdout:yes\nexit 0");
    expect(await run("echo one 2>&1 > o; cat o; cat /nope 2> e; cat e; cat /nope 2>/dev/null; echo out > /dev/stderr")).toBe(
      "stdout:one\nstdout:cat: can't open '/nope': No such file or directory\nstderr:out\nexit 0",
    );
    expect(await run("[ -x /etc ] && echo maybe")).toBe("stderr:sh: [ -x /etc ]: not emulated by fake-cri\nexit 127");
    expect(await run("echo x >")).toBe("stderr:sh: syntax error: unexpected end of file\nexit 2");
  });

  test("grep: matching lines, FILE: before each when there are several, status 0, 1 or 2; BRE, -E, -F, -i, -q, -v, -c, -n, -x, -w, -o, -l, -h and -s", async () => {
    expect(await run("grep root /etc/passwd; grep -v x /etc/passwd; grep x /etc/passwd || echo $?; grep r /etc/passwd /ro/f /nope; echo $?")).toBe(
      "stdout:root\nstdout:root\nstdout:1\nstdout:/etc/passwd:root\nstderr:grep: /nope: No such file or directory\nstdout:2\nexit 0",
    );
    const grep = async (...args: string[]) => transcript(await emulated(["grep", ...args], options));
    expect(await grep("^r.o\\(t\\)\\{1\\}$", "/etc/passwd")).toBe("stdout:root\nexit 0");
    expect(await grep("-E", "^(x|ro+t)$", "/etc/passwd")).toBe("stdout:root\nexit 0");
    expect(await grep("-F", "o.t", "/etc/passwd")).toBe("exit 1");
    expect(await run("grep -iq ROOT /etc/passwd && echo quiet")).toBe("stdout:quiet\nexit 0");
    expect(await run("grep -c o /etc/passwd /ro/f; grep -hn o /etc/passwd /ro/f; grep -x ro /etc/passwd || grep -w ro /etc/passwd || echo none")).toBe(
      "stdout:/etc/passwd:1\nstdout:/ro/f:0\nstdout:1:root\nstdout:none\nexit 0",
    );
    expect(await run("grep -o 'o' /etc/passwd; grep -l o /ro/f /etc/passwd; grep -s x /nope; echo $?")).toBe("stdout:o\no\nstdout:/etc/passwd\nstdout:2\nexit 0");
    // POSIX classes and the process's own stdin are left to a real grep.
    expect(await grep("[[:alpha:]]", "/etc/passwd")).toBe("stderr:grep: not emulated by fake-cri\nexit 127");
    expect(await grep("root")).toBe("stderr:grep: not emulated by fake-cri\nexit 127");
  });

  test("test's -a, -o, ! and parentheses, -a binding closer; what busybox reads its own way is not emulated", async () => {
    expect(await run("[ -d /etc -a -f /etc/passwd ] && echo and; [ -f /x -o -n y ] && echo or; [ -n '' -o -z '' -a -f /x ] || echo prec; [ \\( -f /x -o -d /etc \\) -a ! -f /x ] && echo grouped")).toBe(
      "stdout:and\nstdout:or\nstdout:prec\nstdout:grouped\nexit 0",
    );
    expect(await run("[ ! \\( -d /etc \\) ]")).toBe("stderr:sh: [ ! ( -d /etc ) ]: not emulated by fake-cri\nexit 127");
  });

  test("uname -s, -m and -o of the fake node (-n is its /etc/hostname); its kernel is not emulated", async () => {
    expect(await run("uname; uname -smo")).toBe("stdout:Linux\nstdout:Linux x86_64 GNU/Linux\nexit 0");
    expect(await run("uname -r")).toBe("stderr:sh: uname: not emulated by fake-cri\nexit 127");
  });

  test("echo's -n, -e and -E, and the escapes of -e", async () => {
    expect(await run("echo -e 'a\\tb\\0101\\x41\\c gone'; echo; echo -E 'a\\tb'; echo -x -n; echo -nn")).toBe("stdout:a\tbAAstdout:\nstdout:a\\tb\nstdout:-x -n\nexit 0");
  });

  test("a pipeline feeds each command's stdout to the next; its status is the last command's; the stages take their time in turn", async () => {
    expect(await run("echo hi | cat | cat; echo a | grep b || echo none; echo 'a|b' | grep '|'; cat /etc/passwd | grep -v x | grep ro")).toBe(
      "stdout:hi\nstdout:none\nstdout:a|b\nstdout:root\nexit 0",
    );
    expect(await sh("echo a | sleep 2 | cat", options)).toEqual({ exit: { code: 0, afterMs: 2000 } });
    expect(await sh("echo a | sleep infinity", options)).toEqual({});
  });

  test("an endless loop that changes files every round makes its changes every round", async () => {
    const script = await emulated(["sh", "-c", "touch /tmp/once; while true; do echo beat >> /tmp/beat; sleep 1; done"], { ...options, exec: false, horizonMs: 1500 });
    expect(script.files).toEqual([
      { atMs: 0, path: "/tmp/once", change: "touch" },
      { atMs: 0, path: "/tmp/beat", change: "touch" },
      { atMs: 0, path: "/tmp/beat", change: "append", data: encoded("beat\n") },
      { atMs: 1000, path: "/tmp/beat", change: "append", data: encoded("beat\n") },
    ]);
  });
});
