import { describe, expect, test } from "vitest";
import { emulateContainerProcess, emulateExecLine } from "./process-emulation.ts";
import { shellScript } from "./shell.ts";
import type { ProcessScript } from "./processes.ts";

const busyboxFiles = new Set(["/bin/sh", "/bin/sleep", "/bin/busybox", "/pause"]);
const inImage = (args: string[], extra: { memoryLimit?: bigint; env?: string[] } = {}) =>
  emulateContainerProcess({ args, env: extra.env ?? ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], hasFile: (p) => busyboxFiles.has(p), ...extra });

describe("the default emulation of a container's process", () => {
  test("true, false, echo and sleep as busybox runs them", () => {
    expect(inImage(["true"])).toEqual({ exit: { code: 0, afterMs: 0 } });
    expect(inImage(["false"])).toEqual({ exit: { code: 1, afterMs: 0 } });
    expect(inImage(["echo", "a", "b"])).toEqual({ output: [{ stream: "stdout", data: "a b\n", atMs: 0 }], exit: { code: 0, afterMs: 0 } });
    expect(inImage(["sleep", "3"])).toEqual({ exit: { code: 0, afterMs: 3000 } });
    expect(inImage(["sleep", "1.5", "1m"])).toEqual({ exit: { code: 0, afterMs: 61_500 } });
    expect(inImage(["sleep", "infinity"])).toEqual({});
    expect(inImage(["sleep", "soon"])).toEqual({
      output: [{ stream: "stderr", data: "sleep: invalid number 'soon'\n", atMs: 0 }],
      exit: { code: 1, afterMs: 0 },
    });
  });

  test("sh -c runs statements in order; exit codes wrap at 256; unknown commands are not found (127)", () => {
    expect(inImage(["sh", "-c", "echo started; sleep 600"])).toEqual({
      output: [{ stream: "stdout", data: "started\n", atMs: 0 }],
      exit: { code: 0, afterMs: 600_000 },
    });
    expect(inImage(["sh", "-c", "echo 'two words'; exit 256"])).toEqual({
      output: [{ stream: "stdout", data: "two words\n", atMs: 0 }],
      exit: { code: 0, afterMs: 0 },
    });
    expect(shellScript("sleep 1; exit 42; echo never")).toEqual({ exit: { code: 42, afterMs: 1000 } });
    expect(shellScript("echo a; sleep infinity; exit 1")).toEqual({ output: [{ stream: "stdout", data: "a\n", atMs: 0 }] });
    expect(shellScript("nope")).toEqual({ output: [{ stream: "stderr", data: "sh: nope: not found\n", atMs: 0 }], exit: { code: 127, afterMs: 0 } });
    expect(shellScript("exit x")).toEqual({ output: [{ stream: "stderr", data: "sh: exit: Illegal number: x\n", atMs: 0 }], exit: { code: 2, afterMs: 0 } });
    expect(shellScript("false")).toEqual({ exit: { code: 1, afterMs: 0 } });
    expect(shellScript("false; :")).toEqual({ exit: { code: 0, afterMs: 0 } });
  });

  test("tail -f runs until killed; tail /dev/zero is OOM-killed under a memory limit, in about 1 ms per MiB", () => {
    expect(inImage(["tail", "-f", "/dev/null"])).toEqual({});
    expect(inImage(["tail", "/dev/zero"])).toEqual({});
    expect(inImage(["tail", "/dev/zero"], { memoryLimit: 33554432n })).toEqual({ oom: { afterMs: 32 } });
    expect(inImage(["sh", "-c", "echo filling; tail /dev/zero"], { memoryLimit: 1048576n })).toEqual({
      output: [{ stream: "stdout", data: "filling\n", atMs: 0 }],
      oom: { afterMs: 1 },
    });
  });

  test("dd from /dev/zero holds one block: a block beyond the memory limit is OOM-killed as it fills (critest's OOM spec)", () => {
    const limit = { memoryLimit: 15n * 1024n * 1024n };
    expect(inImage(["sh", "-c", "dd if=/dev/zero of=/dev/null bs=20M"], limit)).toEqual({ oom: { afterMs: 15 } });
    expect(inImage(["dd", "if=/dev/zero", "of=/dev/null", "bs=16MB"], limit)).toEqual({ oom: { afterMs: 15 } });
    // A block within the limit, no limit, a count, another input or a size busybox refuses: no OOM.
    for (const args of [["bs=15M"], ["bs=20M", "count=1"], ["bs=2x"]]) {
      expect(inImage(["dd", "if=/dev/zero", "of=/dev/null", ...args], limit), args.join(" ")).toEqual({});
    }
    expect(inImage(["dd", "if=/dev/zero", "of=/dev/null", "bs=1G"])).toEqual({});
    expect(inImage(["dd", "if=/dev/urandom", "of=/dev/null", "bs=1G"], limit)).toEqual({});
  });

  test("an executable missing from the root filesystem fails to start with runc's reasons", () => {
    expect(inImage(["/no/such/binary"])).toEqual({ failStart: { reason: 'exec: "/no/such/binary": stat /no/such/binary: no such file or directory' } });
    expect(inImage(["no-such-command"])).toEqual({ failStart: { reason: 'exec: "no-such-command": executable file not found in $PATH' } });
    expect(inImage(["busybox"])).toEqual({});
    expect(inImage(["/pause"])).toEqual({});
    expect(inImage(["/bin/sleep", "1"])).toEqual({ exit: { code: 0, afterMs: 1000 } });
    expect(inImage(["/usr/bin/true"])).toEqual({ exit: { code: 0, afterMs: 0 } });
    expect(inImage(["busybox"], { env: ["PATH=/nowhere"] })).toEqual({ failStart: { reason: 'exec: "busybox": executable file not found in $PATH' } });
  });

  test("without a root filesystem to look in, anything not emulated runs until killed", () => {
    expect(emulateContainerProcess({ args: ["/app", "--serve"], env: [] })).toEqual({});
    expect(emulateContainerProcess({ args: [], env: [] })).toEqual({});
  });
});

