// What a process does, as a test describes it: the data script (output, exit, OOM, signals, file
// changes at times) or a function, what a script sees of its process, how matchers choose scripts
// for containers and execs, and the JSON a saved state keeps of a data script.

import type { Clock } from "../clock.ts";
import type { ContainerRecord } from "../containers.ts";
import type { ConnectionHandler } from "../network.ts";
import { base64ToBytes, bytesToBase64 } from "../state.ts";

/** Linux signal numbers (amd64/arm64). */
export const signals = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGABRT: 6,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGWINCH: 28,
} as const;

// Signals whose default action is to ignore, stop or continue rather than terminate.
const notTerminating = new Set([0, 17, 18, 19, 20, 21, 22, 23, 28]);

/** Whether a signal ends a process that does not handle it (with exit status 128 + signal). */
export function terminatesByDefault(signal: number): boolean {
  return signal >= 1 && signal <= 64 && !notTerminating.has(signal);
}

/** Which output a process writes to. */
export type Stream = "stdout" | "stderr";

/** Output a script writes, on its stream, after a delay. */
export interface OutputChunk {
  stream: Stream;
  data: string | Uint8Array;
  /** Milliseconds after the start (of running time: a paused process does not advance). Default 0. */
  atMs?: number;
}

/** A process's behaviour as data. With none of exit, oom or echoStdin it runs until killed. */
export interface ProcessScript {
  /** Written in order of atMs (ties in the order given). */
  output?: OutputChunk[];
  /**
   * Output that comes round again every `everyMs` for as long as the process runs (a shell's
   * `while true; do echo ...; sleep 1; done`): each chunk's atMs is its offset within a round, and
   * the first round starts `fromMs` (default 0) after the start, after any `output` due then.
   */
  repeat?: { fromMs?: number; everyMs: number; output: OutputChunk[] };
  /** Exit on its own with this code, `afterMs` after starting. */
  exit?: { code: number; afterMs?: number };
  /** Be killed by the OOM killer `afterMs` after starting: /tasks/oom is published, then exit 137. */
  oom?: { afterMs?: number };
  /** Trap SIGTERM and keep running (SIGKILL still kills). */
  ignoreSigterm?: boolean;
  /** Trap SIGTERM and exit with `exitCode` `afterMs` later (a graceful shutdown). */
  onSigterm?: { exitCode: number; afterMs?: number };
  /** Copy stdin to stdout; when stdin ends, exit 0 unless `exit` or `oom` decides. */
  echoStdin?: boolean;
  /**
   * Fail to start, as runc reports a process it cannot start: `reason` is what follows "unable to
   * start container process: " (default: the executable was not found in $PATH). A container's
   * process fails at task create, as with runc 1.1; an exec fails at its start.
   */
  failStart?: { reason?: string };
  /** Figures task metrics report while the process runs. Defaults: 10 millicores, 4 MiB. */
  usage?: { cpuMillicores?: number; memoryBytes?: number };
  /** Changes to the container's files, made in order of atMs (ties in the order given). */
  files?: FileChange[];
  /**
   * Ports served from the start until the process exits (a saved state drops them: handlers are
   * code).
   */
  listen?: Array<{ port: number; handler: ConnectionHandler }>;
}

/** A change a process makes to its container's files (the emulation's touch, mkdir, rm, > and >>). */
export interface FileChange {
  /** Milliseconds after the start, as for output. Default 0. */
  atMs?: number;
  /** Absolute and clean. */
  path: string;
  /**
   * `touch`: an empty file where there is nothing; `mkdir`: a directory; `remove`: the path and all
   * under it; `write`: the file's whole content; `append`: more content (creating the file); `bind`:
   * a mount of the directory `data` names (`mount --bind`); `tmpfs`: a new tmpfs (`mount -t tmpfs`).
   */
  change: "touch" | "mkdir" | "remove" | "write" | "append" | "bind" | "tmpfs";
  data?: string | Uint8Array;
}

/** Which process this is and how it was started. */
export interface ProcessDescription {
  readonly namespace: string;
  readonly containerId: string;
  /** Undefined for the container's own process. */
  readonly execId: string | undefined;
  readonly args: readonly string[];
  readonly env: readonly string[];
  readonly cwd: string;
  /** Who the process runs as (the spec's process.user). */
  readonly user: ProcessUser;
  readonly terminal: boolean;
}

