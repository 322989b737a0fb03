// One ash process, as an explicit machine: its state (variables, positional parameters, functions,
// traps, options, working directory, descriptors, jobs) and a stack of frames that says where it is
// in its programs (a frame names its node by program and id, so the whole thing is plain data).
// `step()` moves the top frame on; a simple command runs whole within one step, and so do the
// processes a shell waits for (a pipeline's stages, a subshell, a `$(...)`), which run as shells of
// their own, worked out at once. Each process ash forks takes the next PID as it forks it, and is
// on the timeline from its fork to its end, so the process table lists it while it runs. What a step does lands in `timeline` at its moments: a live shell
// (process.ts) plays each step's timeline on the fake's clock and waits for its end before the next
// step, so signals and input can reach it between steps; a shell worked out at once (`runToEnd`)
// keeps one timeline for its whole run.

import { joinBytes, toBytes } from "../../../src/node/bytes.ts";
import type { FileChange, ProcessUser } from "../../processes/script.ts";
import type { Privileges } from "../../privileges.ts";
import { passwdEntry } from "../applets/id.ts";
import { applets, imagePrograms } from "../applets/index.ts";
import { busyboxApplets, noexecApplets } from "../applets/busybox-list.ts";
import { absolute, type FileView } from "../files.ts";
import type { Journal } from "../journal.ts";
import type { Command, Node, Program, Redirection, Sequence, Simple } from "../syntax/ast.ts";
import { parse, sourceOf } from "../syntax/parser.ts";
import { printCommand } from "../syntax/printer.ts";
import { Timeline, type ForkedProcess } from "../timeline.ts";
import { appletBuiltins, builtins, signalDescriptions, specialBuiltins, type BuiltinShell, type CommandKind, type ShellOptions } from "./builtins.ts";
import { NotEmulated, ShellError, Stopped } from "./errors.ts";
import { Expander, type ExpansionHost } from "./expand.ts";
import { appletIo } from "./applet-io.ts";
import { fdsFromState, fdsToState, remaining, standardFds, type Fd, type Fds } from "./fds.ts";
import { framesFromState, framesToState, type Block, type Frame, type Job, type ShellState } from "./frames.ts";
import { redirect } from "./redirections.ts";
import { matches } from "./pattern.ts";
import { Variables } from "./variables.ts";
import type { Applet, ProcessEntry } from "../applets/applet.ts";

/** What every shell of one process (and its subshells) shares. */
export interface ShellContext {
  readonly files: FileView;
  readonly journal: Journal;
  readonly user: ProcessUser;
  readonly terminal: boolean;
  readonly memoryLimit: bigint | undefined;
  readonly privileges: Privileges;
  /** An exec (which ends where the emulation stops following it) rather than a container's own process (which runs on). */
  readonly exec: boolean;
  /** Whether a command the emulation does not follow is there to run (runc's lookup, with the shell's PATH). */
  exists(command: string, path: string | undefined): boolean;
  nextPid(): number;
  /** The processes forked in the step being worked out and not ended yet (what `ps` in it sees of them). */
  readonly forking: Map<number, ForkedProcess>;
  /** The fake's clock at the start of the step, in milliseconds since the epoch. */
  clockMs(): number;
  /** Runs a background job of a live shell beside it. */
  startJob(job: Shell): void;
  /** Delivers a signal to a process of the PID namespace (a job of this process, or another); false when there is none with that PID. */
  signalProcess(pid: number, signal: string): boolean;
  /** The processes of the PID namespace, in PID order. */
  processes(): readonly ProcessEntry[];
  /** The process's stdin as it has arrived, for a live shell's `read`. */
  readonly stdin: InputBuffer | undefined;
}

/** Bytes arrived on a process's stdin and not read yet. */
export interface InputBuffer {
  pending(): Uint8Array;
  consume(bytes: number): void;
  /** No more will come. */
  readonly ended: boolean;
}

/** How many steps a shell takes without time passing before it is taken to spin for good. */
export const spinLimit = 200_000;

const decoder = new TextDecoder();

export class Shell implements ExpansionHost, BuiltinShell {
  readonly ctx: ShellContext;
  programs: Program[] = [];
  vars: Variables;
  positional: string[];
  arg0: string;
  /** Whether $0 was given (ash then names it, with the line, in its errors). */
  private explicitArg0: boolean;
  options: ShellOptions = { errexit: false, nounset: false, noglob: false, xtrace: false };
  functions = new Map<string, { p: number; n: number }>();
  traps = new Map<string, string>();
  cwd: string;
  fds: Fds;
  status = 0;
  lastBackground: number | undefined;
  jobs: Job[] = [];
  frames: Frame[] = [];
  /** The line of the command running (ash's errors name it). */
  line = 0;
  pid: number;
  /** Set once the shell has exited. */
  exitStatus: number | undefined;
  /** Running its EXIT trap on the way out. */
  private exiting = false;
  /** Signals delivered whose traps have not run yet. */
  pendingSignals: string[] = [];
  block: Block | undefined;
  /** Where this step's effects go. */
  timeline = new Timeline();
  /** A shell worked out at once, rather than played live. */
  readonly live: boolean;
  /**
   * The command line ash exec'd in this shell's place: `sh -c` runs its last command without a
   * fork when no trap is set, and the process table shows that command from then on.
   */
  execd: string[] | undefined;
  /**
   * The process this shell runs as: the container's or the exec's own, or one a shell forked (a
   * pipeline's stage, a subshell, a `$(...)`, a job); a subshell ash runs without a fork is its
   * parent's. `pid` is `$$`, which a forked subshell keeps.
   */
  process: ForkedProcess;
  /** A process ash replaces by its last command (exec, no fork): `sh -c`'s, a job's, a forked subshell's. */
  execsLast: boolean;
  /** A background pipeline's stages, which its parent forked with these PIDs (the last one is the job's). */
  stagePids: number[] | undefined;
  /** Runs in a live shell's process without a fork of its own: what it execs is that shell's. */
  private inLiveProcess = false;
  /** The PID of the process an applet runs in, while it runs (its fork's). */
  private appletPid: number | undefined;
  /** The builtin running, which ash names in its errors. */
  private commandName: string | undefined;
  /** The status of the last command substitution of the command being expanded. */
  private substitutionStatus: number | undefined;
  readonly expander: Expander;

  private constructor(ctx: ShellContext, live: boolean, vars: Variables, cwd: string, process: ForkedProcess, arg0: string, positional: string[], execsLast: boolean) {
    this.ctx = ctx;
    this.live = live;
    this.vars = vars;
    this.cwd = cwd;
    this.pid = process.pid;
    this.process = process;
    this.execsLast = execsLast;
    this.arg0 = arg0;
    this.explicitArg0 = false;
    this.positional = positional;
    this.fds = standardFds();
    this.expander = new Expander(this);
    vars.journal = ctx.journal;
  }

