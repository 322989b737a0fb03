// What processes do. Nothing is executed: a process follows a script, which is plain data where
// possible (so it can be saved with the fake's state) or an async function where a test needs more.
// Scripts are chosen per container (by ID, image, labels or the spec's args) and per exec (by argv);
// without one, a process runs the busybox emulation of process-emulation.ts (echo, sleep, cat, id,
// sh -c scripts ...), and an exec of any other command fails the way runc reports a missing
// executable.

import { parseDockerRef, referenceString } from "../src/go/reference.ts";
import { quote } from "../src/go/strconv.ts";
import type { ProcessUser } from "./busybox-id.ts";
import { toBytes } from "../src/node/bytes.ts";
import { readClock, type Clock } from "./clock.ts";
import type { ContainerRecord } from "./containers.ts";
import { emulateCommandLine, emulateContainerProcess, emulateExecLine, type FileAccess } from "./process-emulation.ts";
import { pathParts } from "./snapshots/fs.ts";
import { base64ToBytes, bytesToBase64 } from "./state.ts";
import type { ConnectionHandler } from "./network.ts";
import { readsCommandsFromStdin, stdinShell } from "./stdin-shell.ts";
import { webServerFor } from "./web-servers.ts";

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
   * under it; `write`: the file's whole content; `append`: more content (creating the file).
   */
  change: "touch" | "mkdir" | "remove" | "write" | "append";
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
  /** The spec's process env and memory limit, for the default emulation (process-emulation.ts). */
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
 * What a container's processes see besides registered files and the container's snapshot (the CRI
 * layer gives its bind mounts of the node's files): consulted by the emulated commands and
 * ProcessContext.
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
  /** Makes a change under a mount and says true; false leaves it to the container's snapshot. */
  changeFile?(container: FilesystemContainer, change: FileChange): boolean;
}

/** What a filesystem hook lists in a directory. */
export interface DirectoryNames {
  names: string[];
  /** A mount covers the directory, so the snapshot's own names are hidden. */
  hidesSnapshot: boolean;
}

/** A script once chosen for a process. */
export type ResolvedScript =
  | { kind: "data"; script: ProcessScript }
  | { kind: "function"; run: ScriptFunction }
  | { kind: "emulated"; command: EmulatedCommand };

/**
 * A command line the emulation lays out when the process starts, because it reads the container's
 * files (`cat`, `id`, `hostname`, alone or in a shell script): a container's own command (busybox's
 * applets run until killed), or an exec's.
 */
export interface EmulatedCommand {
  args: readonly string[];
  env: readonly string[];
  memoryLimit?: bigint;
  container: boolean;
}

/** Lays out an emulated command with the container's files at hand; undefined for an exec it does not know. */
function layOut(command: EmulatedCommand, files: FileAccess, hasFile?: (path: string) => boolean): ProcessScript | undefined {
  const { args, env, memoryLimit } = command;
  return command.container ? emulateCommandLine(args, { env, memoryLimit, files, hasFile }) : emulateExecLine(args, { env, files, hasFile });
}

/**
 * How a command is run: laid out now when it reads no file of the container, or when the process
 * starts (the files it reads can change until then); undefined for an exec the emulation does not know.
 */
function emulated(command: EmulatedCommand, layOutNow: (files: FileAccess) => ProcessScript | undefined): ResolvedScript | undefined {
  let reads = false;
  const asking =
    <T,>(answer: T) =>
    (): T => {
      reads = true;
      return answer;
    };
  const script = layOutNow({
    readFile: asking(undefined),
    readDir: asking(undefined),
    readOnly: asking(false),
    locate: asking("/"),
    // `pwd` and `whoami` read only these.
    get user() {
      return asking({ uid: 0, gid: 0, additionalGids: [] })();
    },
    get cwd() {
      return asking("/")();
    },
    terminal: false,
  });
  if (script === undefined) return undefined;
  return reads ? { kind: "emulated", command } : { kind: "data", script };
}

/** A registered script or handler; remove() unregisters it. */
export interface Registration {
  /** Stops this script from being chosen for new processes. */
  remove(): void;
}

type Rule<M, I> = { match: M | ((info: I) => boolean); script: Script };

export interface ScriptState {
  kind: "data" | "cat" | "id" | "function" | "emulated";
  script?: ProcessScriptState;
  paths?: string[];
  command?: { args: string[]; env: string[]; memoryLimit?: string; container: boolean };
  args?: string[];
}