describe("images without a shell", () => {
  test("the pause image has no sh: runc cannot find it", () => {
    const pauseOnly = (p: string) => p === "/pause";
    expect(emulateContainerProcess({ args: ["sh", "-c", "exit 0"], env: ["PATH=/usr/bin:/bin"], hasFile: pauseOnly })).toEqual({
      failStart: { reason: 'exec: "sh": executable file not found in $PATH' },
    });
    expect(emulateContainerProcess({ args: ["/bin/sleep", "1"], env: [], hasFile: pauseOnly })).toEqual({
      failStart: { reason: 'exec: "/bin/sleep": stat /bin/sleep: no such file or directory' },
    });
  });
});

describe("a made-up shell image", () => {
  const shellOnly = (p: string) => p === "/bin/sh";

  test("has every busybox applet, which runs until killed unless emulated (critest runs `top`)", () => {
    expect(emulateContainerProcess({ args: ["top"], env: [], hasFile: shellOnly })).toEqual({});
    expect(emulateContainerProcess({ args: ["/bin/nc", "-l", "-p", "8080"], env: [], hasFile: shellOnly })).toEqual({});
    expect(emulateContainerProcess({ args: ["true"], env: [], hasFile: shellOnly })).toEqual({ exit: { code: 0, afterMs: 0 } });
  });

  test("and nothing busybox lacks", () => {
    expect(emulateContainerProcess({ args: ["python3"], env: [], hasFile: shellOnly })).toEqual({
      failStart: { reason: 'exec: "python3": executable file not found in $PATH' },
    });
    expect(emulateContainerProcess({ args: ["/opt/bin/top"], env: [], hasFile: shellOnly })).toEqual({
      failStart: { reason: 'exec: "/opt/bin/top": stat /opt/bin/top: no such file or directory' },
    });
  });
});