  /** `SHELL -c SOURCE [ARG0 [ARG...]]` as a process starts it: without ARG0, $0 is the shell's name as run (`/bin/sh`). */
  static script(ctx: ShellContext, start: { shell: string; source: string; args: readonly string[]; env: readonly string[]; cwd: string; process: ForkedProcess; live: boolean }): Shell {
    const vars = Variables.imported(start.env, start.cwd, () => homeOf(ctx.files, ctx.user));
    const [arg0, ...positional] = start.args;
    const shell = new Shell(ctx, start.live, vars, start.cwd, start.process, arg0 ?? start.shell, positional, true);
    shell.explicitArg0 = arg0 !== undefined;
    shell.pushProgram(parse(start.source), undefined);
    return shell;
  }

  /**
   * `sh` with no script, reading its commands from stdin as they arrive: a line at a time (more
   * when a command goes on), prompting on stderr when stdin is a terminal, until `exit` or the end
   * of its input.
   */
  static interactive(ctx: ShellContext, start: { arg0: string; env: readonly string[]; cwd: string; pid: number }): Shell {
    const vars = Variables.imported(start.env, start.cwd, () => homeOf(ctx.files, ctx.user));
    const shell = new Shell(ctx, true, vars, start.cwd, { pid: start.pid, ppid: 0, args: [start.arg0], name: commandName(start.arg0) }, start.arg0, [], false);
    shell.frames.push({ k: "interactive", pending: "", prompted: false, interrupted: false });
    return shell;
  }

  /** A command line runc starts without a shell: one applet, with runc's environment. */
  static command(ctx: ShellContext, start: { argv: readonly string[]; env: readonly string[]; cwd: string; pid: number }): Shell {
    const vars = Variables.imported(start.env, start.cwd, () => homeOf(ctx.files, ctx.user));
    const shell = new Shell(ctx, true, vars, start.cwd, { pid: start.pid, ppid: 0, args: start.argv, name: commandName(start.argv[0] ?? "") }, start.argv[0] ?? "", [], false);
    shell.frames.push({ k: "argv", argv: [...start.argv], env: [...start.env] });
    return shell;
  }

  static fromState(ctx: ShellContext, state: ShellState): Shell {
    const vars = Variables.fromState(state.vars, () => homeOf(ctx.files, ctx.user));
    const process = state.process ?? { pid: state.pid, ppid: 0, args: [state.arg0], name: commandName(state.arg0) };
    const shell = new Shell(ctx, true, vars, state.cwd, process, state.arg0, state.positional, state.frames[0]?.k !== "interactive");
    shell.explicitArg0 = state.explicitArg0;
    shell.programs = state.sources.map((source) => parse(source));
    shell.options = { ...state.options };
    shell.functions = new Map(state.functions.map(([name, p, n]) => [name, { p, n }]));
    shell.traps = new Map(state.traps);
    shell.fds = fdsFromState(state.fds);
    shell.status = state.status;
    shell.lastBackground = state.lastBackground ?? undefined;
    shell.jobs = state.jobs.map((job) => ({ ...job }));
    shell.frames = framesFromState(state.frames);
    shell.line = state.line;
    shell.exitStatus = state.exitStatus ?? undefined;
    shell.exiting = state.exiting;
    shell.pendingSignals = [...state.pendingSignals];
    shell.block = state.block ?? undefined;
    shell.execd = state.execd;
    shell.stagePids = state.stagePids;
    return shell;
  }

  toState(): ShellState {
    return {
      sources: this.programs.map((program) => {
        const source = sourceOf(program);
        if (source === undefined) throw new Error("a live shell runs a program without its source");
        return source;
      }),
      vars: this.vars.toState(),
      positional: [...this.positional],
      arg0: this.arg0,
      explicitArg0: this.explicitArg0,
      options: { ...this.options },
      functions: [...this.functions].map(([name, { p, n }]) => [name, p, n]),
      traps: [...this.traps],
      cwd: this.cwd,
      fds: fdsToState(this.fds),
      status: this.status,
      lastBackground: this.lastBackground ?? null,
      jobs: this.jobs.map((job) => ({ ...job })),
      frames: framesToState(this.frames),
      line: this.line,
      pid: this.pid,
      exitStatus: this.exitStatus ?? null,
      exiting: this.exiting,
      pendingSignals: [...this.pendingSignals],
      block: this.block ?? null,
      ...(this.execd ? { execd: [...this.execd] } : {}),
      process: { ...this.process, args: [...this.process.args] },
      ...(this.stagePids ? { stagePids: [...this.stagePids] } : {}),
    };
  }

  /** A subshell's copy of this shell: the same state, its own from now on; traps set to commands are reset. */
  subshell(live = false): Shell {
    const child = new Shell(this.ctx, live, this.vars.clone(), this.cwd, this.process, this.arg0, [...this.positional], this.execsLast);
    child.pid = this.pid;
    child.inLiveProcess = this.live || this.inLiveProcess;
    child.explicitArg0 = this.explicitArg0;
    child.programs = this.programs.slice();
    child.options = { ...this.options };
    child.functions = new Map(this.functions);
    for (const [signal, action] of this.traps) if (action === "") child.traps.set(signal, action);
    child.fds = this.fds.slice();
    child.status = this.status;
    child.lastBackground = this.lastBackground;
    child.line = this.line;
    child.commandName = this.explicitArg0 ? this.arg0 : undefined;
    return child;
  }

  get done(): boolean {
    return this.exitStatus !== undefined;
  }

  get files(): FileView {
    return this.ctx.files;
  }

  get nounset(): boolean {
    return this.options.nounset;
  }

  get noglob(): boolean {
    return this.options.noglob;
  }

  // ---- running ----

  /** Moves the top frame on by one step; with no frame left the shell ends. */
  step(): void {
    const frame = this.frames.at(-1);
    if (frame === undefined) {
      this.finish();
      return;
    }
    try {
      this.stepFrame(frame);
    } catch (e) {
      if (!(e instanceof ShellError)) throw e;
      this.report(e.message, e.named);
      this.exit(e.status);
    }
  }

  /**
   * Runs a shell that nothing can reach while it runs (one its parent waits for) to its end, or
   * until it waits for good (a shell that takes steps without end and no time spins for good).
   */
  runToEnd(): void {
    try {
      for (let steps = 0; !this.done; steps++) {
        if (steps === spinLimit || this.block) {
          this.timeline.ending = "forever";
          return;
        }
        this.step();
        if (this.timeline.ended) return;
      }
    } catch (e) {
      if (!(e instanceof Stopped)) throw e;
    }
  }

  /** The EXIT trap, then the end. */
  private finish(): void {
    const trap = this.traps.get("EXIT");
    if (trap !== undefined && !this.exiting) {
      this.exiting = true;
      this.traps.delete("EXIT");
      if (trap !== "") {
        this.runTrap(trap);
        return;
      }
    }
    this.exitStatus = this.status & 0xff;
  }

  exit(status: number): void {
    this.unwind(() => false);
    this.status = status;
    this.block = undefined;
  }

