// The task state machine of fake-containerd against a model of containerd's (runc shim, task
// service and Go client rules): random sequences of task and exec calls must be accepted or refused
// exactly as the model says, with containerd's error text, and leave the same states and exit
// statuses. And: every started task's wait resolves once, after the process has exited.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { VirtualClock } from "../fake-containerd/clock.ts";
import { ociSpec } from "../fake-containerd/containers.ts";
import { ContainerdError } from "../fake-containerd/errdefs.ts";
import { createFakeContainerd } from "../fake-containerd/index.ts";
import { signals, terminatesByDefault } from "../fake-containerd/processes/script.ts";
import { Process, Task, type TaskService } from "../fake-containerd/tasks.ts";
import { execCommand, processScript, signal } from "./arbitraries/containerd.ts";

const runs = { numRuns: 1000 };
// Model runs are long sequences; more of them reach the rarer paths (a trapped SIGTERM sent to an exec).
const modelRuns = { numRuns: 2000 };
const id = "c";

type Phase = "created" | "running" | "stopped";
interface ExecModel {
  phase: Phase;
  argv: string[];
  exitStatus: number;
}
interface Model {
  task: Phase | "none";
  paused: boolean;
  exitStatus: number;
  ignoreSigterm: boolean;
  execs: Map<string, ExecModel>;
  pending: Array<{ target: string | undefined; signal: number }>;
}
/** Handles kept across calls, as a client keeps them: they name the task or exec, nothing more. */
interface Real {
  tasks: TaskService;
  task: Task;
}

const processOf = (r: Real, execId: string) => new Process(r.tasks, id, execId);

type Outcome = { ok: true } | { ok: false; message: string };
const ok: Outcome = { ok: true };
const refused = (message: string): Outcome => ({ ok: false, message });
const noTask = refused(`task ${id} not found: not found`);

function exitInit(m: Model, code: number): void {
  m.task = "stopped";
  m.exitStatus = code;
  m.paused = false;
  m.pending = [];
  for (const e of m.execs.values()) {
    if (e.phase === "running") {
      e.phase = "stopped";
      e.exitStatus = 137;
    }
  }
}

function deliver(m: Model, target: string | undefined, sig: number): void {
  if (sig === 0) return;
  const exec = target === undefined ? undefined : m.execs.get(target)!;
  const phase = exec ? exec.phase : (m.task as Phase);
  if (phase === "stopped") return;
  const exit = (code: number) => {
    if (exec) {
      exec.phase = "stopped";
      exec.exitStatus = code;
    } else exitInit(m, code);
  };
  if (phase === "created") {
    if (terminatesByDefault(sig)) exit(128 + sig);
    return;
  }
  if (sig === signals.SIGKILL) return exit(137);
  if (m.paused) {
    m.pending.push({ target, signal: sig });
    return;
  }
  if (!exec && sig === signals.SIGTERM && m.ignoreSigterm) return;
  if (terminatesByDefault(sig)) exit(128 + sig);
}

const statusOf = (m: Model) => (m.task === "running" && m.paused ? "paused" : m.task);

async function outcome(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    await call();
    return ok;
  } catch (e) {
    if (!(e instanceof ContainerdError)) throw e;
    return refused(e.message);
  }
}

/** After every command the fake must report what the model holds. */
async function agree(m: Model, r: Real): Promise<void> {
  const status = await outcome(async () => {
    const task = await r.tasks.get(id);
    expect(await task.status()).toMatchObject({ status: statusOf(m), exitStatus: m.exitStatus });
    for (const [execId, e] of m.execs) {
      const proc = await task.loadProcess(execId);
      expect(await proc.status()).toMatchObject({ status: m.paused ? "paused" : e.phase, exitStatus: e.exitStatus });
    }
  });
  expect(status).toEqual(m.task === "none" ? refused(`no running task found: ${noTask.ok ? "" : noTask.message}`) : ok);
}

abstract class TaskCommand implements fc.AsyncCommand<Model, Real> {
  check(): boolean {
    return true;
  }
  /** Applies the call to the model and says what the fake must answer. */
  abstract expect(m: Model): Outcome;
  abstract call(r: Real): Promise<unknown>;
  async run(m: Model, r: Real): Promise<void> {
    const expected = this.expect(m);
    expect(await outcome(() => this.call(r))).toEqual(expected);
    await agree(m, r);
  }
}

class CreateTask extends TaskCommand {
  override expect(m: Model): Outcome {
    if (m.task !== "none") return refused(`task ${id}: already exists`);
    m.task = "created";
    m.exitStatus = 0;
    return ok;
  }
  override async call(r: Real) {
    r.task = await r.tasks.create(id);
  }
  override toString() {
    return "createTask";
  }
}

class Start extends TaskCommand {
  override expect(m: Model): Outcome {
    if (m.task === "none") return noTask;
    const status = statusOf(m);
    if (status !== "created") return refused(`cannot start a ${status} process: unknown`);
    m.task = "running";
    return ok;
  }
  override async call(r: Real) {
    await r.task.start();
  }
  override toString() {
    return "start";
  }
}