type OutputChunkState = { stream: Stream; data: string | { base64: string }; atMs?: number };

type FileChangeState = Omit<FileChange, "data"> & { data?: string | { base64: string } };

export type ProcessScriptState = Omit<ProcessScript, "output" | "repeat" | "files" | "listen"> & {
  output?: OutputChunkState[];
  repeat?: { fromMs?: number; everyMs: number; output: OutputChunkState[] };
  files?: FileChangeState[];
};

export interface ProcessRegistryState {
  containers: Array<{ match: ContainerMatch; script: ProcessScriptState }>;
  execs: Array<{ match: ExecMatch; script: ProcessScriptState }>;
  files: Array<{ containerId?: string; path: string; content: string }>;
}

/** Where scripts, exec handlers and test files are registered (`fake.processes`). */
export class ProcessRegistry {
  private containerRules: Array<Rule<ContainerMatch, ContainerProcessInfo>> = [];
  private execRules: Array<Rule<ExecMatch, ExecProcessInfo>> = [];
  private readonly files = new Map<string, Uint8Array>();
  private filesystem: ContainerFilesystem | undefined;

  constructor(state?: ProcessRegistryState) {
    for (const r of state?.containers ?? []) this.containerRules.push({ match: r.match, script: scriptFromState(r.script) });
    for (const r of state?.execs ?? []) this.execRules.push({ match: r.match, script: scriptFromState(r.script) });
    for (const f of state?.files ?? []) this.files.set(fileKey(f.containerId, f.path), base64ToBytes(f.content));
  }

  /** Scripts the processes of matching containers. The latest matching registration wins. */
  onContainer(match: ContainerMatch | ((info: ContainerProcessInfo) => boolean), script: Script): Registration {
    const rule = { match, script };
    this.containerRules.push(rule);
    return { remove: () => (this.containerRules = this.containerRules.filter((r) => r !== rule)) };
  }

  /** Scripts matching exec processes. The latest matching registration wins over older ones and the built-ins. */
  onExec(match: ExecMatch | ((info: ExecProcessInfo) => boolean), script: Script): Registration {
    const rule = { match, script };
    this.execRules.push(rule);
    return { remove: () => (this.execRules = this.execRules.filter((r) => r !== rule)) };
  }

  /** A file `cat` and readFile find, in one container or (without containerId) in every container. */
  addFile(path: string, content: string | Uint8Array, options: { containerId?: string } = {}): void {
    this.files.set(fileKey(options.containerId, path), toBytes(content));
  }

  /** Consulted after the files tests registered, before the container's snapshot. */
  setFilesystem(filesystem: ContainerFilesystem | undefined): void {
    this.filesystem = filesystem;
  }

  /** @internal The script a container's process runs: the latest matching registration, else the default emulation. */
  resolveContainer(info: ContainerProcessInfo): ResolvedScript {
    for (let i = this.containerRules.length - 1; i >= 0; i--) {
      const rule = this.containerRules[i]!;
      if (typeof rule.match === "function" ? rule.match(info) : containerMatches(rule.match, info)) return resolved(rule.script);
    }
    const env = info.env ?? [];
    const command: EmulatedCommand = { args: info.args, env, container: true };
    if (info.memoryLimit !== undefined) command.memoryLimit = info.memoryLimit;
    // runc looks for the executable when the task is created, so that is when a missing one fails.
    const script = emulated(command, (files) => emulateContainerProcess({ ...info, env, files }))!;
    if (script.kind === "data" && script.script.failStart) return script;
    if (info.stdin && readsCommandsFromStdin(info.args)) return { kind: "function", run: stdinShell };
    const server = webServerFor(info.args);
    return server ? { kind: "function", run: server } : script;
  }

  /** @internal The exec's script, or undefined when argv names no known executable. */
  resolveExec(info: ExecProcessInfo): ResolvedScript | undefined {
    for (let i = this.execRules.length - 1; i >= 0; i--) {
      const rule = this.execRules[i]!;
      if (typeof rule.match === "function" ? rule.match(info) : execMatches(rule.match, info)) return resolved(rule.script);
    }
    const script = builtin(info.argv, info.env ?? [], info.hasFile);
    const missing = script?.kind === "data" && script.script.failStart !== undefined;
    return info.stdin && readsCommandsFromStdin(info.argv) && !missing ? { kind: "function", run: stdinShell } : script;
  }