  private stepFrame(frame: Frame): void {
    switch (frame.k) {
      case "program":
        return this.stepProgram(frame);
      case "seq":
        return this.stepSequence(frame);
      case "andor":
        return this.stepAndOr(frame);
      case "not":
        if (!frame.started) {
          frame.started = true;
          this.run(frame.p, (this.node(frame.p, frame.n) as Extract<Command, { type: "pipeline" }>).commands[0]!, true);
          return;
        }
        this.frames.pop();
        this.status = this.status === 0 ? 1 : 0;
        return;
      case "if":
        return this.stepIf(frame);
      case "loop":
        return this.stepLoop(frame);
      case "for":
        return this.stepFor(frame);
      case "case":
        return this.stepCase(frame);
      case "redirect":
        return this.stepRedirect(frame);
      case "restore":
        this.frames.pop();
        this.fds = frame.fds;
        return;
      case "function":
        if (!frame.started) {
          frame.started = true;
          this.run(frame.p, (this.node(frame.p, frame.n) as Extract<Command, { type: "function" }>).body, frame.t);
          return;
        }
        this.frames.pop();
        this.leaveFunction(frame);
        return;
      case "trap":
        if (!frame.started) {
          frame.started = true;
          this.frames.push({ k: "program", p: frame.p, name: undefined, started: false });
          return;
        }
        this.frames.pop();
        this.status = frame.status;
        return;
      case "command":
        if (!frame.started) {
          frame.started = true;
          this.run(frame.p, this.node<Command>(frame.p, frame.n), false);
          return;
        }
        this.frames.pop();
        return;
      case "argv":
        return this.runDirect(frame.argv, frame.env);
      case "interactive":
        return this.stepInteractive(frame);
      case "wait":
        return this.stepWait(frame);
      case "read": {
        this.frames.pop();
        const status = this.runBuiltin("read", ["read", ...frame.args]);
        if (status !== undefined) this.status = status;
        return;
      }
    }
  }

  private node<T extends Node = Node>(p: number, n: number): T {
    return this.programs[p]!.nodes[n] as T;
  }

  private pushProgram(program: Program, name: string | undefined): void {
    this.frames.push({ k: "program", p: this.programIndex(program), name, started: false });
  }

  /** The program's place among the shell's (a trap or an eval that runs again is the same program). */
  private programIndex(program: Program): number {
    const index = this.programs.indexOf(program);
    return index >= 0 ? index : this.programs.push(program) - 1;
  }

  private stepProgram(frame: Extract<Frame, { k: "program" }>): void {
    const program = this.programs[frame.p]!;
    if (!frame.started) {
      frame.started = true;
      this.frames.push({ k: "seq", p: frame.p, n: program.body.id, i: 0, t: false });
      return;
    }
    this.frames.pop();
    if (program.syntaxError) {
      // `eval` and `.` name themselves in the error, after they have returned.
      this.commandName = frame.name ?? this.commandName;
      this.report(program.syntaxError.message, frame.name !== undefined);
      this.commandName = this.explicitArg0 ? this.arg0 : undefined;
      // An interactive shell goes on to its next command.
      if (this.interactive) this.status = 2;
      else this.exit(2);
    }
  }

  /** Whether the shell reads its commands from stdin (`sh` with no script). */
  get interactive(): boolean {
    return this.frames[0]?.k === "interactive";
  }

  /** The next command from stdin: prompted for on a terminal, run once a line (or the end of input) completes it. */
  private stepInteractive(frame: Extract<Frame, { k: "interactive" }>): void {
    if (this.pendingSignals.length > 0) {
      this.runTrap(this.traps.get(this.pendingSignals.shift()!) ?? "");
      return;
    }
    if (frame.interrupted) {
      frame.interrupted = false;
      if (this.ctx.terminal) this.write(2, "\n");
    }
    if (!frame.prompted) {
      frame.prompted = true;
      // ash's PS1 for root is the working directory and `#`; PS2 goes on a command.
      if (this.ctx.terminal) this.write(2, frame.pending !== "" ? "> " : this.ctx.user.uid === 0 ? `${this.cwd} # ` : "$ ");
    }
    const stdin = this.ctx.stdin!;
    const bytes = stdin.pending();
    const newline = bytes.indexOf(10);
    if (newline < 0 && !stdin.ended) {
      this.block = { kind: "stdin" };
      return;
    }
    if (newline < 0 && bytes.length === 0 && frame.pending === "") {
      this.exit(this.status);
      return;
    }
    const end = newline < 0 ? bytes.length : newline + 1;
    const source = frame.pending + decoder.decode(bytes.subarray(0, end));
    stdin.consume(end);
    frame.prompted = false;
    const program = parse(source);
    const unfinished = program.syntaxError !== undefined && /unexpected end of file|unterminated quoted string/.test(program.syntaxError.message);
    if (unfinished && !(stdin.ended && newline < 0)) {
      frame.pending = source;
      return;
    }
    frame.pending = "";
    this.pushProgram(program, undefined);
  }

  /** ^C at an interactive shell: the command it runs is abandoned (background jobs go on) and a fresh prompt follows. */
  interrupt(): void {
    const frame = this.frames[0];
    if (frame?.k !== "interactive") return;
    this.frames = [frame];
    frame.pending = "";
    frame.prompted = false;
    frame.interrupted = true;
    this.fds = standardFds();
    this.block = undefined;
    this.status = 130;
  }

  private stepSequence(frame: Extract<Frame, { k: "seq" }>): void {
    if (this.pendingSignals.length > 0) {
      this.runTrap(this.traps.get(this.pendingSignals.shift()!) ?? "");
      return;
    }
    const items = this.node<Sequence>(frame.p, frame.n).items;
    const item = items[frame.i];
    if (item === undefined) {
      this.frames.pop();
      return;
    }
    frame.i++;
    if (item.background) {
      this.background(frame.p, item.command);
      return;
    }
    this.run(frame.p, item.command, frame.t);
  }

  private stepAndOr(frame: Extract<Frame, { k: "andor" }>): void {
    const node = this.node<Extract<Command, { type: "andor" }>>(frame.p, frame.n);
    if (frame.i < 0) {
      frame.i = 0;
      this.run(frame.p, node.first, true);
      return;
    }
    for (let next = frame.i + 1; next <= node.rest.length; next++) {
      const { op, command } = node.rest[next - 1]!;
      if ((op === "&&") !== (this.status === 0)) continue;
      frame.i = next;
      this.run(frame.p, command, next < node.rest.length || frame.t);
      return;
    }
    this.frames.pop();
  }

  private stepIf(frame: Extract<Frame, { k: "if" }>): void {
    const node = this.node<Extract<Command, { type: "if" }>>(frame.p, frame.n);
    switch (frame.phase) {
      case "test":
        frame.phase = "tested";
        this.pushSequence(frame.p, node.clauses[frame.clause]!.condition, true);
        return;
      case "tested":
        if (this.status === 0) {
          frame.phase = "done";
          this.pushSequence(frame.p, node.clauses[frame.clause]!.body, frame.t);
          return;
        }
        if (++frame.clause < node.clauses.length) {
          frame.phase = "tested";
          this.pushSequence(frame.p, node.clauses[frame.clause]!.condition, true);
          return;
        }
        if (node.otherwise) {
          frame.phase = "done";
          this.pushSequence(frame.p, node.otherwise, frame.t);
          return;
        }
        this.frames.pop();
        this.status = 0;
        return;
      case "done":
        this.frames.pop();
        return;
    }
  }

