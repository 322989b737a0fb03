// One process of a task (the container's own or an exec) as the task service keeps it: its
// description, stdin, terminal and phase, and the host its script acts through (ProcessHost), which
// reaches back to the service for what crosses processes (exits, signals, the PID namespace).

import type { Clock } from "./clock.ts";
import type { ContainerFiles } from "./container-files.ts";
import type { FakeContext } from "./context.ts";
import type { ContainerdError } from "./errdefs.ts";
import type { MountInfo } from "./events.ts";
import type { ProcessEntry } from "./emulation/index.ts";
import type { Privileges } from "./privileges.ts";
import type { ConnectionHandler, Listener } from "./network.ts";
import { ProcessRunner, StdinPipe, type ProcessHost, type ResolvedScript, type RunnerState } from "./processes/runner.ts";
import type { FileChange, ProcessDescription, Stream } from "./processes/script.ts";
import type { ProcessIO } from "./task-types.ts";
import { Terminal, type TerminalSize } from "./terminal.ts";

export type Phase = "created" | "running" | "stopped";

/** What a process calls of the task service it belongs to (tasks.ts). */
export interface ProcServices {
  readonly ctx: FakeContext;
  readonly files: ContainerFiles;
  processExited(proc: Proc, code: number): void;
  oomKilled(proc: Proc): void;
  listen(proc: Proc, port: number, handler: ConnectionHandler): Listener;
  signalFromTerminal(proc: Proc, signal: number): void;
  signalFromInside(from: Proc, pid: number, signal: number): boolean;
  ownsPidNamespace(containerId: string): boolean;
  forkedPid(proc: Proc): number;
  processesSeenBy(proc: Proc): ProcessEntry[];
  readFileOf(proc: Proc, path: string): Promise<Uint8Array | undefined>;
  rootfsHasFileOf(containerId: string): ((path: string) => boolean) | undefined;
}

/** One process inside a task, and the host its script acts through. */
export class Proc implements ProcessHost {
  readonly task: TaskRec;
  readonly execId: string | undefined;
  readonly info: ProcessDescription;
  readonly stdin: StdinPipe;
  readonly runner: ProcessRunner;
  /** The pseudo-terminal between the process and its IO, when it has one. */
  readonly terminal: Terminal | undefined;
  pid = 0;
  /** Its PID in its PID namespace (its `$$`). */
  pidInNamespace = 0;
  phase: Phase = "created";
  exitStatus = 0;
  exitedAt: bigint | null = null;
  /** An exec whose start failed: waiting on it returns at once, as the shim's does. */
  startFailed = false;
  io: ProcessIO;
  /** Ports the process listens on; closed when it exits. */
  readonly listeners: Listener[] = [];
  readonly exited: Promise<void>;
  private resolveExited!: () => void;
  /** Its changes still on their way to the node's files: its exit is reported once they are made. */
  private landing: Promise<void> | undefined;

  constructor(
    task: TaskRec,
    execId: string | undefined,
    info: ProcessDescription,
    io: ProcessIO,
    script: ResolvedScript,
    stdinOpen: boolean,
    restored?: { runner: RunnerState; terminalSize: TerminalSize | undefined },
  ) {
    this.task = task;
    this.execId = execId;
    this.info = info;
    this.io = io;
    this.stdin = new StdinPipe(stdinOpen);
    if (info.terminal) {
      this.terminal = new Terminal(
        {
          deliver: (line) => this.stdin.push(line),
          endOfFile: () => this.stdin.close(),
          echo: (bytes) => this.emit(this.io.stdout, bytes),
          signal: (signal) => this.task.service.signalFromTerminal(this, signal),
        },
        restored?.terminalSize,
      );
    }
    if (io.stdin) this.feedStdin(io.stdin);
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
    this.runner = new ProcessRunner(script, this, restored?.runner);
  }

  get clock(): Clock {
    return this.task.service.ctx.clock;
  }

  get id(): string {
    return this.execId ?? this.task.containerId;
  }