describe("a command that exists but is not emulated", () => {
  const image = (p: string) => p === "/bin/sh" || p === "/app/server";
  const stderr = (data: string) => ({ output: [{ stream: "stderr", data, atMs: 0 }], exit: { code: 127, afterMs: 0 } });

  test("in a container's own script it runs until killed, like the image's own program; one that is not there is not found", () => {
    expect(emulateContainerProcess({ args: ["sh", "-c", "/app/server --port 80"], env: [], hasFile: image })).toEqual({});
    expect(emulateContainerProcess({ args: ["sh", "-c", "sed -i s/a/b/ /etc/x; echo after"], env: [], hasFile: image })).toEqual({});
    expect(emulateContainerProcess({ args: ["sh", "-c", "/app/nope"], env: [], hasFile: image })).toEqual(stderr("sh: /app/nope: not found\n"));
  });

  test("in an exec, which is expected to end, it ends at once with status 127 and a note; one that is not there fails as runc's does", () => {
    const exec = (args: string[]) => emulateExecLine(args, { env: [], hasFile: image });
    expect(exec(["sed", "-n", "1p", "/etc/passwd"])).toEqual(stderr("sed: not emulated by fake-cri\n"));
    expect(exec(["/app/server", "--health"])).toEqual(stderr("/app/server: not emulated by fake-cri\n"));
    expect(exec(["sh", "-c", "sed 1q /etc/passwd; echo $?"])).toEqual({
      output: [
        { stream: "stderr", data: "sh: sed: not emulated by fake-cri\n", atMs: 0 },
        { stream: "stdout", data: "127\n", atMs: 0 },
      ],
      exit: { code: 0, afterMs: 0 },
    });
    expect(exec(["python3"])).toEqual({ failStart: { reason: 'exec: "python3": executable file not found in $PATH' } });
    expect(exec(["sh", "-c", "python3"])).toEqual(stderr("sh: python3: not found\n"));
    // Without a root filesystem to look in, runc's start failure, as before.
    expect(emulateExecLine(["sed"], { env: [] })).toBeUndefined();
  });

  test("an exec's script that goes beyond the emulation ends there with a note; one that truly never ends runs on", () => {
    const exec = (script: string) => emulateExecLine(["sh", "-c", script], { env: [], hasFile: image });
    expect(exec("f() { echo y; }; f")).toEqual(stderr("sh: script not emulated by fake-cri\n"));
    expect(exec("echo a >&2; cd -; echo never")).toEqual({
      output: [
        { stream: "stderr", data: "a\n", atMs: 0 },
        { stream: "stderr", data: "sh: script not emulated by fake-cri\n", atMs: 0 },
      ],
      exit: { code: 127, afterMs: 0 },
    });
    expect(exec("sleep 2; [ -x /bin/sh ]")).toEqual({ output: [{ stream: "stderr", data: "sh: script not emulated by fake-cri\n", atMs: 2000 }], exit: { code: 127, afterMs: 2000 } });
    expect(exec("sleep infinity")).toEqual({});
    expect(exec("echo $(sleep infinity)")).toEqual({});
    expect(emulateContainerProcess({ args: ["sh", "-c", "echo a; cd -"], env: [], hasFile: image })).toEqual({ output: [{ stream: "stdout", data: "a\n", atMs: 0 }] });
  });
});

describe("a container's shell script beyond the emulation", () => {
  const shellOnly = (p: string) => p === "/bin/sh";
  const run = (script: string) => emulateContainerProcess({ args: ["sh", "-c", script], env: [], hasFile: shellOnly });

  test("an applet the fake does not emulate runs until killed (critest's pause command, sh -c top)", () => {
    expect(run("top")).toEqual({});
    expect(run("echo up; httpd -f -p 8080")).toEqual({ output: [{ stream: "stdout", data: "up\n", atMs: 0 }] });
    expect(run("frobnicate")).toEqual({ output: [{ stream: "stderr", data: "sh: frobnicate: not found\n", atMs: 0 }], exit: { code: 127, afterMs: 0 } });
  });

  test("functions, unfinished or empty compound commands, pathname expansion, pipes and substitutions without the files, and loops that do not end in 10,000 rounds run until killed", () => {
    for (const script of [
      "f() { echo y; }; f",
      "if true; then exit 3",
      "if true; fi",
      "if true; then fi",
      "if true; then echo a; fi && echo b",
      "for f in /etc/*; do echo $f; done",
      "for i; do echo $i; done",
      "for i in 1 2; do echo $i",
      "echo a; ; echo b",
      "echo a | grep a",
      "sleep 1 &",
      "true && while true; do sleep 1; done",
      "echo x &&",
      "&& echo x",
      "echo a || || echo b",
      "echo $(hostname)",
      "while [ -f /tmp/go ]; do sleep 1; done",
      "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done",
      "while true; do while true; do sleep 1; done; done",
      "while true; do echo never done; sleep 1",
      "while true; echo x; sleep 1; done",
    ]) {
      expect(run(script), script).toEqual({});
    }
  });
});