  private stepLoop(frame: Extract<Frame, { k: "loop" }>): void {
    const node = this.node<Extract<Command, { type: "loop" }>>(frame.p, frame.n);
    switch (frame.phase) {
      case "test":
        if (this.pendingSignals.length > 0) {
          this.runTrap(this.traps.get(this.pendingSignals.shift()!) ?? "");
          return;
        }
        frame.phase = "tested";
        this.pushSequence(frame.p, node.condition, true);
        return;
      case "tested":
        if ((this.status === 0) === node.until) {
          this.frames.pop();
          this.status = frame.status;
          return;
        }
        frame.phase = "body";
        this.pushSequence(frame.p, node.body, frame.t);
        return;
      case "body":
        frame.status = this.status;
        frame.phase = "test";
        return;
    }
  }

  private stepFor(frame: Extract<Frame, { k: "for" }>): void {
    const node = this.node<Extract<Command, { type: "for" }>>(frame.p, frame.n);
    if (frame.words === null) {
      this.line = node.line;
      frame.words = node.words === undefined ? [...this.positional] : this.expander.fields(node.words);
      frame.status = 0;
    } else frame.status = this.status;
    const word = frame.words[frame.i];
    if (word === undefined) {
      this.frames.pop();
      this.status = frame.status;
      return;
    }
    frame.i++;
    this.vars.set(node.name, word);
    this.pushSequence(frame.p, node.body, frame.t);
  }

  private stepCase(frame: Extract<Frame, { k: "case" }>): void {
    if (frame.started) {
      this.frames.pop();
      return;
    }
    const node = this.node<Extract<Command, { type: "case" }>>(frame.p, frame.n);
    this.line = node.line;
    const word = this.expander.string(node.word);
    for (const item of node.items) {
      for (const pattern of item.patterns) {
        if (!matches(this.expander.pattern(pattern), word)) continue;
        if (!item.body) {
          this.frames.pop();
          this.status = 0;
          return;
        }
        frame.started = true;
        this.pushSequence(frame.p, item.body, frame.t);
        return;
      }
    }
    this.frames.pop();
    this.status = 0;
  }

  /** A compound command with redirections: the command with them in place, then the descriptors as they were. */
  private stepRedirect(frame: Extract<Frame, { k: "redirect" }>): void {
    if (frame.saved !== null) {
      this.frames.pop();
      this.fds = frame.saved;
      return;
    }
    const node = this.node<Command & { redirections: Redirection[] }>(frame.p, frame.n);
    const fds = redirect(this, node.redirections);
    if (fds === undefined) {
      this.frames.pop();
      this.status = 1;
      return;
    }
    frame.saved = this.fds;
    this.fds = fds;
    this.runBare(frame.p, node, frame.t);
  }

  private pushSequence(p: number, sequence: Sequence, tested: boolean): void {
    this.frames.push({ k: "seq", p, n: sequence.id, i: 0, t: tested });
  }

  /** Runs a command: at once when it runs whole in this step, else by pushing its frame. */
  private run(p: number, node: Command, tested: boolean): void {
    if (node.type !== "simple" && node.type !== "function" && node.type !== "andor" && node.type !== "pipeline" && node.redirections.length > 0) {
      this.frames.push({ k: "redirect", p, n: node.id, t: tested, saved: null });
      return;
    }
    this.runBare(p, node, tested);
  }

  private runBare(p: number, node: Command, tested: boolean): void {
    switch (node.type) {
      case "simple":
        return this.simple(p, node, tested);
      case "andor":
        this.frames.push({ k: "andor", p, n: node.id, i: -1, t: tested });
        return;
      case "pipeline":
        if (node.commands.length === 1) {
          this.frames.push({ k: "not", p, n: node.id, started: false });
          return;
        }
        this.pipeline(p, node, tested);
        return;
      case "if":
        this.frames.push({ k: "if", p, n: node.id, t: tested, clause: 0, phase: "test" });
        return;
      case "loop":
        this.frames.push({ k: "loop", p, n: node.id, t: tested, phase: "test", status: 0 });
        return;
      case "for":
        this.frames.push({ k: "for", p, n: node.id, t: tested, words: null, i: 0, status: 0 });
        return;
      case "case":
        this.frames.push({ k: "case", p, n: node.id, t: tested, started: false });
        return;
      case "group":
        this.pushSequence(p, node.body, tested);
        return;
      case "subshell": {
        const child = this.child(p, node.body);
        // The last command of a process ash replaces runs a subshell without forking.
        const forked = this.runsLastCommand() ? undefined : this.forkChild(child);
        this.runChild(child);
        if (forked) this.reap(forked);
        else if (child.execd) this.execd = child.execd;
        this.completed(child.exitStatus!, tested);
        return;
      }
      case "function":
        this.functions.set(node.name, { p, n: node.id });
        this.status = 0;
        return;
    }
  }

  /** A command has ended with this status; `set -e` ends the shell on a failure that nothing tests. */
  private completed(status: number, tested: boolean): void {
    this.status = status;
    if (status !== 0 && this.options.errexit && !tested) this.exit(status);
  }

  /** A shell of its own that runs a sequence or command of this shell's program (a subshell, a stage, a job). */
  private child(p: number, body: Sequence | Command, live = false): Shell {
    const child = this.subshell(live);
    if (body.type === "sequence") child.frames.push({ k: "seq", p, n: body.id, i: 0, t: false });
    else child.frames.push({ k: "command", p, n: body.id, started: false });
    return child;
  }

  /** A process forked from this shell's, with its command line, now: in the table until reaped. */
  private fork(args: readonly string[], name: string, pid = this.ctx.nextPid(), ppid = this.process.pid): ForkedProcess {
    const process = { pid, ppid, args, name };
    this.timeline.forked(process);
    this.ctx.forking.set(process.pid, process);
    return process;
  }

  /** A forked process has ended (its parent has waited for it). */
  private reap(process: ForkedProcess): void {
    this.timeline.reaped(process.pid);
    this.ctx.forking.delete(process.pid);
  }

  /** A child shell in a process of its own, forked now (a copy of this one, which execs its last command). */
  private forkChild(child: Shell, as?: { pid: number; ppid: number }): ForkedProcess {
    child.process = this.fork(this.process.args, this.process.name, as?.pid, as?.ppid);
    child.execsLast = true;
    child.inLiveProcess = false;
    return child.process;
  }

  /** Works a child out at once and splices its timeline into this one; a child that never ends stops this shell too. */
  private runChild(child: Shell): void {
    child.runToEnd();
    this.timeline.append(child.timeline);
    if (this.timeline.ended) throw new Stopped();
  }

