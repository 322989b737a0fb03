import { describe, expect, test } from "vitest";
import { RealClock, VirtualClock } from "./clock.ts";
import { ociSpec } from "./containers.ts";
import { ContainerdError, ErrorKind } from "./errdefs.ts";
import type { Envelope } from "./events.ts";
import { RandomIds, SeededIds } from "./ids.ts";
import { createFakeContainerd, type FakeContainerd, type FakeContainerdState } from "./index.ts";
import { signals } from "./processes/script.ts";

const spec = (args: string[]) => ociSpec({ process: { args } });
const json = (value: unknown) => JSON.stringify(value, (_, v) => (typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? [...v] : v));

describe("createFakeContainerd", () => {
  test("a seed gives seeded IDs and virtual time; without one, random IDs and real time", () => {
    const seeded = createFakeContainerd({ seed: 1 });
    expect(seeded.ids).toBeInstanceOf(SeededIds);
    expect(seeded.clock).toBeInstanceOf(VirtualClock);
    expect(seeded.ids.next()).toBe(new SeededIds(1).next());
    expect(seeded.ids.next()).toMatch(/^[0-9a-f]{64}$/);
    const plain = createFakeContainerd();
    expect(plain.ids).toBeInstanceOf(RandomIds);
    expect(plain.clock).toBeInstanceOf(RealClock);
    const clock = new VirtualClock({ startNs: 5n });
    expect(createFakeContainerd({ clock, seed: 1 }).clock).toBe(clock);
  });

  test("random IDs stay 64 hex characters and distinct when their pool of random bytes is refilled", () => {
    const ids = new RandomIds();
    const drawn = Array.from({ length: 300 }, () => ids.next());
    for (const id of drawn) expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(drawn).size).toBe(300);
  });

  test("namespace views are stable objects", () => {
    const fake = createFakeContainerd({ seed: 1 });
    expect(fake.namespace("k8s.io")).toBe(fake.namespace("k8s.io"));
    expect(fake.namespace("k8s.io").name).toBe("k8s.io");
  });
});

describe("faults", () => {
  test("fail the nth call of an operation with a chosen error, and are listed with counters", async () => {
    const fake = createFakeContainerd({ seed: 1 });
    const ns = fake.namespace("k8s.io");
    fake.faults.inject({ op: "containers.create", nth: 2, error: { kind: "unavailable", message: "db locked: unavailable" } });
    await ns.containers.create({ id: "a", spec: spec([]) });
    await expect(ns.containers.create({ id: "b", spec: spec([]) })).rejects.toThrow("db locked: unavailable");
    await ns.containers.create({ id: "b", spec: spec([]) });
    expect(fake.faults.list()).toEqual([
      { spec: { op: "containers.create", nth: 2, error: { kind: "unavailable", message: "db locked: unavailable" } }, matched: 3, fired: 1 },
    ]);
    fake.faults.clear();
    expect(fake.faults.list()).toEqual([]);
  });

  test("match a subject, fire a number of times, and add latency on the fake's clock", async () => {
    const clock = new VirtualClock();
    const fake = createFakeContainerd({ seed: 1, clock });
    const ns = fake.namespace("k8s.io");
    await ns.containers.create({ id: "a", spec: spec([]) });
    await ns.containers.create({ id: "b", spec: spec([]) });
    const index = fake.faults.inject({ op: "tasks.create", subject: "b", times: 2, error: { kind: "unknown", message: "shim died: unknown" } });
    await ns.tasks.create("a");
    const error = await ns.tasks.create("b").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContainerdError);
    expect((error as ContainerdError).kind).toBe("unknown");
    fake.faults.remove(index);
    await ns.tasks.create("b");
    fake.faults.inject({ op: "tasks.start", latencyMs: 100 });
    let started = false;
    const starting = (await ns.tasks.get("a")).start().then(() => (started = true));
    await clock.advance(99);
    expect(started).toBe(false);
    await clock.advance(1);
    await starting;
    expect(started).toBe(true);
  });

  test("every operation passes the hook: namespaces, containers, tasks, execs", async () => {
    const fake = createFakeContainerd({ seed: 1 });
    const seen: string[] = [];
    fake.faults.inject({ op: "*", latencyMs: 0 });
    const original = fake.operations.enter.bind(fake.operations);
    fake.operations.enter = (call) => {
      seen.push(`${call.op} ${call.namespace} ${call.subject ?? ""}`.trim());
      return original(call);
    };
    const ns = fake.namespace("k8s.io");
    await fake.namespaces.create("k8s.io");
    await ns.containers.create({ id: "c", spec: spec([]) });
    await ns.containers.list();
    const task = await ns.tasks.create("c");
    await task.start();
    const proc = await task.exec("e", { args: ["true"] });
    await proc.start();
    await proc.wait();
    await proc.delete();
    await task.kill(9);
    await task.delete();
    await ns.containers.delete("c");
    expect(seen.filter((s) => !s.startsWith("events.publish"))).toEqual([
      "namespaces.create k8s.io k8s.io",
      "containers.create k8s.io c",
      "containers.list k8s.io",
      "tasks.create k8s.io c",
      "tasks.start k8s.io c",
      "tasks.exec k8s.io c/e",
      "tasks.start k8s.io c/e",
      "tasks.wait k8s.io c/e",
      "tasks.deleteProcess k8s.io c/e",
      "tasks.kill k8s.io c",
      "tasks.delete k8s.io c",
      "containers.delete k8s.io c",
    ]);
    expect(seen).toContain("events.publish k8s.io /tasks/exit");
  });
});