  get terminalSize(): TerminalSize | undefined {
    return this.terminal?.size;
  }

  currentPid(): number {
    return this.pid;
  }

  namespaceInit(): boolean {
    return this.execId === undefined && this.task.service.ownsPidNamespace(this.task.containerId);
  }

  namespacePid(): number {
    return this.pidInNamespace;
  }

  nextPid(): number {
    return this.task.service.forkedPid(this);
  }

  processes(): ProcessEntry[] {
    return this.task.service.processesSeenBy(this);
  }

  signalProcess(pid: number, signal: number): boolean {
    return this.task.service.signalFromInside(this, pid, signal);
  }

  write(stream: Stream, data: Uint8Array): void {
    if (this.terminal) this.emit(this.io.stdout, this.terminal.output(data));
    else this.emit(stream === "stdout" ? this.io.stdout : this.io.stderr, data);
  }

  exit(code: number): void {
    const landing = this.landing;
    if (landing === undefined) {
      this.task.service.processExited(this, code);
      return;
    }
    this.landing = undefined;
    void landing.then(() => this.task.service.processExited(this, code));
  }

  oom(): void {
    this.task.service.oomKilled(this);
  }

  listen(port: number, handler: ConnectionHandler): void {
    this.listeners.push(this.task.service.listen(this, port, handler));
  }

  readFile(path: string): Promise<Uint8Array | undefined> {
    return this.task.service.readFileOf(this, path);
  }

  readDir(path: string): Promise<string[] | undefined> {
    return this.task.service.files.readDir(this.task.containerId, path);
  }

  readOnly(path: string): Promise<boolean> {
    return this.task.service.files.readOnly(this.task.containerId, path);
  }

  locate(path: string): Promise<string> {
    return this.task.service.files.locate(this.task.containerId, path);
  }

  changeFile(change: FileChange): void {
    const made = this.task.service.files.changeFile(this.task.containerId, change);
    if (made === undefined) return;
    const landing = this.landing ? Promise.all([this.landing, made]).then(() => undefined) : made;
    this.landing = landing;
    void landing.then(() => {
      if (this.landing === landing) this.landing = undefined;
    });
  }

  privileges(): Privileges {
    return this.task.service.files.privileges(this.task.containerId, this.info.user);
  }

  get hasFile(): ((path: string) => boolean) | undefined {
    return this.task.service.rootfsHasFileOf(this.task.containerId);
  }

  markExited(): void {
    for (const listener of this.listeners.splice(0)) listener.close();
    this.resolveExited();
    try {
      this.io.close?.();
    } catch {
      // As for output: the reader's problem.
    }
  }

  /** Replaces the IO of a process a client attaches to again. */
  attach(io: ProcessIO): void {
    this.io = io;
    if (io.stdin) this.feedStdin(io.stdin);
  }

  /** What the client sends: straight to the process, or typed into its terminal. */
  private feedStdin(source: AsyncIterable<Uint8Array>): void {
    const terminal = this.terminal;
    if (terminal) this.stdin.attach(source, (chunk) => terminal.input(chunk));
    else this.stdin.attach(source);
  }

  private emit(sink: ((chunk: Uint8Array) => void) | undefined, data: Uint8Array): void {
    try {
      sink?.(data);
    } catch {
      // A failing sink is the reader's problem, as a closed FIFO is; the process carries on.
    }
  }
}

/** A task: its container, its process, its execs, and what the shim keeps about it. */
export interface TaskRec {
  readonly service: ProcServices;
  readonly containerId: string;
  readonly rootfs: MountInfo[];
  init: Proc;
  paused: boolean;
  readonly execs: Map<string, Proc>;
  /** Signals sent while paused; a frozen process gets them when thawed. */
  pendingSignals: Array<{ proc: Proc; signal: number }>;
  unreadable: ContainerdError | undefined;
  resources: unknown;
  /** CPU and page faults of the execs deleted so far: the cgroup's counters keep them. */
  spent: { cpuNs: bigint; pageFaults: bigint };
}