describe("commands that read the container's files, when the files are at hand", () => {
  const files = new Map([
    ["/etc/hostname", "pod\n"],
    ["/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/var/www:/bin/false\n"],
    ["/etc/group", "root:x:0:\nwww:x:33:\nstaff:x:50:www\n"],
  ]);
  const access = {
    readFile: (path: string) => (files.has(path) ? new TextEncoder().encode(files.get(path)) : undefined),
    readDir: () => undefined,
    readOnly: () => false,
    locate: (path: string) => path,
    user: { uid: 33, gid: 33, additionalGids: [50] },
    cwd: "/",
    terminal: false,
  };
  const run = (script: string) => shellScript(script, { unemulated: { exists: (command) => ["cat", "id", "hostname"].includes(command), exec: false }, files: access });
  const out = (data: string) => ({ stream: "stdout", data, atMs: 0 });
  const text = (script: ProcessScript) => (script.output ?? []).map((o) => `${o.stream}:${typeof o.data === "string" ? o.data : new TextDecoder().decode(o.data)}`).join("");

  test("cat, hostname and id read them; $(command) is a command's output without its trailing newlines", () => {
    expect(text(run("cat /etc/hostname; hostname; cat /nope || echo none"))).toBe(
      "stdout:pod\nstdout:pod\nstderr:cat: can't open '/nope': No such file or directory\nstdout:none\n",
    );
    expect(run("echo $(id -u):$(id -g)")).toEqual({ output: [out("33:33\n")], exit: { code: 0, afterMs: 0 } });
    expect(shellScript("echo $(echo $GREETING)!", { env: ["GREETING=hi"] })).toEqual({ output: [out("hi!\n")], exit: { code: 0, afterMs: 0 } });
    expect(text(run("id; id -Gn; echo \"[$(hostname)]\" $(echo a  b)"))).toBe("stdout:uid=33(www) gid=33(www) groups=50(staff)\nstdout:staff\nstdout:[pod] a b\n");
    expect(run("echo $(id -un nobody) after")).toEqual({
      output: [{ stream: "stderr", data: "id: unknown user nobody\n", atMs: 0 }, out("after\n")],
      exit: { code: 0, afterMs: 0 },
    });
    expect(run("echo $(sleep 2) late")).toEqual({ output: [{ stream: "stdout", data: " late\n".trimStart(), atMs: 2000 }], exit: { code: 0, afterMs: 2000 } });
  });

  test("without them, the commands are not emulated; a substitution beyond the emulation makes the script run until killed", () => {
    expect(shellScript("cat /etc/hostname; echo next", { unemulated: { exists: (command) => command === "cat", exec: false } })).toEqual({});
    expect(run("echo $(echo a | cat)")).toEqual({});
    expect(run("echo $(while true; do sleep 1; done)")).toEqual({});
    expect(run("echo $(sleep infinity) never")).toEqual({});
  });
});