class Kill extends TaskCommand {
  readonly sig: number;
  readonly all: boolean;
  constructor(sig: number, all: boolean) {
    super();
    this.sig = sig;
    this.all = all;
  }
  override expect(m: Model): Outcome {
    if (m.task === "none") return noTask;
    if (m.task === "stopped") return this.all ? ok : refused("process already finished: not found");
    if (this.all) for (const [execId, e] of m.execs) if (e.phase === "running") deliver(m, execId, this.sig);
    deliver(m, undefined, this.sig);
    return ok;
  }
  override async call(r: Real) {
    await r.task.kill(this.sig, { all: this.all });
  }
  override toString() {
    return `kill(${this.sig}, all=${this.all})`;
  }
}

class Pause extends TaskCommand {
  override expect(m: Model): Outcome {
    if (m.task === "none") return noTask;
    switch (statusOf(m)) {
      case "created":
        return refused("cannot pause task in created state: unknown");
      case "paused":
        return refused("cannot pause a paused container: unknown");
      case "stopped":
        return refused("cannot pause a stopped container: unknown");
    }
    m.paused = true;
    return ok;
  }
  override async call(r: Real) {
    await r.task.pause();
  }
  override toString() {
    return "pause";
  }
}

class Resume extends TaskCommand {
  override expect(m: Model): Outcome {
    if (m.task === "none") return noTask;
    switch (statusOf(m)) {
      case "created":
        return refused("cannot resume task in created state: unknown");
      case "running":
        return refused("cannot resume a running process: unknown");
      case "stopped":
        return refused("cannot resume a stopped container: unknown");
    }
    m.paused = false;
    const pending = m.pending;
    m.pending = [];
    for (const p of pending) {
      const phase = p.target === undefined ? m.task : m.execs.get(p.target)!.phase;
      if (phase === "running") deliver(m, p.target, p.signal);
    }
    return ok;
  }
  override async call(r: Real) {
    await r.task.resume();
  }
  override toString() {
    return "resume";
  }
}

class Delete extends TaskCommand {
  override expect(m: Model): Outcome {
    if (m.task === "none") return noTask;
    const status = statusOf(m);
    if (status !== "stopped") return refused(`task must be stopped before deletion: ${status}: failed precondition`);
    m.task = "none";
    m.exitStatus = 0;
    m.execs.clear();
    return ok;
  }
  override async call(r: Real) {
    await r.task.delete();
  }
  override toString() {
    return "delete";
  }
}

class Exec extends TaskCommand {
  readonly execId: string;
  readonly argv: string[];
  constructor(execId: string, argv: string[]) {
    super();
    this.execId = execId;
    this.argv = argv;
  }
  override expect(m: Model): Outcome {
    if (m.task === "none") return noTask;
    if (m.execs.has(this.execId)) return refused(`id ${this.execId}: already exists`);
    const status = statusOf(m);
    if (status === "paused" || status === "stopped") return refused(`cannot exec in a ${status} state: unknown`);
    m.execs.set(this.execId, { phase: "created", argv: this.argv, exitStatus: 0 });
    return ok;
  }
  override async call(r: Real) {
    await r.task.exec(this.execId, { args: this.argv });
  }
  override toString() {
    return `exec(${this.execId}, ${this.argv.join(" ")})`;
  }
}

abstract class ExecCommand extends TaskCommand {
  readonly execId: string;
  constructor(execId: string) {
    super();
    this.execId = execId;
  }
  override expect(m: Model): Outcome {
    if (m.task === "none") return noTask;
    const exec = m.execs.get(this.execId);
    if (!exec) return refused(`process does not exist ${this.execId}: not found`);
    return this.expectExec(m, exec);
  }
  abstract expectExec(m: Model, exec: ExecModel): Outcome;
}

class ExecStart extends ExecCommand {
  override expectExec(m: Model, exec: ExecModel): Outcome {
    if (exec.phase !== "created") return refused(`cannot start a ${exec.phase} process: unknown`);
    const prefix = "OCI runtime exec failed: exec failed:";
    if (m.task === "stopped") return refused(`${prefix} cannot exec in a stopped container: unknown`);
    if (m.paused) return refused(`${prefix} cannot exec in a paused container (use --ignore-paused to override): unknown`);
    if (exec.argv[0] === "nonesuch") {
      return refused(`${prefix} unable to start container process: exec: "nonesuch": executable file not found in $PATH: unknown`);
    }
    if (exec.argv[0] === "sleep") exec.phase = "running";
    else {
      exec.phase = "stopped";
      exec.exitStatus = exec.argv[0] === "true" ? 0 : 1;
    }
    return ok;
  }
  override async call(r: Real) {
    await processOf(r, this.execId).start();
  }
  override toString() {
    return `execStart(${this.execId})`;
  }
}

