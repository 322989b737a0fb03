// The task service: tasks and their processes, with the state machine and error wording of
// containerd's task service, the runc v2 shim (pkg/process) and the Go client's Task and Process,
// composed the way a client sees them. A task is the container's running instance: created (runc
// create), running, paused, stopped (exited, waiting to be deleted); exec processes live inside it.
// Beside it: what a client sees (task-types.ts) and holds (task-handles.ts), one process and the
// host its script acts through (task-process.ts), what is read of the spec (task-spec.ts), and the
// saved state (task-state.ts).

import { cgroupFile } from "./cgroup-files.ts";
import type { OperationName } from "./operations.ts";
import type { FakeContext } from "./context.ts";
import type { ContainerRecord, ContainerStore } from "./containers.ts";
import { ContainerdError, alreadyExists, containerdError, failedPrecondition, invalidArgument, isKind, expectedError, notFound, wrapError } from "./errdefs.ts";
import {
  topics,
  type MountInfo,
  type TaskCreate,
  type TaskDelete,
  type TaskExecAdded,
  type TaskExecStarted,
  type TaskExit,
  type TaskOOM,
  type TaskPaused,
  type TaskResumed,
  type TaskStart,
} from "./events.ts";
import { parseFilters } from "./filters.ts";
import { validateIdentifier } from "./identifiers.ts";
import { ContainerFiles, type ContainerFilesLinks } from "./container-files.ts";
import { requireNamespace } from "./namespaces.ts";
import { PidNamespaces, type PidCounter } from "./pid-namespaces.ts";
import { kernelTable, type HostKernelTable } from "./kernel-tables.ts";
import type { HasFile, ProcessEntry } from "./emulation/index.ts";
import { hostNetwork, type ConnectionHandler, type Listener, type Network } from "./network.ts";
import type { ProcessRegistry } from "./processes/registry.ts";
import { resolvedFromState } from "./processes/runner.ts";
import { Process, Task, type TaskCalls } from "./task-handles.ts";
import { Proc, type ProcServices, type TaskRec } from "./task-process.ts";
import { maxNamespaceJoins, memoryLimit, namespaceJoins, processOfSpec, specNamespaces } from "./task-spec.ts";
import { procToState, type ProcState, type TaskServiceState, type TaskState } from "./task-state.ts";
import type { ExitStatus, Metric, PidInfo, ProcessIO, ProcessSpec, ProcessState, ProcessStatus, TaskInfo } from "./task-types.ts";
import { processUserOf, signals, terminatesByDefault, type ContainerProcessInfo, type ProcessDescription } from "./processes/script.ts";

/** What the task service needs from its namespace. */
export interface TaskServiceLinks extends ContainerFilesLinks {
  readonly containers: ContainerStore;
  readonly processes: ProcessRegistry;
  /** The node's network: the ports processes listen on. */
  readonly network: Network;
  readonly pids: PidCounter;
  /** Runtime names with an installed shim (io.containerd.runc.v2 ...). */
  readonly runtimes: ReadonlySet<string>;
  /** See FakeContainerdOptions.shimUnknownSuffix. */
  readonly shimUnknownSuffix: boolean;
  /** The rootfs mounts of a container's snapshot; absent when no snapshotter is wired in. */
  snapshotMounts?(snapshotter: string, key: string): Promise<MountInfo[]>;
  /** Whether the snapshot has a regular file at `path` (runc's lookup of argv[0]), without reading it. */
  rootfsHasFile?(snapshotter: string, key: string, path: string): boolean;
  /** The node's own /proc/net and /proc/sysvipc tables, where the fake may read them (kernel-tables.ts). */
  hostKernelTable?: HostKernelTable;
}

/** A process as another sees it: `job` for one a process forked, `inside` when both are in the same PID namespace. */
type VisibleProcess = ProcessEntry & { proc: Proc; job: boolean; inside: boolean };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const stateDir = "/run/containerd/io.containerd.runtime.v2.task";
const maxUint64 = 0xffff_ffff_ffff_ffffn;

/** The tasks of one namespace (`fake.namespace(ns).tasks`). */
export class TaskService implements ProcServices, TaskCalls {
  readonly ctx: FakeContext;
  readonly namespace: string;
  private readonly links: TaskServiceLinks;
  private readonly tasks = new Map<string, TaskRec>();
  /** The container of each task's own process, by its PID: a namespace join by /proc/<pid>/ns finds its owner without a scan. */
  private readonly containerByInitPid = new Map<number, string>();
  /** The containers' files as their processes see and change them. */
  readonly files: ContainerFiles;
  private readonly pidNamespaces: PidNamespaces;

  constructor(ctx: FakeContext, namespace: string, links: TaskServiceLinks, state?: TaskServiceState) {
    this.ctx = ctx;
    this.namespace = namespace;
    this.links = links;
    this.files = new ContainerFiles(namespace, links, (pid) => this.containerOfPid(pid));
    this.pidNamespaces = new PidNamespaces(links.pids, state?.pidNamespaces);
    for (const t of state?.tasks ?? []) this.restore(t);
  }

  /**
   * An error the shim answers with gRPC code Unknown (runc's failures, a process in the wrong
   * state), as the daemon's client converts it: containerd 1.x appends `: unknown`, 2.x does not.
   */
  private shimError(message: string): ContainerdError {
    return this.links.shimUnknownSuffix ? containerdError("unknown", message) : new ContainerdError("unknown", message);
  }