describe("ls, as busybox lists to a pipe", () => {
  const tree: Record<string, string[] | string> = {
    "/": ["etc", "tmp", "mnt"],
    "/etc": ["passwd", "hostname", ".hidden", "group"],
    "/etc/passwd": "root:x:0:0::/:/bin/sh\n",
    "/etc/hostname": "pod\n",
    "/tmp": [],
    "/mnt": ["b", "a", "B"],
    "/work": ["notes"],
    "/work/notes": "x\n",
  };
  const access = (cwd = "/", terminal = false) => ({
    readFile: (path: string) => (typeof tree[path] === "string" ? new TextEncoder().encode(tree[path] as string) : undefined),
    readDir: (path: string) => {
      const entry = tree[path.replace(/(.)\/+$/, "$1")];
      return Array.isArray(entry) ? entry : undefined;
    },
    readOnly: () => false,
    locate: (path: string) => path,
    user: { uid: 0, gid: 0, additionalGids: [] },
    cwd,
    terminal,
  });
  const ls = (args: string[], files = access()) => emulateExecLine(["ls", ...args], { env: [], files });
  const result = (stdout: string, code = 0, stderr = "") => ({
    output: [...(stderr ? [{ stream: "stderr", data: stderr, atMs: 0 }] : []), ...(stdout ? [{ stream: "stdout", data: stdout, atMs: 0 }] : [])],
    exit: { code, afterMs: 0 },
  });

  test("a directory: one name a line, in byte order; dot names only with -A, and . and .. with -a", () => {
    expect(ls(["/etc"])).toEqual(result("group\nhostname\npasswd\n"));
    expect(ls(["-A", "/etc"])).toEqual(result(".hidden\ngroup\nhostname\npasswd\n"));
    expect(ls(["-1a", "/etc/"])).toEqual(result(".\n..\n.hidden\ngroup\nhostname\npasswd\n"));
    expect(ls(["/mnt"])).toEqual(result("B\na\nb\n"));
    expect(ls(["/tmp"])).toEqual({ exit: { code: 0, afterMs: 0 } });
  });

  test("several operands: errors first, then the files, then each directory under its name", () => {
    expect(ls(["/tmp", "/etc/passwd", "/nope", "/mnt", "/etc/hostname"])).toEqual(
      result("/etc/hostname\n/etc/passwd\n\n/mnt:\nB\na\nb\n\n/tmp:\n", 1, "ls: /nope: No such file or directory\n"),
    );
    expect(ls(["/tmp", "/mnt"])).toEqual(result("/mnt:\nB\na\nb\n\n/tmp:\n"));
    expect(ls(["/etc/passwd"])).toEqual(result("/etc/passwd\n"));
  });

  test("relative paths, and no operand, start from the working directory", () => {
    expect(ls([], access("/work"))).toEqual(result("notes\n"));
    expect(ls(["notes"], access("/work"))).toEqual(result("notes\n"));
    expect(emulateExecLine(["cat", "../work/./notes"], { env: [], files: access("/work") })).toEqual({
      output: [{ stream: "stdout", data: new TextEncoder().encode("x\n"), atMs: 0 }],
      exit: { code: 0, afterMs: 0 },
    });
  });

  test("in a script, and as a container's command", () => {
    expect(shellScript("ls /nope || ls /mnt", { files: access() })).toEqual(result("B\na\nb\n", 0, "ls: /nope: No such file or directory\n"));
  });

  test("other options, options after an operand, and a terminal are not emulated", () => {
    for (const args of [["-l", "/etc"], ["/etc", "-A"], ["--color", "/etc"]]) expect(ls(args), args.join(" ")).toBeUndefined();
    expect(ls(["/etc"], access("/", true))).toBeUndefined();
    expect(ls(["--", "-A"])).toEqual(result("", 1, "ls: -A: No such file or directory\n"));
  });
});