describe("names given as strings are checked when given", () => {
  test("a misspelt operation is refused, with the nearest name and every valid one", () => {
    const fake = createFakeContainerd({ seed: 1 });
    expect(() => fake.gates.hold("task.create" as never)).toThrow(/^unknown fake-containerd operation "task.create" \(did you mean "tasks.create"\?\); valid: containers.create, /);
    expect(() => fake.faults.inject({ op: "RunPodSandbox" as never })).toThrow(/^unknown fake-containerd operation "RunPodSandbox"; valid: .*events.publish, \*$/);
    expect(fake.faults.list()).toEqual([]);
  });

  test("error kinds: containerd's spelling, or the ErrorKind names for it; anything else is refused", async () => {
    const fake = createFakeContainerd({ seed: 1 });
    expect(() => fake.faults.inject({ op: "tasks.start", error: { kind: "notFound" as never } })).toThrow(
      /^unknown containerd error kind "notFound" \(did you mean "not found"\?\); valid: unknown, invalid argument, not found, /,
    );
    expect(() => new ContainerdError("NotFound" as never, "x")).toThrow(/did you mean "not found"/);
    fake.faults.inject({ op: "containers.create", error: { kind: ErrorKind.AlreadyExists } });
    const ns = fake.namespace("k8s.io");
    const error = await ns.containers.create({ id: "a", spec: spec([]) }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "already exists", message: "injected fault: already exists" });
  });
});

describe("gates", () => {
  test("hold a call in flight until released, while the test looks around", async () => {
    const fake = createFakeContainerd({ seed: 1 });
    const ns = fake.namespace("k8s.io");
    const gate = fake.gates.hold("containers.create", "slow");
    const creating = ns.containers.create({ id: "slow", spec: spec([]) });
    const call = await gate.arrived;
    expect(call).toEqual({ op: "containers.create", namespace: "k8s.io", subject: "slow" });
    expect(gate.held).toBe(1);
    await ns.containers.create({ id: "fast", spec: spec([]) });
    expect((await ns.containers.list()).map((c) => c.id)).toEqual(["fast"]);
    gate.release();
    await creating;
    expect((await ns.containers.list()).map((c) => c.id)).toEqual(["fast", "slow"]);
  });

  test("or fail it", async () => {
    const fake = createFakeContainerd({ seed: 1 });
    const ns = fake.namespace("k8s.io");
    await ns.containers.create({ id: "c", spec: spec([]) });
    const gate = fake.gates.hold("tasks.create");
    const creating = ns.tasks.create("c");
    await gate.arrived;
    gate.fail(new ContainerdError("deadline exceeded", "context deadline exceeded"));
    await expect(creating).rejects.toThrow("context deadline exceeded");
    expect(await ns.tasks.list()).toEqual([]);
  });
});

