import { describe, expect, test } from "vitest";
import { VirtualClock } from "../clock.ts";
import { ociSpec } from "../containers.ts";
import { ContainerdError } from "../errdefs.ts";
import { createFakeContainerd } from "../index.ts";
import { resolvedFromState, resolvedToState } from "./runner.ts";
import { processUserOf, signals, terminatesByDefault, type FileChange, type Script } from "./script.ts";

const decoder = new TextDecoder();

async function setup() {
  const clock = new VirtualClock();
  const fake = createFakeContainerd({ seed: 5, clock });
  const ns = fake.namespace("k8s.io");
  const output: string[] = [];
  const io = {
    stdout: (b: Uint8Array) => output.push(`out:${decoder.decode(b)}`),
    stderr: (b: Uint8Array) => output.push(`err:${decoder.decode(b)}`),
  };
  /** Creates and starts a container whose process runs `args`. */
  const run = async (id: string, args: string[], extra: { image?: string; labels?: Record<string, string> } = {}) => {
    await ns.containers.create({ id, spec: ociSpec({ process: { args, env: ["A=1"], cwd: "/w" } }), ...extra });
    const task = await ns.tasks.create(id, { io });
    await task.start();
    return task;
  };
  /** Runs an exec to completion in a running container. */
  const exec = async (args: string[], containerId = "box") => {
    if (!(await ns.containers.list(`id==${containerId}`)).length) await run(containerId, ["sleep", "infinity"]);
    const task = await ns.tasks.get(containerId);
    const execId = `e${output.length}${Math.random().toString(36).slice(2, 8)}`;
    const proc = await task.exec(execId, { args }, io);
    const exited = proc.wait();
    await proc.start();
    const advancing = clock.advance(60_000);
    const result = await exited;
    await advancing;
    return result.exitStatus;
  };
  return { clock, fake, ns, output, run, exec };
}