/** What a script function can do. Times are the fake's clock. */
export interface ProcessContext extends ProcessDescription {
  readonly pid: number;
  /** Its PID as its own PID namespace numbers it (what getpid() returns inside the container). */
  readonly pidInNamespace: number;
  /** The fake's clock (what `sleep` waits on). */
  readonly clock: Clock;
  /** Resolves when the process has exited, however that happened. */
  readonly exited: Promise<void>;
  readonly hasExited: boolean;
  /** Ends when stdin is closed (closeIO) or its source ends; empty when the process has no stdin. */
  readonly stdin: AsyncIterable<Uint8Array>;
  /** Writes output on stdout or stderr. */
  write(stream: Stream, data: string | Uint8Array): void;
  /** Ends the process with exit code `code`. */
  exit(code: number): void;
  /** Publishes /tasks/oom and exits 137. */
  oom(): void;
  /** Resolves after `ms` of the fake's clock. */
  sleep(ms: number): Promise<void>;
  /** Handles every catchable signal from now on, in place of the default action. */
  onSignal(handler: (signal: number) => void): void;
  /** A file of the container's filesystem (registered files, the filesystem hook, /proc/sys, the snapshot). */
  readFile(path: string): Promise<Uint8Array | undefined>;
  /** The names in a directory of the container's filesystem (unsorted), or undefined when it is not one. */
  readDir(path: string): Promise<string[] | undefined>;
  /** Changes the container's files: under a mount, the mount's; else the container's snapshot. */
  changeFile(change: FileChange): void;
  /**
   * Listens on a port of the container's network namespace until the process exits: each
   * connection (a port-forward, a hostPort, another process) is handed to `handler`.
   */
  listen(port: number, handler: ConnectionHandler): void;
  /**
   * Runs a command line as the emulation runs an exec's (`["sh", "-c", "..."]` ...), as a child of
   * this process: its output is this process's, it reads no stdin. Resolves with its exit status.
   */
  run(args: readonly string[]): Promise<number>;
  /** What /proc/<pid>/cmdline and ps show of it from now on (setproctitle); its name (comm) stays. */
  setCommandLine(args: readonly string[]): void;
  /**
   * Forks a child that waits while this process runs (a server's worker), shown in the process
   * table with `args` as its command line; returns the child's PID in the namespace.
   */
  fork(args: readonly string[]): number;
}

/** Returning ends the process with the returned code (0 if none); throwing exits 1. */
export type ScriptFunction = (process: ProcessContext) => Promise<number | void> | number | void;

/** What a process does: a ProcessScript (data, saved with the state) or a function. */
export type Script = ProcessScript | ScriptFunction;

/** What a container matcher sees of the container whose process is being created. */
export interface ContainerProcessInfo {
  readonly namespace: string;
  readonly containerId: string;
  readonly image: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly args: readonly string[];
  /** The spec's process env and memory limit, for the default emulation (emulation/). */
  readonly env?: readonly string[];
  readonly memoryLimit?: bigint;
  /** Whether the container's root filesystem has a file there; absent without a root filesystem. */
  readonly hasFile?: (path: string) => boolean;
  /** Whether the process has a stdin to read (the container was created with stdin). */
  readonly stdin?: boolean;
}

/** What an exec matcher sees. */
export interface ExecProcessInfo {
  readonly namespace: string;
  readonly containerId: string;
  readonly execId: string;
  readonly argv: readonly string[];
  /** The exec's process env (the container's, under the CRI), which `sh -c` expands from. */
  readonly env?: readonly string[];
  /** Whether the container's root filesystem has a file there; absent without a root filesystem. */
  readonly hasFile?: (path: string) => boolean;
  /** Whether the exec has a stdin to read. */
  readonly stdin?: boolean;
}

/** Matches containers whose fields all equal the ones given; `labels` need only be present. */
export interface ContainerMatch {
  containerId?: string;
  image?: string;
  labels?: Readonly<Record<string, string>>;
  args?: readonly string[];
}

/** Matches execs whose fields all equal the ones given; `command` is argv[0]. */
export interface ExecMatch {
  argv?: readonly string[];
  command?: string;
  containerId?: string;
}

/** The container a filesystem hook is asked about. */
export interface FilesystemContainer {
  namespace: string;
  record: ContainerRecord;
}

/**
 * What a container's processes see besides registered files and the container's snapshot (a fake
 * given the node's files installs its containers' bind mounts of them, bind-mounts.ts): consulted by
 * the emulated commands and ProcessContext.
 */