describe("commands that change files: the script sees its changes at once, the container at their moment", () => {
  const tree: Record<string, string[] | string> = { "/": ["etc", "tmp", "ro"], "/etc": ["passwd"], "/etc/passwd": "root\n", "/tmp": [], "/ro": ["f"], "/ro/f": "x\n" };
  const access = {
    readFile: (path: string) => (typeof tree[path] === "string" ? new TextEncoder().encode(tree[path] as string) : undefined),
    readDir: (path: string) => (Array.isArray(tree[path]) ? (tree[path] as string[]) : undefined),
    readOnly: (path: string) => path === "/ro" || path.startsWith("/ro/"),
    locate: (path: string) => path,
    user: { uid: 0, gid: 0, additionalGids: [] },
    cwd: "/tmp",
    terminal: false,
  };
  const run = (script: string) => shellScript(script, { files: access });
  const text = (script: ProcessScript) =>
    (script.output ?? []).map((o) => `${o.stream}:${typeof o.data === "string" ? o.data : new TextDecoder().decode(o.data)}`).join("");

  test("touch, mkdir, rm, > and >> are changes at the moment they run, and the rest of the script sees them", () => {
    const script = run("touch a && [ -f a ] && echo found; sleep 1; mkdir -p /tmp/d/e; echo hi > d/e/f; echo more >> /tmp/d/e/f; cat d/e/f; ls /tmp; sleep 1; rm -r /tmp/d; ls");
    expect(text(script)).toBe("stdout:found\nstdout:hi\nmore\nstdout:a\nd\nstdout:a\n");
    const encoded = (data: string) => new TextEncoder().encode(data);
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

  test("cp and mv of files, into a file or a directory, with busybox's errors; what they would do otherwise is not emulated", () => {
    expect(text(run("cp /etc/passwd /tmp/p; mv /tmp/p /tmp/q; cat /tmp/q; ls /tmp; cp /etc/passwd /ro/f /tmp; ls /tmp"))).toBe("stdout:root\nstdout:q\nstdout:f\npasswd\nq\n");
    expect(text(run("echo x > /tmp/q; cp /nope /tmp; cp /etc /tmp; cp /tmp/q /tmp/q; cp /etc/passwd /ro/g; mv /nope /tmp; echo $?"))).toBe(
      "stderr:cp: can't stat '/nope': No such file or directory\nstderr:cp: omitting directory '/etc'\nstderr:cp: '/tmp/q' and '/tmp/q' are the same file\n" +
        "stderr:cp: can't create '/ro/g': Read-only file system\nstderr:mv: can't rename '/nope': No such file or directory\nstdout:1\n",
    );
    for (const script of ["cp -r /etc /tmp", "mv /etc /tmp", "mv /ro/f /tmp", "cp /etc/passwd /tmp"]) expect(run(script), script).toMatchObject(script.startsWith("cp /etc/passwd") ? { exit: { code: 0 } } : {});
  });

  test("busybox's errors: a read-only filesystem, a missing parent, a directory, what exists", () => {
    expect(text(run("touch /ro/f /ro/g /nope/x; mkdir /etc /ro/d; rm /ro/f /gone /etc; rm -f /gone"))).toBe(
      "stderr:touch: /ro/f: Read-only file system\nstderr:touch: /ro/g: Read-only file system\nstderr:touch: /nope/x: No such file or directory\n" +
        "stderr:mkdir: can't create directory '/etc': File exists\nstderr:mkdir: can't create directory '/ro/d': Read-only file system\n" +
        "stderr:rm: can't remove '/ro/f': Read-only file system\nstderr:rm: can't remove '/gone': No such file or directory\nstderr:rm: '/etc' is a directory\n",
    );
    expect(run("echo x > /ro/f")).toEqual({ output: [{ stream: "stderr", data: "sh: can't create /ro/f: Read-only file system\n", atMs: 0 }], exit: { code: 1, afterMs: 0 } });
    expect(text(run("echo x > /nope/f; echo x > /etc || echo failed"))).toBe("stderr:sh: can't create /nope/f: nonexistent directory\nstderr:sh: can't create /etc: Is a directory\nstdout:failed\n");
    expect(run("[ -f /etc")).toEqual({ output: [{ stream: "stderr", data: "sh: missing ]\n", atMs: 0 }], exit: { code: 2, afterMs: 0 } });
  });

  test("[ and test; redirections in order; /dev/null, /dev/stdout and /dev/stderr are the process's own", () => {
    expect(text(run("[ -d /etc ] && [ ! -e /x ] && test -f /etc/passwd && [ -n x ] && [ a = a ] && [ a != b ] && [ -z '' ] && echo yes"))).toBe("stdout:yes\n");
    expect(text(run("echo one 2>&1 > o; cat o; cat /nope 2> e; cat e; cat /nope 2>/dev/null; echo out > /dev/stderr"))).toBe(
      "stdout:one\nstdout:cat: can't open '/nope': No such file or directory\nstderr:out\n",
    );
    expect(run("[ -x /etc ] && echo maybe")).toEqual({});
    expect(run("echo x >")).toEqual({});
  });

  test("grep: matching lines, FILE: before each when there are several, status 0, 1 or 2; BRE, -E, -F, -i, -q, -v", () => {
    expect(text(run("grep root /etc/passwd; grep -v x /etc/passwd; grep x /etc/passwd || echo $?; grep r /etc/passwd /ro/f /nope; echo $?"))).toBe(
      "stdout:root\nstdout:root\nstdout:1\nstdout:/etc/passwd:root\nstderr:grep: /nope: No such file or directory\nstdout:2\n",
    );
    const grep = (...args: string[]) => text(emulateExecLine(["grep", ...args], { env: [], files: access })!);
    expect(grep("^r.o\\(t\\)\\{1\\}$", "/etc/passwd")).toBe("stdout:root\n");
    expect(grep("-E", "^(x|ro+t)$", "/etc/passwd")).toBe("stdout:root\n");
    expect(grep("-F", "o.t", "/etc/passwd")).toBe("");
    expect(text(run("grep -iq ROOT /etc/passwd && echo quiet"))).toBe("stdout:quiet\n");
    // POSIX classes and stdin are left to a real grep.
    expect(emulateExecLine(["grep", "[[:alpha:]]", "/etc/passwd"], { env: [], files: access })).toBeUndefined();
    expect(emulateExecLine(["grep", "root"], { env: [], files: access })).toBeUndefined();
  });

  test("grep's -c, -n, -x, -w, -o, -l, -h and -s", () => {
    expect(text(run("grep -c o /etc/passwd /ro/f; grep -hn o /etc/passwd /ro/f; grep -x ro /etc/passwd || grep -w ro /etc/passwd || echo none"))).toBe(
      "stdout:/etc/passwd:1\nstdout:/ro/f:0\nstdout:1:root\nstdout:none\n",
    );
    expect(text(run("grep -o 'o' /etc/passwd; grep -l o /ro/f /etc/passwd; grep -s x /nope; echo $?"))).toBe("stdout:o\no\nstdout:/etc/passwd\nstdout:2\n");
  });

  test("test's -a, -o, ! and parentheses, -a binding closer; what busybox reads its own way is not emulated", () => {
    expect(text(run("[ -d /etc -a -f /etc/passwd ] && echo and; [ -f /x -o -n y ] && echo or; [ -n '' -o -z '' -a -f /x ] || echo prec; [ \\( -f /x -o -d /etc \\) -a ! -f /x ] && echo grouped"))).toBe(
      "stdout:and\nstdout:or\nstdout:prec\nstdout:grouped\n",
    );
    expect(run("[ ! \\( -d /etc \\) ]")).toEqual({});
    expect(run("[ -d /etc -a ]")).toEqual({});
  });

  test("uname -s, -m and -o of the fake node (-n is its /etc/hostname); its kernel is not emulated", () => {
    expect(text(run("uname; uname -smo"))).toBe("stdout:Linux\nstdout:Linux x86_64 GNU/Linux\n");
    // Not emulated: with nothing registered as existing, this script's shell does not find it.
    expect(run("uname -r")).toMatchObject({ exit: { code: 127 } });
    // This tree has no /etc/hostname.
    expect(run("uname -n")).toMatchObject({ exit: { code: 127 } });
  });

  test("echo's -n, -e and -E, and the escapes of -e", () => {
    expect(text(run("echo -e 'a\\tb\\0101\\x41\\c gone'; echo; echo -E 'a\\tb'; echo -x -n; echo -nn"))).toBe("stdout:a\tbAAstdout:\nstdout:a\\tb\nstdout:-x -n\n");
  });

  test("a pipeline feeds each command's stdout to the next (cat and grep read it); its status is the last command's", () => {
    expect(text(run("echo hi | cat | cat; echo a | grep b || echo none; echo 'a|b' | grep '|'; cat /etc/passwd | grep -v x | grep ro"))).toBe(
      "stdout:hi\nstdout:none\nstdout:a|b\nstdout:root\n",
    );
    expect(run("echo a | sleep 2 | cat")).toEqual({ exit: { code: 0, afterMs: 2000 } });
    for (const script of ["echo a |", "echo a | sleep infinity", "echo a || | cat"]) expect(run(script), script).toEqual({});
  });

  test("an endless loop that changes files every round is beyond the emulation", () => {
    expect(shellScript("while true; do touch /tmp/beat; sleep 1; done", { files: access })).toEqual({});
    expect(shellScript("touch /tmp/once; while true; do echo tick; sleep 1; done", { files: access })).toMatchObject({
      files: [{ atMs: 0, path: "/tmp/once", change: "touch" }],
      repeat: { fromMs: 0, everyMs: 1000 },
    });
  });
});

describe("words of a container's shell script", () => {
  const run = (script: string, env: string[]) => emulateContainerProcess({ args: ["sh", "-c", script], env, hasFile: (p) => p === "/bin/sh" });
  const printed = (data: string) => ({ output: [{ stream: "stdout", data, atMs: 0 }], exit: { code: 0, afterMs: 0 } });

  test("$NAME and ${NAME} come from the process's environment (the last of a name wins); unquoted, values split at blanks", () => {
    const env = ["HOSTNAME=pod", "GREETING=hi  there", "GREETING=hello  there", "EMPTY="];
    expect(run("echo $HOSTNAME ${GREETING}! [$NOPE] [$EMPTY]", env)).toEqual(printed("pod hello there! [] []\n"));
    expect(run(`echo "$GREETING" '$GREETING' \\$HOSTNAME "\\$x" "a\\b" x\\ y $ "$"`, env)).toEqual(printed('hello  there $GREETING $HOSTNAME $x a\\b x y $ $\n'));
    expect(run("while true; do echo tick $HOSTNAME; sleep 1; done", env)).toEqual({
      repeat: { fromMs: 0, everyMs: 1000, output: [{ stream: "stdout", data: "tick pod\n", atMs: 0 }] },
    });
  });

  test("quotes and backslashes make ; ( ) { } | & and keywords plain text; only unquoted ones are syntax", () => {
    expect(run(`echo "a;b" 'c;d'; echo 'if' "(x)" '{y}' "a|b" 'a&b' "a&&b" \\(z\\) '$(no)'`, [])).toEqual({
      output: [
        { stream: "stdout", data: "a;b c;d\n", atMs: 0 },
        { stream: "stdout", data: "if (x) {y} a|b a&b a&&b (z) $(no)\n", atMs: 0 },
      ],
      exit: { code: 0, afterMs: 0 },
    });
    expect(run(`echo "$(echo in)" done`, [])).toEqual(printed("in done\n"));
    for (const script of [`echo "$(echo a; echo b)"`, "(echo a)", "echo `id`"]) expect(run(script, []), script).toEqual({});
  });

  test("a quoted, escaped or expanded > or NAME= is a word, not a redirection or an assignment", () => {
    const stdout = (script: ProcessScript) => (script.output ?? []).map((o) => o.data).join("");
    expect(run(`echo ">" x '>>' y \\> z "2>&1" '>&2'; v='>'; echo $v w`, [])).toEqual({
      output: [
        { stream: "stdout", data: "> x >> y > z 2>&1 >&2\n", atMs: 0 },
        { stream: "stdout", data: "> w\n", atMs: 0 },
      ],
      exit: { code: 0, afterMs: 0 },
    });
    expect(run(`"x=1"; 'y'=2; \\z=3`, [])).toMatchObject({
      output: [
        { stream: "stderr", data: "sh: x=1: not found\n" },
        { stream: "stderr", data: "sh: y=2: not found\n" },
        { stream: "stderr", data: "sh: z=3: not found\n" },
      ],
    });
    // The value may be quoted: only the NAME= must be plain.
    expect(stdout(run(`x="a b"; y=$x'!'$x; echo "$y"; echo z=$x`, []))).toBe("a b!a b\nz=a b\n");
  });

  test("expansions it does not do, and ${...} with an operator, make the script run until killed", () => {
    for (const script of ["echo $$", "echo $1", "echo ${X:-y}", "echo ${#X}", 'echo "$@"']) expect(run(script, []), script).toEqual({});
  });

  test("assignments, export and unset set the script's variables; a NAME=value before a command is its environment only; $? is the last status", () => {
    const stdout = (script: ProcessScript) => (script.output ?? []).map((o) => o.data).join("");
    expect(stdout(run('x=1; y="a  b"; echo $x $y "$y"; export Z=3 W; echo $Z; unset Z; echo [$Z]', []))).toBe("1 a b a  b\n3\n[]\n");
    expect(run("X=1 echo [$X]; false; echo $?; true; echo $? && nope; echo $?", [])).toMatchObject({
      output: [
        { stream: "stdout", data: "[]\n" },
        { stream: "stdout", data: "1\n" },
        { stream: "stdout", data: "0\n" },
        { stream: "stderr", data: "sh: nope: not found\n" },
        { stream: "stdout", data: "127\n" },
      ],
    });
    expect(run("export", [])).toEqual({});
  });
});