describe("restart", () => {
  test("a client torn down and rebuilt finds running tasks by listing containers, getting tasks and waiting", async () => {
    const clock = new VirtualClock();
    const fake = createFakeContainerd({ seed: 1, clock });
    fake.processes.onContainer({ labels: { app: "web" } }, { exit: { code: 0, afterMs: 1000 } });
    {
      // The first client: creates and starts, then goes away without cleaning up.
      const ns = fake.namespace("k8s.io");
      for (const id of ["web", "db"]) {
        await ns.containers.create({ id, labels: { app: id, kind: "container" }, spec: spec(["serve"]) });
        await (await ns.tasks.create(id)).start();
      }
    }
    // The second client reattaches.
    const ns = fake.namespace("k8s.io");
    const found = await ns.containers.list('labels."kind"==container');
    const waits = new Map<string, Promise<{ exitStatus: number }>>();
    for (const c of found) {
      const task = await ns.tasks.get(c.id);
      expect((await task.status()).status).toBe("running");
      waits.set(c.id, task.wait());
    }
    await clock.advance(1000);
    expect(await waits.get("web")).toMatchObject({ exitStatus: 0 });
    await (await ns.tasks.get("db")).kill(signals.SIGTERM);
    expect(await waits.get("db")).toMatchObject({ exitStatus: 143 });
  });
});

async function scenario(fake: FakeContainerd, clock: VirtualClock): Promise<void> {
  const ns = fake.namespace("k8s.io");
  fake.processes.onContainer({ labels: { role: "batch" } }, {
    output: [{ stream: "stdout", data: "working\n", atMs: 50 }],
    exit: { code: 2, afterMs: 300 },
  });
  fake.processes.onContainer({ labels: { role: "server" } }, { onSigterm: { exitCode: 0, afterMs: 200 } });
  fake.processes.addFile("/etc/motd", "hi\n");
  fake.faults.inject({ op: "tasks.start", nth: 9, error: { kind: "unknown", message: "flaky: unknown" } });
  await fake.namespaces.create("k8s.io", { purpose: "test" });
  for (let i = 0; i < 4; i++) {
    const id = fake.ids.next();
    await ns.snapshots.get("overlayfs").prepare(id);
    await ns.containers.create({
      id,
      labels: { role: i % 2 ? "batch" : "server", index: String(i) },
      image: "docker.io/library/app:1",
      spec: spec(["app", String(i)]),
      snapshotter: "overlayfs",
      snapshotKey: id,
    });
    const task = await ns.tasks.create(id);
    await task.start();
    await clock.advance(40);
  }
  const [first, second] = await ns.containers.list("labels.role==server");
  const task = await ns.tasks.get(first!.id);
  const proc = await task.exec("probe", { args: ["cat", "/etc/motd"] });
  await proc.start();
  await proc.wait();
  await (await ns.tasks.get(second!.id)).pause();
  await task.kill(signals.SIGTERM);
  await clock.advance(100);
  await fake.namespace("other").containers.create({ id: "x", spec: spec(["sleep"]) });
  await fake.events.delivered();
}

function run(seed: number) {
  const clock = new VirtualClock();
  const fake = createFakeContainerd({ seed, clock });
  const events: Envelope[] = [];
  const sub = fake.events.subscribe();
  return {
    clock,
    fake,
    async go() {
      await scenario(fake, clock);
      events.push(...sub.drain());
      return { state: JSON.stringify(fake.saveState()), events: json(events) };
    },
  };
}

