import { describe, expect, test } from "vitest";
import { VirtualClock } from "./clock.ts";
import { ociSpec } from "./containers.ts";
import { ContainerdError } from "./errdefs.ts";
import { createFakeContainerd, type FakeContainerdOptions } from "./index.ts";
import { signals, type ProcessScript } from "./processes/script.ts";
import { Task } from "./task-handles.ts";
import type { ProcessIO } from "./task-types.ts";

const { SIGKILL, SIGTERM, SIGHUP, SIGWINCH } = signals;
const decoder = new TextDecoder();

async function setup(options: { args?: string[]; script?: ProcessScript } & FakeContainerdOptions = {}) {
  const clock = new VirtualClock();
  const fake = createFakeContainerd({ seed: 11, clock, ...options });
  const events = fake.events.subscribe();
  const ns = fake.namespace("k8s.io");
  if (options.script) fake.processes.onContainer({ containerId: "c1" }, options.script);
  await ns.containers.create({ id: "c1", spec: ociSpec({ process: { args: options.args ?? ["sleep", "infinity"] } }) });
  const topicsSeen = async () => {
    await fake.events.delivered();
    return events.drain().map((e) => e.topic);
  };
  return { clock, fake, ns, events, topicsSeen };
}

function capture(terminal = false): ProcessIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    terminal,
    stdout: (chunk) => out.push(decoder.decode(chunk)),
    stderr: (chunk) => err.push(decoder.decode(chunk)),
  };
}

async function expectError(promise: Promise<unknown>, kind: string, message: string): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ContainerdError);
  expect((error as ContainerdError).message).toBe(message);
  expect((error as ContainerdError).kind).toBe(kind);
}

