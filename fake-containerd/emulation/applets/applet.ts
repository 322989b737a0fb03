// What a busybox applet sees of its process when the emulation runs it, and the option parsing the
// applets share. An applet is a function of its arguments and this: it writes, changes files, takes
// time, and returns its exit status, or undefined when the emulation does not follow this use of it
// (an option, a form), so that the caller can say so instead of answering wrongly.

import type { FileChange, ProcessUser } from "../../processes/script.ts";
import type { FileView } from "../files.ts";
import type { Privileges } from "../../privileges.ts";

/** A process as ps and /proc/<pid> show it, PIDs as its PID namespace numbers them. */
export interface ProcessEntry {
  readonly pid: number;
  /** 0 for a process runc started (its parent is outside the namespace). */
  readonly ppid: number;
  /** Its command line (/proc/<pid>/cmdline). */
  readonly args: readonly string[];
  /** The kernel's name for it (comm: its program's base name, 15 characters), which a changed command line keeps. */
  readonly name: string;
  readonly uid: number;
}

export interface AppletIo {
  readonly files: FileView;
  readonly cwd: string;
  readonly user: ProcessUser;
  /** Whether stdout is a terminal (`ls` lays names out in columns then). */
  readonly terminal: boolean;
  /** The spec's memory limit, which a memory hog runs into. */
  readonly memoryLimit: bigint | undefined;
  /** What the kernel lets the process do (its capabilities, its seccomp filter). */
  readonly privileges: Privileges;
  /** The PID of the process running the applet. */
  readonly pid: number;
  /** The processes of its PID namespace, in PID order. */
  processes(): readonly ProcessEntry[];
  /** The fake's clock when the command runs, in milliseconds since the epoch. */
  nowMs(): number;
  /** Sends a signal (`TERM`) to a process of its PID namespace; false when there is none with that PID. */
  kill(pid: number, signal: string): boolean;
  /** What the command reads on stdin (a pipe, a file, a here-document); undefined when that is the process's own stdin. */
  readonly stdin: Uint8Array | undefined;
  /** The environment the command gets, as `NAME=value` in its order. */
  env(): readonly string[];
  out(data: string | Uint8Array): void;
  err(data: string | Uint8Array): void;
  /** Changes the container's files: seen by the process at once, made for real at this moment. */
  change(path: string, change: FileChange["change"], data?: Uint8Array): void;
  /** The command takes this long. */
  elapse(ms: number): void;
  /** The command runs until it is killed. */
  forever(): void;
  /** The command keeps `bytes` of memory (all it reads, when undefined): over the limit it is OOM-killed. */
  hog(bytes: bigint | undefined): void;
}

/** An applet: its exit status, or undefined when this use of it is not emulated. */
export type Applet = (io: AppletIo, args: readonly string[]) => number | undefined;

export const decoder = new TextDecoder();

/**
 * Options as busybox takes them: single letters, together or apart, before the operands; those in
 * `valued` take a value (`-n 5`, `-n5`). Undefined for any other option.
 */
export function options(
  args: readonly string[],
  allowed: string,
  valued = "",
): { flags: Set<string>; values: Map<string, string>; operands: string[] } | undefined {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  let i = 0;
  let ended = false;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      ended = true;
      i++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") break;
    for (let k = 1; k < arg.length; k++) {
      const flag = arg[k]!;
      if (valued.includes(flag)) {
        const value = k + 1 < arg.length ? arg.slice(k + 1) : args[++i];
        if (value === undefined) return undefined;
        values.set(flag, value);
        break;
      }
      if (!allowed.includes(flag)) return undefined;
      flags.add(flag);
    }
  }
  const operands = args.slice(i);
  // glibc's getopt would take an option after an operand too; leave that to a real busybox.
  if (!ended && operands.some((arg) => arg.startsWith("-") && arg !== "-")) return undefined;
  return { flags, values, operands };
}

export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