describe("data scripts", () => {
  test("output at times, then exit", async () => {
    const { fake, run, output, clock } = await setup();
    fake.processes.onContainer({ containerId: "c1" }, {
      output: [
        { stream: "stdout", data: "later\n", atMs: 20 },
        { stream: "stdout", data: "first\n" },
        { stream: "stderr", data: new TextEncoder().encode("warn\n"), atMs: 10 },
      ],
      exit: { code: 4, afterMs: 20 },
    });
    const task = await run("c1", ["app"]);
    expect(output).toEqual(["out:first\n"]);
    await clock.advance(10);
    expect(output).toEqual(["out:first\n", "err:warn\n"]);
    expect((await task.status()).status).toBe("running");
    await clock.advance(10);
    expect(output).toEqual(["out:first\n", "err:warn\n", "out:later\n"]);
    expect(await task.status()).toMatchObject({ status: "stopped", exitStatus: 4 });
  });

  test("repeat: rounds of output, after the script's own output due then, until the process ends; pausing holds them", async () => {
    const { fake, run, output, clock } = await setup();
    fake.processes.onContainer({ containerId: "c1" }, {
      output: [{ stream: "stdout", data: "start\n" }, { stream: "stdout", data: "ready\n", atMs: 1000 }],
      repeat: { fromMs: 1000, everyMs: 1000, output: [{ stream: "stdout", data: "tick\n" }, { stream: "stderr", data: "tock\n", atMs: 500 }] },
    });
    const task = await run("c1", ["app"]);
    expect(output).toEqual(["out:start\n"]);
    await clock.advance(2600);
    expect(output).toEqual(["out:start\n", "out:ready\n", "out:tick\n", "err:tock\n", "out:tick\n", "err:tock\n"]);
    await task.pause();
    await clock.advance(10_000);
    expect(output).toHaveLength(6);
    await task.resume();
    await clock.advance(400);
    expect(output.slice(6)).toEqual(["out:tick\n"]);
    await task.kill(signals.SIGTERM);
    await clock.advance(10_000);
    expect(output).toHaveLength(7);
    expect((await task.status()).exitStatus).toBe(143);
  });

  test("repeat with an exit: the rounds due before it, then the exit (a round due with it comes first)", async () => {
    const { fake, run, output, clock } = await setup();
    fake.processes.onContainer({ containerId: "c1" }, {
      repeat: { everyMs: 100, output: [{ stream: "stdout", data: "x\n" }] },
      exit: { code: 3, afterMs: 300 },
    });
    const task = await run("c1", ["app"]);
    await clock.advance(1000);
    expect(output).toEqual(["out:x\n", "out:x\n", "out:x\n", "out:x\n"]);
    expect((await task.status()).exitStatus).toBe(3);
  });

  test("an exit at once happens right after start, after /tasks/start", async () => {
    const { fake, run } = await setup();
    const events = fake.events.subscribe("topic~=/tasks/");
    fake.processes.onContainer({ containerId: "c1" }, { exit: { code: 0 } });
    const task = await run("c1", ["true"]);
    expect((await task.status()).status).toBe("stopped");
    expect(await task.wait()).toMatchObject({ exitStatus: 0 });
    await fake.events.delivered();
    expect(events.drain().map((e) => e.topic)).toEqual(["/tasks/create", "/tasks/start", "/tasks/exit"]);
  });

  test("a container with a PID namespace of its own is its PID 1: signals it does not handle do nothing, SIGKILL still kills", async () => {
    const { fake, clock } = await setup();
    const ns = fake.namespace("k8s.io");
    const started = async (id: string, namespaces: Array<{ type: string; path?: string }>) => {
      await ns.containers.create({ id, spec: ociSpec({ process: { args: ["app"] }, linux: { namespaces } }) });
      const task = await ns.tasks.create(id);
      await task.start();
      return task;
    };
    const own = await started("own", [{ type: "pid" }]);
    const joined = await started("joined", [{ type: "pid", path: `/proc/${own.pid}/ns/pid` }]);
    const host = await started("host", []);
    for (const task of [own, joined, host]) await task.kill(signals.SIGTERM);
    await clock.advance(10);
    expect((await own.status()).status).toBe("running");
    expect((await joined.status()).exitStatus).toBe(143);
    expect((await host.status()).exitStatus).toBe(143);
    await own.kill(signals.SIGKILL);
    expect((await own.status()).exitStatus).toBe(137);
  });

  test("ignoreSigterm keeps it running; SIGKILL still kills", async () => {
    const { fake, run } = await setup();
    fake.processes.onContainer({ containerId: "c1" }, { ignoreSigterm: true });
    const task = await run("c1", ["app"]);
    await task.kill(signals.SIGTERM);
    expect((await task.status()).status).toBe("running");
    await task.kill(signals.SIGKILL);
    expect((await task.status()).exitStatus).toBe(137);
  });

  test("onSigterm shuts down gracefully after a while; a second SIGTERM does not hurry it", async () => {
    const { fake, run, clock } = await setup();
    fake.processes.onContainer({ containerId: "c1" }, { onSigterm: { exitCode: 0, afterMs: 500 } });
    const task = await run("c1", ["app"]);
    await task.kill(signals.SIGTERM);
    await clock.advance(300);
    await task.kill(signals.SIGTERM);
    await clock.advance(199);
    expect((await task.status()).status).toBe("running");
    await clock.advance(2);
    expect(await task.status()).toMatchObject({ status: "stopped", exitStatus: 0 });
  });

  test("other terminating signals still end a script that traps SIGTERM", async () => {
    const { fake, run } = await setup();
    fake.processes.onContainer({ containerId: "c1" }, { ignoreSigterm: true });
    const task = await run("c1", ["app"]);
    await task.kill(signals.SIGUSR1);
    expect((await task.status()).exitStatus).toBe(138);
  });

  test("saved emulated processes of an older state come back as the emulation of the same process", () => {
    expect(resolvedFromState({ kind: "cat" })).toEqual({ kind: "emulated", exec: true });
    expect(resolvedFromState({ kind: "id" })).toEqual({ kind: "emulated", exec: true });
    expect(resolvedFromState({ kind: "emulated", command: { memoryLimit: "5", container: true } })).toEqual({ kind: "emulated", exec: false, memoryLimit: 5n });
    const script = { kind: "emulated", exec: false, memoryLimit: 5n } as const;
    expect(resolvedFromState(JSON.parse(JSON.stringify(resolvedToState(script))))).toEqual(script);
  });

  test("default dispositions", () => {
    expect([1, 2, 3, 6, 9, 10, 12, 13, 14, 15, 31, 34, 64].every(terminatesByDefault)).toBe(true);
    expect([0, 17, 18, 19, 20, 21, 22, 23, 28, 65].some(terminatesByDefault)).toBe(false);
  });
});