  /** `a | b | c`: each stage a subshell whose stdout the next one reads; the status is the last one's. */
  private pipeline(p: number, node: Extract<Command, { type: "pipeline" }>, tested: boolean): void {
    let input: Fd | undefined = this.fds[0];
    let status = 0;
    // ash forks every stage, in order, before it waits for any; a background pipeline's were
    // forked by the job's parent.
    const given = this.stagePids;
    if (given) {
      this.stagePids = undefined;
      this.ctx.journal.record(() => (this.stagePids = given));
    }
    const forkedAt = this.timeline.effects.length;
    const startMs = this.timeline.atMs;
    const stages = node.commands.map((command, k) => {
      const child = this.child(p, command);
      return { child, process: this.forkChild(child, given && { pid: given[k]!, ppid: this.process.ppid }) };
    });
    stages.forEach(({ child, process }, k) => {
      const last = k === node.commands.length - 1;
      const chunks: Array<string | Uint8Array> = [];
      child.fds[0] = input;
      if (!last) child.fds[1] = { to: "capture", chunks };
      this.runChild(child);
      // The stages run side by side: one that execs a command at once has done so from the start,
      // although its timeline follows the stage before it (whose output it reads).
      const first = child.timeline.effects[0];
      if (first && "forked" in first && first.atMs === 0 && first.forked.pid === process.pid) this.timeline.effects[forkedAt + k] = { atMs: startMs, forked: first.forked };
      this.reap(process);
      status = child.exitStatus!;
      input = { to: "input", data: joinBytes(chunks), pos: 0 };
    });
    if (node.negated) this.status = status === 0 ? 1 : 0;
    else this.completed(status, tested);
  }

  /** `command &`: a job that runs beside the shell. */
  private background(p: number, command: Command): void {
    const job = this.child(p, command, this.live);
    job.execsLast = true;
    // ash forks a background pipeline's stages itself, in order; `$!` is the last one's PID.
    job.stagePids = command.type === "pipeline" && command.commands.length > 1 ? command.commands.map(() => this.ctx.nextPid()) : undefined;
    if (this.live || job.stagePids) {
      // A live job is a process of the table of its own (process.ts); a pipeline's stages are on its timeline.
      job.pid = job.stagePids?.at(-1) ?? this.ctx.nextPid();
      job.process = { pid: job.pid, ppid: this.process.pid, args: this.process.args, name: this.process.name };
      job.inLiveProcess = false;
    } else job.pid = this.forkChild(job).pid;
    // A job's stdin is /dev/null unless redirected.
    job.fds[0] = { to: "input", data: new Uint8Array(), pos: 0 };
    const record: Job = { pid: job.pid, command: printCommand(command), status: undefined };
    this.jobs.push(record);
    this.lastBackground = job.pid;
    this.status = 0;
    if (this.live) {
      this.ctx.startJob(job);
      return;
    }
    job.runToEnd();
    if (!job.timeline.ended && !job.stagePids) job.timeline.reaped(job.pid);
    this.ctx.forking.delete(job.pid);
    record.status = job.exitStatus;
    record.endMs = job.timeline.ended ? Infinity : this.timeline.atMs + job.timeline.atMs;
    if (job.timeline.ending === "oom") throw new NotEmulated("an OOM kill of a background job");
    this.timeline.merge(job.timeline, this.timeline.atMs);
  }

  // ---- simple commands ----

  private simple(p: number, node: Simple, tested: boolean): void {
    this.line = node.line;
    this.substitutionStatus = undefined;
    const argv = this.expander.fields(node.words);
    const fds = redirect(this, node.redirections);
    if (fds === undefined) {
      this.completed(1, tested);
      return;
    }
    if (argv.length === 0) {
      const assigned = node.assignments.map(({ name, value }) => [name, this.expander.string(value, true)] as const);
      if (this.options.xtrace && assigned.length > 0) this.trace(assigned.map(([name, value]) => `${name}=${value}`));
      for (const [name, value] of assigned) this.vars.set(name, value);
      this.completed(this.substitutionStatus ?? 0, tested);
      return;
    }
    const assignments = node.assignments.map(({ name, value }) => [name, this.expander.string(value, true)] as const);
    if (this.options.xtrace) this.trace([...assignments.map(([name, value]) => `${name}=${value}`), ...argv]);
    const name = argv[0]!;
    const outer = this.fds;
    this.fds = fds;
    if (specialBuiltins.has(name)) {
      for (const [variable, value] of assignments) this.vars.set(variable, value);
      const status = this.runBuiltin(name, argv);
      // `exec` without a command keeps its redirections for the rest of the shell.
      if (name !== "exec" || argv.length > 1) this.fds = outer;
      if (status !== undefined) this.completed(status, tested);
      return;
    }
    const fn = this.functions.get(name);
    if (fn !== undefined) {
      this.fds = outer;
      this.callFunction(fn, argv.slice(1), assignments, fds, tested);
      return;
    }
    if (builtins.has(name)) {
      // Assignments before a regular builtin hold while it runs (`IFS=: read a b`).
      const scoped = assignments.length > 0;
      if (scoped) this.vars.pushScope();
      for (const [variable, value] of assignments) this.vars.local(variable, value);
      try {
        const status = this.runBuiltin(name, argv);
        if (status !== undefined) this.completed(status, tested);
      } finally {
        if (scoped) this.vars.popScope();
        this.fds = outer;
      }
      return;
    }
    let status: number;
    try {
      status = this.runExternal(argv, assignments, false, this.runsLastCommand());
    } finally {
      this.fds = outer;
    }
    this.completed(status, tested);
  }

  /** A builtin with ash's name for its errors; undefined when it pushed frames that decide the status. */
  private runBuiltin(name: string, argv: readonly string[]): number | undefined {
    const saved = this.commandName;
    this.commandName = name;
    try {
      return builtins.get(name)!(this, argv.slice(1));
    } catch (e) {
      if (!(e instanceof ShellError)) throw e;
      this.report(e.message);
      this.exit(e.status);
      return undefined;
    } finally {
      this.commandName = saved;
    }
  }

  private callFunction(fn: { p: number; n: number }, args: string[], assignments: ReadonlyArray<readonly [string, string]>, fds: Fds, tested: boolean): void {
    if (fds !== this.fds) this.frames.push({ k: "restore", fds: this.fds });
    const frame: Frame = { k: "function", positional: this.positional, t: tested, started: false, p: fn.p, n: fn.n };
    this.frames.push(frame);
    this.fds = fds;
    this.positional = args;
    this.vars.pushScope();
    for (const [variable, value] of assignments) this.vars.local(variable, value);
  }

  private leaveFunction(frame: Extract<Frame, { k: "function" }>): void {
    this.vars.popScope();
    this.positional = frame.positional;
  }

  /**
   * Whether the command about to run is the last of a live `sh -c` script, or of a `&` job, that
   * traps no signal (ash then execs it): every frame below it is at its last command, down to the
   * script (or the job's command) itself.
   */
  private runsLastCommand(): boolean {
    const bottom = this.frames[0];
    if (!this.execsLast || [...this.traps.values()].some((action) => action !== "")) return false;
    if (bottom === undefined || bottom.k === "interactive" || bottom.k === "argv" || (bottom.k === "program" && bottom.name !== undefined)) return false;
    for (const frame of this.frames) {
      const last =
        frame.k === "program" ||
        frame.k === "command" ||
        (frame.k === "seq" && frame.i === this.node<Sequence>(frame.p, frame.n).items.length) ||
        (frame.k === "andor" && frame.i === this.node<Extract<Command, { type: "andor" }>>(frame.p, frame.n).rest.length) ||
        (frame.k === "if" && frame.phase === "done");
      if (!last) return false;
    }
    return true;
  }