/** A stdin source the test writes to and ends. */
function stdinSource() {
  const queue: Array<Uint8Array | null> = [];
  let wake: (() => void) | undefined;
  const source: AsyncIterable<Uint8Array> = {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const next = queue.shift();
        if (next === null) return;
        if (next) yield next;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
  const push = (chunk: Uint8Array | null) => {
    queue.push(chunk);
    wake?.();
    wake = undefined;
  };
  return { source, write: (text: string) => push(new TextEncoder().encode(text)), end: () => push(null) };
}

describe("task create", () => {
  test("creates the process with a PID, not started, and publishes /tasks/create", async () => {
    const { ns, fake, events } = await setup();
    const task = await ns.tasks.create("c1");
    expect(task.id).toBe("c1");
    expect(task.pid).toBe(1000);
    expect(await task.status()).toEqual({ status: "created", exitStatus: 0, exitedAt: null });
    await fake.events.delivered();
    expect(events.drain()[1]).toMatchObject({
      topic: "/tasks/create",
      event: {
        containerId: "c1",
        bundle: "/run/containerd/io.containerd.runtime.v2.task/k8s.io/c1",
        rootfs: [],
        io: { stdin: "", stdout: "", stderr: "", terminal: false },
        checkpoint: "",
        pid: 1000,
      },
    });
  });

  test("a mount asking to be ID-mapped is refused: runc 1.1.5's features offer no idmap mounts (as containerd 2.4.2 answers)", async () => {
    const { ns } = await setup();
    const idmapped = [
      { destination: "/v", type: "bind", source: "/h", uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] },
      { destination: "/v", type: "bind", source: "/h", options: ["rbind", "ridmap"] },
    ];
    for (const [i, mount] of idmapped.entries()) {
      await ns.containers.create({ id: `m${i}`, spec: ociSpec({ mounts: [mount] }) });
      await expectError(
        ns.tasks.create(`m${i}`),
        "unknown",
        "failed to validate OCI runtime features: idmap mounts not supported: missing `mountExtensions.idmap` entry in `features` command",
      );
    }
  });

  test("the rootfs is the mounts of the container's snapshot, which must exist", async () => {
    const { ns, fake, events } = await setup();
    const mounts = await ns.snapshots.get("overlayfs").prepare("c2-rootfs");
    await ns.containers.create({ id: "c2", spec: ociSpec({}), snapshotter: "overlayfs", snapshotKey: "c2-rootfs" });
    await ns.tasks.create("c2");
    await fake.events.delivered();
    expect(events.drain().at(-1)).toMatchObject({ topic: "/tasks/create", event: { containerId: "c2", rootfs: mounts } });
    await ns.containers.create({ id: "c3", spec: ociSpec({}), snapshotter: "overlayfs", snapshotKey: "nope" });
    await expectError(ns.tasks.create("c3"), "not found", "snapshot nope does not exist: not found");
  });

  test("deleting a container can remove its snapshot", async () => {
    const { ns } = await setup();
    const overlay = ns.snapshots.get("overlayfs");
    await overlay.prepare("k2");
    await overlay.prepare("k3");
    await ns.containers.create({ id: "c2", spec: ociSpec({}), snapshotter: "overlayfs", snapshotKey: "k2" });
    await ns.containers.create({ id: "c3", spec: ociSpec({}), snapshotter: "overlayfs", snapshotKey: "k3" });
    await ns.containers.delete("c2", { snapshotCleanup: true });
    await ns.containers.delete("c3");
    expect((await overlay.list()).map((s) => s.name)).toEqual(["k3"]);
  });

  test("needs the container, and one task per container", async () => {
    const { ns } = await setup();
    await expectError(ns.tasks.create("c2"), "not found", 'container "c2" in namespace "k8s.io": not found');
    await ns.tasks.create("c1");
    await expectError(ns.tasks.create("c1"), "already exists", "task c1: already exists");
  });

  test.each([
    [
      "io.containerd.kata.v2",
      'failed to start shim: failed to resolve runtime path: runtime "io.containerd.kata.v2" binary not installed "containerd-shim-kata-v2": file does not exist: unknown',
    ],
    [
      "runc",
      "failed to start shim: failed to resolve runtime path: invalid runtime name runc, correct runtime name should be either format like `io.containerd.runc.v1` or a full path to the binary: unknown",
    ],
    [
      "/usr/bin/containerd-shim-x-v1",
      "failed to start shim: failed to resolve runtime path: invalid custom binary path: stat /usr/bin/containerd-shim-x-v1: no such file or directory: unknown",
    ],
  ])("a runtime without a shim (%s) fails", async (runtime, message) => {
    const { ns } = await setup();
    await ns.containers.create({ id: "c2", runtime: { name: runtime }, spec: ociSpec({}) });
    await expectError(ns.tasks.create("c2"), "unknown", message);
  });

  test("installed runtimes can be chosen", async () => {
    const { ns } = await setup({ runtimes: ["io.containerd.runsc.v1"] });
    await ns.containers.create({ id: "c2", runtime: { name: "io.containerd.runsc.v1" }, spec: ociSpec({}) });
    await ns.tasks.create("c2");
    await expect(ns.tasks.create("c1")).rejects.toThrow('runtime "io.containerd.runc.v2" binary not installed');
  });

  test("a process that cannot start fails task create as runc 1.1 reports it", async () => {
    const { ns, topicsSeen } = await setup({ args: ["/bin/nope"], script: { failStart: {} } });
    await expectError(
      ns.tasks.create("c1"),
      "unknown",
      'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/bin/nope": stat /bin/nope: no such file or directory: unknown',
    );
    await expectError(ns.tasks.get("c1"), "not found", "no running task found: task c1 not found: not found");
    expect(await topicsSeen()).toEqual(["/containers/create"]);
  });

  test("a start failure can carry its own reason", async () => {
    const { ns } = await setup({ script: { failStart: { reason: "error during container init: error mounting \"proc\"" } } });
    await expect(ns.tasks.create("c1")).rejects.toThrow(
      'runc create failed: unable to start container process: error during container init: error mounting "proc": unknown',
    );
  });
});

