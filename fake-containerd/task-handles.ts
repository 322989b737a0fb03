// The handles a client holds, like the Go client's Task and Process: they keep only IDs and ask the
// task service (tasks.ts) for everything, so they outlive a client restart.

import type { ExitStatus, Metric, PidInfo, ProcessHandle, ProcessIO, ProcessSpec, ProcessState } from "./task-types.ts";

/** What a handle calls of the task service (tasks.ts), by container and exec ID. */
export interface TaskCalls {
  start(containerId: string, execId: string | undefined): Promise<number>;
  kill(containerId: string, execId: string | undefined, signal: number, all: boolean): Promise<void>;
  wait(containerId: string, execId: string | undefined): Promise<ExitStatus>;
  status(containerId: string, execId: string | undefined): Promise<ProcessState>;
  deleteTask(containerId: string, kill: boolean): Promise<ExitStatus>;
  deleteProcess(containerId: string, execId: string, kill: boolean): Promise<ExitStatus>;
  pids(containerId: string): Promise<PidInfo[]>;
  pause(containerId: string): Promise<void>;
  resume(containerId: string): Promise<void>;
  exec(containerId: string, execId: string, spec: ProcessSpec, io: ProcessIO): Promise<Process>;
  loadProcess(containerId: string, execId: string, io: ProcessIO | undefined): Promise<Process>;
  closeIO(containerId: string, execId: string | undefined): Promise<void>;
  resize(containerId: string, execId: string | undefined, width: number, height: number): Promise<void>;
  update(containerId: string, resources: unknown): Promise<void>;
  metricsOf(containerId: string): Promise<Metric>;
}

function ignorePid(): void {}

/** A task handle, like the Go client's Task: it holds only the ID, so it outlives a client restart. */
export class Task implements ProcessHandle {
  readonly id: string;
  readonly pid: number;
  private readonly service: TaskCalls;

  constructor(service: TaskCalls, id: string, pid: number) {
    this.service = service;
    this.id = id;
    this.pid = pid;
  }

  /** Starts the task's process; publishes /tasks/start. */
  start(): Promise<void> {
    // Settles when `await service.start(...)` in an async function would, without its frame.
    return this.service.start(this.id, undefined).then(ignorePid);
  }

  /** Signals the process, or with `all` every process of the task. */
  kill(signal: number, options: { all?: boolean } = {}): Promise<void> {
    return this.service.kill(this.id, undefined, signal, options.all ?? false);
  }

  /** Resolves when the process has exited (at once if it already has). */
  wait(): Promise<ExitStatus> {
    return this.service.wait(this.id, undefined);
  }

  /** Deletes a stopped task; with `kill` (containerd.WithProcessKill) SIGKILLs and waits first. */
  delete(options: { kill?: boolean } = {}): Promise<ExitStatus> {
    return this.service.deleteTask(this.id, options.kill ?? false);
  }

  /** The task's process's state now. */
  status(): Promise<ProcessState> {
    return this.service.status(this.id, undefined);
  }

  /** The task's processes. */
  pids(): Promise<PidInfo[]> {
    return this.service.pids(this.id);
  }

  /** Freezes the task. */
  pause(): Promise<void> {
    return this.service.pause(this.id);
  }

  /** Thaws a paused task. */
  resume(): Promise<void> {
    return this.service.resume(this.id);
  }

  /** Adds an exec process (not started yet); publishes /tasks/exec-added. */
  exec(execId: string, spec: ProcessSpec, io: ProcessIO = {}): Promise<Process> {
    return this.service.exec(this.id, execId, spec, io);
  }

  /** An exec process of this task, optionally attaching new IO; the task itself for its own ID. */
  async loadProcess(execId: string, options: { io?: ProcessIO } = {}): Promise<ProcessHandle> {
    if (execId === this.id && !options.io) return this;
    return this.service.loadProcess(this.id, execId, options.io);
  }

  /** Closes the process's stdin. */
  closeIO(): Promise<void> {
    return this.service.closeIO(this.id, undefined);
  }

  /** Resizes the task's terminal. */
  resize(width: number, height: number): Promise<void> {
    return this.service.resize(this.id, undefined, width, height);
  }

  /** Task.Update: new resources (an OCI LinuxResources object) for a task that has not stopped. */
  update(options: { resources?: unknown }): Promise<void> {
    return this.service.update(this.id, options.resources);
  }

  /** The task's cgroup metrics now. */
  metrics(): Promise<Metric> {
    return this.service.metricsOf(this.id);
  }
}

/** An exec process handle, like the Go client's Process. */
export class Process implements ProcessHandle {
  readonly id: string;
  readonly containerId: string;
  /** 0 until started. */
  pid = 0;
  private readonly service: TaskCalls;

  constructor(service: TaskCalls, containerId: string, id: string) {
    this.service = service;
    this.containerId = containerId;
    this.id = id;
  }

  /** Starts the exec; publishes /tasks/exec-started. An unknown command fails here, as in runc. */
  start(): Promise<void> {
    return this.service.start(this.containerId, this.id).then((pid) => {
      this.pid = pid;
    });
  }

  /** Sends `signal` to the exec. */
  kill(signal: number): Promise<void> {
    return this.service.kill(this.containerId, this.id, signal, false);
  }

  /** Resolves when the exec has exited. */
  wait(): Promise<ExitStatus> {
    return this.service.wait(this.containerId, this.id);
  }

  /** Removes a process that is not running; with `kill` (containerd.WithProcessKill) SIGKILLs it first. */
  delete(options: { kill?: boolean } = {}): Promise<ExitStatus> {
    return this.service.deleteProcess(this.containerId, this.id, options.kill ?? false);
  }

  /** The exec's state now. */
  status(): Promise<ProcessState> {
    return this.service.status(this.containerId, this.id);
  }

  /** Closes the exec's stdin. */
  closeIO(): Promise<void> {
    return this.service.closeIO(this.containerId, this.id);
  }

  /** Resizes the exec's terminal. */
  resize(width: number, height: number): Promise<void> {
    return this.service.resize(this.containerId, this.id, width, height);
  }
}
