import { describe, expect, test } from "vitest";
import { missingExecutable } from "./index.ts";
import { emulated, sh, transcript, type EmulateOptions } from "./testing/emulate.ts";

const busyboxFiles = new Set(["/bin/sh", "/bin/sleep", "/bin/busybox", "/pause"]);
const path = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"];
/** A container's own process in the busybox image. */
const inImage = (args: string[], extra: EmulateOptions = {}) => emulated(args, { env: path, hasFile: (p) => busyboxFiles.has(p), exec: false, ...extra });
const out = (data: string, atMs = 0) => ({ stream: "stdout", data, atMs });
const err = (data: string, atMs = 0) => ({ stream: "stderr", data, atMs });

describe("the default emulation of a container's process", () => {
  test("true, false, echo and sleep as busybox runs them", async () => {
    expect(await inImage(["true"])).toEqual({ exit: { code: 0, afterMs: 0 } });
    expect(await inImage(["false"])).toEqual({ exit: { code: 1, afterMs: 0 } });
    expect(await inImage(["echo", "a", "b"])).toEqual({ output: [out("a b\n")], exit: { code: 0, afterMs: 0 } });
    expect(await inImage(["sleep", "3"])).toEqual({ exit: { code: 0, afterMs: 3000 } });
    expect(await inImage(["sleep", "1.5", "1m"])).toEqual({ exit: { code: 0, afterMs: 61_500 } });
    expect(await inImage(["sleep", "infinity"])).toEqual({});
    expect(await inImage(["sleep", "soon"])).toEqual({ output: [err("sleep: invalid number 'soon'\n")], exit: { code: 1, afterMs: 0 } });
  });

  test("sh -c runs statements in order; exit codes wrap at 256; unknown commands are not found (127)", async () => {
    expect(await inImage(["sh", "-c", "echo started; sleep 600"])).toEqual({ output: [out("started\n")], exit: { code: 0, afterMs: 600_000 } });
    expect(await inImage(["sh", "-c", "echo 'two words'; exit 256"])).toEqual({ output: [out("two words\n")], exit: { code: 0, afterMs: 0 } });
    expect(await inImage(["sh", "-c", "sleep 1; exit 42; echo never"])).toEqual({ exit: { code: 42, afterMs: 1000 } });
    expect(await inImage(["sh", "-c", "echo a; sleep infinity; exit 1"])).toEqual({ output: [out("a\n")] });
    expect(await inImage(["sh", "-c", "nope"])).toEqual({ output: [err("sh: nope: not found\n")], exit: { code: 127, afterMs: 0 } });
    expect(await inImage(["sh", "-c", "exit x"])).toEqual({ output: [err("sh: exit: line 0: Illegal number: x\n")], exit: { code: 2, afterMs: 0 } });
    expect(await inImage(["sh", "-c", "false"])).toEqual({ exit: { code: 1, afterMs: 0 } });
    expect(await inImage(["sh", "-c", "false; :"])).toEqual({ exit: { code: 0, afterMs: 0 } });
  });

  test("tail -f runs until killed; tail /dev/zero is OOM-killed under a memory limit, in about 1 ms per MiB", async () => {
    expect(await inImage(["tail", "-f", "/dev/null"])).toEqual({});
    expect(await inImage(["tail", "/dev/zero"])).toEqual({});
    expect(await inImage(["tail", "/dev/zero"], { memoryLimit: 33554432n })).toEqual({ oom: { afterMs: 32 } });
    expect(await inImage(["sh", "-c", "echo filling; tail /dev/zero"], { memoryLimit: 1048576n })).toEqual({ output: [out("filling\n")], oom: { afterMs: 1 } });
  });

  test("dd from /dev/zero holds one block: a block beyond the memory limit is OOM-killed as it fills (critest's OOM spec)", async () => {
    const limit = { memoryLimit: 15n * 1024n * 1024n };
    expect(await inImage(["sh", "-c", "dd if=/dev/zero of=/dev/null bs=20M"], limit)).toEqual({ oom: { afterMs: 15 } });
    expect(await inImage(["dd", "if=/dev/zero", "of=/dev/null", "bs=16MB"], limit)).toEqual({ oom: { afterMs: 15 } });
    // A block within the limit, no limit, a count, another input or a size busybox refuses: no OOM.
    for (const args of [["bs=15M"], ["bs=20M", "count=1"], ["bs=2x"]]) {
      expect(await inImage(["dd", "if=/dev/zero", "of=/dev/null", ...args], limit), args.join(" ")).toEqual({});
    }
    expect(await inImage(["dd", "if=/dev/zero", "of=/dev/null", "bs=1G"])).toEqual({});
    expect(await inImage(["dd", "if=/dev/urandom", "of=/dev/null", "bs=1G"], limit)).toEqual({});
  });

  test("an executable missing from the root filesystem fails to start with runc's reasons", () => {
    const hasFile = (p: string) => busyboxFiles.has(p);
    expect(missingExecutable("/no/such/binary", path, hasFile)).toBe('exec: "/no/such/binary": stat /no/such/binary: no such file or directory');
    expect(missingExecutable("no-such-command", path, hasFile)).toBe('exec: "no-such-command": executable file not found in $PATH');
    expect(missingExecutable("busybox", path, hasFile)).toBeUndefined();
    expect(missingExecutable("/pause", path, hasFile)).toBeUndefined();
    expect(missingExecutable("/usr/bin/true", path, hasFile)).toBeUndefined();
    expect(missingExecutable("busybox", ["PATH=/nowhere"], hasFile)).toBe('exec: "busybox": executable file not found in $PATH');
    expect(missingExecutable("anything", [], undefined)).toBeUndefined();
  });

  test("what exists but is not emulated runs until killed; busybox at a bin path is the applet", async () => {
    expect(await inImage(["busybox"])).toEqual({});
    expect(await inImage(["/pause"])).toEqual({});
    expect(await inImage(["/bin/sleep", "1"])).toEqual({ exit: { code: 0, afterMs: 1000 } });
    expect(await inImage(["/usr/bin/true"])).toEqual({ exit: { code: 0, afterMs: 0 } });
    expect(await emulated(["/app", "--serve"], { exec: false })).toEqual({});
    expect(await emulated([], { exec: false })).toEqual({});
  });
});