  /** @internal A file registered with addFile() or given by the filesystem hook, for the container. */
  async readFile(namespace: string, record: ContainerRecord, path: string): Promise<Uint8Array | undefined> {
    const own = this.files.get(fileKey(record.id, path)) ?? this.files.get(fileKey(undefined, path));
    if (own) return own;
    return this.filesystem ? await this.filesystem.readFile({ namespace, record }, path) : undefined;
  }

  /** Whether the filesystem hook has a read-only mount over the path (undefined: no mount covers it). */
  async readOnly(namespace: string, record: ContainerRecord, path: string): Promise<boolean | undefined> {
    return this.filesystem?.readOnly ? await this.filesystem.readOnly({ namespace, record }, path) : undefined;
  }

  /** Where the filesystem hook says the path's file lives (undefined: in the container's snapshot). */
  async locate(namespace: string, record: ContainerRecord, path: string): Promise<string | undefined> {
    return this.filesystem?.locate ? await this.filesystem.locate({ namespace, record }, path) : undefined;
  }

  /** Hands a change to the filesystem hook; false when no mount of its covers the path. */
  changeFile(namespace: string, record: ContainerRecord, change: FileChange): boolean {
    return this.filesystem?.changeFile?.({ namespace, record }, change) ?? false;
  }

  /** What registered files (their directories) and the filesystem hook add to a directory's names. */
  async readDir(namespace: string, record: ContainerRecord, path: string): Promise<DirectoryNames | undefined> {
    const dir = pathParts(path).join("/");
    const prefix = dir === "" ? "/" : `/${dir}/`;
    const names = new Set<string>();
    for (const key of this.files.keys()) {
      const [owner, file] = splitFileKey(key);
      const normal = `/${pathParts(file).join("/")}`;
      if ((owner === undefined || owner === record.id) && normal.startsWith(prefix) && normal.length > prefix.length) {
        names.add(normal.slice(prefix.length).split("/")[0]!);
      }
    }
    const hooked = this.filesystem?.readDir ? await this.filesystem.readDir({ namespace, record }, path) : undefined;
    if (!hooked && names.size === 0) return undefined;
    for (const name of hooked?.names ?? []) names.add(name);
    return { names: [...names], hidesSnapshot: hooked?.hidesSnapshot ?? false };
  }

  /** The registrations that are data, as JSON-serialisable data (saveState). */
  toState(): ProcessRegistryState {
    const dataRules = <M, I>(rules: Array<Rule<M, I>>) =>
      rules
        .filter((r) => typeof r.match !== "function" && typeof r.script !== "function")
        .map((r) => ({ match: r.match as M, script: scriptToState(r.script as ProcessScript) }));
    return {
      containers: dataRules(this.containerRules),
      execs: dataRules(this.execRules),
      files: [...this.files].map(([key, content]) => {
        const [owner, path] = splitFileKey(key);
        return owner === undefined ? { path, content: bytesToBase64(content) } : { containerId: owner, path, content: bytesToBase64(content) };
      }),
    };
  }

  /** Registrations a saved state cannot carry, described for the state's notes. */
  unsaved(): string[] {
    const count = (rules: Array<Rule<unknown, never>>) =>
      rules.filter((r) => typeof r.match === "function" || typeof r.script === "function").length;
    const notes: string[] = [];
    const containers = count(this.containerRules as Array<Rule<unknown, never>>);
    const execs = count(this.execRules as Array<Rule<unknown, never>>);
    if (containers > 0) notes.push(`${containers} container script registration(s) use functions and were not saved`);
    const listening = this.containerRules.filter((r) => typeof r.script !== "function" && r.script.listen?.length).length;
    if (listening > 0) notes.push(`${listening} container script registration(s) listen on ports; saved without their listeners`);
    if (execs > 0) notes.push(`${execs} exec script registration(s) use functions and were not saved`);
    if (this.filesystem) notes.push("the filesystem hook is code and was not saved");
    return notes;
  }
}

function resolved(script: Script): ResolvedScript {
  return typeof script === "function" ? { kind: "function", run: script } : { kind: "data", script };
}

function containerMatches(m: ContainerMatch, info: ContainerProcessInfo): boolean {
  if (m.containerId !== undefined && m.containerId !== info.containerId) return false;
  if (m.image !== undefined && normalizedImage(m.image) !== normalizedImage(info.image)) return false;
  if (m.args !== undefined && !sameStrings(m.args, info.args)) return false;
  for (const [k, v] of Object.entries(m.labels ?? {})) {
    if (!Object.hasOwn(info.labels, k) || info.labels[k] !== v) return false;
  }
  return true;
}

