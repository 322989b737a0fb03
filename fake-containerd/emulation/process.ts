// A process the emulation runs live on the fake's clock: a shell (or one applet), with the
// background jobs it starts. Each shell takes steps (shell.ts); a step that takes time is played:
// its output and file changes go out at their moments, and the shell's next step waits for its
// end. A step that asks the container about its files before the answers are in is undone, the
// answers are fetched, and it runs again. Between steps a shell can be reached: a signal runs its
// trap, input arrives for `read`, a job ends for `wait`. Everything a live process holds is plain
// data (toState), so a saved fake picks it up where it was.

import { toBytes } from "../../src/node/bytes.ts";
import { signals, terminatesByDefault, type FileChange, type Stream } from "../processes/script.ts";
import type { ProcessEntry } from "./applets/applet.ts";
import { FileAnswers, FileView, Miss, type FileSource } from "./files.ts";
import { Journal } from "./journal.ts";
import { NotEmulated, Stopped } from "./shell/errors.ts";
import { signalNames } from "./shell/builtins.ts";
import type { ShellState } from "./shell/frames.ts";
import { baseName, Shell, spinLimit, type InputBuffer, type ShellContext } from "./shell/shell.ts";
import { Timeline, type Effect, type ForkedProcess } from "./timeline.ts";
import { spinningCpuNsPerMs, stepCpuNs } from "./resources.ts";
import { base64ToBytes, bytesToBase64 } from "../state.ts";
import type { ProcessUser } from "../processes/script.ts";
import type { Privileges } from "../privileges.ts";

/** What a live emulated process acts through (the process runner gives it). */
export interface EmulationPort {
  /** The process's running time so far, in milliseconds (paused time left out). */
  activeMs(): number;
  /** The fake's clock, in milliseconds since the epoch (what `date` reads). */
  clockMs(): number;
  /** Calls `fn` after `ms` of running time (none passes while paused: the runner re-arms on resume). */
  setTimer(ms: number, fn: () => void): () => void;
  write(stream: Stream, data: Uint8Array): void;
  changeFile(change: FileChange): void;
  exit(code: number): void;
  oom(): void;
  readonly files: FileSource;
  nextPid(): number;
  /** The processes of the PID namespace, in PID order (this one's jobs among them). */
  processes(): readonly ProcessEntry[];
  /** Delivers a signal to another process of the PID namespace, as sent from inside it; false when there is none with that PID. */
  signalProcess(pid: number, signal: number): boolean;
  readonly stdin: AsyncIterable<Uint8Array>;
}

/** What the process is and runs as. */
export interface EmulationSetup {
  readonly user: ProcessUser;
  readonly terminal: boolean;
  readonly memoryLimit: bigint | undefined;
  readonly privileges: Privileges;
  readonly exec: boolean;
  /** runc's lookup of a command that is not emulated, with a shell's PATH. */
  exists(command: string, path: string | undefined): boolean;
  /** PID 1 of its PID namespace: the kernel drops the signals it has no handler for. */
  readonly namespaceInit: boolean;
  /** The program's own signal handlers (not a shell's traps): the exit status each signal ends it with. */
  readonly handlers: ReadonlyMap<number, number>;
}

/** How a live shell of the process stands between steps. */
interface Playing {
  effects: Effect[];
  /** Running time the step started at. */
  fromMs: number;
  /** Effects played so far. */
  next: number;
  durationMs: number;
  ending: Timeline["ending"];
}

interface Member {
  shell: Shell;
  /** The shell that started it (a job's parent). */
  parent: number | undefined;
  playing: Playing | undefined;
  /** Took this many steps with no time passing: past the limit it spins for good. */
  busy: number;
  spinning: boolean;
  /** The running time it began to spin at, while it spins. */
  spinningSinceMs?: number;
  /**
   * The running time it became ready to take its next step at: its steps follow one another in
   * the fake's time even when answers about files arrive after the clock has moved on.
   */
  readyAtMs: number;
}

type EffectState =
  | { atMs: number; stream: Stream; data: string | { base64: string } }
  | { atMs: number; change: FileChange["change"]; path: string; data?: { base64: string } }
  | { atMs: number; forked: ForkedProcess }
  | { atMs: number; reaped: number };