export interface ContainerFilesystem {
  /** A file, or undefined to look in the snapshot. */
  readFile(container: FilesystemContainer, path: string): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  /** What a directory lists beyond (or, under a mount, instead of) the snapshot's names; undefined for nothing. */
  readDir?(container: FilesystemContainer, path: string): DirectoryNames | undefined | Promise<DirectoryNames | undefined>;
  /** Whether a mount over the path is read-only; undefined when no mount covers it (the root filesystem decides). */
  readOnly?(container: FilesystemContainer, path: string): boolean | undefined | Promise<boolean | undefined>;
  /** Where the file at the path lives under a mount (the same for the same file at two paths); undefined for the snapshot's. */
  locate?(container: FilesystemContainer, path: string): string | undefined | Promise<string | undefined>;
  /**
   * Makes a change under a mount and says true, or gives a promise that settles once the change is
   * on the node (the process's exit waits for it, as the kernel's write returns once it is made);
   * false leaves it to the container's snapshot.
   */
  changeFile?(container: FilesystemContainer, change: FileChange): boolean | Promise<void>;
  /** Whether a mount a process makes at the path shows on the node (under an rshared bind mount of the node's files). */
  sendsMounts?(container: FilesystemContainer, path: string): boolean;
  /**
   * The container's task starts (runc makes its mounts): what the mounts take from the node is fixed
   * now. A promise when that takes a look at the node (the task's creation waits for it).
   */
  started?(container: FilesystemContainer): Promise<void> | undefined;
  /** The container's task is gone. */
  ended?(container: FilesystemContainer): void;
}

/** What a filesystem hook lists in a directory. */
export interface DirectoryNames {
  names: string[];
  /** A mount covers the directory, so the snapshot's own names are hidden. */
  hidesSnapshot: boolean;
}

/** The identity a process runs with (OCI process.user). */
export interface ProcessUser {
  uid: number;
  gid: number;
  additionalGids: readonly number[];
}

/** process.user of an OCI spec (as JSON), with Go's zero values for what is missing. */
export function processUserOf(user: unknown): ProcessUser {
  const u = (typeof user === "object" && user !== null ? user : {}) as { uid?: unknown; gid?: unknown; additionalGids?: unknown };
  const id = (v: unknown) => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : 0);
  return {
    uid: id(u.uid),
    gid: id(u.gid),
    additionalGids: Array.isArray(u.additionalGids) ? u.additionalGids.map(id) : [],
  };
}

export type OutputChunkState = { stream: Stream; data: string | { base64: string }; atMs?: number };

export type FileChangeState = Omit<FileChange, "data"> & { data?: string | { base64: string } };

export type ProcessScriptState = Omit<ProcessScript, "output" | "repeat" | "files" | "listen"> & {
  output?: OutputChunkState[];
  repeat?: { fromMs?: number; everyMs: number; output: OutputChunkState[] };
  files?: FileChangeState[];
};

/** A data script as saved: its listeners are code, so they are left out (unsaved() notes them). */
export function scriptToState(script: ProcessScript): ProcessScriptState {
  const { output, repeat, files, listen: _listen, ...rest } = script;
  const state: ProcessScriptState = { ...rest };
  if (output) state.output = output.map(chunkToState);
  if (repeat) state.repeat = { ...repeat, output: repeat.output.map(chunkToState) };
  if (files) state.files = files.map(({ data, ...change }) => (data === undefined ? change : { ...change, data: dataToState(data) }));
  return state;
}

function dataToState(data: string | Uint8Array): string | { base64: string } {
  return typeof data === "string" ? data : { base64: bytesToBase64(data) };
}

function dataFromState(data: string | { base64: string }): string | Uint8Array {
  return typeof data === "string" ? data : base64ToBytes(data.base64);
}

function chunkToState(o: OutputChunk): OutputChunkState {
  return {
    stream: o.stream,
    data: dataToState(o.data),
    ...(o.atMs === undefined ? {} : { atMs: o.atMs }),
  };
}

export function scriptFromState(state: ProcessScriptState): ProcessScript {
  const { output, repeat, files, ...rest } = state;
  const script: ProcessScript = { ...rest };
  if (output) script.output = output.map(chunkFromState);
  if (repeat) script.repeat = { ...repeat, output: repeat.output.map(chunkFromState) };
  if (files) script.files = files.map(({ data, ...change }) => (data === undefined ? change : { ...change, data: dataFromState(data) }));
  return script;
}

function chunkFromState(o: OutputChunkState): OutputChunk {
  return {
    stream: o.stream,
    data: dataFromState(o.data),
    ...(o.atMs === undefined ? {} : { atMs: o.atMs }),
  };
}