describe("task start, kill, wait", () => {
  test("start runs the process and publishes /tasks/start", async () => {
    const { ns, topicsSeen } = await setup();
    const task = await ns.tasks.create("c1");
    await task.start();
    expect((await task.status()).status).toBe("running");
    expect(await topicsSeen()).toEqual(["/containers/create", "/tasks/create", "/tasks/start"]);
  });

  test("start is refused in every state but created", async () => {
    const { ns } = await setup();
    const task = await ns.tasks.create("c1");
    await task.start();
    await expectError(task.start(), "unknown", "cannot start a running process: unknown");
    await task.pause();
    await expectError(task.start(), "unknown", "cannot start a paused process: unknown");
    await task.resume();
    await task.kill(SIGKILL);
    await expectError(task.start(), "unknown", "cannot start a stopped process: unknown");
    await task.delete();
    await expectError(task.start(), "not found", "task c1 not found: not found");
  });

  test.each([
    [SIGTERM, 143],
    [SIGKILL, 137],
    [SIGHUP, 129],
    [signals.SIGINT, 130],
  ])("signal %i ends a default process with %i", async (signal, status) => {
    const { ns, clock } = await setup();
    const task = await ns.tasks.create("c1");
    const exited = task.wait();
    await task.start();
    const before = clock.peek();
    await task.kill(signal);
    const result = await exited;
    expect(result.exitStatus).toBe(status);
    expect(result.exitedAt! >= before).toBe(true);
    expect(await task.status()).toEqual({ status: "stopped", ...result });
  });

  test("signals whose default is to ignore, and signal 0, leave it running", async () => {
    const { ns } = await setup();
    const task = await ns.tasks.create("c1");
    await task.start();
    await task.kill(SIGWINCH);
    await task.kill(0);
    await task.kill(signals.SIGCHLD);
    expect((await task.status()).status).toBe("running");
  });

  test("a created task can be killed; it then exits without having run", async () => {
    const { ns, topicsSeen } = await setup();
    const task = await ns.tasks.create("c1");
    await task.kill(SIGTERM);
    expect(await task.wait()).toMatchObject({ exitStatus: 143 });
    expect(await topicsSeen()).toEqual(["/containers/create", "/tasks/create", "/tasks/exit"]);
  });

  test("killing a stopped process is not found, unless all processes are signalled", async () => {
    const { ns } = await setup();
    const task = await ns.tasks.create("c1");
    await task.start();
    await task.kill(SIGKILL);
    await expectError(task.kill(SIGTERM), "not found", "process already finished: not found");
    await task.kill(SIGKILL, { all: true });
  });

  test("wait resolves for every waiter, before and after the exit, with /tasks/exit published", async () => {
    const { ns, fake, events } = await setup();
    const task = await ns.tasks.create("c1");
    await task.start();
    const early = [task.wait(), task.wait()];
    await task.kill(SIGTERM);
    const late = await task.wait();
    const results = await Promise.all(early);
    expect(results).toEqual([late, late]);
    await fake.events.delivered();
    const exit = events.drain().find((e) => e.topic === "/tasks/exit")!;
    expect(exit.event).toEqual({ containerId: "c1", id: "c1", pid: 1000, exitStatus: 143, exitedAt: late.exitedAt });
  });

  test("a task handle from get() waits on the same process (a client restart)", async () => {
    const { fake, ns } = await setup();
    await (await ns.tasks.create("c1")).start();
    const again = await fake.namespace("k8s.io").tasks.get("c1");
    expect(again.pid).toBe(1000);
    const exited = again.wait();
    await again.kill(SIGKILL);
    expect((await exited).exitStatus).toBe(137);
  });

  test("wait on a task that does not exist fails", async () => {
    const { ns } = await setup();
    await expectError(ns.tasks.get("c1"), "not found", "no running task found: task c1 not found: not found");
    await expectError(ns.tasks.get("zz"), "not found", 'no running task found: container "zz" in namespace "k8s.io": not found');
  });
});

