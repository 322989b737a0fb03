// Runs one process's script on the fake's clock: a data script's steps at their moments, a test's
// script function, or the emulation of busybox (emulation/) live. Time is counted in running time:
// pausing freezes the script's timers, resuming re-arms them. What a running script acts through is
// the ProcessHost the task layer gives it.

import { toBytes } from "../../src/node/bytes.ts";
import { readClock, type Clock } from "../clock.ts";
import { emulate, type EmulatedProcess, type EmulationPort, type EmulationState } from "../emulation/index.ts";
import type { FileSource } from "../emulation/files.ts";
import { resourceUse, type ResourceUse } from "../emulation/resources.ts";
import { commandName } from "../proc-status.ts";
import type { ConnectionHandler } from "../network.ts";
import type { ProcessEntry } from "../emulation/index.ts";
import type { Privileges } from "../privileges.ts";
import { quote } from "../../src/go/strconv.ts";
import {
  scriptFromState,
  scriptToState,
  signals,
  terminatesByDefault,
  type FileChange,
  type ProcessContext,
  type ProcessDescription,
  type ProcessScript,
  type ProcessScriptState,
  type ScriptFunction,
  type Stream,
} from "./script.ts";

/** A script once chosen for a process: data, a test's function, or the emulation. */
export type ResolvedScript =
  | { kind: "data"; script: ProcessScript }
  | { kind: "function"; run: ScriptFunction }
  | { kind: "emulated"; exec: boolean; memoryLimit?: bigint };

export interface ScriptState {
  kind: "data" | "function" | "emulated" | "cat" | "id";
  script?: ProcessScriptState;
  exec?: boolean;
  memoryLimit?: string;
  /** States saved before the emulation ran live: the command line it was laid out from. */
  command?: { memoryLimit?: string; container: boolean };
}

export function resolvedToState(script: ResolvedScript): ScriptState {
  switch (script.kind) {
    case "data":
      return { kind: "data", script: scriptToState(script.script) };
    case "emulated":
      return script.memoryLimit === undefined ? { kind: "emulated", exec: script.exec } : { kind: "emulated", exec: script.exec, memoryLimit: script.memoryLimit.toString() };
    case "function":
      return { kind: "function" };
  }
}