class ExecKill extends ExecCommand {
  readonly sig: number;
  constructor(execId: string, sig: number) {
    super(execId);
    this.sig = sig;
  }
  override expectExec(m: Model, exec: ExecModel): Outcome {
    if (exec.phase === "created") return refused("process not created: failed precondition");
    if (exec.phase === "stopped") return refused("process already finished: not found");
    deliver(m, this.execId, this.sig);
    return ok;
  }
  override async call(r: Real) {
    await processOf(r, this.execId).kill(this.sig);
  }
  override toString() {
    return `execKill(${this.execId}, ${this.sig})`;
  }
}

class ExecDelete extends ExecCommand {
  override expectExec(m: Model, exec: ExecModel): Outcome {
    const status = m.paused ? "paused" : exec.phase;
    if (status === "running" || status === "paused") {
      return refused(`current process state: ${status}, process must be stopped before deletion: failed precondition`);
    }
    m.execs.delete(this.execId);
    return ok;
  }
  override async call(r: Real) {
    await processOf(r, this.execId).delete();
  }
  override toString() {
    return `execDelete(${this.execId})`;
  }
}

const execId = fc.constantFrom("e1", "e2");
const commands = [
  fc.constant(new CreateTask()),
  fc.constant(new Start()),
  fc.tuple(signal(), fc.boolean()).map(([s, all]) => new Kill(s, all)),
  fc.constant(new Pause()),
  fc.constant(new Resume()),
  fc.constant(new Delete()),
  fc.tuple(execId, execCommand()).map(([e, argv]) => new Exec(e, argv)),
  execId.map((e) => new ExecStart(e)),
  fc.tuple(execId, signal()).map(([e, s]) => new ExecKill(e, s)),
  execId.map((e) => new ExecDelete(e)),
];

describe("task state machine", () => {
  test("no illegal transition is accepted; every answer and state matches the model", async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.commands(commands, { maxCommands: 30, size: "max" }), async (ignoreSigterm, cmds) => {
        const fake = createFakeContainerd({ seed: 1, clock: new VirtualClock() });
        if (ignoreSigterm) fake.processes.onContainer({ containerId: id }, { ignoreSigterm: true });
        const ns = fake.namespace("k8s.io");
        await ns.containers.create({ id, spec: ociSpec({ process: { args: ["app"] } }) });
        const model: Model = { task: "none", paused: false, exitStatus: 0, ignoreSigterm, execs: new Map(), pending: [] };
        await fc.asyncModelRun(() => ({ model, real: { tasks: ns.tasks, task: new Task(ns.tasks, id, 0) } }), cmds);
      }),
      modelRuns,
    );
  });

  test("every started task's wait resolves exactly once, after a kill or a scripted exit", async () => {
    type Step = { advance: number } | { kill: number } | { pause: true } | { resume: true };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.integer({ min: 0, max: 300 }).map((advance) => ({ advance })),
      signal().map((kill) => ({ kill })),
      fc.constant({ pause: true as const }),
      fc.constant({ resume: true as const }),
    );
    await fc.assert(
      fc.asyncProperty(processScript(), fc.array(step, { maxLength: 12 }), async (script, steps) => {
        const clock = new VirtualClock();
        const fake = createFakeContainerd({ seed: 1, clock });
        const exits = fake.events.subscribe('topic=="/tasks/exit"');
        fake.processes.onContainer({ containerId: id }, script);
        const ns = fake.namespace("k8s.io");
        await ns.containers.create({ id, spec: ociSpec({ process: { args: ["app"] } }) });
        const task = await ns.tasks.create(id);
        const resolutions: Array<{ exitStatus: number; statusThen: string }> = [];
        const waits = [0, 1].map(() =>
          task.wait().then(async (exit) => {
            resolutions.push({ exitStatus: exit.exitStatus, statusThen: (await task.status()).status });
            return exit;
          }),
        );
        await task.start();
        for (const s of steps) {
          if ("advance" in s) await clock.advance(s.advance);
          else if ("kill" in s) await task.kill(s.kill).catch(() => {});
          else if ("pause" in s) await task.pause().catch(() => {});
          else await task.resume().catch(() => {});
        }
        const before = [...resolutions];
        await task.kill(signals.SIGKILL).catch(() => {});
        const [first, second] = await Promise.all(waits);
        // A wait never resolved while the process was still there.
        for (const r of [...before, ...resolutions]) expect(r.statusThen).toBe("stopped");
        expect(resolutions).toHaveLength(2);
        expect(second).toEqual(first);
        const status = await task.status();
        expect(status).toMatchObject({ status: "stopped", exitStatus: first!.exitStatus, exitedAt: first!.exitedAt });
        await fake.events.delivered();
        expect(exits.drain().map((e) => e.event)).toEqual([
          { containerId: id, id, pid: task.pid, exitStatus: first!.exitStatus, exitedAt: first!.exitedAt },
        ]);
      }),
      runs,
    );
  });
});