  /**
   * Container.NewTask: runc creates the container's process (it has a PID but has not started).
   * Publishes /tasks/create.
   */
  async create(containerId: string, options: { io?: ProcessIO } = {}): Promise<Task> {
    await this.enter("tasks.create", containerId);
    const record = this.links.containers.lookup(containerId);
    const rootfs =
      record.snapshotKey !== "" && this.links.snapshotMounts
        ? await this.links.snapshotMounts(record.snapshotter, record.snapshotKey)
        : [];
    const process = processOfSpec(record);
    const lookup = this.commandFiles(record, process.args[0]);
    const hasFile = lookup instanceof Promise ? await lookup : lookup;
    if (this.tasks.has(containerId)) throw alreadyExists(`task ${containerId}`);
    this.checkRuntime(record.runtime.name);
    if (process.idMappedMounts) {
      // containerd 2.x's task manager asks runc's `features` first (1.6 does not ask; its CRI API has no mount mappings).
      throw new ContainerdError("unknown", "failed to validate OCI runtime features: idmap mounts not supported: missing `mountExtensions.idmap` entry in `features` command");
    }
    if (process.configError !== undefined) {
      throw this.shimError(`failed to create shim task: OCI runtime create failed: runc create failed: ${process.configError}`);
    }
    if (process.idMappedRootfs) {
      // runc 1.1.5 cannot mount the root filesystem of a user namespace with ID mappings.
      const rootfsPath = `${stateDir}/${this.namespace}/${containerId}/rootfs`;
      throw this.shimError(
        "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: " +
          `error during container init: error preparing rootfs: mount ${rootfsPath}:${rootfsPath}, flags: 0x5000: permission denied`,
      );
    }
    const processInfo: Mutable<ContainerProcessInfo> = {
      namespace: this.namespace,
      containerId,
      image: record.image,
      labels: record.labels,
      args: process.args,
      env: process.env,
    };
    if (process.memoryLimit !== undefined) processInfo.memoryLimit = process.memoryLimit;
    if (hasFile) processInfo.hasFile = hasFile;
    const io = options.io ?? {};
    if (io.stdin) processInfo.stdin = true;
    const script = this.links.processes.resolveContainer(processInfo);
    const task: TaskRec = {
      service: this,
      containerId,
      rootfs,
      init: undefined as unknown as Proc,
      paused: false,
      execs: new Map(),
      pendingSignals: [],
      unreadable: undefined,
      spent: { cpuNs: 0n, pageFaults: 0n },
      // runc makes the cgroup with the spec's resources; Task.Update changes them later.
      resources: process.resources,
    };
    const info = {
      namespace: this.namespace,
      containerId,
      execId: undefined,
      args: process.args,
      env: process.env,
      cwd: process.cwd,
      user: process.user,
      terminal: io.terminal ?? false,
    };
    task.init = new Proc(task, undefined, info, io, script, io.stdin !== undefined);
    const failure = task.init.runner.startFailure;
    if (failure !== undefined) {
      task.init.runner.stop(this.ctx.clock.now());
      throw this.shimError(
        `failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ${failure}`,
      );
    }
    task.init.pid = this.links.pids.next();
    this.addTask(task);
    task.init.pidInNamespace = this.pidNamespaces.started(this.pidNamespaceOf(containerId), task.init.pid);
    const mountsTaken = this.files.started(containerId);
    if (mountsTaken) await mountsTaken;
    const event: TaskCreate = {
      containerId,
      bundle: `${stateDir}/${this.namespace}/${containerId}`,
      rootfs,
      io: { stdin: "", stdout: "", stderr: "", terminal: io.terminal ?? false },
      checkpoint: "",
      pid: task.init.pid,
    };
    void this.ctx.events.publish(this.namespace, topics.taskCreate, event);
    return new Task(this, containerId, task.init.pid);
  }

  /** Container.Task: the container's task, optionally attaching new IO to its process. */
  get(containerId: string, options: { io?: ProcessIO } = {}): Promise<Task> {
    // A promise chain settles on the same ticks as an async function, without its frame.
    return this.enter("tasks.get", containerId).then(() => {
      let task: TaskRec;
      try {
        task = this.taskOf(containerId);
      } catch (e) {
        if (isKind(e, "not found")) throw wrapError("no running task found", e as ContainerdError);
        throw e;
      }
      if (options.io) task.init.attach(options.io);
      return new Task(this, containerId, task.init.pid);
    });
  }

  /** The task service's List: every task of the namespace, in container ID order. */
  async list(): Promise<TaskInfo[]> {
    await this.enter("tasks.list");
    return [...this.tasks.keys()].sort().map((id) => {
      const task = this.tasks.get(id)!;
      // An unreachable shim is listed with an unknown state rather than left out.
      if (task.unreadable) return { id, pid: 0, status: "unknown", exitStatus: 0, exitedAt: null };
      return { id, pid: task.init.pid, ...this.initState(task) };
    });
  }