export interface EmulationState {
  /** CPU its work has taken so far, in ns (states saved before it was counted have none). */
  workNs?: string;
  members: Array<{
    shell: ShellState;
    parent: number | null;
    playing: (Omit<Playing, "effects" | "ending"> & { effects: EffectState[]; ending: string | null }) | null;
    readyAtMs: number;
  }>;
}


export class EmulatedProcess {
  private readonly port: EmulationPort;
  private readonly setup: EmulationSetup;
  private readonly members = new Map<number, Member>();
  private readonly mainPid: number;
  private readonly journal = new Journal();
  private readonly answers = new FileAnswers();
  private readonly view: FileView;
  private readonly context: ShellContext;
  private readonly input = new StdinBuffer();
  /** What the step being worked out has forked and not reaped yet (empty between steps). */
  private readonly forking = new Map<number, ForkedProcess>();
  private readingStdin = false;
  private cancelTimer: (() => void) | undefined;
  private fetching = false;
  private paused = false;
  private stopped = false;
  /** The running time answers were last fetched at: after it, they may be stale. */
  private answersAtMs = -1;
  /** CPU its shells' steps and finished spins have taken (a spin under way is counted from its start). */
  private workDoneNs = 0n;
  /** Running time it stopped at: its spins end there. */
  private stoppedAtMs: number | undefined;

  constructor(setup: EmulationSetup, port: EmulationPort, main: (ctx: ShellContext) => Shell, state?: EmulationState) {
    this.port = port;
    this.setup = setup;
    this.view = new FileView(this.answers, this.journal);
    this.context = new ProcessShellContext(this, setup, port, this.view, this.journal, this.forking);
    if (state) {
      this.workDoneNs = BigInt(state.workNs ?? "0");
      for (const m of state.members) {
        const shell = Shell.fromState(this.context, m.shell);
        this.members.set(shell.pid, { shell, parent: m.parent ?? undefined, playing: m.playing ? playingFromState(m.playing) : undefined, busy: 0, spinning: false, readyAtMs: m.readyAtMs });
      }
      this.mainPid = state.members[0]!.shell.pid;
    } else {
      const shell = main(this.context);
      this.mainPid = shell.pid;
      this.members.set(shell.pid, { shell, parent: undefined, playing: undefined, busy: 0, spinning: false, readyAtMs: port.activeMs() });
    }
  }

  /** The shells of the process: the main one first, then its jobs. */
  get shells(): Shell[] {
    return [...this.members.values()].map((m) => m.shell);
  }

  /** The command line the process runs now when it is not the one it started with (its shell exec'd its last command). */
  commandLine(): readonly string[] | undefined {
    return this.members.get(this.mainPid)?.shell.execd;
  }

  /** The CPU its work has taken: its shells' steps, and a core for as long as one spins. */
  workNs(): bigint {
    const now = this.stoppedAtMs ?? this.port.activeMs();
    let spinning = 0n;
    for (const member of this.members.values()) if (member.spinningSinceMs !== undefined) spinning += BigInt(Math.round((now - member.spinningSinceMs) * 1000)) * (spinningCpuNsPerMs / 1000n);
    return this.workDoneNs + spinning;
  }

  /** Its background jobs still running. */
  get liveJobs(): number {
    let jobs = 0;
    for (const member of this.members.values()) if (member.parent !== undefined && !member.shell.done) jobs++;
    return jobs;
  }

  /**
   * The processes its shells forked that run now, as the process table shows them: the live
   * background jobs (the shell's command line until a job execs its command), and what the steps
   * under way forked and have not reaped (as far as they have played, and in the step being
   * worked out, what it has forked so far).
   */
  jobs(): ForkedProcess[] {
    // By PID: a background pipeline's stages, once forked, stand for the job (which has the last one's PID).
    const jobs = new Map<number, ForkedProcess>();
    const add = (process: ForkedProcess) => jobs.set(process.pid, process);
    for (const member of this.members.values()) {
      const shell = member.shell;
      if (shell.done) continue;
      // A background pipeline's stages before its first step: forked, not yet running their commands.
      for (const pid of shell.stagePids ?? []) add({ ...shell.process, pid });
      if (member.parent !== undefined) {
        const execd = shell.execd;
        add(execd ? { pid: shell.pid, ppid: member.parent, args: execd, name: baseName(execd[0] ?? "").slice(0, 15) } : { ...shell.process, ppid: member.parent });
      }
      if (member.playing) running(member.playing).forEach(add);
    }
    this.forking.forEach(add);
    return [...jobs.values()].sort((a, b) => a.pid - b.pid);
  }

