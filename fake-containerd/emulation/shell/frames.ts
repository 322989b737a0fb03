// Where a shell is in its programs, as plain data: the frames of its stack (each names its node by
// program and id, and keeps what its command needs to go on), what it waits for between steps,
// its jobs, and the JSON a saved state keeps of it all.

import type { ShellOptions } from "./builtins.ts";
import { fdsFromState, fdsToState, type FdState, type Fds } from "./fds.ts";
import type { VariablesState } from "./variables.ts";
import type { ForkedProcess } from "../timeline.ts";

export type Frame =
  | { k: "program"; p: number; name: string | undefined; started: boolean }
  | { k: "seq"; p: number; n: number; i: number; t: boolean }
  | { k: "andor"; p: number; n: number; i: number; t: boolean }
  | { k: "not"; p: number; n: number; started: boolean }
  | { k: "if"; p: number; n: number; t: boolean; clause: number; phase: "test" | "tested" | "done" }
  | { k: "loop"; p: number; n: number; t: boolean; phase: "test" | "tested" | "body"; status: number }
  | { k: "for"; p: number; n: number; t: boolean; words: string[] | null; i: number; status: number }
  | { k: "case"; p: number; n: number; t: boolean; started: boolean }
  | { k: "redirect"; p: number; n: number; t: boolean; saved: Fds | null }
  | { k: "restore"; fds: Fds }
  | { k: "function"; positional: string[]; t: boolean; started: boolean; p: number; n: number }
  | { k: "trap"; status: number; started: boolean; p: number }
  | { k: "command"; p: number; n: number; started: boolean }
  | { k: "argv"; argv: string[]; env: string[] }
  | { k: "wait"; pids: number[] | null }
  | { k: "read"; args: string[] }
  /** `sh` reading commands from stdin: the start of a command that needs more lines, whether the prompt is out, and a ^C to answer. */
  | { k: "interactive"; pending: string; prompted: boolean; interrupted: boolean };

export type FrameState = Frame extends infer F ? (F extends { fds: Fds } ? Omit<F, "fds"> & { fds: FdState[] } : F extends { saved: Fds | null } ? Omit<F, "saved"> & { saved: FdState[] | null } : F) : never;

/** What a live shell waits for before its next step. */
export type Block = { kind: "jobs" } | { kind: "stdin" } | { kind: "forever" };

export interface Job {
  pid: number;
  /** The command line, as `jobs` and the process table show it. */
  command: string;
  /** Its exit status, once it has ended. */
  status: number | undefined;
  /** The signal that killed it, if one did. */
  signal?: number;
  /** A job worked out at once: when it ends, on the timeline of the shell that started it. */
  endMs?: number;
}

export interface ShellState {
  sources: string[];
  vars: VariablesState;
  positional: string[];
  arg0: string;
  explicitArg0: boolean;
  options: ShellOptions;
  functions: Array<[string, number, number]>;
  traps: Array<[string, string]>;
  cwd: string;
  fds: FdState[];
  status: number;
  lastBackground: number | null;
  jobs: Job[];
  frames: FrameState[];
  line: number;
  pid: number;
  exitStatus: number | null;
  exiting: boolean;
  pendingSignals: string[];
  block: Block | null;
  /** The command line ash exec'd in the shell's place (saved states from before it have none). */
  execd?: string[];
  /** The process it runs as (saved states from before it have none). */
  process?: ForkedProcess;
  stagePids?: number[];
}

export function framesToState(frames: readonly Frame[]): FrameState[] {
  return frames.map((frame) =>
    "fds" in frame ? { ...frame, fds: fdsToState(frame.fds) } : "saved" in frame ? { ...frame, saved: frame.saved && fdsToState(frame.saved) } : { ...frame },
  ) as FrameState[];
}

export function framesFromState(frames: readonly FrameState[]): Frame[] {
  return frames.map((frame) =>
    "fds" in frame ? { ...frame, fds: fdsFromState(frame.fds) } : "saved" in frame ? { ...frame, saved: frame.saved && fdsFromState(frame.saved) } : { ...frame },
  ) as Frame[];
}