describe("task delete", () => {
  test("only a stopped task can be deleted", async () => {
    const { ns } = await setup();
    const task = await ns.tasks.create("c1");
    await expectError(task.delete(), "failed precondition", "task must be stopped before deletion: created: failed precondition");
    await task.start();
    await expectError(task.delete(), "failed precondition", "task must be stopped before deletion: running: failed precondition");
    await task.pause();
    await expectError(task.delete(), "failed precondition", "task must be stopped before deletion: paused: failed precondition");
  });

  test("returns the exit status and publishes /tasks/delete", async () => {
    const { ns, fake, events } = await setup();
    const task = await ns.tasks.create("c1");
    await task.start();
    await task.kill(SIGTERM);
    const exit = await task.wait();
    expect(await task.delete()).toEqual(exit);
    await fake.events.delivered();
    expect(events.drain().at(-1)).toMatchObject({
      topic: "/tasks/delete",
      event: { containerId: "c1", id: "", pid: 1000, exitStatus: 143, exitedAt: exit.exitedAt },
    });
    await expectError(task.status(), "not found", "task c1 not found: not found");
    await expectError(task.delete(), "not found", "task c1 not found: not found");
    expect(await ns.tasks.list()).toEqual([]);
  });

  test("with kill, a running or paused task is SIGKILLed first", async () => {
    const { ns } = await setup({ script: { ignoreSigterm: true } });
    const task = await ns.tasks.create("c1");
    await task.start();
    await task.pause();
    expect(await task.delete({ kill: true })).toMatchObject({ exitStatus: 137 });
  });
});

describe("pause and resume", () => {
  test("the state machine and its events", async () => {
    const { ns, topicsSeen } = await setup();
    const task = await ns.tasks.create("c1");
    await expectError(task.pause(), "unknown", "cannot pause task in created state: unknown");
    await expectError(task.resume(), "unknown", "cannot resume task in created state: unknown");
    await task.start();
    await expectError(task.resume(), "unknown", "cannot resume a running process: unknown");
    await task.pause();
    expect((await task.status()).status).toBe("paused");
    await expectError(task.pause(), "unknown", "cannot pause a paused container: unknown");
    await task.resume();
    expect((await task.status()).status).toBe("running");
    await task.kill(SIGKILL);
    await expectError(task.pause(), "unknown", "cannot pause a stopped container: unknown");
    await expectError(task.resume(), "unknown", "cannot resume a stopped container: unknown");
    expect(await topicsSeen()).toEqual([
      "/containers/create",
      "/tasks/create",
      "/tasks/start",
      "/tasks/paused",
      "/tasks/resumed",
      "/tasks/exit",
    ]);
  });

  test("a paused process gets SIGTERM when thawed, SIGKILL at once", async () => {
    const { ns } = await setup();
    const task = await ns.tasks.create("c1");
    await task.start();
    await task.pause();
    await task.kill(SIGTERM);
    expect((await task.status()).status).toBe("paused");
    await task.resume();
    expect(await task.status()).toMatchObject({ status: "stopped", exitStatus: 143 });

    await ns.containers.create({ id: "c2", spec: ociSpec({}) });
    const other = await ns.tasks.create("c2");
    await other.start();
    await other.pause();
    await other.kill(SIGKILL);
    expect(await other.status()).toMatchObject({ status: "stopped", exitStatus: 137 });
  });

  test("paused time does not count towards a script's timers", async () => {
    const { ns, clock } = await setup({ script: { exit: { code: 3, afterMs: 100 } } });
    const task = await ns.tasks.create("c1");
    await task.start();
    await clock.advance(50);
    await task.pause();
    await clock.advance(500);
    expect((await task.status()).status).toBe("paused");
    await task.resume();
    await clock.advance(49);
    expect((await task.status()).status).toBe("running");
    await clock.advance(2);
    expect(await task.status()).toMatchObject({ status: "stopped", exitStatus: 3 });
  });
});