  /**
   * An applet, or a command that is there but not emulated, or one that is not found: run in a
   * process forked for it (ash finds a command before it forks), or in this shell's own when ash
   * replaces the shell by it (`exec`, or the last command of a `sh -c` or a forked subshell).
   */
  private runExternal(argv: readonly string[], assignments: ReadonlyArray<readonly [string, string]>, exec: boolean, replaces: boolean): number {
    const name = argv[0]!;
    const shell = isShell(name) && argv[1] !== undefined && (argv[1] === "-c" ? argv[2] !== undefined : !argv[1].startsWith("-"));
    const masked = !shell && this.masked(name);
    const applet = shell || masked ? undefined : (this.applet(name) ?? this.imageProgram(name));
    // A script ash runs in a new shell: one for sh, or one execve refuses for want of a `#!` line.
    const found = shell || masked || applet ? undefined : this.scriptFileAt(name);
    const script = found !== undefined && found.kind !== "interpreter" ? found : undefined;
    if (!shell && !masked && !applet && !script && !this.ctx.exists(name, this.vars.get("PATH"))) {
      this.report(`${name}: not found`, exec);
      return 127;
    }
    // A NOEXEC applet runs in the forked shell itself: the command line stays the shell's.
    const noexec = applet !== undefined && noexecApplets.has(baseName(name)) && applets.get(baseName(name)) === applet;
    const args = noexec ? this.process.args : [...argv];
    const process = replaces ? this.replaceBy(args, commandName(name)) : this.fork(args, commandName(name));
    const status = this.runProgram(argv, assignments, exec, { shell, masked, applet, script, process });
    if (!replaces) this.reap(process);
    return status;
  }

  /** ash execs a command in the shell's place: the process table shows it from now on. */
  private replaceBy(args: readonly string[], name: string): ForkedProcess {
    this.execd = [...args];
    if (!this.live && !this.inLiveProcess) {
      this.process = { ...this.process, args, name };
      this.timeline.forked(this.process);
      this.ctx.forking.set(this.process.pid, this.process);
    }
    return this.process;
  }

  /** What runs in the process a command was forked (or exec'd) as: a shell, an applet, a script, or what is not emulated. */
  private runProgram(argv: readonly string[], assignments: ReadonlyArray<readonly [string, string]>, exec: boolean, found: { shell: boolean; masked: boolean; applet: Applet | undefined; script: Exclude<ScriptFile, { kind: "interpreter" }> | undefined; process: ForkedProcess }): number {
    const name = argv[0]!;
    const { process } = found;
    if (found.shell) return argv[1] === "-c" ? this.nestedShell(name, argv[2]!, argv.slice(3), assignments, process) : this.shellOnFile(argv, assignments, process);
    if (found.script) return this.nestedShell(name, found.script.text, [found.script.arg0, ...argv.slice(1)], assignments, process);
    if (found.masked) {
      this.report(`${name}: Permission denied`, exec);
      return 126;
    }
    this.appletPid = found.process.pid;
    let status: number | undefined;
    try {
      status = found.applet ? found.applet(appletIo(this, assignments), argv.slice(1)) : undefined;
    } finally {
      this.appletPid = undefined;
    }
    if (status !== undefined) return status;
    if (!this.ctx.exec) {
      this.timeline.ending = "forever";
      throw new Stopped();
    }
    this.write(2, `${this.arg0}: ${name}: not emulated by fake-cri\n`);
    return 127;
  }

  /** The PID of the process running an applet: its fork's while it runs, else this shell's. */
  get runningPid(): number {
    return this.appletPid ?? this.process.pid;
  }

  /**
   * A command line without a shell: its applet, with the environment as runc set it up (the spec's,
   * and HOME from /etc/passwd when it sets none); one that is not emulated runs on, or in an exec
   * ends with a note.
   */
  private runDirect(argv: readonly string[], env: readonly string[]): void {
    const name = argv[0] ?? "";
    const applet = applets.get(baseName(name)) ?? this.imageProgram(name);
    const io = appletIo(this, []);
    io.env = () => (env.some((entry) => entry.startsWith("HOME=")) ? env : [...env, `HOME=${homeOf(this.files, this.ctx.user)}`]);
    const command = baseName(name);
    let status = applet ? applet(io, argv.slice(1)) : appletBuiltins.has(command) ? this.runBuiltin(command, [command, ...argv.slice(1)]) : undefined;
    if (status === undefined) {
      if (isShell(name) && argv[1] !== undefined && !argv[1].startsWith("-")) {
        // `sh FILE`: this process is that shell.
        const text = this.fileText(argv[1]);
        if (text !== undefined) return this.becomeScript(text, argv[1], argv.slice(2));
        this.write(2, `${name}: can't open '${argv[1]}': No such file or directory\n`);
        this.exit(2);
        return;
      }
      const script = this.scriptFileAt(name);
      // The kernel runs /bin/sh on a script for sh in this same process.
      if (script?.kind === "shell") return this.becomeScript(script.text, script.arg0, argv.slice(1));
      // runc's execve fails in the started process: its error on stderr, status 1 (golden/cri/2.4/exec-sync-script-files.json).
      const failure = !this.ctx.exec || script === undefined ? undefined : script.kind === "plain" ? "exec format error" : this.files.kindOf(script.interpreter) === undefined ? "no such file or directory" : undefined;
      if (failure !== undefined) {
        this.write(2, `exec ${name}: ${failure}\n`);
        this.exit(1);
        return;
      }
      if (!this.ctx.exec) {
        // The step ends here: nothing to unwind, so no Stopped to throw (most containers' pause and command come this way).
        this.timeline.ending = "forever";
        return;
      }
      this.write(2, `${name}: not emulated by fake-cri\n`);
      status = 127;
    }
    this.exit(status);
  }

  /** `sh -c SCRIPT [ARG0 [ARG...]]` run from a script: a new shell, with this one's exported variables, worked out at once. */
  private nestedShell(shell: string, source: string, args: readonly string[], assignments: ReadonlyArray<readonly [string, string]>, process: ForkedProcess): number {
    const env = appletIo(this, assignments).env();
    const nested = Shell.script(this.ctx, { shell, source, args, env, cwd: this.cwd, process, live: false });
    nested.fds = this.fds.slice();
    this.runChild(nested);
    return nested.exitStatus!;
  }

  /** `sh FILE [ARG...]`: the file's commands in a new shell, $0 the file; ash's error and 2 when it cannot open it. */
  private shellOnFile(argv: readonly string[], assignments: ReadonlyArray<readonly [string, string]>, process: ForkedProcess): number {
    const script = this.fileText(argv[1]!);
    if (script === undefined) {
      this.write(2, `${argv[0]}: can't open '${argv[1]}': No such file or directory\n`);
      return 2;
    }
    return this.nestedShell(argv[0]!, script, argv.slice(1), assignments, process);
  }

  /** What a shell reads from a script file it is given: its text ("" for a directory, as ash reads nothing from one), or undefined when there is nothing. */
  private fileText(file: string): string | undefined {
    const path = absolute(file, this.cwd);
    const data = this.files.readFile(path);
    if (data !== undefined) return decoder.decode(data);
    return this.files.kindOf(path) === "dir" ? "" : undefined;
  }

