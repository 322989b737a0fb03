// What a client sees of tasks and their processes: states, exit statuses, IO, specs, PIDs,
// metrics, and the calls every process handle answers. The task service (tasks.ts) and the handles
// (task-handles.ts) speak these.

/** A process's state as containerd's task service reports it. */
export type ProcessStatus = "created" | "running" | "paused" | "pausing" | "stopped" | "unknown";

/** How a process ended. */
export interface ExitStatus {
  exitStatus: number;
  /** Unix nanoseconds; null for Go's zero time (the process never exited). */
  exitedAt: bigint | null;
}

/** A process's state and, once stopped, how it ended. */
export interface ProcessState extends ExitStatus {
  status: ProcessStatus;
}

/**
 * Where a process's output goes and where its input comes from (stdio.ts has a ready-made client
 * end). No FIFOs: plain callbacks.
 */
export interface ProcessIO {
  stdin?: AsyncIterable<Uint8Array>;
  /** Receives what the process writes to stdout. */
  stdout?(chunk: Uint8Array): void;
  /** Receives what the process writes to stderr. */
  stderr?(chunk: Uint8Array): void;
  /** The process has exited: no more output comes (the shim closes the pipes). */
  close?(): void;
  /**
   * Give the process a terminal: stderr is written to stdout, newlines as CR LF, and stdin is
   * typed into it (echoed, read a line at a time; terminal.ts).
   */
  terminal?: boolean;
}

/** The OCI process spec of an exec (args, env, cwd ...); other fields are kept as given. */
export interface ProcessSpec {
  args?: string[];
  env?: string[];
  cwd?: string;
  [field: string]: unknown;
}

/** One process of a task, as Pids lists it. */
export interface PidInfo {
  pid: number;
  /** Set for exec processes, as the runc shim reports them. */
  info?: { execId: string };
}

/** A task as tasks.list reports it: the container ID, its process's PID and state. */
export interface TaskInfo extends ProcessState {
  id: string;
  pid: number;
}

/** cgroup v2 statistics, as the runc shim reports them (io.containerd.cgroups.v2.Metrics). */
export interface CgroupMetrics {
  pids: { current: bigint; limit: bigint };
  cpu: { usageUsec: bigint; userUsec: bigint; systemUsec: bigint };
  memory: {
    usage: bigint;
    usageLimit: bigint;
    anon: bigint;
    file: bigint;
    inactiveFile: bigint;
    pgfault: bigint;
    pgmajfault: bigint;
  };
}

/** A task's metrics sample, as tasks.metrics returns it. */
export interface Metric {
  timestamp: bigint;
  id: string;
  typeUrl: "io.containerd.cgroups.v2.Metrics";
  data: CgroupMetrics;
}

/** The calls every process handle answers: a task's own process and its execs. */
export interface ProcessHandle {
  readonly id: string;
  readonly pid: number;
  /** Starts the process. */
  start(): Promise<void>;
  /** Sends `signal` (to every process of the task with `all`). */
  kill(signal: number, options?: { all?: boolean }): Promise<void>;
  /** Resolves when the process has exited. */
  wait(): Promise<ExitStatus>;
  /** The process's state now. */
  status(): Promise<ProcessState>;
  /** Closes the process's stdin. */
  closeIO(): Promise<void>;
  /** Resizes the process's terminal. */
  resize(width: number, height: number): Promise<void>;
}