describe("function scripts", () => {
  test("see the process, write, sleep on the fake clock and return their exit code", async () => {
    const { fake, run, output, clock } = await setup();
    const seen: unknown[] = [];
    fake.processes.onContainer({ containerId: "c1" }, async (p) => {
      seen.push([p.namespace, p.containerId, p.execId, p.args, p.env, p.cwd, p.terminal, p.pid]);
      p.write("stdout", "hello\n");
      await p.sleep(1000);
      p.write("stderr", new TextEncoder().encode("bye\n"));
      return 7;
    });
    const task = await run("c1", ["app", "--flag"]);
    await clock.advance(999);
    expect(output).toEqual(["out:hello\n"]);
    await clock.advance(1);
    expect(await task.wait()).toMatchObject({ exitStatus: 7 });
    expect(output).toEqual(["out:hello\n", "err:bye\n"]);
    expect(seen).toEqual([["k8s.io", "c1", undefined, ["app", "--flag"], ["A=1"], "/w", false, 1000]]);
  });

  test("handle signals, read stdin, and see their own exit", async () => {
    const { fake, ns, output } = await setup();
    let exitedSeen = false;
    fake.processes.onContainer({ containerId: "c1" }, async (p) => {
      p.onSignal((signal) => p.exit(signal === signals.SIGTERM ? 0 : 1));
      for await (const chunk of p.stdin) p.write("stdout", chunk);
      await p.exited;
      exitedSeen = p.hasExited;
    });
    await ns.containers.create({ id: "c1", spec: ociSpec({ process: { args: ["app"] } }) });
    const chunks = [new TextEncoder().encode("in")];
    const task = await ns.tasks.create("c1", {
      io: {
        stdin: (async function* () {
          yield* chunks;
          await new Promise(() => {});
        })(),
        stdout: (b) => output.push(decoder.decode(b)),
      },
    });
    await task.start();
    await new Promise((r) => setTimeout(r, 0));
    expect(output).toEqual(["in"]);
    await task.kill(signals.SIGTERM);
    expect(await task.wait()).toMatchObject({ exitStatus: 0 });
    await new Promise((r) => setTimeout(r, 0));
    expect(exitedSeen).toBe(true);
  });

  test("a throwing script exits 1 with the error on stderr; returning nothing exits 0", async () => {
    const { fake, run, output } = await setup();
    fake.processes.onContainer({ containerId: "c1" }, () => {
      throw new Error("boom");
    });
    fake.processes.onContainer({ containerId: "c2" }, () => {});
    expect((await (await run("c1", ["a"])).wait()).exitStatus).toBe(1);
    expect(output.join("")).toContain("err:Error: boom");
    expect((await (await run("c2", ["a"])).wait()).exitStatus).toBe(0);
  });

  test("an OOM from a function publishes /tasks/oom", async () => {
    const { fake, run } = await setup();
    const sub = fake.events.subscribe('topic=="/tasks/oom"');
    fake.processes.onContainer({ containerId: "c1" }, (p) => p.oom());
    expect((await (await run("c1", ["a"])).wait()).exitStatus).toBe(137);
    await fake.events.delivered();
    expect(sub.drain()).toHaveLength(1);
  });
});

describe("choosing scripts", () => {
  test("by container ID, image, labels, args or a function; the latest match wins", async () => {
    const { fake, run } = await setup();
    const exitWith = (code: number): Script => ({ exit: { code } });
    fake.processes.onContainer({ image: "img" }, exitWith(1));
    fake.processes.onContainer({ labels: { role: "db" } }, exitWith(2));
    fake.processes.onContainer({ args: ["server", "--port", "80"] }, exitWith(3));
    fake.processes.onContainer((c) => c.containerId.startsWith("fn"), exitWith(4));
    const byId = fake.processes.onContainer({ containerId: "img2", image: "img" }, exitWith(5));
    const status = async (id: string, args: string[], extra = {}) => (await (await run(id, args, extra)).wait()).exitStatus;
    expect(await status("a", ["x"], { image: "img" })).toBe(1);
    expect(await status("b", ["x"], { labels: { role: "db", other: "y" } })).toBe(2);
    expect(await status("c", ["server", "--port", "80"])).toBe(3);
    expect(await status("fn1", ["x"], { image: "img" })).toBe(4);
    expect(await status("img2", ["x"], { image: "img" })).toBe(5);
    byId.remove();
    expect(await status("img3", ["x"], { image: "img" })).toBe(1);
    const idle = await run("none", ["x"]);
    expect((await idle.status()).status).toBe("running");
  });

  test("exec scripts by argv, command and container, over the built-ins", async () => {
    const { fake, exec, output } = await setup();
    fake.processes.onExec({ argv: ["echo", "special"] }, { exit: { code: 9 } });
    fake.processes.onExec({ command: "myctl" }, { output: [{ stream: "stdout", data: "ok\n" }], exit: { code: 0 } });
    fake.processes.onExec({ command: "only-here", containerId: "box" }, { exit: { code: 3 } });
    fake.processes.onExec((e) => e.argv.includes("--fn"), { exit: { code: 6 } });
    expect(await exec(["echo", "special"])).toBe(9);
    expect(await exec(["echo", "plain"])).toBe(0);
    expect(await exec(["myctl", "status"])).toBe(0);
    expect(await exec(["only-here"])).toBe(3);
    expect(await exec(["x", "--fn"])).toBe(6);
    await expect(exec(["only-here"], "other")).rejects.toThrow('exec: "only-here": executable file not found in $PATH');
    expect(output).toContain("out:ok\n");
  });

  test("an exec script can fail to start with its own reason", async () => {
    const { fake, exec } = await setup();
    fake.processes.onExec({ command: "broken" }, { failStart: { reason: "permission denied" } });
    await expect(exec(["broken"])).rejects.toThrow(
      "OCI runtime exec failed: exec failed: unable to start container process: permission denied: unknown",
    );
  });
});