/** A function script cannot be saved; it comes back as a process that runs until killed. */
export function resolvedFromState(state: ScriptState): ResolvedScript {
  if (state.kind === "data" && state.script) return { kind: "data", script: scriptFromState(state.script) };
  // States saved before cat and id became emulated commands.
  if (state.kind === "cat" || state.kind === "id") return { kind: "emulated", exec: true };
  if (state.kind === "emulated") {
    const exec = state.exec ?? !(state.command?.container ?? false);
    const limit = state.memoryLimit ?? state.command?.memoryLimit;
    return limit === undefined ? { kind: "emulated", exec } : { kind: "emulated", exec, memoryLimit: BigInt(limit) };
  }
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

/** How runc fails to find argv[0] (a data script's start failure without a reason of its own). */
function missingExecutable(command: string): string {
  return command.includes("/")
    ? `exec: ${quote(command)}: stat ${command}: no such file or directory`
    : `exec: ${quote(command)}: executable file not found in $PATH`;
}

/** What a running script acts through; the task layer implements it. */
export interface ProcessHost {
  readonly clock: Clock;
  readonly info: ProcessDescription;
  readonly stdin: StdinPipe;
  currentPid(): number;
  /** Whether the process is PID 1 of its PID namespace, which the kernel spares the default action of the signals it does not handle. */
  namespaceInit(): boolean;
  /** Its PID in its PID namespace (what `$$` says). */
  namespacePid(): number;
  /** A PID in its PID namespace for a process the script starts (an emulated shell's job). */
  nextPid(): number;
  /** The processes of its PID namespace, in PID order. */
  processes(): readonly ProcessEntry[];
  /** A signal to another process of its PID namespace, sent from inside; false when there is none with that PID. */
  signalProcess(pid: number, signal: number): boolean;
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
  /** What the kernel lets the process do: the spec's capabilities and seccomp filter for its user. */
  privileges(): Privileges;
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
  /** Where an emulated process was. */
  emulation?: EmulationState;
}

/**
 * What an emulated process acts through: its runner's running time and its host's calls. One object
 * with methods, not a closure per call, since a node runs thousands of these processes at once.
 */
class EmulationHost implements EmulationPort {
  private readonly runner: ProcessRunner;
  private readonly host: ProcessHost;

  constructor(runner: ProcessRunner, host: ProcessHost) {
    this.runner = runner;
    this.host = host;
  }

  get files(): FileSource {
    return this.host;
  }

  get stdin(): AsyncIterable<Uint8Array> {
    return this.host.stdin;
  }

  activeMs(): number {
    return Number(this.runner.activeNs(readClock(this.host.clock))) / nsPerMs;
  }

  clockMs(): number {
    return Number(readClock(this.host.clock)) / nsPerMs;
  }

  setTimer(ms: number, fn: () => void): () => void {
    return this.host.clock.setTimer(ms, fn);
  }

  write(stream: Stream, data: Uint8Array): void {
    this.host.write(stream, data);
  }

  changeFile(change: FileChange): void {
    this.host.changeFile(change);
  }

  exit(code: number): void {
    this.host.exit(code);
  }

  oom(): void {
    this.host.oom();
  }

  nextPid(): number {
    return this.host.nextPid();
  }

  processes(): readonly ProcessEntry[] {
    return this.host.processes();
  }

  signalProcess(pid: number, signal: number): boolean {
    return this.host.signalProcess(pid, signal);
  }
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
  private readonly resolved: ResolvedScript;
  private readonly host: ProcessHost;
  private startedAt: bigint | undefined;
  private pausedTotal = 0n;
  private pausedSince: bigint | undefined;
  private finishedAt: bigint | undefined;
  private sigtermExitAtMs: number | undefined;
  private steps = new StepCursor([]);
  /** Where a restored process was in its data script. */
  private restoredStep = 0;
  /** The emulated process, once it has started. */
  private emulation: EmulatedProcess | undefined;
  private restoredEmulation: EmulationState | undefined;
  private cancelStepTimer: (() => void) | undefined;
  private cancelSigtermTimer: (() => void) | undefined;
  private signalHandler: ((signal: number) => void) | undefined;
  /** Command lines a function script runs (ProcessContext.run) that have not exited. */
  private readonly children = new Set<ProcessRunner>();
  /** The command line set by the script (setproctitle), shown in place of the one it was started with. */
  private title: readonly string[] | undefined;
  /** Children forked by a script function, which live as long as it does. */
  private readonly forks: Array<{ pid: number; ppid: number; args: string[] }> = [];
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
      this.restoredEmulation = state.emulation;
    }
    if (script.kind === "data") this.setSteps(script.script);
  }

  get script(): ResolvedScript {
    return this.resolved;
  }

  get finished(): boolean {
    return this.finishedAt !== undefined;
  }

  /**
   * What the process has used of its cgroup by `now`, its memory while `live`: an emulated one as
   * its work goes (emulation/resources.ts), a script at its `usage` rate for as long as it runs.
   */
  resourceUse(now: bigint, live: boolean): ResourceUse {
    if (this.script.kind === "emulated") {
      const kind = this.script.exec ? "exec" : "container";
      return resourceUse(kind, this.startedAt === undefined ? 0n : (this.emulation?.workNs() ?? 0n), live, this.emulation?.liveJobs ?? 0);
    }
    const usage = this.script.kind === "data" ? this.script.script.usage : undefined;
    const memoryBytes = live ? BigInt(usage?.memoryBytes ?? defaultMemoryBytes) : 0n;
    return { cpuNs: (this.activeNs(now) * BigInt(usage?.cpuMillicores ?? defaultCpuMillicores)) / 1000n, pageFaults: 0n, memoryBytes, rssBytes: memoryBytes };
  }


  /** The processes an emulated process forked that run now (none for other scripts but their own forks). */
  jobs(): Array<{ pid: number; ppid: number; args: readonly string[]; name: string }> {
    const jobs = this.emulation?.jobs() ?? [];
    // A script's fork keeps its parent's name.
    const name = commandName(this.host.info.args[0] ?? "");
    return [...jobs, ...this.forks.map((fork) => ({ ...fork, name }))];
  }

  /**
   * Its command line as /proc/<pid>/cmdline shows it: the one the script set (setproctitle), else
   * the program its shell exec'd, else the one it started with.
   */
  commandLine(): readonly string[] {
    return this.title ?? this.program();
  }

  /** The kernel's name for it (comm): its program's, which a set title leaves alone and an exec replaces. */
  commandName(): string {
    return commandName(this.program()[0] ?? "");
  }

  private program(): readonly string[] {
    return this.emulation?.commandLine() ?? this.host.info.args;
  }

  /** A signal to a job of an emulated process; false when it has none with that PID. */
  signalJob(pid: number, signal: number): boolean {
    return this.emulation?.signalJob(pid, signal) ?? false;
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
    if (this.emulation) {
      this.emulation.signal(signal);
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
    if (terminatesByDefault(signal) && !this.host.namespaceInit()) this.host.exit(128 + signal);
  }

  pause(at: bigint): void {
    if (this.pausedSince !== undefined || this.finished) return;
    this.pausedSince = at;
    this.cancelTimers();
    this.emulation?.pause();
  }

  resume(at: bigint): void {
    if (this.pausedSince === undefined) return;
    this.pausedTotal += at - this.pausedSince;
    this.pausedSince = undefined;
    if (this.finished) return;
    this.armSteps();
    this.armSigterm();
    this.emulation?.resume();
  }

  /** The process has ended: nothing more happens. */
  stop(at: bigint): void {
    if (this.finished) return;
    this.finishedAt = at;
    this.cancelTimers();
    this.emulation?.stop();
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
    const emulation = this.emulation?.toState() ?? this.restoredEmulation;
    if (emulation) state.emulation = emulation;
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
        this.emulate(this.script);
        return;
    }
  }

  /** Starts the emulation of the process's command line (or picks it up where a saved state had it). */
  private emulate(script: Extract<ResolvedScript, { kind: "emulated" }>): void {
    const host = this.host;
    const { args, env, cwd, user, terminal } = host.info;
    const start = { args, env, cwd, user, terminal, memoryLimit: script.memoryLimit, privileges: host.privileges(), exec: script.exec, hasFile: host.hasFile, pid: host.namespacePid(), namespaceInit: host.namespaceInit(), stdin: host.stdin.isOpen };
    this.emulation = emulate(
      start,
      new EmulationHost(this, host),
      this.restoredEmulation,
    );
    this.restoredEmulation = undefined;
    if (this.pausedSince === undefined) this.emulation.start();
    else this.emulation.pause();
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
      const child: ProcessRunner = new ProcessRunner({ kind: "emulated", exec: true }, {
        clock: host.clock,
        info: { ...host.info, args },
        stdin: new StdinPipe(false),
        currentPid: () => host.currentPid(),
        namespacePid: () => host.namespacePid(),
        namespaceInit: () => false,
        nextPid: () => host.nextPid(),
        processes: () => host.processes(),
        signalProcess: (pid, signal) => host.signalProcess(pid, signal),
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
        privileges: () => host.privileges(),
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
      get pidInNamespace() {
        return host.namespacePid();
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
      setCommandLine: (args) => {
        runner.title = [...args];
      },
      fork: (args) => {
        const pid = host.nextPid();
        runner.forks.push({ pid, ppid: host.namespacePid(), args: [...args] });
        return pid;
      },
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