  /** Replaces this process's command line with a script's commands: $0 and the positional parameters as given. */
  private becomeScript(text: string, arg0: string, positional: readonly string[]): void {
    this.frames.pop();
    this.arg0 = arg0;
    this.explicitArg0 = true;
    this.positional = [...positional];
    this.pushProgram(parse(text), undefined);
  }

  /**
   * The script a command names, found as ash finds a program: at the path, or for a name without a
   * slash in a directory of $PATH; undefined for a program or nothing. The container's files are
   * asked, so a volume's script (a ConfigMap's) counts. Its $0 is the name, or the path found on $PATH.
   */
  private scriptFileAt(name: string): ScriptFile | undefined {
    // A shell or an applet is a program (busybox), whatever the image's file holds.
    if (name === "" || isShell(name) || (applets.has(baseName(name)) && (!name.includes("/") || this.isAppletPath(name)))) return undefined;
    const candidates = name.includes("/") ? [absolute(name, this.cwd)] : (this.vars.get("PATH") ?? "").split(":").filter((dir) => dir !== "").map((dir) => `${dir.replace(/\/+$/, "")}/${name}`);
    for (const path of candidates) {
      const data = this.files.readFile(path);
      if (data !== undefined) return scriptFile(data, name.includes("/") ? name : path);
    }
    return undefined;
  }

  /**
   * The applet a command names, if the image has it: the reference busybox's applets are taken to
   * be there; another busybox's (pgrep) only where the image links it.
   */
  private applet(name: string): Applet | undefined {
    const base = baseName(name);
    const applet = applets.get(base);
    if (applet === undefined || (name.includes("/") && !this.isAppletPath(name))) return undefined;
    return busyboxApplets.has(base) || this.ctx.exists(name, this.vars.get("PATH")) ? applet : undefined;
  }

  /** The image's own program of that name, where the root filesystem has it. */
  private imageProgram(name: string): Applet | undefined {
    const program = imagePrograms.get(baseName(name));
    if (program === undefined || (name.includes("/") && !this.isAppletPath(name))) return undefined;
    return this.ctx.exists(name, this.vars.get("PATH")) ? program : undefined;
  }

  /**
   * Whether the command's file is one runc masked (/dev/null bound over it, which execve refuses):
   * at its path, or at one of $PATH's directories; a file of the image's (an applet's link among
   * them) or of a mount.
   */
  private masked(name: string): boolean {
    const masked = this.ctx.privileges.maskedPaths;
    if (masked.length === 0) return false;
    const candidates = name.includes("/") ? [absolute(name, this.cwd)] : (this.vars.get("PATH") ?? "").split(":").filter((dir) => dir !== "").map((dir) => `${dir.replace(/\/+$/, "")}/${name}`);
    return candidates.some((path) => masked.includes(path) && (this.ctx.exists(path, undefined) || this.files.kindOf(path) === "file"));
  }

  /** A path naming an applet where busybox is linked (`/bin/cat`); any other path is a program of its own. */
  private isAppletPath(path: string): boolean {
    return /^\/(usr\/)?s?bin\/[^/]+$/.test(path) || /^\/usr\/local\/s?bin\/[^/]+$/.test(path);
  }

  /** xtrace: the command as ash shows it, after `+ `. */
  private trace(words: readonly string[]): void {
    this.write(2, `+ ${words.map(traceQuote).join(" ")}\n`);
  }

  // ---- output and files ----

  /** Writes to a descriptor; false when it is closed. */
  write(fd: number, data: string | Uint8Array): boolean {
    const target = this.fds[fd];
    switch (target?.to) {
      case "stdout":
      case "stderr":
        this.timeline.output(target.to, data);
        return true;
      case "file":
        this.change(target.path, "append", toBytes(data));
        return true;
      case "capture":
        target.chunks.push(data);
        return true;
      case undefined:
        return false;
      default:
        return true;
    }
  }

  /** A change to the container's files: seen by the process at once, made for real at this moment. */
  change(path: string, change: FileChange["change"], data?: Uint8Array): void {
    this.files.apply(path, change, data);
    this.timeline.change(path, change, data);
  }

  // ---- what builtins use ----

  /** An error on stderr as ash words it: `sh: [builtin: line N: ]message`. */
  report(message: string, named = true): void {
    const name = named ? this.commandName : this.explicitArg0 ? this.arg0 : undefined;
    // An interactive shell's errors name no line.
    const line = this.interactive ? "" : `line ${this.line}: `;
    const prefix = name === undefined ? "" : `${name === this.arg0 ? "" : `${name}: `}${line}`;
    this.write(2, `${this.arg0}: ${prefix}${message}\n`);
  }

  returnFrom(status: number): void {
    const target = this.frames.findLastIndex((frame) => frame.k === "function" || (frame.k === "program" && frame.name === "."));
    if (target < 0) {
      this.exit(status);
      return;
    }
    this.unwind((frame, index) => index === target);
    this.status = status;
  }

  loopControl(kind: "break" | "continue", levels: number): void {
    const fn = this.frames.findLastIndex((frame) => frame.k === "function");
    const loops: number[] = [];
    for (let i = this.frames.length - 1; i > fn; i--) {
      const frame = this.frames[i]!;
      if (frame.k === "loop" || frame.k === "for") loops.push(i);
    }
    if (loops.length === 0) return;
    const target = loops[Math.min(levels, loops.length) - 1]!;
    this.unwind((_, index) => index === target);
    const loop = this.frames.at(-1) as Extract<Frame, { k: "loop" | "for" }>;
    if (kind === "break") {
      this.frames.pop();
      this.status = 0;
      return;
    }
    if (loop.k === "loop") loop.phase = "test";
    this.status = 0;
  }