describe("state", () => {
  test("two runs with the same seed produce byte-identical states and event streams", async () => {
    const a = await run(42).go();
    const b = await run(42).go();
    expect(a.state).toBe(b.state);
    expect(a.events).toBe(b.events);
    const c = await run(43).go();
    expect(c.state).not.toBe(a.state);
  });

  test("save is JSON; restore continues where it left off", async () => {
    const original = run(7);
    const { state } = await original.go();
    const saved = JSON.parse(state) as FakeContainerdState;
    expect(saved.format).toBe("fake-containerd/1");
    expect(saved.notes).toEqual([]);
    const restored = createFakeContainerd({ state: saved });
    expect(JSON.stringify(restored.saveState())).toBe(state);
    expect(restored.ids.next()).toBe(original.fake.ids.next());

    // Both continue identically: the batch containers exit on their timers, the paused one stays
    // paused, and the server that got SIGTERM finishes its graceful shutdown.
    const continueRun = async (fake: FakeContainerd) => {
      const sub = fake.events.subscribe();
      await (fake.clock as VirtualClock).advance(500);
      const ns = fake.namespace("k8s.io");
      const statuses = [];
      for (const c of await ns.containers.list()) statuses.push([c.labels.index, (await (await ns.tasks.get(c.id)).status()).status]);
      const paused = (await ns.tasks.list()).find((t) => t.status === "paused")!;
      const task = await ns.tasks.get(paused.id);
      await task.resume();
      const proc = await task.exec("again", { args: ["cat", "/etc/motd"] });
      await proc.start();
      await task.kill(signals.SIGTERM);
      await (fake.clock as VirtualClock).advance(200);
      statuses.push(["resumed", (await task.status()).status]);
      await fake.events.delivered();
      return { statuses, events: json(sub.drain()), state: JSON.stringify(fake.saveState()) };
    };
    const left = await continueRun(original.fake);
    const right = await continueRun(restored);
    expect(right).toEqual(left);
    expect(left.statuses.filter(([, status]) => status === "paused")).toHaveLength(1);
    expect(left.statuses.filter(([, status]) => status === "stopped")).toHaveLength(4);
    expect(left.statuses.at(-1)).toEqual(["resumed", "stopped"]);
  });

  /** IO that collects what a process prints to stdout. */
  const printed = (into: string[]) => ({ stdout: (b: Uint8Array) => into.push(new TextDecoder().decode(b)) });

  test("a process in an endless loop is restored mid-loop and prints on from the same round", async () => {
    const clock = new VirtualClock();
    const fake = createFakeContainerd({ seed: 1, clock });
    const before: string[] = [];
    const ns = fake.namespace("k8s.io");
    await ns.containers.create({ id: "loop", spec: spec(["sh", "-c", "echo hi; while true; do echo tick; sleep 1; done"]) });
    await (await ns.tasks.create("loop", { io: printed(before) })).start();
    await clock.advance(2500);
    expect(before).toEqual(["hi\n", "tick\n", "tick\n", "tick\n"]);

    const restored = createFakeContainerd({ state: JSON.parse(JSON.stringify(fake.saveState())) as FakeContainerdState });
    const after: string[] = [];
    await restored.namespace("k8s.io").tasks.get("loop", { io: printed(after) });
    await (restored.clock as VirtualClock).advance(499);
    expect(after).toEqual([]);
    await (restored.clock as VirtualClock).advance(2001);
    expect(after).toEqual(["tick\n", "tick\n", "tick\n"]);
  });

  test("a shell restored mid-loop keeps its trap and its background job: a SIGTERM then runs the trap after the command it waits for", async () => {
    const clock = new VirtualClock();
    const fake = createFakeContainerd({ seed: 1, clock });
    const ns = fake.namespace("k8s.io");
    const script = "trap 'echo caught; kill $job; wait $job; echo job $?; exit 7' TERM; sleep 100 & job=$!; while true; do echo tick; sleep 2; done";
    await ns.containers.create({ id: "trapper", spec: spec(["sh", "-c", script]) });
    await (await ns.tasks.create("trapper")).start();
    await clock.advance(3000);

    const restored = createFakeContainerd({ state: JSON.parse(JSON.stringify(fake.saveState())) as FakeContainerdState });
    const after: string[] = [];
    const task = await restored.namespace("k8s.io").tasks.get("trapper", { io: printed(after) });
    await (restored.clock as VirtualClock).advance(500);
    await task.kill(signals.SIGTERM);
    await (restored.clock as VirtualClock).advance(499);
    expect(after).toEqual([]);
    await (restored.clock as VirtualClock).advance(1);
    expect(after).toEqual(["caught\n", "job 143\n"]);
    expect((await task.wait()).exitStatus).toBe(7);
  });

  test("a script that reads the container's files is laid out when it starts; restored, it goes on with the steps it was laid out as", async () => {
    const clock = new VirtualClock();
    const fake = createFakeContainerd({ seed: 1, clock });
    fake.processes.addFile("/etc/motd", "hello\n");
    const before: string[] = [];
    const ns = fake.namespace("k8s.io");
    await ns.containers.create({ id: "reader", spec: spec(["sh", "-c", "cat /etc/motd; while true; do echo $(cat /etc/motd); sleep 1; done"]) });
    await (await ns.tasks.create("reader", { io: printed(before) })).start();
    await clock.advance(1500);
    expect(before).toEqual(["hello\n", "hello\n", "hello\n"]);

    const state = JSON.parse(JSON.stringify(fake.saveState())) as FakeContainerdState;
    expect(state.notes).toEqual([]);
    const restored = createFakeContainerd({ state });
    const after: string[] = [];
    await restored.namespace("k8s.io").tasks.get("reader", { io: printed(after) });
    await (restored.clock as VirtualClock).advance(1000);
    expect(after).toEqual(["hello\n"]);
  });

  test("what cannot be saved is noted, and comes back as a process that runs until killed", async () => {
    const clock = new VirtualClock();
    const fake = createFakeContainerd({ seed: 1, clock });
    fake.processes.onContainer({ containerId: "fn" }, async (p) => {
      await p.sleep(10);
      p.exit(5);
    });
    fake.processes.onExec((e) => e.argv[0] === "x", { exit: { code: 0 } });
    const ns = fake.namespace("k8s.io");
    await ns.containers.create({ id: "fn", spec: spec(["f"]) });
    await (await ns.tasks.create("fn")).start();
    const state = fake.saveState();
    expect(state.notes).toEqual([
      "1 container script registration(s) use functions and were not saved",
      "1 exec script registration(s) use functions and were not saved",
      "process fn of task fn in namespace k8s.io runs a function script; restored, it runs until killed",
    ]);
    const restored = createFakeContainerd({ state });
    await (restored.clock as VirtualClock).advance(1000);
    const task = await restored.namespace("k8s.io").tasks.get("fn");
    expect((await task.status()).status).toBe("running");
    await task.kill(signals.SIGKILL);
    expect((await task.wait()).exitStatus).toBe(137);
  });

  test("faults and their counters are part of the state", async () => {
    const fake = createFakeContainerd({ seed: 1 });
    fake.faults.inject({ op: "containers.get", nth: 2, error: { kind: "unavailable" } });
    await fake.namespace("k8s.io").containers.get("x").catch(() => {});
    const restored = createFakeContainerd({ state: fake.saveState() });
    expect(restored.faults.list()).toEqual([{ spec: { op: "containers.get", nth: 2, error: { kind: "unavailable" } }, matched: 1, fired: 0 }]);
    await expect(restored.namespace("k8s.io").containers.get("x")).rejects.toThrow("injected fault: unavailable");
  });
});