  /** The task service's Metrics: statistics of every task matching any of the filters (id, namespace). */
  async metrics(...filters: string[]): Promise<Metric[]> {
    await this.enter("tasks.metrics");
    let filter;
    try {
      filter = parseFilters(filters);
    } catch (e) {
      // The service returns the parse error unconverted, so the client sees it as unknown.
      if (e instanceof ContainerdError) throw this.shimError(e.message);
      throw e;
    }
    const out: Metric[] = [];
    for (const id of [...this.tasks.keys()].sort()) {
      const task = this.tasks.get(id)!;
      const matches = filter.match({
        field: (path) => (path[0] === "id" ? id : path[0] === "namespace" ? this.namespace : undefined),
      });
      if (matches && !task.unreadable) out.push(this.metricOf(task));
    }
    return out;
  }

  /** The process dies now with `exitStatus`, as if runc or the kernel killed it. */
  crash(containerId: string, exitStatus: number, execId?: string): void {
    const task = this.tasks.get(containerId);
    const proc = execId === undefined ? task?.init : task?.execs.get(execId);
    if (!proc || proc.phase === "stopped" || (proc.execId !== undefined && proc.phase === "created")) {
      throw new Error(`no live process ${execId ?? containerId} in task ${containerId} of namespace ${this.namespace}`);
    }
    this.processExited(proc, exitStatus);
  }

  /** From now on every call that reaches the task's shim fails with `error` (a shim that is gone). */
  makeUnreadable(containerId: string, error: ContainerdError): void {
    const task = this.tasks.get(containerId);
    if (!task) throw new Error(`no task ${containerId} in namespace ${this.namespace}`);
    task.unreadable = error;
  }

  /** Whether the container has a task. */
  hasTask(containerId: string): boolean {
    return this.tasks.has(containerId);
  }

  /** The tasks as JSON-serialisable data (saveState). */
  toState(): TaskServiceState {
    return {
      tasks: [...this.tasks.keys()].sort().map((id) => {
        const t = this.tasks.get(id)!;
        const state: TaskState = {
          containerId: id,
          rootfs: t.rootfs.map((m) => ({ type: m.type, source: m.source, options: [...m.options] })),
          paused: t.paused,
          pendingSignals: t.pendingSignals.map((p) =>
            p.proc.execId === undefined ? { signal: p.signal } : { execId: p.proc.execId, signal: p.signal },
          ),
          init: procToState(t.init),
          execs: [...t.execs.values()].map(procToState),
        };
        if (t.unreadable) state.unreadable = { kind: t.unreadable.kind, message: t.unreadable.message };
        if (t.resources !== undefined) state.resources = t.resources;
        if (t.spent.cpuNs !== 0n || t.spent.pageFaults !== 0n) state.spent = { cpuNs: t.spent.cpuNs.toString(), pageFaults: t.spent.pageFaults.toString() };
        return state;
      }),
      pidNamespaces: this.pidNamespaces.toState(),
    };
  }

  /** Function scripts of live processes, which a saved state cannot carry. */
  unsaved(): string[] {
    const notes: string[] = [];
    for (const [id, t] of this.tasks) {
      for (const p of [t.init, ...t.execs.values()]) {
        if (p.runner.script.kind === "function" && p.phase !== "stopped") {
          notes.push(
            `process ${p.execId ?? id} of task ${id} in namespace ${this.namespace} runs a function script; restored, it runs until killed`,
          );
        } else if (p.listeners.length > 0) {
          notes.push(`process ${p.execId ?? id} of task ${id} in namespace ${this.namespace} listens on ports; restored, it does not`);
        }
      }
    }
    return notes;
  }

  /** Starts the scripts of processes restored mid-run. Called once the whole fake is restored. */
  resumeRestored(): void {
    for (const t of this.tasks.values()) {
      for (const p of [t.init, ...t.execs.values()]) if (p.phase === "running") p.runner.resumeRestored();
    }
  }

  // ---- calls behind the Task and Process handles ----

  // Start and kill are promise chains: they settle on the same ticks as async functions would,
  // without an async frame.
  /** Starts the task's process (or exec `execId`); resolves with its PID. */
  start(containerId: string, execId: string | undefined): Promise<number> {
    return this.enter("tasks.start", subjectOf(containerId, execId)).then(() => {
      const task = this.taskOf(containerId);
      if (execId === undefined) return this.startInit(task);
      return this.startExec(task, this.execOf(task, execId));
    });
  }

  /** Sends `signal` to the task's process or exec (to every process of the task with `all`). */
  kill(containerId: string, execId: string | undefined, signal: number, all: boolean): Promise<void> {
    return this.enter("tasks.kill", subjectOf(containerId, execId)).then(() => {
      const task = this.taskOf(containerId);
      this.signalProcess(task, execId === undefined ? task.init : this.execOf(task, execId), signal, all);
    });
  }

  /** Resolves when the task's process or exec has exited. */
  async wait(containerId: string, execId: string | undefined): Promise<ExitStatus> {
    await this.enter("tasks.wait", subjectOf(containerId, execId));
    const task = this.taskOf(containerId);
    const proc = execId === undefined ? task.init : this.execOf(task, execId);
    if (proc.startFailed) return { exitStatus: 0, exitedAt: null };
    await proc.exited;
    return { exitStatus: proc.exitStatus, exitedAt: proc.exitedAt };
  }

  /** The state of the task's process or exec. */
  async status(containerId: string, execId: string | undefined): Promise<ProcessState> {
    await this.enter("tasks.status", subjectOf(containerId, execId));
    const task = this.taskOf(containerId);
    if (execId === undefined) return this.initState(task);
    const proc = this.execOf(task, execId);
    return { status: this.execStatus(proc), exitStatus: proc.exitStatus, exitedAt: proc.exitedAt };
  }