  /** Pops frames down to the one `keep` names (all when none), undoing what each set up. */
  private unwind(keep: (frame: Frame, index: number) => boolean): void {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const frame = this.frames[i]!;
      if (keep(frame, i)) return;
      this.frames.pop();
      if (frame.k === "restore") this.fds = frame.fds;
      else if (frame.k === "redirect" && frame.saved) this.fds = frame.saved;
      else if (frame.k === "function" && frame.started) this.leaveFunction(frame);
    }
  }

  /** `eval` and `.`: a program of its own, run here. */
  evaluate(source: string, name: "eval" | "."): void {
    this.pushProgram(parse(source), name);
  }

  private runTrap(action: string): void {
    this.frames.push({ k: "trap", status: this.status, started: false, p: this.programIndex(parse(action)) });
  }

  /** `wait`: for the jobs named (all without), then the last one's status. */
  waitFor(pids: number[] | undefined): void {
    this.frames.push({ k: "wait", pids: pids ?? null });
  }

  private stepWait(frame: Extract<Frame, { k: "wait" }>): void {
    const waited = frame.pids === null ? this.jobs : this.jobs.filter((job) => frame.pids!.includes(job.pid));
    if (!this.live) {
      // Jobs worked out at once: their ends are known.
      this.timeline.atMs = Math.max(this.timeline.atMs, ...waited.map((job) => job.endMs ?? 0));
      if (this.timeline.atMs === Infinity) {
        this.timeline.ending = "forever";
        throw new Stopped();
      }
    } else if (waited.some((job) => job.status === undefined)) {
      this.block = { kind: "jobs" };
      return;
    }
    this.frames.pop();
    if (frame.pids === null) {
      this.status = 0;
      this.jobs = [];
      return;
    }
    const last = this.jobs.find((job) => job.pid === frame.pids!.at(-1));
    this.status = last?.status ?? 127;
    // Reaping a job a signal killed, ash says which (an interrupt goes without saying).
    if (last?.signal !== undefined && last.signal !== 2 && last.signal !== 13) this.write(2, `${signalDescriptions[last.signal] ?? `Signal ${last.signal}`}\n`);
    this.jobs = this.jobs.filter((job) => !frame.pids!.includes(job.pid));
  }

  /** What `read` can take from stdin now; a live shell's own stdin only as far as it has arrived. */
  pendingInput(): { bytes: Uint8Array; ended: boolean } {
    const input = this.fds[0];
    if (input?.to === "input") return { bytes: remaining(input), ended: true };
    if (input?.to !== "stdin") return { bytes: new Uint8Array(0), ended: true };
    const stdin = this.ctx.stdin;
    if (!this.live || stdin === undefined) throw new NotEmulated("read from the process's stdin");
    return { bytes: stdin.pending(), ended: stdin.ended };
  }

  consumeInput(bytes: number): void {
    const input = this.fds[0];
    if (input?.to === "input") input.pos += bytes;
    else if (input?.to === "stdin") this.ctx.stdin!.consume(bytes);
  }

  /** `read` waits for more of the process's stdin, then runs again. */
  awaitInput(args: readonly string[]): void {
    this.frames.push({ k: "read", args: [...args] });
    this.block = { kind: "stdin" };
  }

  /**
   * `kill` of a process of the PID namespace, from a live shell (a job worked out at once has
   * already run its course, and a subshell's step has no moment of its own to signal at).
   */
  killProcess(pid: number, signal: string): boolean {
    if (!this.live) throw new NotEmulated("kill from a subshell");
    return this.ctx.signalProcess(pid, signal);
  }

  setPositional(args: string[]): void {
    this.positional = args;
  }

  optionLetters(): string {
    const o = this.options;
    return `${o.nounset ? "u" : ""}${o.xtrace ? "x" : ""}c${o.noglob ? "f" : ""}${o.errexit ? "e" : ""}`;
  }

  commandKind(name: string): CommandKind {
    if (specialBuiltins.has(name)) return "special";
    if (this.functions.has(name)) return "function";
    if (builtins.has(name)) return "builtin";
    if (this.applet(name)) return "applet";
    if (name.includes("/") ? this.ctx.exists(name, undefined) : busyboxApplets.has(name) || this.ctx.exists(name, this.vars.get("PATH"))) return "applet";
    return undefined;
  }

  /** `exec COMMAND...`: the command in the shell's place; its status is the process's. */
  execCommand(argv: readonly string[]): number {
    const status = builtins.has(argv[0]!) || specialBuiltins.has(argv[0]!) ? this.runBuiltin(argv[0]!, argv) ?? 0 : this.runExternal(argv, [], true, true);
    this.exit(status);
    return status;
  }

  /** `command NAME...`: a builtin or applet, passing over functions. */
  runCommand(argv: readonly string[]): number | undefined {
    if (builtins.has(argv[0]!) || specialBuiltins.has(argv[0]!)) return this.runBuiltin(argv[0]!, argv);
    return this.runExternal(argv, [], false, false);
  }

  // ---- expansion host ----

  lookup(name: string): string | undefined {
    switch (name) {
      case "?":
        return String(this.status);
      case "#":
        return String(this.positional.length);
      case "$":
        return String(this.pid);
      case "!":
        return this.lastBackground === undefined ? undefined : String(this.lastBackground);
      case "-":
        return this.optionLetters();
      case "0":
        return this.arg0;
      case "LINENO":
        return String(this.line + 1);
      case "PPID":
        return "0";
      case "RANDOM":
        throw new NotEmulated("$RANDOM");
      default:
        if (/^\d+$/.test(name)) return this.positional[Number(name) - 1];
        return this.vars.get(name);
    }
  }

  assign(name: string, value: string): void {
    this.vars.set(name, value);
  }

  substitute(body: Program): string {
    // ash forks for every substitution but an empty one.
    if (body.body.items.length === 0 && body.syntaxError === undefined) return "";
    const child = this.subshell();
    const process = this.forkChild(child);
    const chunks: Array<string | Uint8Array> = [];
    child.fds[1] = { to: "capture", chunks };
    child.pushProgram(body, undefined);
    this.runChild(child);
    this.reap(process);
    this.substitutionStatus = child.exitStatus;
    return chunks.map((chunk) => (typeof chunk === "string" ? chunk : decoder.decode(chunk))).join("");
  }

  home(user: string): string | undefined {
    if (user === "") return this.vars.get("HOME");
    const passwd = this.files.readFile("/etc/passwd");
    for (const line of (passwd ? decoder.decode(passwd) : "").split("\n")) {
      const fields = line.split(":");
      if (fields.length === 7 && fields[0] === user) return fields[5];
    }
    return undefined;
  }
}

/** HOME as runc sets it: the user's /etc/passwd entry, `/` without one. */
function homeOf(files: FileView, user: ProcessUser): string {
  const passwd = files.readFile("/etc/passwd");
  return passwdEntry(passwd && decoder.decode(passwd), user.uid)?.home ?? "/";
}

/** The kernel's name for a process running a program (comm): its file name, cut to 15 bytes. */
function commandName(program: string): string {
  return baseName(program).slice(0, 15);
}

/** The last element of a path (`/bin/sh` → `sh`). */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** A word as ash's xtrace shows it: quoted when it has to be. */
function traceQuote(word: string): string {
  if (word !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'"'"'`)}'`;
}

/** sh or ash, at any path. */
function isShell(name: string): boolean {
  const base = baseName(name);
  return base === "sh" || base === "ash";
}

/** A file a command names that is not a program, as execve and ash take it. */
type ScriptFile =
  /** `#!` naming sh or ash (directly or through env): the kernel runs it with /bin/sh. */
  | { kind: "shell"; text: string; arg0: string }
  /** No `#!` line: execve refuses it (ENOEXEC), and ash then runs it itself. */
  | { kind: "plain"; text: string; arg0: string }
  /** Another interpreter's script: execve runs that program, and fails when it is not there. */
  | { kind: "interpreter"; interpreter: string };

/** What the file is, or undefined for a program (ELF's magic, a NUL byte). */
function scriptFile(data: Uint8Array, arg0: string): ScriptFile | undefined {
  if ((data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46) || data.includes(0)) return undefined;
  const text = decoder.decode(data);
  if (!text.startsWith("#!")) return { kind: "plain", text, arg0 };
  const end = text.indexOf("\n");
  const [interpreter = "", argument = ""] = text.slice(2, end === -1 ? undefined : end).trim().split(/\s+/);
  return isShell(baseName(interpreter) === "env" ? argument : interpreter) ? { kind: "shell", text, arg0 } : { kind: "interpreter", interpreter };
}