describe("images without a shell, and made-up shell images", () => {
  test("the pause image has no sh: runc cannot find it", () => {
    const pauseOnly = (p: string) => p === "/pause";
    expect(missingExecutable("sh", ["PATH=/usr/bin:/bin"], pauseOnly)).toBe('exec: "sh": executable file not found in $PATH');
    expect(missingExecutable("/bin/sleep", [], pauseOnly)).toBe('exec: "/bin/sleep": stat /bin/sleep: no such file or directory');
  });

  test("a made-up shell image has every busybox applet (critest runs `top`), and nothing busybox lacks", async () => {
    const shellOnly = (p: string) => p === "/bin/sh";
    expect(missingExecutable("top", [], shellOnly)).toBeUndefined();
    expect(missingExecutable("/bin/nc", [], shellOnly)).toBeUndefined();
    expect(missingExecutable("python3", [], shellOnly)).toBe('exec: "python3": executable file not found in $PATH');
    expect(missingExecutable("/opt/bin/top", [], shellOnly)).toBe('exec: "/opt/bin/top": stat /opt/bin/top: no such file or directory');
    expect(await emulated(["top"], { exec: false, hasFile: shellOnly })).toEqual({});
    expect(await emulated(["/bin/nc", "-l", "-p", "8080"], { exec: false, hasFile: shellOnly })).toEqual({});
  });
});