  /** Task.Delete: the task must have stopped (with `kill`, it is SIGKILLed and waited for first). */
  async deleteTask(containerId: string, kill: boolean): Promise<ExitStatus> {
    await this.enter("tasks.delete", containerId);
    const task = this.taskOf(containerId);
    if (kill) {
      try {
        this.signalProcess(task, task.init, signals.SIGKILL, true);
      } catch (e) {
        if (!isKind(e, "not found") && !isKind(e, "failed precondition")) throw e;
      }
      await task.init.exited;
    }
    const status = this.initState(task).status;
    if (status !== "stopped") throw failedPrecondition(`task must be stopped before deletion: ${status}`);
    this.tasks.delete(containerId);
    this.files.ended(containerId);
    this.containerByInitPid.delete(task.init.pid);
    const init = task.init;
    for (const p of [init, ...task.execs.values()]) p.stdin.close();
    const event: TaskDelete = {
      containerId,
      id: "",
      pid: init.pid,
      exitStatus: init.exitStatus,
      exitedAt: init.exitedAt ?? 0n,
    };
    void this.ctx.events.publish(this.namespace, topics.taskDelete, event);
    return { exitStatus: init.exitStatus, exitedAt: init.exitedAt };
  }

  /** Process.Delete of an exec: it must not be running. */
  async deleteProcess(containerId: string, execId: string): Promise<ExitStatus> {
    await this.enter("tasks.deleteProcess", subjectOf(containerId, execId));
    const task = this.taskOf(containerId);
    const proc = this.execOf(task, execId);
    const status = this.execStatus(proc);
    if (status === "running" || status === "paused" || status === "pausing") {
      throw failedPrecondition(`current process state: ${status}, process must be stopped before deletion`);
    }
    task.execs.delete(execId);
    const used = proc.runner.resourceUse(this.ctx.clock.now(), false);
    task.spent.cpuNs += used.cpuNs;
    task.spent.pageFaults += used.pageFaults;
    proc.stdin.close();
    return { exitStatus: proc.exitStatus, exitedAt: proc.exitedAt };
  }

  /** The task's processes. */
  async pids(containerId: string): Promise<PidInfo[]> {
    await this.enter("tasks.pids", containerId);
    const task = this.taskOf(containerId);
    if (task.init.phase === "stopped") return [];
    const out: PidInfo[] = [{ pid: task.init.pid }];
    for (const p of task.execs.values()) if (p.phase === "running") out.push({ pid: p.pid, info: { execId: p.execId! } });
    return out.sort((a, b) => a.pid - b.pid);
  }

  /** Freezes the task. */
  async pause(containerId: string): Promise<void> {
    await this.enter("tasks.pause", containerId);
    const task = this.taskOf(containerId);
    switch (this.initState(task).status) {
      case "created":
        throw this.shimError("cannot pause task in created state");
      case "paused":
        throw this.shimError("cannot pause a paused container");
      case "stopped":
        throw this.shimError("cannot pause a stopped container");
    }
    task.paused = true;
    const now = this.ctx.clock.now();
    for (const p of liveProcesses(task)) p.runner.pause(now);
    const event: TaskPaused = { containerId };
    void this.ctx.events.publish(this.namespace, topics.taskPaused, event);
  }

  /** Thaws a paused task. */
  async resume(containerId: string): Promise<void> {
    await this.enter("tasks.resume", containerId);
    const task = this.taskOf(containerId);
    switch (this.initState(task).status) {
      case "created":
        throw this.shimError("cannot resume task in created state");
      case "running":
        throw this.shimError("cannot resume a running process");
      case "stopped":
        throw this.shimError("cannot resume a stopped container");
    }
    task.paused = false;
    const now = this.ctx.clock.now();
    for (const p of liveProcesses(task)) p.runner.resume(now);
    const event: TaskResumed = { containerId };
    void this.ctx.events.publish(this.namespace, topics.taskResumed, event);
    const pending = task.pendingSignals;
    task.pendingSignals = [];
    for (const { proc, signal } of pending) if (proc.phase === "running") this.deliver(task, proc, signal);
  }

  /** Adds exec `execId` to the task (started with start()). */
  async exec(containerId: string, execId: string, spec: ProcessSpec, io: ProcessIO): Promise<Process> {
    if (execId === "") throw invalidArgument("exec id must not be empty");
    await this.enter("tasks.exec", subjectOf(containerId, execId));
    const task = this.taskOf(containerId);
    try {
      validateIdentifier(execId);
    } catch (e) {
      throw wrapError(`invalid exec id ${execId}`, e as ContainerdError);
    }
    if (task.execs.has(execId)) throw alreadyExists(`id ${execId}`);
    switch (this.initState(task).status) {
      case "paused":
        throw this.shimError("cannot exec in a paused state");
      case "stopped":
        throw this.shimError("cannot exec in a stopped state");
    }
    const argv = spec.args ?? [];
    const info: ProcessDescription = {
      namespace: this.namespace,
      containerId,
      execId,
      args: [...argv],
      env: [...(spec.env ?? [])],
      cwd: spec.cwd ?? "",
      user: processUserOf(spec.user),
      terminal: io.terminal ?? false,
    };
    const lookup = this.commandFiles(this.links.containers.lookup(containerId), argv[0]);
    const hasFile = lookup instanceof Promise ? await lookup : lookup;
    if (task.execs.has(execId)) throw alreadyExists(`id ${execId}`);
    const script = this.links.processes.resolveExec({
      namespace: this.namespace,
      containerId,
      execId,
      argv,
      env: info.env,
      ...(hasFile && { hasFile }),
      ...(io.stdin && { stdin: true }),
    });
    // An unknown command still gets a process; it fails when started, as runc's exec does.
    const proc = new Proc(task, execId, info, io, script ?? { kind: "data", script: { failStart: {} } }, io.stdin !== undefined);
    task.execs.set(execId, proc);
    const event: TaskExecAdded = { containerId, execId };
    void this.ctx.events.publish(this.namespace, topics.taskExecAdded, event);
    return new Process(this, containerId, execId);
  }

