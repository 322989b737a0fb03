// What running a piece of a script does, in order on the fake's clock: output and file changes at
// their moments (milliseconds from the piece's start), the processes it forks from the moment the
// kernel made them to the moment they were reaped, then how it ends: on time, never (it runs until
// killed), or killed by the memory cgroup. A live shell plays each step's timeline as its process
// runs; the processes it waits for (pipelines, subshells, $(...)) are worked out at once as
// timelines of their own and spliced into the shell's, their forks and ends among its effects.

import type { FileChange, Stream } from "../processes/script.ts";

/** A process a shell forked, as the process table lists it (`name` is the kernel's, comm). */
export interface ForkedProcess {
  readonly pid: number;
  readonly ppid: number;
  readonly args: readonly string[];
  readonly name: string;
}

export type Effect =
  | { atMs: number; stream: Stream; data: string | Uint8Array }
  | { atMs: number; change: FileChange["change"]; path: string; data?: Uint8Array }
  /** A process forked, or one that exec'd (the same PID with a new command line). */
  | { atMs: number; forked: ForkedProcess }
  | { atMs: number; reaped: number };

/** How a timeline ends after its effects: it goes on (`undefined`), never ends, or is OOM-killed at `atMs`. */
export type Ending = undefined | "forever" | "oom";

export class Timeline {
  /** Where the timeline has got to: the moment of the next effect. */
  atMs = 0;
  readonly effects: Effect[] = [];
  ending: Ending;

  get ended(): boolean {
    return this.ending !== undefined;
  }

  /** Nothing to wait for: no time passes and it goes on. */
  get instant(): boolean {
    return this.atMs === 0 && this.ending === undefined;
  }

  output(stream: Stream, data: string | Uint8Array): void {
    this.effects.push({ atMs: this.atMs, stream, data });
  }

  change(path: string, change: FileChange["change"], data?: Uint8Array): void {
    this.effects.push(data === undefined ? { atMs: this.atMs, change, path } : { atMs: this.atMs, change, path, data });
  }

  forked(process: ForkedProcess): void {
    this.effects.push({ atMs: this.atMs, forked: process });
  }

  reaped(pid: number): void {
    this.effects.push({ atMs: this.atMs, reaped: pid });
  }

  /** Another timeline's effects from now on, as if it ran here; its ending is this one's. */
  append(other: Timeline): void {
    for (const effect of other.effects) this.effects.push({ ...effect, atMs: this.atMs + effect.atMs });
    this.atMs += other.atMs;
    this.ending = other.ending;
  }

  /** A timeline that ran beside this one from `fromMs` (a background job's): its effects among these, in time order. */
  merge(other: Timeline, fromMs: number): void {
    for (const effect of other.effects) this.effects.push({ ...effect, atMs: fromMs + effect.atMs });
    this.effects.sort((a, b) => a.atMs - b.atMs);
  }
}