describe("exec", () => {
  test("adds, starts and finishes a process, with events", async () => {
    const { ns, topicsSeen } = await setup();
    const task = await ns.tasks.create("c1");
    await task.start();
    const io = capture();
    const proc = await task.exec("e1", { args: ["echo", "hello", "world"] }, io);
    expect(proc.pid).toBe(0);
    expect(await proc.status()).toMatchObject({ status: "created" });
    const exited = proc.wait();
    await proc.start();
    expect(proc.pid).toBe(1001);
    expect(await exited).toMatchObject({ exitStatus: 0 });
    expect(io.out).toEqual(["hello world\n"]);
    expect(await proc.delete()).toMatchObject({ exitStatus: 0 });
    await expectError(proc.status(), "not found", "process does not exist e1: not found");
    expect(await topicsSeen()).toEqual([
      "/containers/create",
      "/tasks/create",
      "/tasks/start",
      "/tasks/exec-added",
      "/tasks/exec-started",
      "/tasks/exit",
    ]);
  });

  test("exec IDs: required, identifiers, unique until deleted", async () => {
    const { ns } = await setup();
    const task = await ns.tasks.create("c1");
    await task.start();
    await expectError(task.exec("", { args: ["true"] }), "invalid argument", "exec id must not be empty: invalid argument");
    await expectError(
      task.exec("a/b", { args: ["true"] }),
      "invalid argument",
      'invalid exec id a/b: identifier "a/b" must match ^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$: invalid argument',
    );
    const first = await task.exec("e1", { args: ["true"] });
    await expectError(task.exec("e1", { args: ["true"] }), "already exists", "id e1: already exists");
    await first.delete();
    await task.exec("e1", { args: ["true"] });
  });

  test("exec into a paused or stopped task is refused", async () => {
    const { ns } = await setup();
    const task = await ns.tasks.create("c1");
    await task.exec("in-created", { args: ["true"] });
    await task.start();
    await task.pause();
    await expectError(task.exec("e1", { args: ["true"] }), "unknown", "cannot exec in a paused state: unknown");
    await task.resume();
    await task.kill(SIGKILL);
    await expectError(task.exec("e1", { args: ["true"] }), "unknown", "cannot exec in a stopped state: unknown");
  });

  test("an unknown command fails at start as runc reports a missing executable", async () => {
    const { ns } = await setup();
    const task = await ns.tasks.create("c1");
    await task.start();
    const proc = await task.exec("e1", { args: ["nonesuch", "-x"] });
    await expectError(
      proc.start(),
      "unknown",
      'OCI runtime exec failed: exec failed: unable to start container process: exec: "nonesuch": executable file not found in $PATH: unknown',
    );
    expect(await proc.wait()).toEqual({ exitStatus: 0, exitedAt: null });
    expect((await proc.status()).status).toBe("created");
    await expectError(proc.kill(SIGKILL), "failed precondition", "process not created: failed precondition");
    await proc.delete();
  });

  test("exec start depends on the task's state then", async () => {
    const { ns } = await setup();
    const task = await ns.tasks.create("c1");
    await task.start();
    const whilePaused = await task.exec("e1", { args: ["true"] });
    const afterStop = await task.exec("e2", { args: ["true"] });
    await task.pause();
    await expectError(
      whilePaused.start(),
      "unknown",
      "OCI runtime exec failed: exec failed: cannot exec in a paused container (use --ignore-paused to override): unknown",
    );
    await task.resume();
    await task.kill(SIGKILL);
    await expectError(afterStop.start(), "unknown", "OCI runtime exec failed: exec failed: cannot exec in a stopped container: unknown");
  });

  test("kill, start and delete follow the exec state machine", async () => {
    const { ns } = await setup();
    const task = await ns.tasks.create("c1");
    await task.start();
    const proc = await task.exec("e1", { args: ["sleep", "10"] });
    await expectError(proc.kill(SIGTERM), "failed precondition", "process not created: failed precondition");
    await proc.start();
    await expectError(proc.start(), "unknown", "cannot start a running process: unknown");
    await expectError(
      proc.delete(),
      "failed precondition",
      "current process state: running, process must be stopped before deletion: failed precondition",
    );
    await proc.kill(SIGTERM);
    expect(await proc.wait()).toMatchObject({ exitStatus: 143 });
    await expectError(proc.kill(SIGTERM), "not found", "process already finished: not found");
    await expectError(proc.start(), "unknown", "cannot start a stopped process: unknown");
    await task.pause();
    await expectError(
      proc.delete(),
      "failed precondition",
      "current process state: paused, process must be stopped before deletion: failed precondition",
    );
  });

  test("delete with kill (WithProcessKill) SIGKILLs a running exec first; a finished or unstarted one is deleted as it is", async () => {
    const { ns } = await setup();
    const task = await ns.tasks.create("c1");
    await task.start();
    const running = await task.exec("e1", { args: ["sleep", "10"] });
    await running.start();
    const exit = running.wait();
    expect(await running.delete({ kill: true })).toMatchObject({ exitStatus: 137 });
    expect(await exit).toMatchObject({ exitStatus: 137 });
    const finished = await task.exec("e2", { args: ["true"] });
    await finished.start();
    expect(await finished.wait()).toMatchObject({ exitStatus: 0 });
    expect(await finished.delete({ kill: true })).toMatchObject({ exitStatus: 0 });
    const unstarted = await task.exec("e3", { args: ["sleep", "10"] });
    expect(await unstarted.delete({ kill: true })).toMatchObject({ exitStatus: 0 });
    expect(await task.pids()).toEqual([{ pid: task.pid }]);
    await expectError(running.delete({ kill: true }), "not found", "process does not exist e1: not found");
  });

  test("when the task's process exits, its execs are killed", async () => {
    const { ns, fake, events } = await setup();
    const task = await ns.tasks.create("c1");
    await task.start();
    const proc = await task.exec("e1", { args: ["sleep", "100"] });
    await proc.start();
    await task.kill(SIGTERM);
    expect(await proc.wait()).toMatchObject({ exitStatus: 137 });
    await fake.events.delivered();
    const exits = events.drain().filter((e) => e.topic === "/tasks/exit").map((e) => e.event);
    expect(exits).toMatchObject([
      { id: "c1", exitStatus: 143 },
      { id: "e1", exitStatus: 137 },
    ]);
  });

  test("kill with all signals the execs too", async () => {
    const { ns } = await setup();
    const task = await ns.tasks.create("c1");
    await task.start();
    const proc = await task.exec("e1", { args: ["sleep", "100"] });
    await proc.start();
    await task.kill(SIGTERM, { all: true });
    expect(await proc.wait()).toMatchObject({ exitStatus: 143 });
  });

  test("loadProcess finds an exec, or says there is none", async () => {
    const { ns } = await setup();
    const task = await ns.tasks.create("c1");
    await task.start();
    const proc = await task.exec("e1", { args: ["sleep", "1"] });
    await proc.start();
    const loaded = await task.loadProcess("e1");
    expect(loaded.pid).toBe(proc.pid);
    expect(await task.loadProcess("c1")).toBe(task);
    await expectError(task.loadProcess("e9"), "not found", "no running process found: process does not exist e9: not found");
  });
});