/** A reference as the CRI normalises it ("busybox:1.36" is docker.io/library/busybox:1.36); anything else as given. */
function normalizedImage(image: string): string {
  try {
    return referenceString(parseDockerRef(image));
  } catch {
    return image;
  }
}

function execMatches(m: ExecMatch, info: ExecProcessInfo): boolean {
  if (m.containerId !== undefined && m.containerId !== info.containerId) return false;
  if (m.command !== undefined && m.command !== info.argv[0]) return false;
  return m.argv === undefined || sameStrings(m.argv, info.argv);
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The everyday commands that work in any container without a script (process-emulation.ts). */
function builtin(argv: readonly string[], env: readonly string[], hasFile: ((path: string) => boolean) | undefined): ResolvedScript | undefined {
  // `cat` alone copies its stdin (crictl exec -i).
  if (argv.length === 1 && argv[0]!.slice(argv[0]!.lastIndexOf("/") + 1) === "cat") return { kind: "data", script: { echoStdin: true } };
  const command: EmulatedCommand = { args: argv, env, container: false };
  return emulated(command, (files) => layOut(command, files, hasFile));
}

/** How runc's executable lookup fails for argv[0]. */
export function missingExecutable(command: string): string {
  return command.includes("/")
    ? `exec: ${quote(command)}: stat ${command}: no such file or directory`
    : `exec: ${quote(command)}: executable file not found in $PATH`;
}

function fileKey(containerId: string | undefined, path: string): string {
  return `${containerId ?? ""}\u0000${path}`;
}

function splitFileKey(key: string): [string | undefined, string] {
  const at = key.indexOf("\u0000");
  const owner = key.slice(0, at);
  return [owner === "" ? undefined : owner, key.slice(at + 1)];
}

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

export function resolvedToState(script: ResolvedScript): ScriptState {
  switch (script.kind) {
    case "data":
      return { kind: "data", script: scriptToState(script.script) };
    case "emulated": {
      const { args, env, memoryLimit, container } = script.command;
      const command: NonNullable<ScriptState["command"]> = { args: [...args], env: [...env], container };
      if (memoryLimit !== undefined) command.memoryLimit = memoryLimit.toString();
      return { kind: "emulated", command };
    }
    case "function":
      return { kind: "function" };
  }
}

/** A function script cannot be saved; it comes back as a process that runs until killed. */
export function resolvedFromState(state: ScriptState): ResolvedScript {
  // States saved before cat and id became emulated commands.
  if (state.kind === "cat") return { kind: "emulated", command: { args: ["cat", ...(state.paths ?? [])], env: [], container: false } };
  if (state.kind === "id") return { kind: "emulated", command: { args: ["id", ...(state.args ?? [])], env: [], container: false } };
  if (state.kind === "emulated" && state.command) {
    const { args, env, memoryLimit, container } = state.command;
    const command: EmulatedCommand = { args, env, container };
    if (memoryLimit !== undefined) command.memoryLimit = BigInt(memoryLimit);
    return { kind: "emulated", command };
  }
  if (state.kind === "data" && state.script) return { kind: "data", script: scriptFromState(state.script) };
  return { kind: "data", script: {} };
}

/**
 * A process's stdin: chunks from the attached source, readable once, in order. It ends on close()
 * (closeIO) or when the source ends. A process created without stdin starts closed, as one reading
 * /dev/null would.
 */
export class StdinPipe implements AsyncIterable<Uint8Array> {
  private readonly chunks: Uint8Array[] = [];
  private wake: (() => void) | undefined;
  private source: AsyncIterator<Uint8Array> | undefined;
  private closed: boolean;

  constructor(open: boolean) {
    this.closed = !open;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /**
   * Feeds the pipe from `source` from now on (replacing any earlier source); `input` takes each
   * chunk instead when given (a terminal's line discipline, which pushes what the process reads).
   * The pipe closes when the source ends.
   */
  attach(source: AsyncIterable<Uint8Array>, input: (chunk: Uint8Array) => void = (chunk) => this.push(chunk)): void {
    if (this.closed) return;
    void this.source?.return?.();
    const iterator = source[Symbol.asyncIterator]();
    this.source = iterator;
    void (async () => {
      for (;;) {
        let step: IteratorResult<Uint8Array>;
        try {
          step = await iterator.next();
        } catch {
          step = { value: undefined, done: true };
        }
        if (this.source !== iterator || this.closed) return;
        if (step.done) {
          this.close();
          return;
        }
        input(step.value);
      }
    })();
  }

  /** Bytes for the process to read. */
  push(chunk: Uint8Array): void {
    if (this.closed) return;
    this.chunks.push(chunk);
    this.signal();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const source = this.source;
    this.source = undefined;
    void source?.return?.();
    this.signal();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk) yield chunk;
      else if (this.closed) return;
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** What a running script acts through; the task layer implements it. */
export interface ProcessHost {
  readonly clock: Clock;
  readonly info: ProcessDescription;
  readonly stdin: StdinPipe;
  currentPid(): number;
  write(stream: Stream, data: Uint8Array): void;
  exit(code: number): void;
  oom(): void;
  readFile(path: string): Promise<Uint8Array | undefined>;
  readDir(path: string): Promise<string[] | undefined>;
  readOnly(path: string): Promise<boolean>;
  locate(path: string): Promise<string>;
  changeFile(change: FileChange): void;
  /** Starts listening on a port of the process's network namespace (AddressInUseError if taken). */
  listen(port: number, handler: ConnectionHandler): void;
  /** Whether the container's root filesystem has a file at a path; undefined when it has none. */
  readonly hasFile: ((path: string) => boolean) | undefined;
}

export interface RunnerState {
  startedAtNs?: string;
  pausedTotalNs: string;
  pausedSinceNs?: string;
  finishedAtNs?: string;
  nextStep: number;
  sigtermExitAtMs?: number;
}

type Step = { atMs: number; rank: number; order: number; run: () => void };

const nsPerMs = 1_000_000;
const defaultCpuMillicores = 10;
const defaultMemoryBytes = 4 * 1024 * 1024;

/**
 * Runs one process's script on the fake's clock. Time is counted in running time: pausing freezes
 * the script's timers, resuming re-arms them.
 */
export class ProcessRunner {
  private resolved: ResolvedScript;
  private readonly host: ProcessHost;
  private startedAt: bigint | undefined;
  private pausedTotal = 0n;
  private pausedSince: bigint | undefined;
  private finishedAt: bigint | undefined;
  private sigtermExitAtMs: number | undefined;
  private steps = new StepCursor([]);
  /** Where a restored process was in its script (an emulated command's is laid out only when it starts). */
  private restoredStep = 0;
  private cancelStepTimer: (() => void) | undefined;
  private cancelSigtermTimer: (() => void) | undefined;
  private signalHandler: ((signal: number) => void) | undefined;
  /** Command lines a function script runs (ProcessContext.run) that have not exited. */
  private readonly children = new Set<ProcessRunner>();
  private resolveExited!: () => void;
  private readonly exited = new Promise<void>((resolve) => (this.resolveExited = resolve));

  constructor(script: ResolvedScript, host: ProcessHost, state?: RunnerState) {
    this.resolved = script;
    this.host = host;
    if (state) {
      if (state.startedAtNs !== undefined) this.startedAt = BigInt(state.startedAtNs);
      this.pausedTotal = BigInt(state.pausedTotalNs);
      if (state.pausedSinceNs !== undefined) this.pausedSince = BigInt(state.pausedSinceNs);
      if (state.finishedAtNs !== undefined) this.finishedAt = BigInt(state.finishedAtNs);
      this.restoredStep = state.nextStep;
      this.sigtermExitAtMs = state.sigtermExitAtMs;
    }
    if (script.kind === "data") this.setSteps(script.script);
  }

  /**
   * The script: an emulated command becomes the data script it was laid out as, so a saved process
   * goes on with those steps even after its own changes to the files it read.
   */
  get script(): ResolvedScript {
    return this.resolved;
  }

  get finished(): boolean {
    return this.finishedAt !== undefined;
  }

  get usage(): { cpuMillicores: number; memoryBytes: number } {
    const usage = this.script.kind === "data" ? this.script.script.usage : undefined;
    return {
      cpuMillicores: usage?.cpuMillicores ?? defaultCpuMillicores,
      memoryBytes: usage?.memoryBytes ?? defaultMemoryBytes,
    };
  }

  /** The start-failure reason of a data script, if it has one. */
  get startFailure(): string | undefined {
    if (this.script.kind !== "data" || !this.script.script.failStart) return undefined;
    return this.script.script.failStart.reason ?? missingExecutable(this.host.info.args[0] ?? "");
  }

  start(at: bigint): void {
    this.startedAt = at;
    this.begin();
  }

  /** Picks up a process restored from a saved state where it was running. */
  resumeRestored(): void {
    if (this.finished || this.startedAt === undefined) return;
    this.begin();
  }

  /** A catchable signal (the task layer handles SIGKILL and signals to paused processes). */
  signal(signal: number): void {
    if (this.finished) return;
    if (this.script.kind === "function" && this.signalHandler) {
      this.signalHandler(signal);
      return;
    }
    if (this.script.kind === "data" && signal === signals.SIGTERM) {
      const { ignoreSigterm, onSigterm } = this.script.script;
      if (onSigterm) {
        if (this.sigtermExitAtMs === undefined) {
          this.sigtermExitAtMs = this.activeMs() + (onSigterm.afterMs ?? 0);
          this.armSigterm();
        }
        return;
      }
      if (ignoreSigterm) return;
    }
    if (terminatesByDefault(signal)) this.host.exit(128 + signal);
  }

  pause(at: bigint): void {
    if (this.pausedSince !== undefined || this.finished) return;
    this.pausedSince = at;
    this.cancelTimers();
  }

  resume(at: bigint): void {
    if (this.pausedSince === undefined) return;
    this.pausedTotal += at - this.pausedSince;
    this.pausedSince = undefined;
    if (this.finished) return;
    this.armSteps();
    this.armSigterm();
  }

  /** The process has ended: nothing more happens. */
  stop(at: bigint): void {
    if (this.finished) return;
    this.finishedAt = at;
    this.cancelTimers();
    this.host.stdin.close();
    this.resolveExited();
  }

  /** Running time so far, in nanoseconds (paused time excluded). */
  activeNs(now: bigint): bigint {
    if (this.startedAt === undefined) return 0n;
    const end = this.finishedAt ?? this.pausedSince ?? now;
    return end - this.startedAt - this.pausedTotal;
  }

  toState(): RunnerState {
    const state: RunnerState = { pausedTotalNs: this.pausedTotal.toString(), nextStep: Math.max(this.steps.played, this.restoredStep) };
    if (this.startedAt !== undefined) state.startedAtNs = this.startedAt.toString();
    if (this.pausedSince !== undefined) state.pausedSinceNs = this.pausedSince.toString();
    if (this.finishedAt !== undefined) state.finishedAtNs = this.finishedAt.toString();
    if (this.sigtermExitAtMs !== undefined) state.sigtermExitAtMs = this.sigtermExitAtMs;
    return state;
  }

  private begin(): void {
    switch (this.script.kind) {
      case "data":
        for (const { port, handler } of this.script.script.listen ?? []) this.host.listen(port, handler);
        if (this.pausedSince === undefined) {
          this.runDueSteps();
          this.armSigterm();
        }
        if (this.script.script.echoStdin && !this.finished) void this.echoStdin(this.script.script);
        return;
      case "function":
        this.runFunction(this.script.run);
        return;
      case "emulated":
        void this.emulate(this.script.command);
        return;
    }
  }

  /**
   * Lays the command out once the files it reads are at hand, then plays it as a data script. What
   * it reads can depend on what it found (`cat a || cat b`), so it is laid out again until it asks
   * for nothing new.
   */
  private async emulate(command: EmulatedCommand): Promise<void> {
    const asked = {
      readFile: new Map<string, Uint8Array | undefined>(),
      readDir: new Map<string, string[] | undefined>(),
      readOnly: new Map<string, boolean>(),
      locate: new Map<string, string>(),
    };
    const { user, cwd, terminal } = this.host.info;
    for (;;) {
      const wanted: Array<[keyof typeof asked, string]> = [];
      const answer = <K extends keyof typeof asked>(kind: K, path: string) => {
        const known = asked[kind] as Map<string, unknown>;
        if (!known.has(path)) wanted.push([kind, path]);
        return known.get(path);
      };
      const script = layOut(command, {
        readFile: (path) => answer("readFile", path) as Uint8Array | undefined,
        readDir: (path) => answer("readDir", path) as string[] | undefined,
        readOnly: (path) => (answer("readOnly", path) as boolean | undefined) ?? false,
        locate: (path) => (answer("locate", path) as string | undefined) ?? path,
        user,
        cwd,
        terminal,
      }, this.host.hasFile);
      if (wanted.length === 0) {
        this.resolved = { kind: "data", script: script ?? {} };
        this.setSteps(script ?? {});
        if (this.pausedSince === undefined) this.runDueSteps();
        return;
      }
      for (const [kind, path] of wanted) (asked[kind] as Map<string, unknown>).set(path, await this.host[kind](path));
      if (this.finished) return;
    }
  }

  /** The data script to play, from the step a restored process had reached. */
  private setSteps(script: ProcessScript): void {
    this.steps = stepsOf(script, this.host);
    this.steps.skip(this.restoredStep);
  }

  private activeMs(): number {
    return Number(this.activeNs(readClock(this.host.clock))) / nsPerMs;
  }

  private runDueSteps(force?: number): void {
    const elapsed = this.activeMs();
    for (let step = this.steps.peek(); step !== undefined && !this.finished; step = this.steps.peek()) {
      if (step.atMs > elapsed && this.steps.played !== force) break;
      this.steps.take();
      step.run();
    }
    if (!this.finished) this.armSteps();
  }

  private armSteps(): void {
    this.cancelStepTimer?.();
    this.cancelStepTimer = undefined;
    const armed = this.steps.played;
    const next = this.steps.peek();
    if (next === undefined || this.pausedSince !== undefined) return;
    const wait = next.atMs - this.activeMs();
    this.cancelStepTimer = this.host.clock.setTimer(wait, () => {
      this.cancelStepTimer = undefined;
      this.runDueSteps(armed);
    });
  }

  private armSigterm(): void {
    this.cancelSigtermTimer?.();
    this.cancelSigtermTimer = undefined;
    const at = this.sigtermExitAtMs;
    if (at === undefined || this.pausedSince !== undefined || this.finished || this.script.kind !== "data") return;
    const code = this.script.script.onSigterm?.exitCode ?? 0;
    this.cancelSigtermTimer = this.host.clock.setTimer(at - this.activeMs(), () => {
      this.cancelSigtermTimer = undefined;
      this.host.exit(code);
    });
  }

  private cancelTimers(): void {
    this.cancelStepTimer?.();
    this.cancelSigtermTimer?.();
    this.cancelStepTimer = undefined;
    this.cancelSigtermTimer = undefined;
  }

  private async echoStdin(script: ProcessScript): Promise<void> {
    for await (const chunk of this.host.stdin) {
      if (this.finished) return;
      this.host.write("stdout", chunk);
    }
    if (!this.finished && !script.exit && !script.oom) this.host.exit(0);
  }

  /** A command line run by the emulation as a child of this process (ProcessContext.run). */
  private runChild(args: readonly string[]): Promise<number> {
    if (this.finished) return Promise.resolve(128 + signals.SIGKILL);
    const host = this.host;
    return new Promise((resolve) => {
      const child: ProcessRunner = new ProcessRunner({ kind: "emulated", command: { args, env: host.info.env, container: false } }, {
        clock: host.clock,
        info: { ...host.info, args },
        stdin: new StdinPipe(false),
        currentPid: () => host.currentPid(),
        write: (stream, data) => host.write(stream, data),
        exit: (code) => {
          child.stop(readClock(host.clock));
          this.children.delete(child);
          resolve(code);
        },
        oom: () => host.oom(),
        readFile: (path) => host.readFile(path),
        readDir: (path) => host.readDir(path),
        readOnly: (path) => host.readOnly(path),
        locate: (path) => host.locate(path),
        changeFile: (change) => host.changeFile(change),
        listen: (port, handler) => host.listen(port, handler),
        hasFile: host.hasFile,
      });
      this.children.add(child);
      // A child outlived by its parent (killed) ends with it.
      void this.exited.then(() => {
        if (this.children.delete(child)) {
          child.stop(readClock(host.clock));
          resolve(128 + signals.SIGKILL);
        }
      });
      child.start(readClock(host.clock));
    });
  }

  private runFunction(run: ScriptFunction): void {
    const host = this.host;
    const runner = this;
    const context: ProcessContext = {
      ...host.info,
      get pid() {
        return host.currentPid();
      },
      clock: host.clock,
      exited: this.exited,
      get hasExited() {
        return runner.finished;
      },
      stdin: host.stdin,
      write: (stream, data) => {
        if (!runner.finished) host.write(stream, toBytes(data));
      },
      exit: (code) => {
        if (!runner.finished) host.exit(code);
      },
      oom: () => {
        if (!runner.finished) host.oom();
      },
      sleep: (ms) => host.clock.sleep(ms),
      onSignal: (handler) => {
        runner.signalHandler = handler;
      },
      readFile: (path) => host.readFile(path),
      readDir: (path) => host.readDir(path),
      changeFile: (change) => {
        if (!runner.finished) host.changeFile(change);
      },
      listen: (port, handler) => {
        if (!runner.finished) host.listen(port, handler);
      },
      run: (args) => this.runChild(args),
    };
    Promise.resolve()
      .then(() => run(context))
      .then(
        (code) => {
          if (!runner.finished) host.exit(typeof code === "number" ? code : 0);
        },
        (error: unknown) => {
          if (runner.finished) return;
          host.write("stderr", toBytes(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`));
          host.exit(1);
        },
      );
  }
}

/** A data script as a timeline: output first, then OOM, then exit, among steps due together. */
function stepsOf(script: ProcessScript, host: ProcessHost): StepCursor {
  const steps: Step[] = [];
  const output = script.output ?? [];
  output.forEach((chunk, order) => {
    const data = toBytes(chunk.data);
    steps.push({ atMs: chunk.atMs ?? 0, rank: 0, order, run: () => host.write(chunk.stream, data) });
  });
  (script.files ?? []).forEach((change, k) => {
    steps.push({ atMs: change.atMs ?? 0, rank: 0, order: output.length + k, run: () => host.changeFile(change) });
  });
  if (script.oom) steps.push({ atMs: script.oom.afterMs ?? 0, rank: 1, order: 0, run: () => host.oom() });
  if (script.exit) {
    const code = script.exit.code;
    steps.push({ atMs: script.exit.afterMs ?? 0, rank: 2, order: 0, run: () => host.exit(code) });
  }
  steps.sort(byTime);
  const repeat = script.repeat;
  if (!repeat || !(repeat.everyMs > 0) || repeat.output.length === 0) return new StepCursor(steps);
  // A round's chunks come after the script's own output and file changes due at the same moment (higher order).
  const ownCount = output.length + (script.files?.length ?? 0);
  const chunks = repeat.output
    .map((chunk, k): Step => {
      const data = toBytes(chunk.data);
      return { atMs: chunk.atMs ?? 0, rank: 0, order: ownCount + k, run: () => host.write(chunk.stream, data) };
    })
    .sort(byTime);
  return new StepCursor(steps, { fromMs: repeat.fromMs ?? 0, everyMs: repeat.everyMs, chunks });
}

function byTime(a: Step, b: Step): number {
  return a.atMs - b.atMs || a.rank - b.rank || a.order - b.order;
}

/**
 * Where a process is in its script: the script's own steps, merged in time with the rounds of a
 * repeat, which go on without end. `played` counts the steps taken so far (saved with the state).
 */
class StepCursor {
  private nextOwn = 0;
  private nextRound = 0;
  private readonly own: Step[];
  private readonly rounds: { fromMs: number; everyMs: number; chunks: Step[] } | undefined;

  constructor(own: Step[], rounds?: { fromMs: number; everyMs: number; chunks: Step[] }) {
    this.own = own;
    this.rounds = rounds;
  }

  /** Steps taken so far (saved with the state). */
  get played(): number {
    return this.nextOwn + this.nextRound;
  }

  /** The next step due, or undefined when the script has no more. */
  peek(): Step | undefined {
    return this.next()?.step;
  }

  take(): void {
    const next = this.next();
    if (next?.own) this.nextOwn++;
    else if (next) this.nextRound++;
  }

  /** Moves past `n` steps: a restored process picks up where it was. */
  skip(n: number): void {
    while (this.played < n && this.next() !== undefined) this.take();
  }

  /** The earlier of the script's next own step and the repeat's next chunk. */
  private next(): { step: Step; own: boolean } | undefined {
    const own = this.own[this.nextOwn];
    const round = this.roundChunk();
    if (own !== undefined && (round === undefined || byTime(own, round) <= 0)) return { step: own, own: true };
    return round && { step: round, own: false };
  }

  private roundChunk(): Step | undefined {
    const rounds = this.rounds;
    if (rounds === undefined) return undefined;
    const k = this.nextRound;
    const n = rounds.chunks.length;
    const chunk = rounds.chunks[k % n]!;
    return { ...chunk, atMs: rounds.fromMs + Math.floor(k / n) * rounds.everyMs + chunk.atMs, order: chunk.order + k - (k % n) };
  }
}