  start(): void {
    this.pump();
  }

  pause(): void {
    this.paused = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  /** The process has ended (exited, or was killed): nothing more happens. */
  stop(): void {
    if (!this.stopped) this.stoppedAtMs = this.port.activeMs();
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  /** A signal to the process: the program's handler, its shell's trap, or the signal's default action. */
  signal(signal: number): void {
    if (this.stopped) return;
    const handled = this.setup.handlers.get(signal);
    if (handled !== undefined) {
      this.stop();
      this.port.exit(handled);
      return;
    }
    const main = this.members.get(this.mainPid)!;
    if (!this.deliver(main, signal) && !this.setup.namespaceInit) this.port.exit(128 + signal);
    this.pump();
  }

  toState(): EmulationState {
    return {
      workNs: this.workNs().toString(),
      members: [...this.members.values()].map((m) => ({ shell: m.shell.toState(), parent: m.parent ?? null, playing: m.playing ? playingToState(m.playing) : null, readyAtMs: m.readyAtMs })),
    };
  }

  /** A trapped signal is noted for the shell to run its trap; false when its default action applies. */
  private deliver(member: Member, signal: number): boolean {
    const name = signalNames[signal];
    const shell = member.shell;
    const action = name === undefined || name === "KILL" || name === "STOP" ? undefined : shell.traps.get(name);
    if (action === undefined && shell.interactive && (name === "INT" || name === "TERM" || name === "QUIT")) {
      // An interactive shell ignores these; ^C abandons the command it runs for a fresh prompt.
      if (name === "INT") {
        shell.interrupt();
        member.playing = undefined;
        this.unspin(member);
        member.busy = 0;
        member.readyAtMs = Math.max(member.readyAtMs, this.port.activeMs());
      }
      return true;
    }
    if (action === undefined) return !terminatesByDefault(signal);
    if (action === "") return true;
    shell.pendingSignals.push(name!);
    this.unspin(member);
    member.busy = 0;
    // `wait` is cut short by a trapped signal: it returns 128 + the signal, then the trap runs.
    if (shell.block?.kind === "jobs") {
      shell.block = undefined;
      shell.frames.pop();
      shell.status = 128 + signal;
    }
    return true;
  }

  /** A spinning shell stops spinning: the core it kept busy is counted. */
  private unspin(member: Member): void {
    if (member.spinningSinceMs !== undefined) this.workDoneNs += BigInt(Math.round((this.port.activeMs() - member.spinningSinceMs) * 1000)) * (spinningCpuNsPerMs / 1000n);
    member.spinning = false;
    member.spinningSinceMs = undefined;
  }

  /** @internal */
  addJob(job: Shell): void {
    const parent = [...this.members.values()].find((m) => m.shell.jobs.some((j) => j.pid === job.pid));
    const startedAt = parent?.readyAtMs ?? this.port.activeMs();
    this.members.set(job.pid, { shell: job, parent: parent?.shell.pid, playing: undefined, busy: 0, spinning: false, readyAtMs: startedAt });
  }

  /** @internal A signal from one of the process's shells (`kill`): to itself, a job of its own, or through the port to another process. */
  signalProcess(pid: number, signal: string): boolean {
    const number = Number(Object.entries(signalNames).find(([, name]) => name === signal)?.[0]);
    if (pid === this.mainPid) {
      this.signal(number);
      return true;
    }
    if (this.signalJob(pid, number)) return true;
    // A process a step forked runs inside that step's timeline, which a signal cannot cut short.
    if (this.jobs().some((process) => process.pid === pid)) throw new NotEmulated("kill of a process a command forked");
    return this.port.signalProcess(pid, number);
  }

  /** A signal to a job of the process: its trap, or the default action; false when it has no job with that PID. */
  signalJob(pid: number, signal: number): boolean {
    const job = pid === this.mainPid ? undefined : this.members.get(pid);
    if (job === undefined) return false;
    if (this.stopped || job.shell.done) return true;
    if (signal === signals.SIGKILL || !this.deliver(job, signal)) {
      const record = job.parent === undefined ? undefined : this.members.get(job.parent)?.shell.jobs.find((j) => j.pid === pid);
      if (record) record.signal = signal;
      this.ended(job, 128 + signal);
    }
    this.pump();
    return true;
  }

  /** Runs every shell as far as it can go now, then waits for the next moment one of them has. */
  private pump(): void {
    if (this.stopped || this.paused || this.fetching) return;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const now = this.port.activeMs();
    for (let progress = true; progress && !this.stopped && !this.fetching; ) {
      progress = false;
      for (const member of [...this.members.values()]) {
        if (this.stopped || this.fetching) return;
        if (this.advance(member, now)) progress = true;
      }
    }
    this.armTimer(now);
  }

  /** Moves one shell on as far as it can go now; true when it did anything. */
  private advance(member: Member, now: number): boolean {
    const shell = member.shell;
    let moved = false;
    for (;;) {
      if (member.playing) {
        if (!this.play(member, now)) return moved;
        moved = true;
      }
      if (shell.done) {
        this.ended(member);
        return moved;
      }
      if (member.spinning) return moved;
      if (shell.block) {
        if (!this.unblock(shell)) return moved;
        member.readyAtMs = Math.max(member.readyAtMs, now);
        moved = true;
      }
      if (this.step(member) === "fetching") return moved;
      moved = true;
    }
  }

  /** Plays what is due of a step's timeline; false while it has more to wait for. */
  private play(member: Member, now: number): boolean {
    const playing = member.playing!;
    // Running time comes in fractions of a millisecond: a nanosecond's rounding is no difference.
    const elapsed = now - playing.fromMs + 1e-6;
    while (playing.next < playing.effects.length && playing.effects[playing.next]!.atMs <= elapsed) this.emit(playing.effects[playing.next++]!);
    if (this.stopped) return false;
    if (playing.next < playing.effects.length || elapsed < playing.durationMs) return false;
    if (playing.ending === "forever") return false;
    if (playing.ending === "oom") {
      this.port.oom();
      return false;
    }
    member.playing = undefined;
    member.readyAtMs = playing.fromMs + playing.durationMs;
    return true;
  }

  /** Whether what a shell waits for has come (then it goes on). */
  private unblock(shell: Shell): boolean {
    const block = shell.block!;
    if (block.kind === "forever") return false;
    if (block.kind === "stdin" && !(this.input.ended || this.input.pending().includes(10))) return false;
    if (block.kind === "jobs" && shell.jobs.some((job) => job.status === undefined && this.members.get(job.pid)?.shell.done === false)) return false;
    shell.block = undefined;
    return true;
  }

  /** One step of a live shell, undone and fetched for if it asked what is not known yet. */
  private step(member: Member): "stepped" | "fetching" {
    const shell = member.shell;
    const at = member.readyAtMs;
    if (at !== this.answersAtMs) {
      // Time has passed since the answers were given: the container's files may have changed.
      this.answers.forget();
      this.answersAtMs = at;
    }
    const frames = shell.frames.slice();
    const top = frames.length > 0 ? { ...frames.at(-1)! } : undefined;
    const scalars = { status: shell.status, cwd: shell.cwd, fds: shell.fds, positional: shell.positional, line: shell.line, jobs: shell.jobs.slice() };
    shell.timeline = new Timeline();
    this.journal.open();
    try {
      shell.step();
    } catch (e) {
      if (e instanceof Miss) {
        this.journal.rollback();
        shell.frames = frames;
        if (top) frames[frames.length - 1] = top as (typeof frames)[number];
        Object.assign(shell, scalars);
        shell.block = undefined;
        this.fetch();
        return "fetching";
      }
      if (e instanceof NotEmulated) this.notEmulated(shell, e);
      else if (!(e instanceof Stopped)) this.crashed(shell, e);
    } finally {
      this.journal.close();
      // What the step forked is on its timeline now.
      this.forking.clear();
    }
    this.workDoneNs += stepCpuNs;
    const timeline = shell.timeline;
    if (timeline.atMs === 0 && timeline.ending === undefined) {
      for (const effect of timeline.effects) this.emit(effect);
      // A shell that takes steps without end and no time burns its CPU until it is killed.
      if (++member.busy >= spinLimit) {
        member.spinning = true;
        member.spinningSinceMs = at;
      }
      return "stepped";
    }
    member.busy = 0;
    member.playing = { effects: timeline.effects, fromMs: at, next: 0, durationMs: timeline.atMs, ending: timeline.ending };
    return "stepped";
  }

  /**
   * What the emulation does not follow: a container's process runs on as far as anyone can tell;
   * an exec, which is expected to end, ends with status 127 and a note saying what.
   */
  private notEmulated(shell: Shell, e: NotEmulated): void {
    if (shell.interactive) {
      // An interactive shell says so and reads its next command.
      shell.frames = shell.frames.slice(0, 1);
      shell.timeline.output("stderr", `${shell.arg0}: ${e.message}\n`);
      shell.status = 127;
      return;
    }
    if (!this.context.exec) {
      shell.timeline.ending = "forever";
      return;
    }
    shell.frames = [];
    shell.timeline.output("stderr", `${shell.arg0}: ${e.message}\n`);
    shell.exitStatus = 127;
  }

  /** A fault of the emulation itself: said on stderr, as a process that crashed. */
  private crashed(shell: Shell, e: unknown): void {
    shell.frames = [];
    shell.timeline.output("stderr", `${shell.arg0}: fake-cri emulation failed: ${e instanceof Error ? e.message : String(e)}\n`);
    shell.exitStatus = 127;
  }

  private fetch(): void {
    this.fetching = true;
    this.answers.fetch(this.port.files).then(
      () => {
        this.fetching = false;
        this.pump();
      },
      (error: unknown) => {
        this.fetching = false;
        const main = this.members.get(this.mainPid)!;
        this.crashed(main.shell, error);
        for (const effect of main.shell.timeline.effects) this.emit(effect);
        this.port.exit(127);
      },
    );
  }

  /** A shell has exited: the process with the main one (an exec once its jobs are done too), a job for whoever waits. */
  private ended(member: Member, status?: number): void {
    const shell = member.shell;
    if (!shell.done) {
      shell.exitStatus = status! & 0xff;
      shell.frames = [];
    }
    if (member.parent !== undefined) {
      const parent = this.members.get(member.parent);
      const record = parent?.shell.jobs.find((job) => job.pid === shell.pid);
      if (record) record.status = shell.exitStatus;
      this.members.delete(shell.pid);
      member.playing = undefined;
    }
    const main = this.members.get(this.mainPid)!.shell;
    if (!main.done) return;
    // A container's process takes everything in its PID namespace with it; an exec's output stays open while its jobs run.
    if (this.context.exec && [...this.members.values()].some((m) => m.shell !== main && !m.shell.done)) return;
    this.stop();
    this.port.exit(main.exitStatus!);
  }

  private emit(effect: Effect): void {
    if (this.stopped || "forked" in effect || "reaped" in effect) return;
    if ("stream" in effect) {
      this.port.write(effect.stream, toBytes(effect.data));
      return;
    }
    this.port.changeFile(effect.data === undefined ? { path: effect.path, change: effect.change } : { path: effect.path, change: effect.change, data: effect.data });
    // A mount changes what the paths under it are: the answers so far no longer hold.
    if (effect.change === "bind" || effect.change === "tmpfs") this.answers.forget();
  }

  private armTimer(now: number): void {
    let next = Infinity;
    for (const member of this.members.values()) {
      const playing = member.playing;
      if (!playing || member.shell.done) continue;
      const due = playing.next < playing.effects.length ? playing.effects[playing.next]!.atMs : playing.ending === "forever" ? Infinity : playing.durationMs;
      next = Math.min(next, playing.fromMs + due);
    }
    if (next === Infinity || this.stopped) return;
    this.cancelTimer = this.port.setTimer(Math.max(0, next - now), () => {
      this.cancelTimer = undefined;
      this.pump();
    });
  }

  /** @internal The process's stdin as it has arrived, taken into the input buffer from the first read on. */
  stdinBuffer(): InputBuffer {
    this.readStdin();
    return this.input;
  }

  /** Starts taking the process's stdin into the input buffer (once a shell reads it). */
  private readStdin(): void {
    if (this.readingStdin) return;
    this.readingStdin = true;
    void (async () => {
      for await (const chunk of this.port.stdin) {
        this.input.add(chunk);
        this.pump();
      }
      this.input.end();
      this.pump();
    })();
  }
}

/** What the shells of a process share (a class: one is made for every process started). */
class ProcessShellContext implements ShellContext {
  private readonly process: EmulatedProcess;
  private readonly setup: EmulationSetup;
  private readonly port: EmulationPort;
  readonly files: FileView;
  readonly journal: Journal;

  readonly forking: Map<number, ForkedProcess>;
  /** PIDs a step drew and then was undone: its next run forks the same processes, which take them again. */
  private readonly undrawn: number[] = [];

  constructor(process: EmulatedProcess, setup: EmulationSetup, port: EmulationPort, files: FileView, journal: Journal, forking: Map<number, ForkedProcess>) {
    this.process = process;
    this.setup = setup;
    this.port = port;
    this.files = files;
    this.journal = journal;
    this.forking = forking;
  }

  get user(): ProcessUser {
    return this.setup.user;
  }

  get terminal(): boolean {
    return this.setup.terminal;
  }

  get memoryLimit(): bigint | undefined {
    return this.setup.memoryLimit;
  }

  get privileges(): Privileges {
    return this.setup.privileges;
  }

  get exec(): boolean {
    return this.setup.exec;
  }

  get stdin(): InputBuffer {
    return this.process.stdinBuffer();
  }

  exists(command: string, path: string | undefined): boolean {
    return this.setup.exists(command, path);
  }

  nextPid(): number {
    const pid = this.undrawn.shift() ?? this.port.nextPid();
    this.journal.record(() => this.undrawn.unshift(pid));
    return pid;
  }

  clockMs(): number {
    return this.port.clockMs();
  }

  startJob(job: Shell): void {
    this.process.addJob(job);
  }

  signalProcess(pid: number, signal: string): boolean {
    return this.process.signalProcess(pid, signal);
  }

  processes(): readonly ProcessEntry[] {
    return this.port.processes();
  }
}

const noBytes = new Uint8Array(0);

class StdinBuffer implements InputBuffer {
  private data: Uint8Array = noBytes;
  ended = false;

  pending(): Uint8Array {
    return this.data;
  }

  consume(bytes: number): void {
    this.data = this.data.subarray(bytes);
  }

  add(chunk: Uint8Array): void {
    const joined = new Uint8Array(this.data.length + chunk.length);
    joined.set(this.data);
    joined.set(chunk, this.data.length);
    this.data = joined;
  }

  end(): void {
    this.ended = true;
  }
}

/** The processes a step has forked and not reaped as far as it has played. */
function running(playing: Playing): ForkedProcess[] {
  const forked = new Map<number, ForkedProcess>();
  for (let k = 0; k < playing.next; k++) {
    const effect = playing.effects[k]!;
    if ("forked" in effect) forked.set(effect.forked.pid, effect.forked);
    else if ("reaped" in effect) forked.delete(effect.reaped);
  }
  return [...forked.values()];
}

function playingToState(playing: Playing): NonNullable<EmulationState["members"][number]["playing"]> {
  return {
    fromMs: playing.fromMs,
    next: playing.next,
    durationMs: playing.durationMs,
    ending: playing.ending ?? null,
    effects: playing.effects.map((effect) =>
      "forked" in effect || "reaped" in effect
        ? effect
        : "stream" in effect
        ? { atMs: effect.atMs, stream: effect.stream, data: typeof effect.data === "string" ? effect.data : { base64: bytesToBase64(effect.data) } }
        : effect.data === undefined
          ? { atMs: effect.atMs, change: effect.change, path: effect.path }
          : { atMs: effect.atMs, change: effect.change, path: effect.path, data: { base64: bytesToBase64(effect.data) } },
    ),
  };
}

function playingFromState(state: NonNullable<EmulationState["members"][number]["playing"]>): Playing {
  return {
    fromMs: state.fromMs,
    next: state.next,
    durationMs: state.durationMs,
    ending: (state.ending ?? undefined) as Playing["ending"],
    effects: state.effects.map((effect) =>
      "forked" in effect || "reaped" in effect
        ? effect
        : "stream" in effect
        ? { atMs: effect.atMs, stream: effect.stream, data: typeof effect.data === "string" ? effect.data : base64ToBytes(effect.data.base64) }
        : effect.data === undefined
          ? { atMs: effect.atMs, change: effect.change, path: effect.path }
          : { atMs: effect.atMs, change: effect.change, path: effect.path, data: base64ToBytes(effect.data.base64) },
    ),
  };
}