describe("a command that exists but is not emulated", () => {
  const image = (p: string) => p === "/bin/sh" || p === "/app/server";
  const note = (data: string) => ({ output: [err(data)], exit: { code: 127, afterMs: 0 } });

  test("in a container's own script it runs until killed, like the image's own program; one that is not there is not found", async () => {
    expect(await emulated(["sh", "-c", "/app/server --port 80"], { exec: false, hasFile: image })).toEqual({});
    expect(await emulated(["sh", "-c", "sed -i s/a/b/ /etc/x; echo after"], { exec: false, hasFile: image })).toEqual({});
    expect(await emulated(["sh", "-c", "/app/nope"], { exec: false, hasFile: image })).toEqual(note("sh: /app/nope: not found\n"));
  });

  test("in an exec, which is expected to end, it ends at once with status 127 and a note", async () => {
    const exec = (args: string[]) => emulated(args, { hasFile: image });
    expect(await exec(["sed", "-n", "1p", "/etc/passwd"])).toEqual(note("sed: not emulated by fake-cri\n"));
    expect(await exec(["/app/server", "--health"])).toEqual(note("/app/server: not emulated by fake-cri\n"));
    expect(await exec(["sh", "-c", "sed 1q /etc/passwd; echo $?"])).toEqual({ output: [err("sh: sed: not emulated by fake-cri\n"), out("127\n")], exit: { code: 0, afterMs: 0 } });
    expect(await exec(["sh", "-c", "python3"])).toEqual(note("sh: python3: not found\n"));
  });

  test("an exec's script that goes beyond the emulation ends there with a note saying what; one that truly never ends runs on", async () => {
    const exec = (script: string) => emulated(["sh", "-c", script], { hasFile: image });
    expect(await exec("getopts ab opt")).toEqual(note("sh: getopts: not emulated by fake-cri\n"));
    expect(await exec("echo a >&2; cd -; echo never")).toEqual({ output: [err("a\n"), err("sh: cd -: not emulated by fake-cri\n")], exit: { code: 127, afterMs: 0 } });
    expect(await exec("sleep 2; [ -x /bin/sh ]")).toEqual({ output: [err("sh: [ -x /bin/sh ]: not emulated by fake-cri\n", 2000)], exit: { code: 127, afterMs: 2000 } });
    expect(await exec("sleep infinity")).toEqual({});
    expect(await exec("echo $(sleep infinity)")).toEqual({});
    expect(await emulated(["sh", "-c", "echo a; cd -"], { exec: false, hasFile: image })).toEqual({ output: [out("a\n")] });
  });
});

describe("an endless loop (critest's logging container: while true; do echo ...; sleep 1; done)", () => {
  const run = (script: string, horizonMs = 3500) => emulated(["sh", "-c", script], { exec: false, hasFile: (p) => p === "/bin/sh", horizonMs });
  const ticks = (...times: number[]) => times.map((t) => out("tick\n", t));

  test("prints every time round, from when the loop starts, for as long as the process runs", async () => {
    expect(await run("while true; do echo tick; sleep 1; done")).toEqual({ output: ticks(0, 1000, 2000, 3000) });
    expect(await run("while :\ndo\n  echo tick\n  sleep 1\ndone\n")).toEqual({ output: ticks(0, 1000, 2000, 3000) });
    expect(await run("until false; do echo tick; sleep 1; done")).toEqual({ output: ticks(0, 1000, 2000, 3000) });
    expect(await run("echo start; sleep 2; while true; do echo tick; echo done >&2; sleep 0.5; nope; sleep 1; done", 4900)).toEqual({
      output: [out("start\n"), out("tick\n", 2000), err("done\n", 2000), err("sh: nope: not found\n", 2500), out("tick\n", 3500), err("done\n", 3500), err("sh: nope: not found\n", 4000)],
    });
    expect(await run("while true; do sleep 1; echo late; done", 2500)).toEqual({ output: [out("late\n", 1000), out("late\n", 2000)] });
  });

  test("a round that exits, or never ends, happens once; a loop that never sleeps spins silently", async () => {
    expect(await run("while true; do echo once; exit 3; done; echo after")).toEqual({ output: [out("once\n")], exit: { code: 3, afterMs: 0 } });
    expect(await run("sleep 1; while true; do echo up; sleep infinity; done")).toEqual({ output: [out("up\n", 1000)] });
    expect(await run("while true; do echo up; top; done")).toEqual({ output: [out("up\n")] });
    expect(await run("while true; do :; done")).toEqual({});
  });

  test("a loop that takes many rounds without time runs them all; a loop waiting for a file waits on the fake's clock", async () => {
    expect(transcript(await sh("i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; echo $i"))).toBe("stdout:20000\nexit 0");
    const waiting = await emulated(["sh", "-c", "while [ ! -f /tmp/go ]; do sleep 1; done; echo went"], { exec: false, files: { "/tmp": [] }, horizonMs: 3500 });
    expect(waiting).toEqual({});
  });
});