describe("pids, IO, resize, update, metrics", () => {
  test("pids lists the task's process and running execs", async () => {
    const { ns } = await setup();
    const task = await ns.tasks.create("c1");
    expect(await task.pids()).toEqual([{ pid: 1000 }]);
    await task.start();
    await task.exec("idle", { args: ["sleep", "5"] });
    const proc = await task.exec("e1", { args: ["sleep", "5"] });
    await proc.start();
    expect(await task.pids()).toEqual([{ pid: 1000 }, { pid: 1001, info: { execId: "e1" } }]);
    await task.kill(SIGKILL);
    expect(await task.pids()).toEqual([]);
  });

  test("stdin feeds the process; closeIO ends it", async () => {
    const { ns } = await setup();
    const task = await ns.tasks.create("c1");
    await task.start();
    const stdin = stdinSource();
    const io = { ...capture(), stdin: stdin.source };
    const cat = await task.exec("cat", { args: ["cat"] }, io);
    await cat.start();
    stdin.write("one ");
    stdin.write("two");
    await new Promise((r) => setTimeout(r, 0));
    await cat.closeIO();
    expect(await cat.wait()).toMatchObject({ exitStatus: 0 });
    expect(io.out.join("")).toBe("one two");
  });

  test("a process without stdin reads end of file at once", async () => {
    const { ns } = await setup();
    const task = await ns.tasks.create("c1");
    await task.start();
    const cat = await task.exec("cat", { args: ["cat"] });
    await cat.start();
    expect(await cat.wait()).toMatchObject({ exitStatus: 0 });
  });

  test("with a terminal, stderr goes to stdout, newlines as CR LF; get() can attach new IO", async () => {
    const { ns, clock } = await setup({ script: { output: [{ stream: "stderr", data: "e1\n" }, { stream: "stdout", data: "o2\n", atMs: 10 }] } });
    const first = capture(true);
    const task = await ns.tasks.create("c1", { io: first });
    await task.start();
    expect(first.out).toEqual(["e1\r\n"]);
    const second = capture();
    await ns.tasks.get("c1", { io: second });
    await clock.advance(10);
    expect(second.out).toEqual(["o2\r\n"]);
  });

  test("resize: the task's process always accepts it, a stopped exec does not", async () => {
    const { ns } = await setup();
    const task = await ns.tasks.create("c1", { io: { terminal: true } });
    await task.resize(80, 24);
    expect(ns.tasks.terminalSizeOf("c1")).toEqual({ width: 80, height: 24 });
    await task.start();
    const proc = await task.exec("e1", { args: ["true"] }, { terminal: true });
    await proc.resize(100, 30);
    expect(ns.tasks.terminalSizeOf("c1", "e1")).toEqual({ width: 100, height: 30 });
    await proc.start();
    await expectError(proc.resize(1, 1), "unknown", "cannot resize a stopped container: unknown");
  });

  test("update stores resources until the task stops", async () => {
    const { ns } = await setup();
    const task = await ns.tasks.create("c1");
    await task.update({ resources: { memory: { limit: 64 * 1024 * 1024 } } });
    expect((await task.metrics()).data.memory.usageLimit).toBe(67108864n);
    await task.update({ resources: { memory: { limit: 2n ** 60n } } });
    expect((await task.metrics()).data.memory.usageLimit).toBe(2n ** 60n);
    await task.kill(SIGKILL);
    await expectError(task.update({ resources: {} }), "unknown", "cannot update a stopped container: unknown");
  });

  test("metrics follow running time and the script's usage figures", async () => {
    const { ns, clock } = await setup({ script: { usage: { cpuMillicores: 500, memoryBytes: 1_000_000 } } });
    const task = await ns.tasks.create("c1");
    await task.start();
    await clock.advance(2000);
    const m = await task.metrics();
    expect(m.id).toBe("c1");
    expect(m.typeUrl).toBe("io.containerd.cgroups.v2.Metrics");
    // Half a core for two seconds (plus the clock's microsecond ticks) is about a second of CPU.
    expect(Number(m.data.cpu.usageUsec)).toBeGreaterThanOrEqual(1_000_000);
    expect(Number(m.data.cpu.usageUsec)).toBeLessThan(1_000_100);
    expect(m.data.cpu.userUsec + m.data.cpu.systemUsec).toBe(m.data.cpu.usageUsec);
    expect(m.data.memory.usage).toBe(1_000_000n);
    expect(m.data.pids.current).toBe(1n);
    expect(m.data.memory.usageLimit).toBe(2n ** 64n - 1n);
    await task.kill(SIGKILL);
    const after = await task.metrics();
    expect(after.data.memory.usage).toBe(0n);
    expect(after.data.cpu.usageUsec).toBe((await task.metrics()).data.cpu.usageUsec);
  });

  test("metrics of the namespace, filtered; and when there are none", async () => {
    const { ns, fake } = await setup();
    await ns.containers.create({ id: "c2", spec: ociSpec({}) });
    await ns.tasks.create("c1");
    await ns.tasks.create("c2");
    expect((await ns.tasks.metrics()).map((m) => m.id)).toEqual(["c1", "c2"]);
    expect((await ns.tasks.metrics("id==c2")).map((m) => m.id)).toEqual(["c2"]);
    expect((await ns.tasks.metrics("namespace==other")).map((m) => m.id)).toEqual([]);
    await expectError(
      ns.tasks.metrics("id=c2"),
      "unknown",
      'filters: parse error: [id >|=|< c2]: unsupported operator "=": invalid argument: unknown',
    );
    fake.faults.makeTaskUnreadable({ namespace: "k8s.io", containerId: "c2" });
    expect((await ns.tasks.metrics()).map((m) => m.id)).toEqual(["c1"]);
    const mute = (await ns.tasks.list()).find((t) => t.id === "c2");
    expect(mute).toEqual({ id: "c2", pid: 0, status: "unknown", exitStatus: 0, exitedAt: null });
    const c2 = new Task(ns.tasks, "c2", 0);
    await expectError(c2.metrics(), "unknown", "no metrics received");
    await ns.containers.create({ id: "c3", spec: ociSpec({}) });
    const c3 = new Task(ns.tasks, "c3", 0);
    await expectError(c3.metrics(), "not found", "task c3 not found: not found");
  });
});