  /** A handle on exec `execId` of the task, with new IO (as after a client restart). */
  async loadProcess(containerId: string, execId: string, io: ProcessIO | undefined): Promise<Process> {
    await this.enter("tasks.get", subjectOf(containerId, execId));
    const task = this.taskOf(containerId);
    let proc: Proc;
    try {
      proc = this.execOf(task, execId);
    } catch (e) {
      throw wrapError("no running process found", e as ContainerdError);
    }
    if (io) proc.attach(io);
    const handle = new Process(this, containerId, execId);
    handle.pid = proc.pid;
    return handle;
  }

  /** Closes the stdin of the task's process or exec. */
  async closeIO(containerId: string, execId: string | undefined): Promise<void> {
    await this.enter("tasks.closeIO", subjectOf(containerId, execId));
    const task = this.taskOf(containerId);
    (execId === undefined ? task.init : this.execOf(task, execId)).stdin.close();
  }

  /** Resizes the terminal of the task's process or exec. */
  async resize(containerId: string, execId: string | undefined, width: number, height: number): Promise<void> {
    await this.enter("tasks.resize", subjectOf(containerId, execId));
    const task = this.taskOf(containerId);
    const proc = execId === undefined ? task.init : this.execOf(task, execId);
    if (proc.execId !== undefined && proc.phase === "stopped") throw this.shimError("cannot resize a stopped container");
    proc.terminal?.resize({ width, height });
  }

