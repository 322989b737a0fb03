import { describe, expect, test } from "vitest";
import { emulateContainerProcess, shellScript } from "./process-emulation.ts";

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
  });

  test("tail -f runs until killed; tail /dev/zero is OOM-killed under a memory limit, in about 1 ms per MiB", () => {
    expect(inImage(["tail", "-f", "/dev/null"])).toEqual({});
    expect(inImage(["tail", "/dev/zero"])).toEqual({});
    expect(inImage(["tail", "/dev/zero"], { memoryLimit: 33554432n })).toEqual({ oom: { afterMs: 32 } });
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

describe("a container's shell script beyond the emulation", () => {
  const shellOnly = (p: string) => p === "/bin/sh";
  const run = (script: string) => emulateContainerProcess({ args: ["sh", "-c", script], env: [], hasFile: shellOnly });

  test("an applet the fake does not emulate runs until killed (critest's pause command, sh -c top)", () => {
    expect(run("top")).toEqual({});
    expect(run("echo up; httpd -f -p 8080")).toEqual({ output: [{ stream: "stdout", data: "up\n", atMs: 0 }] });
    expect(run("frobnicate")).toEqual({ output: [{ stream: "stderr", data: "sh: frobnicate: not found\n", atMs: 0 }], exit: { code: 127, afterMs: 0 } });
  });

  test("loops, conditionals, pipes and substitutions run until killed", () => {
    for (const script of ["while true; do echo x; sleep 1; done", "if true; then exit 3; fi", "echo a | grep a", "true && exit 1", "echo $(hostname)"]) {
      expect(run(script)).toEqual({});
    }
  });
});