describe("accidents", () => {
  test("an unreadable task fails every call that reaches its shim", async () => {
    const { ns, fake } = await setup();
    const task = await ns.tasks.create("c1");
    await task.start();
    fake.faults.makeTaskUnreadable({ namespace: "k8s.io", containerId: "c1" });
    for (const call of [() => ns.tasks.get("c1"), () => task.status(), () => task.wait(), () => task.kill(SIGKILL), () => task.delete()]) {
      await expectError(call(), "unknown", "ttrpc: closed: unknown");
    }
    await expectError(ns.containers.delete("c1"), "failed precondition", "cannot delete running task c1: failed precondition");
    fake.faults.makeTaskUnreadable({
      namespace: "k8s.io",
      containerId: "c1",
      error: { kind: "unavailable", message: "connection refused: unavailable" },
    });
    await expectError(task.status(), "unavailable", "connection refused: unavailable");
  });

  test("a crashed process exits with the chosen status", async () => {
    const { ns, fake, topicsSeen } = await setup();
    const task = await ns.tasks.create("c1");
    await task.start();
    fake.faults.crashTask({ namespace: "k8s.io", containerId: "c1", exitStatus: 255 });
    expect(await task.wait()).toMatchObject({ exitStatus: 255 });
    expect(() => fake.faults.crashTask({ namespace: "k8s.io", containerId: "c1", exitStatus: 1 })).toThrow(/no live process/);
    expect((await topicsSeen()).at(-1)).toBe("/tasks/exit");
  });

  test("an OOM kill publishes /tasks/oom, then the exit with 137", async () => {
    const { ns, fake, events, clock } = await setup({ script: { oom: { afterMs: 30 } } });
    const task = await ns.tasks.create("c1");
    await task.start();
    await clock.advance(30);
    expect(await task.wait()).toMatchObject({ exitStatus: 137 });
    await fake.events.delivered();
    expect(events.drain().slice(-2).map((e) => [e.topic, e.event])).toMatchObject([
      ["/tasks/oom", { containerId: "c1" }],
      ["/tasks/exit", { containerId: "c1", exitStatus: 137 }],
    ]);
  });
});