  /** Updates the task's resources (the OCI linux resources). */
  async update(containerId: string, resources: unknown): Promise<void> {
    await this.enter("tasks.update", containerId);
    const task = this.taskOf(containerId);
    if (task.init.phase === "stopped") throw this.shimError("cannot update a stopped container");
    // Kept as JSON (64-bit numbers as decimal strings) so that it can be saved with the state.
    task.resources = resources === undefined ? undefined : JSON.parse(JSON.stringify(resources, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
  }

  /** Task.Metrics: the task's statistics. */
  async metricsOf(containerId: string): Promise<Metric> {
    await this.enter("tasks.metrics", containerId);
    const task = this.tasks.get(containerId);
    if (task && !task.unreadable) return this.metricOf(task);
    // Without statistics the client asks for the status, to tell a missing task from a mute one.
    try {
      this.taskOf(containerId);
    } catch (e) {
      if (isKind(e, "not found")) throw e;
    }
    throw new ContainerdError("unknown", "no metrics received");
  }

  /** The network namespace of a container's processes, as network.ts names it. */
  networkNamespaceOf(containerId: string): string {
    return this.namespaceOf(containerId, "network") ?? hostNetwork;
  }

  /** The key of the PID namespace of a container's processes (undefined: the host's). */
  private pidNamespaceOf(containerId: string): string | undefined {
    return this.namespaceOf(containerId, "pid");
  }

  /**
   * The running processes a process sees, with the jobs of each, in PID order: those of its PID
   * namespace by their PIDs there, or from the host's namespace every process of the node by its
   * host PID (a job forked in a namespace of its own has no host PID in the fake and is left out).
   */
  private visibleProcesses(proc: Proc): VisibleProcess[] {
    const key = this.pidNamespaceOf(proc.task.containerId);
    const fromHost = key === undefined;
    const entries: VisibleProcess[] = [];
    for (const task of this.tasks.values()) {
      const taskKey = this.pidNamespaceOf(task.containerId);
      if (!fromHost && task !== proc.task && taskKey !== key) continue;
      const inside = taskKey === key;
      for (const p of [task.init, ...task.execs.values()]) {
        if (p.phase !== "running") continue;
        const uid = p.info.user.uid;
        const pid = inside ? p.pidInNamespace : p.pid;
        entries.push({ pid, ppid: 0, args: p.runner.commandLine(), name: p.runner.commandName(), uid, proc: p, job: false, inside });
        if (!inside) continue;
        for (const job of p.runner.jobs()) entries.push({ ...job, uid, proc: p, job: true, inside });
      }
    }
    return entries.sort((a, b) => a.pid - b.pid);
  }

  /** @internal What `ps` lists to a process: the processes it sees. */
  processesSeenBy(proc: Proc): ProcessEntry[] {
    return this.visibleProcesses(proc).map(({ pid, ppid, args, name, uid }) => ({ pid, ppid, args, name, uid }));
  }

  /** @internal A PID in a process's namespace for a process it forks. */
  forkedPid(proc: Proc): number {
    return this.pidNamespaces.forked(this.pidNamespaceOf(proc.task.containerId));
  }

  /**
   * @internal `kill` from a process to another it sees; false when it sees none with that PID.
   * From inside its namespace, PID 1 cannot be killed or stopped either.
   */
  signalFromInside(from: Proc, pid: number, signal: number): boolean {
    const target = this.visibleProcesses(from).find((entry) => entry.pid === pid);
    if (target === undefined) return false;
    const proc = target.proc;
    // The signal is sent now; its target acts on it once the sender has had its turn (the rest of its step).
    queueMicrotask(() => {
      if (proc.phase !== "running") return;
      if (target.job) proc.runner.signalJob(pid, signal);
      else if (!(target.inside && proc === proc.task.init && this.ownsPidNamespace(proc.task.containerId) && (signal === signals.SIGKILL || signal === signals.SIGSTOP))) this.deliver(proc.task, proc, signal);
    });
    return true;
  }

  /** @internal A file as a process reads it: /proc/<pid> of the processes it sees, else the container's files. */
  async readFileOf(proc: Proc, path: string): Promise<Uint8Array | undefined> {
    const own = { name: proc.runner.commandName(), user: proc.info.user, pid: proc.pidInNamespace, ppid: 0 };
    const cgroup = cgroupFile(path, () => this.metricOf(proc.task));
    if (cgroup) return cgroup;
    const containerId = proc.task.containerId;
    const where = { network: this.networkNamespaceOf(containerId), hostIpc: this.namespaceOf(containerId, "ipc") === undefined };
    const table = await kernelTable(path, where, this.links.network, this.links.hostKernelTable);
    if (table !== undefined) return table;
    const proced = /^\/+proc\/+(\d+)\/+(cmdline|status)$/.exec(path);
    if (!proced) return this.files.readFile(proc.task.containerId, path, own);
    const target = this.visibleProcesses(proc).find((entry) => entry.pid === Number(proced[1]));
    if (target === undefined) return undefined;
    if (proced[2] === "cmdline") return new TextEncoder().encode(target.args.map((arg) => `${arg}\0`).join(""));
    const self = target.proc === proc && !target.job;
    return this.files.procStatus(target.proc.task.containerId, { name: target.name, user: target.proc.info.user, pid: target.pid, ppid: target.ppid }, self);
  }

  /** Whether the container's own process is PID 1 of a PID namespace (one of its own, not the pod's or the host's). */
  ownsPidNamespace(containerId: string): boolean {
    return this.namespaceOf(containerId, "pid") === `${this.namespace}/${containerId}`;
  }

  /**
   * The namespace of a type a container's processes are in: `<namespace>/<id>` of the container
   * that made it, a path the fake knows nothing about, or undefined for the host's. A join by
   * /proc/<pid>/ns path is followed to the container whose process has that PID.
   */
  private namespaceOf(containerId: string, type: keyof typeof namespaceJoins): string | undefined {
    let id = containerId;
    for (let joins = 0; joins < maxNamespaceJoins; joins++) {
      const record = this.links.containers.lookup(id);
      const entry = specNamespaces(record).find((ns) => ns.type === type);
      if (!entry) return undefined;
      if (entry.path === "") return `${this.namespace}/${id}`;
      const joined = namespaceJoins[type].exec(entry.path);
      const owner = joined ? this.containerOfPid(Number(joined[1])) : undefined;
      if (owner === undefined) return entry.path;
      id = owner;
    }
    return `${this.namespace}/${id}`;
  }

  /** @internal Starts a process listening on a port of its network namespace. */
  listen(proc: Proc, port: number, handler: ConnectionHandler): Listener {
    return this.links.network.listen(this.networkNamespaceOf(proc.task.containerId), port, handler);
  }

  /** @internal A signal the process's terminal sends it (^C, ^\\, ^Z, SIGWINCH). */
  signalFromTerminal(proc: Proc, signal: number): void {
    if (proc.phase === "running") this.deliver(proc.task, proc, signal);
  }

  /** The terminal size last set on a process with a terminal (undefined without one). */
  terminalSizeOf(containerId: string, execId?: string): { width: number; height: number } | undefined {
    const task = this.tasks.get(containerId);
    return (execId === undefined ? task?.init : task?.execs.get(execId))?.terminalSize;
  }

  // ---- what scripts and the state machine call ----

  /** @internal Called by a process when it exits. */
  processExited(proc: Proc, code: number): void {
    if (proc.phase === "stopped") return;
    const task = proc.task;
    proc.phase = "stopped";
    proc.exitStatus = code;
    const exitedAt = this.ctx.clock.now();
    proc.exitedAt = exitedAt;
    proc.runner.stop(exitedAt);
    const event: TaskExit = { containerId: task.containerId, id: proc.id, pid: proc.pid, exitStatus: code, exitedAt };
    void this.ctx.events.publish(this.namespace, topics.taskExit, event);
    proc.markExited();
    if (proc !== task.init) return;
    if (this.ownsPidNamespace(task.containerId)) this.pidNamespaces.ended(this.pidNamespaceOf(task.containerId)!);
    // The container's init is gone, so the kernel kills everything else in its PID namespace.
    task.paused = false;
    task.pendingSignals = [];
    for (const p of task.execs.values()) if (p.phase === "running") this.processExited(p, 128 + signals.SIGKILL);
  }

  /** @internal Called by a process the OOM killer ends. */
  oomKilled(proc: Proc): void {
    if (proc.phase === "stopped") return;
    const event: TaskOOM = { containerId: proc.task.containerId };
    void this.ctx.events.publish(this.namespace, topics.taskOOM, event);
    this.processExited(proc, 128 + signals.SIGKILL);
  }

  // ---- internals ----

  /** The container whose task's own process has this PID, in this namespace. */
  private containerOfPid(pid: number): string | undefined {
    return this.containerByInitPid.get(pid);
  }

  private addTask(task: TaskRec): void {
    this.tasks.set(task.containerId, task);
    this.containerByInitPid.set(task.init.pid, task.containerId);
  }

  /** rootfsHasFile of the container with this ID. */
  rootfsHasFileOf(containerId: string): ((path: string) => boolean) | undefined {
    return this.rootfsHasFile(this.links.containers.lookup(containerId));
  }

  /**
   * Where runc looks for a process's command: the container's root filesystem, and, for a path the
   * root filesystem lacks, the container's mounts (a script in a volume). A promise only then.
   */
  private commandFiles(record: ContainerRecord, command: string | undefined): HasFile | Promise<HasFile> {
    const hasFile = this.rootfsHasFile(record);
    if (!hasFile || command === undefined || !command.startsWith("/") || hasFile(command)) return hasFile;
    return this.files.readFile(record.id, command).then(
      (data) => (data === undefined ? hasFile : (path: string) => path === command || hasFile(path)),
      () => hasFile,
    );
  }

  /** Whether the container's root filesystem has a file at a path; undefined when it has none. */
  private rootfsHasFile(record: ContainerRecord): ((path: string) => boolean) | undefined {
    const rootfsHasFile = this.links.rootfsHasFile;
    if (record.snapshotKey === "" || !rootfsHasFile) return undefined;
    return (path) => rootfsHasFile(record.snapshotter, record.snapshotKey, path);
  }

  /** Settles when `await operations.enter(...)` in an async method would resume, without its frame. */
  private enter(op: OperationName, subject?: string): Promise<void> {
    const call = subject === undefined ? { op, namespace: this.namespace } : { op, namespace: this.namespace, subject };
    return this.ctx.operations.enter(call).then(this.requireNamespace);
  }

  private readonly requireNamespace = (): void => requireNamespace(this.namespace);

  /** What the task service's getTask finds: the container, its task, and a shim that answers. */
  private taskOf(containerId: string): TaskRec {
    this.links.containers.lookup(containerId);
    const task = this.tasks.get(containerId);
    if (!task) throw notFound(`task ${containerId} not found`);
    if (task.unreadable) throw task.unreadable;
    return task;
  }

  private execOf(task: TaskRec, execId: string): Proc {
    const proc = task.execs.get(execId);
    if (!proc) throw notFound(`process does not exist ${execId}`);
    return proc;
  }

  private initState(task: TaskRec): ProcessState {
    const init = task.init;
    const status: ProcessStatus = init.phase === "running" && task.paused ? "paused" : init.phase;
    return { status, exitStatus: init.exitStatus, exitedAt: init.exitedAt };
  }

  private execStatus(proc: Proc): ProcessStatus {
    return this.initState(proc.task).status === "paused" ? "paused" : proc.phase;
  }

  private startInit(task: TaskRec): number {
    switch (this.initState(task).status) {
      case "running":
        throw this.shimError("cannot start a running process");
      case "paused":
        throw this.shimError("cannot start a paused process");
      case "stopped":
        throw this.shimError("cannot start a stopped process");
    }
    const init = task.init;
    init.phase = "running";
    const event: TaskStart = { containerId: task.containerId, pid: init.pid };
    void this.ctx.events.publish(this.namespace, topics.taskStart, event);
    init.runner.start(this.ctx.clock.now());
    return init.pid;
  }

  private startExec(task: TaskRec, proc: Proc): number {
    if (proc.phase === "running") throw this.shimError("cannot start a running process");
    if (proc.phase === "stopped") throw this.shimError("cannot start a stopped process");
    const initStatus = this.initState(task).status;
    let failure: string | undefined;
    if (initStatus === "stopped") failure = "cannot exec in a stopped container";
    else if (initStatus === "paused") failure = "cannot exec in a paused container (use --ignore-paused to override)";
    else if (proc.info.args.length === 0) failure = "args must not be empty";
    else {
      const reason = proc.runner.startFailure;
      if (reason !== undefined) failure = `unable to start container process: ${reason}`;
    }
    if (failure !== undefined) {
      proc.startFailed = true;
      throw this.shimError(`OCI runtime exec failed: exec failed: ${failure}`);
    }
    proc.pid = this.links.pids.next();
    proc.pidInNamespace = this.pidNamespaces.started(this.pidNamespaceOf(task.containerId), proc.pid);
    proc.phase = "running";
    const event: TaskExecStarted = { containerId: task.containerId, execId: proc.execId!, pid: proc.pid };
    void this.ctx.events.publish(this.namespace, topics.taskExecStarted, event);
    proc.runner.start(this.ctx.clock.now());
    return proc.pid;
  }

  /** The kill rules of runc (for the task's process) and of the shim (for execs). */
  private signalProcess(task: TaskRec, proc: Proc, signal: number, all: boolean): void {
    if (proc.execId !== undefined) {
      if (proc.pid === 0) throw failedPrecondition("process not created");
      if (proc.phase === "stopped") throw expectedError("not found", "process already finished");
      this.deliver(task, proc, signal);
      return;
    }
    if (proc.phase === "stopped") {
      // Signalling every process of a stopped container signals nobody, successfully.
      if (all) return;
      throw notFound("process already finished");
    }
    if (all) for (const p of task.execs.values()) if (p.phase === "running") this.deliver(task, p, signal);
    this.deliver(task, proc, signal);
  }

  private deliver(task: TaskRec, proc: Proc, signal: number): void {
    if (signal === 0 || proc.phase === "stopped") return;
    if (proc.phase === "created") {
      // Not started: runc's init process has no handlers of the container's program.
      if (terminatesByDefault(signal)) this.processExited(proc, 128 + signal);
      return;
    }
    if (signal === signals.SIGKILL) {
      this.processExited(proc, 128 + signal);
      return;
    }
    if (task.paused) {
      task.pendingSignals.push({ proc, signal });
      return;
    }
    proc.runner.signal(signal);
  }

  private metricOf(task: TaskRec): Metric {
    const now = this.ctx.clock.now();
    let { cpuNs, pageFaults } = task.spent;
    let memory = 0n;
    let rss = 0n;
    let live = 0n;
    for (const p of [task.init, ...task.execs.values()]) {
      const running = p.phase !== "stopped" && (p === task.init || p.phase === "running");
      const used = p.runner.resourceUse(now, running);
      cpuNs += used.cpuNs;
      pageFaults += used.pageFaults;
      memory += used.memoryBytes;
      rss += used.rssBytes;
      // The cgroup counts every process: what a shell forked too.
      if (running) live += 1n + BigInt(p.runner.jobs().length);
    }
    const usageUsec = cpuNs / 1000n;
    const systemUsec = usageUsec / 10n;
    return {
      timestamp: now,
      id: task.containerId,
      typeUrl: "io.containerd.cgroups.v2.Metrics",
      data: {
        pids: { current: live, limit: 0n },
        cpu: { usageUsec, userUsec: usageUsec - systemUsec, systemUsec },
        memory: {
          usage: memory,
          usageLimit: memoryLimit(task.resources) ?? maxUint64,
          anon: rss,
          file: memory - rss,
          inactiveFile: 0n,
          pgfault: pageFaults,
          pgmajfault: 0n,
        },
      },
    };
  }

  /** How the shim manager resolves a runtime name to a shim binary, and fails to. */
  private checkRuntime(name: string): void {
    if (this.links.runtimes.has(name)) return;
    const prefix = "failed to start shim: failed to resolve runtime path";
    if (name.startsWith("/")) throw this.shimError(`${prefix}: invalid custom binary path: stat ${name}: no such file or directory`);
    const parts = name.split(".");
    if (parts.length < 2) {
      throw this.shimError(
        `${prefix}: invalid runtime name ${name}, correct runtime name should be either format like \`io.containerd.runc.v1\` or a full path to the binary`,
      );
    }
    const binary = `containerd-shim-${parts[parts.length - 2]}-${parts[parts.length - 1]}`;
    throw this.shimError(`${prefix}: runtime "${name}" binary not installed "${binary}": file does not exist`);
  }

  private restore(s: TaskState): void {
    const record = this.links.containers.lookup(s.containerId);
    const task: TaskRec = {
      service: this,
      containerId: s.containerId,
      rootfs: s.rootfs,
      init: undefined as unknown as Proc,
      paused: s.paused,
      execs: new Map(),
      pendingSignals: [],
      unreadable: s.unreadable ? new ContainerdError(s.unreadable.kind, s.unreadable.message) : undefined,
      resources: s.resources,
      spent: { cpuNs: BigInt(s.spent?.cpuNs ?? "0"), pageFaults: BigInt(s.spent?.pageFaults ?? "0") },
    };
    const procOf = (p: ProcState) => {
      const info: ProcessDescription = {
        namespace: this.namespace,
        containerId: record.id,
        execId: p.execId,
        args: p.args,
        env: p.env,
        cwd: p.cwd,
        // States saved before the user was kept ran as root.
        user: p.user ?? processUserOf(undefined),
        terminal: p.terminal,
      };
      const proc = new Proc(task, p.execId, info, {}, resolvedFromState(p.script), p.stdinOpen, { runner: p.runner, terminalSize: p.terminalSize });
      proc.pid = p.pid;
      // States saved before PID namespaces: the process saw its host PID.
      proc.pidInNamespace = p.namespacePid ?? p.pid;
      proc.phase = p.phase;
      proc.exitStatus = p.exitStatus;
      proc.exitedAt = p.exitedAt === null ? null : BigInt(p.exitedAt);
      proc.startFailed = p.startFailed;
      if (p.phase === "stopped") proc.markExited();
      return proc;
    };
    task.init = procOf(s.init);
    for (const e of s.execs) task.execs.set(e.execId!, procOf(e));
    for (const p of s.pendingSignals) {
      const proc = p.execId === undefined ? task.init : task.execs.get(p.execId);
      if (proc) task.pendingSignals.push({ proc, signal: p.signal });
    }
    this.addTask(task);
  }
}

function subjectOf(containerId: string, execId: string | undefined): string {
  return execId === undefined ? containerId : `${containerId}/${execId}`;
}

function liveProcesses(task: TaskRec): Proc[] {
  return [task.init, ...task.execs.values()].filter((p) => p.phase === "running");
}