describe("built-in commands", () => {
  test.each([
    [["echo", "a", "b"], 0, ["out:a b\n"]],
    [["/bin/echo", "-n", "x"], 0, ["out:x"]],
    [["true"], 0, []],
    [["false"], 1, []],
    [["sh", "-c", "exit 3"], 3, []],
    [["/bin/sh", "-c", "exit"], 0, []],
    [["bash", "-c", "  echo  hi  "], 0, ["out:hi\n"]],
    [["sh", "-c", "frobnicate --now"], 127, ["err:sh: frobnicate: not found\n"]],
    [["sleep", "0.5"], 0, []],
    [["sleep", "soon"], 1, ["err:sleep: invalid number 'soon'\n"]],
    [["cat", "/missing"], 1, ["err:cat: can't open '/missing': No such file or directory\n"]],
  ])("%j exits %i", async (argv, status, out) => {
    const { exec, output } = await setup();
    expect(await exec(argv)).toBe(status);
    expect(output).toEqual(out);
  });

  test("sleep takes its time on the fake clock", async () => {
    const { ns, run, clock } = await setup();
    await run("box", ["sleep", "infinity"]);
    const task = await ns.tasks.get("box");
    const proc = await task.exec("s", { args: ["sleep", "2"] });
    await proc.start();
    await clock.advance(1999);
    expect((await proc.status()).status).toBe("running");
    await clock.advance(1);
    expect(await proc.status()).toMatchObject({ status: "stopped", exitStatus: 0 });
  });

  test("cat reads registered files, per container first, then the filesystem hook", async () => {
    const { fake, exec, output } = await setup();
    fake.processes.addFile("/etc/hostname", "everywhere\n");
    fake.processes.addFile("/etc/hostname", "box-only\n", { containerId: "box" });
    const asked: string[] = [];
    fake.processes.setFilesystem({
      readFile: ({ namespace, record }, path) => {
        asked.push(`${namespace}/${record.id}:${path}`);
        return path === "/etc/os-release" ? new TextEncoder().encode("ID=fake\n") : undefined;
      },
    });
    expect(await exec(["cat", "/etc/hostname", "/etc/os-release"])).toBe(0);
    expect(await exec(["cat", "/etc/hostname"], "other")).toBe(0);
    expect(output).toEqual(["out:box-only\n", "out:ID=fake\n", "out:everywhere\n"]);
    expect(asked).toEqual(["k8s.io/box:/etc/os-release"]);
  });

  test("a function script lists and changes its container's files through its context", async () => {
    const { fake, run, clock } = await setup();
    fake.processes.addFile("/data/a", "1");
    const changes: FileChange[] = [];
    fake.processes.setFilesystem({
      readFile: () => undefined,
      readDir: (_container, path) => (path === "/data" ? { names: ["mounted"], hidesSnapshot: false } : undefined),
      changeFile: (_container, change) => changes.push(change) > 0,
    });
    let listed: string[] | undefined;
    fake.processes.onContainer({ containerId: "fn" }, async (p) => {
      listed = await p.readDir("/data");
      p.changeFile({ path: "/data/b", change: "touch" });
    });
    await run("fn", ["f"]);
    await clock.advance(1);
    expect(listed?.sort()).toEqual(["a", "mounted"]);
    expect(changes).toEqual([{ path: "/data/b", change: "touch" }]);
  });

  test("hostname prints what the container's /etc/hostname holds", async () => {
    const { fake, exec, output } = await setup();
    fake.processes.addFile("/etc/hostname", "pod-a\n", { containerId: "box" });
    expect(await exec(["hostname"])).toBe(0);
    expect(output).toEqual(["out:pod-a\n"]);
  });

  test("id answers with the exec's user and the container's names; the user survives a saved state", async () => {
    const { fake, ns, run, output, clock } = await setup();
    fake.processes.addFile("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
    fake.processes.addFile("/etc/group", "root:x:0:\nusers:x:100:\n");
    await run("box", ["sleep", "infinity"]);
    const task = await ns.tasks.get("box");
    const user = { uid: 1000, gid: 100, additionalGids: [100, 0] };
    const proc = await task.exec("id", { args: ["id"], user }, { stdout: (b) => output.push(`out:${decoder.decode(b)}`) });
    await proc.start();
    await clock.advance(1);
    expect(await proc.status()).toMatchObject({ status: "stopped", exitStatus: 0 });
    expect(output).toEqual(["out:uid=1000 gid=100(users) groups=100(users),0(root)\n"]);
    // Forms busybox answers with its usage text are not emulated: the exec says so.
    const usage = await task.exec("usage", { args: ["id", "-n"] }, { stderr: (b) => output.push(`err:${decoder.decode(b)}`) });
    await usage.start();
    await clock.advance(1);
    expect(await usage.wait()).toMatchObject({ exitStatus: 127 });
    expect(output.at(-1)).toBe("err:id: not emulated by fake-cri\n");
    // A process's user is part of the saved state, and comes back with it.
    const state = JSON.parse(JSON.stringify(fake.saveState()));
    expect(JSON.stringify(state)).toContain('"user":{"uid":1000,"gid":100,"additionalGids":[100,0]}');
    const again = createFakeContainerd({ seed: 5, clock, state });
    expect(JSON.parse(JSON.stringify(again.saveState()))).toEqual(state);
  });

  test("cat falls back to the container's snapshot", async () => {
    const { ns, output, clock } = await setup();
    const overlay = ns.snapshots.get("overlayfs");
    await overlay.prepare("rootfs");
    overlay.writeFile("rootfs", "/etc/hostname", "from-snapshot\n");
    // The container's own process must exist in its rootfs for the task to start at all.
    overlay.writeFile("rootfs", "/bin/sh", "");
    await ns.containers.create({ id: "snap", spec: ociSpec({ process: { args: ["sh"] } }), snapshotter: "overlayfs", snapshotKey: "rootfs" });
    const task = await ns.tasks.create("snap");
    await task.start();
    const proc = await task.exec("cat", { args: ["cat", "/etc/hostname", "/etc/missing"] }, {
      stdout: (b) => output.push(`out:${decoder.decode(b)}`),
      stderr: (b) => output.push(`err:${decoder.decode(b)}`),
    });
    await proc.start();
    await clock.advance(0);
    expect(await proc.wait()).toMatchObject({ exitStatus: 1 });
    expect(output).toEqual(["out:from-snapshot\n", "err:cat: can't open '/etc/missing': No such file or directory\n"]);
  });

  test("a missing executable with a path is reported as runc's stat failure", async () => {
    const { exec } = await setup();
    const error = await exec(["/opt/tool"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContainerdError);
    expect((error as ContainerdError).message).toBe(
      'OCI runtime exec failed: exec failed: unable to start container process: exec: "/opt/tool": stat /opt/tool: no such file or directory: unknown',
    );
  });
});

describe("an emulated process's cgroup figures", () => {
  test("CPU only while it works: none asleep, a start's worth per exec, a core while a shell spins; the cgroup files read the same", async () => {
    const { run, exec, ns, output, clock } = await setup();
    const task = await run("box", ["sh", "-c", "touch /tmp/x; sleep 3600"]);
    await clock.advance(10);
    const usage = async () => {
      const { cpu, memory } = (await task.metrics()).data;
      return { cpuUsec: cpu.usageUsec, usage: memory.usage, pgfault: memory.pgfault };
    };
    const started = await usage();
    // runc's start of the container (12 ms, 875 faults), then a few µs of the shell's steps.
    expect(Number(started.cpuUsec)).toBeGreaterThan(12_000);
    expect(Number(started.cpuUsec)).toBeLessThan(12_010);
    expect(started).toMatchObject({ usage: 438_272n, pgfault: 875n });
    await clock.advance(60_000);
    expect(await usage()).toEqual(started);
    expect(await exec(["true"])).toBe(0);
    // The exec ran and was deleted: its start stays counted (2.5 ms, 150 faults), its memory went with it.
    const afterExec = await usage();
    expect(Number(afterExec.cpuUsec - started.cpuUsec)).toBeGreaterThan(2_500);
    expect(Number(afterExec.cpuUsec - started.cpuUsec)).toBeLessThan(2_510);
    expect(afterExec).toMatchObject({ usage: 438_272n, pgfault: 1_025n });
    const read = output.length;
    expect(await exec(["sh", "-c", "cat /sys/fs/cgroup/cpuacct/cpuacct.usage /sys/fs/cgroup/memory/memory.usage_in_bytes; grep -E '^(rss|cache|pgfault) ' /sys/fs/cgroup/memory/memory.stat"])).toBe(0);
    // Read while the exec ran: its start counted, its memory too; the same figures ContainerStats reads after it.
    const [cpuNs, memoryBytes, cache, rss, pgfault] = output.slice(read).map((chunk) => chunk.slice(4)).join("").trim().split("\n").map((line) => BigInt(line.split(" ").at(-1)!));
    const afterRead = await usage();
    expect(Number(cpuNs! / 1000n - afterExec.cpuUsec)).toBeGreaterThan(2_500);
    expect(cpuNs! / 1000n).toBeLessThanOrEqual(afterRead.cpuUsec);
    expect({ memoryBytes, cache, rss, pgfault }).toEqual({ memoryBytes: 438_272n + 57_344n, cache: 438_272n + 57_344n - 2n * 49_152n, rss: 2n * 49_152n, pgfault: afterRead.pgfault });
    const spinning = await ns.tasks.get("box").then((t) => t.exec("spin", { args: ["sh", "-c", "while :; do :; done"] }, {}));
    await spinning.start();
    await clock.advance(1);
    const before = (await usage()).cpuUsec;
    await clock.advance(2000);
    // Two seconds of a core, give or take the clock's ticks.
    expect(Number((await usage()).cpuUsec - before)).toBeGreaterThanOrEqual(1_999_000);
    expect(Number((await usage()).cpuUsec - before)).toBeLessThan(2_001_000);
  });
});

describe("a process's user", () => {
  test("process.user of a spec, with zero values for what is missing", () => {
    expect(processUserOf({ uid: 5, gid: 6, additionalGids: [6, 7] })).toEqual({ uid: 5, gid: 6, additionalGids: [6, 7] });
    expect(processUserOf(undefined)).toEqual({ uid: 0, gid: 0, additionalGids: [] });
  });
});

describe("the process table of a PID namespace", () => {
  /** A container running `args` in a PID namespace of its own, or in `joins`'s. */
  async function started(ns: ReturnType<ReturnType<typeof createFakeContainerd>["namespace"]>, id: string, args: string[], joins?: number) {
    const namespaces = [joins === undefined ? { type: "pid" } : { type: "pid", path: `/proc/${joins}/ns/pid` }];
    await ns.containers.create({ id, spec: ociSpec({ process: { args }, linux: { namespaces } }) });
    const task = await ns.tasks.create(id);
    await task.start();
    return task;
  }

  test("PIDs as runc leaves them: PID 1, then 6 after each process runc starts (5 after PID 1), forks next; ps lists them", async () => {
    const { ns, output, exec, clock } = await setup();
    const pod = await started(ns, "pod", ["/pause"]);
    await started(ns, "app", ["sh", "-c", "sleep 600 & wait"], pod.pid);
    await clock.advance(10);
    expect(await exec(["ps", "-o", "pid,ppid,stat,args"], "app")).toBe(0);
    expect(output.join("")).toBe(
      "out:PID   PPID  STAT COMMAND\n" +
        "    1     0 S    /pause\n" +
        "    6     0 S    sh -c sleep 600 & wait\n" +
        "   12     6 S    sleep 600\n" +
        "   13     0 R    ps -o pid,ppid,stat,args\n",
    );
  });

  test("sh -c execs its last command when it traps nothing: ps and /proc/<pid>/cmdline show that command; else the command is the shell's child", async () => {
    const { ns, output, exec, clock } = await setup();
    await started(ns, "app", ["sh", "-c", "touch /tmp/x; if true; then sleep 600; fi"]);
    await started(ns, "trapped", ["sh", "-c", "trap 'exit 3' TERM; sleep 600"]);
    await started(ns, "looped", ["sh", "-c", "while true; do sleep 600; done"]);
    await clock.advance(10);
    expect(await exec(["sh", "-c", "ps -o pid,args; tr '\\0' ' ' < /proc/1/cmdline; echo"], "app")).toBe(0);
    expect(await exec(["ps", "-o", "args"], "trapped")).toBe(0);
    expect(await exec(["ps", "-o", "args"], "looped")).toBe(0);
    expect(output.join("")).toBe(
      // touch took PID 6 (ash forked it); the exec's ps runs in a fork of its shell without an exec (NOEXEC).
      "out:PID   COMMAND\n    1 sleep 600\n    7 sh -c ps -o pid,args; tr '\\0' ' ' < /proc/1/cmdline; echo\n   13 {ps} sh -c ps -o pid,args; tr '\\0' ' ' < /proc/1/cmdline; echo\n" +
        "out:sleep 600 out:\n" +
        "out:COMMAND\nsh -c trap 'exit 3' TERM; sleep 600\nsleep 600\nps -o args\n" +
        "out:COMMAND\nsh -c while true; do sleep 600; done\nsleep 600\nps -o args\n",
    );
  });

  test("what ash forks is in the table while it runs, PIDs in fork order: a background pipeline's stages, a ( ) job that execs, a $(...) and its command", async () => {
    const { ns, output, exec, clock } = await setup();
    await started(ns, "app", ["sh", "-c", "sleep 100 | sleep 200 & (sleep 300) & echo $(sleep 400; echo x); wait"]);
    await clock.advance(10);
    expect(await exec(["ps", "-o", "pid,ppid,stat,args"], "app")).toBe(0);
    const script = "sh -c sleep 100 | sleep 200 & (sleep 300) & echo $(sleep 400; echo x); wait";
    expect(output.join("")).toBe(
      "out:PID   PPID  STAT COMMAND\n" +
        `    1     0 S    ${script}\n` +
        "    6     1 S    sleep 100\n" +
        "    7     1 S    sleep 200\n" +
        "    8     1 S    sleep 300\n" +
        `    9     1 S    ${script}\n` +
        "   10     9 S    sleep 400\n" +
        "   11     0 R    ps -o pid,ppid,stat,args\n",
    );
    // Each ends in its time: the first stage after 100 s, the substitution's with its sleep.
    output.length = 0;
    await clock.advance(100_000);
    expect(await exec(["ps", "-o", "pid,args"], "app")).toBe(0);
    expect(output.join("")).toBe(`out:PID   COMMAND\n    1 ${script}\n    7 sleep 200\n    8 sleep 300\n    9 ${script}\n   10 sleep 400\n   17 ps -o pid,args\n`);
    // The cgroup's PID count: the shell and the four processes it forked that still run (ps has gone).
    expect((await (await ns.tasks.get("app")).metrics()).data.pids.current).toBe(5n);
  });

  test("a pipeline's stage forks what is not its last command; ps as a $(...)'s last command runs in that fork and keeps its command line ({ps}: NOEXEC)", async () => {
    const { ns, output, exec, clock } = await setup();
    await started(ns, "app", ["sh", "-c", "echo a | { sleep 100; cat; }"]);
    await clock.advance(10);
    expect(await exec(["sh", "-c", 'x=$(ps -o pid,ppid,args); echo "$x"'], "app")).toBe(0);
    expect(output.join("")).toBe(
      "out:PID   PPID  COMMAND\n" +
        "    1     0 sh -c echo a | { sleep 100; cat; }\n" +
        "    7     1 sh -c echo a | { sleep 100; cat; }\n" +
        "    8     7 sleep 100\n" +
        `    9     0 sh -c x=$(ps -o pid,ppid,args); echo "$x"\n` +
        `   15     9 {ps} sh -c x=$(ps -o pid,ppid,args); echo "$x"\n`,
    );
  });

  test("kill of a background pipeline's first stage, from the shell that forked it, is not emulated", async () => {
    const { ns, output, exec, clock } = await setup();
    await started(ns, "app", ["sleep", "600"]);
    await clock.advance(10);
    expect(await exec(["sh", "-c", "sleep 1 | sleep 2 & kill $(($! - 1)); echo killed"], "app")).toBe(127);
    expect(output.join("")).toBe("err:sh: kill of a process a command forked: not emulated by fake-cri\n");
  });

  test("a step undone to fetch the files it reads forks again with the PIDs it drew", async () => {
    const { ns, output, exec, clock } = await setup();
    await started(ns, "app", ["sleep", "600"]);
    await clock.advance(10);
    expect(await exec(["sh", "-c", "cat /etc/hostname /etc/passwd | wc -l >/dev/null; sleep 1 & echo $$ $!"], "app")).toBe(0);
    // $$ is the exec's PID; cat and wc took the two after runc's, sleep the next.
    expect(output.filter((chunk) => chunk.startsWith("out:")).join("")).toBe("out:6 14\n");
    // A background pipeline's stages keep the PIDs its shell forked them with when their step is undone.
    output.length = 0;
    await started(ns, "piped", ["sh", "-c", "cat /etc/passwd | sleep 100 & wait"]);
    await clock.advance(10);
    expect(await exec(["ps", "-o", "pid,ppid,args"], "piped")).toBe(0);
    expect(output.filter((chunk) => chunk.startsWith("out:")).join("")).toBe("out:PID   PPID  COMMAND\n    1     0 sh -c cat /etc/passwd | sleep 100 & wait\n    7     1 sleep 100\n    8     0 ps -o pid,ppid,args\n");
  });

  test("top -b -n 1: the node, then every process, largest first, as busybox's batch screen", async () => {
    const { ns, output, exec, clock } = await setup();
    const pod = await started(ns, "pod", ["/pause"]);
    await started(ns, "app", ["sh", "-c", "sleep 600 & wait"], pod.pid);
    await clock.advance(10);
    expect(await exec(["top", "-b", "-n", "1"], "app")).toBe(0);
    expect(output.join("")).toBe(
      "out:Mem: 6138084K used, 18545688K free, 10304K shrd, 239980K buff, 3055176K cached\n" +
        "CPU:   0% usr   0% sys   0% nic 100% idle   0% io   0% irq   0% sirq\n" +
        "Load average: 0.00 0.00 0.00 1/4 13\n" +
        "  PID  PPID USER     STAT   VSZ %VSZ %CPU COMMAND\n" +
        "    6     0 0        S     2268   0%   0% sh -c sleep 600 & wait\n" +
        "   12     6 0        S     2268   0%   0% sleep 600\n" +
        "   13     0 0        R     2268   0%   0% top -b -n 1\n" +
        "    1     0 0        S      988   0%   0% /pause\n\n",
    );
    expect(await exec(["top"], "app")).toBe(127);
  });

  test("pgrep lists the matching processes but itself, by name or (-f) command line; pkill signals them", async () => {
    const { ns, output, exec, clock } = await setup();
    const parent = await started(ns, "app", ["sh", "-c", "sleep 600 & wait $!; exit $?"]);
    await clock.advance(10);
    expect(await exec(["pgrep", "sleep"], "app")).toBe(0);
    expect(await exec(["pgrep", "-l", "sh"], "app")).toBe(0);
    expect(await exec(["pgrep", "-a", "-f", "^sleep 6"], "app")).toBe(0);
    expect(await exec(["pgrep", "-x", "slee"], "app")).toBe(1);
    expect(await exec(["sh", "-c", "pgrep -v -x pgrep; pkill -KILL sleep; echo $?"], "app")).toBe(0);
    expect(output.join("")).toBe("out:6\nout:1 sh\nout:6 sleep 600\nout:1\n6\n31\nout:0\n");
    await clock.advance(10);
    expect(await parent.status()).toMatchObject({ status: "stopped", exitStatus: 137 });
    expect(await exec(["sh", "-c", "pgrep sleep || true"], "app").catch(() => "gone")).toBe("gone");
  });

  test("kill from inside: PID 1 ignores SIGTERM and SIGKILL; its child dies; /proc/<pid> reads the table", async () => {
    const { ns, output, exec, clock } = await setup();
    const parent = await started(ns, "app", ["sh", "-c", "sleep 600 & wait $!; exit $?"]);
    await clock.advance(10);
    expect(await exec(["sh", "-c", "kill -9 1; tr '\\0' ' ' < /proc/6/cmdline; grep -E '^(State|PPid)' /proc/6/status; kill 6"], "app")).toBe(0);
    expect(output.join("")).toBe("out:sleep 600 out:State:\tS (sleeping)\nPPid:\t1\n");
    await clock.advance(10);
    expect(await parent.status()).toMatchObject({ status: "stopped", exitStatus: 143 });
  });
});
