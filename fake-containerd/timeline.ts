// A script's effects as the emulation lays them out (process-emulation.ts, shell.ts): output and
// file changes at their moments on the fake's clock, then an exit, an OOM kill, or running on.

import { toBytes } from "../src/node/bytes.ts";
import type { ScriptFiles } from "./process-files.ts";
import type { FileChange, ProcessScript } from "./processes.ts";

/** How fast `tail /dev/zero` fills memory: it buffers a line that never ends. */
const hogBytesPerMs = 1024 * 1024;

export type Stream = "stdout" | "stderr";

/** Where a stream goes: to a stream of the process, into a file (`> path`, `>> path`), or nowhere (`> /dev/null`). */
export type Target = Stream | { file: string } | null;

/** A script's effects in order: output and file changes at times, then an exit (or running on). */
export class Timeline {
  atMs = 0;
  status = 0;
  forever = false;
  /** Running on because the script went beyond the emulation (not because it does not end). */
  beyond = false;
  exited = false;
  /** Killed by the memory cgroup (at atMs). */
  oomKilled = false;
  /** Where the current command's stdout and stderr go (a shell's `>&2`, `2>&1`, `> file`). */
  redirect: Record<Stream, Target> = { stdout: "stdout", stderr: "stderr" };
  readonly output: NonNullable<ProcessScript["output"]> = [];
  readonly changes: FileChange[] = [];
  /** What the previous command of a pipeline wrote (`cat` and `grep` with no file read it). */
  stdin: Uint8Array | undefined;
  /** An endless loop's rounds, once the script has reached one that prints and sleeps. */
  repeat: ProcessScript["repeat"];
  /** The spec's memory limit, which a memory hog runs into. */
  readonly memoryLimit: bigint | undefined;
  /** The container's files as the script has left them (shared with the timelines of its substitutions and loops). */
  readonly files: ScriptFiles | undefined;

  constructor(memoryLimit?: bigint, files?: ScriptFiles) {
    this.memoryLimit = memoryLimit;
    this.files = files;
  }

  /** The script goes beyond the emulation here: it runs on, as far as anyone can tell. */
  notEmulated(): void {
    this.forever = true;
    this.beyond = true;
  }

  /** Whether the script has stopped running statements. */
  get ended(): boolean {
    return this.forever || this.exited || this.oomKilled;
  }

  write(stream: Stream, data: string | Uint8Array): void {
    const target = this.redirect[stream];
    if (typeof target === "string") this.output.push({ stream: target, data, atMs: this.atMs });
    else if (target) this.change(target.file, "append", toBytes(data));
  }

  /** A change to the container's files, now: seen by the rest of the script at once, made for real at this moment. */
  change(path: string, change: FileChange["change"], data?: Uint8Array): void {
    this.files!.apply(path, change, data);
    this.changes.push(data === undefined ? { atMs: this.atMs, path, change } : { atMs: this.atMs, path, change, data });
  }

  /** Another timeline's effects, as if they happened here from now on. */
  append(other: Timeline): void {
    for (const chunk of other.output) this.output.push({ ...chunk, atMs: this.atMs + chunk.atMs! });
    for (const change of other.changes) this.changes.push({ ...change, atMs: this.atMs + change.atMs! });
    this.atMs += other.atMs;
    this.status = other.status;
    this.exited = other.exited;
    this.forever = other.forever;
    this.beyond = other.beyond;
    this.oomKilled = other.oomKilled;
  }

  /**
   * A process that keeps `bytes` of memory (everything, when `bytes` is undefined) as it reads at
   * hogBytesPerMs: the memory cgroup kills it when it reaches the limit; under no limit, or when it
   * stays below, it runs on.
   */
  hog(bytes: bigint | undefined): void {
    const limit = this.memoryLimit;
    if (limit === undefined || limit <= 0n || (bytes !== undefined && bytes <= limit)) {
      this.forever = true;
      return;
    }
    this.atMs += Math.max(1, Number(limit) / hogBytesPerMs);
    this.oomKilled = true;
  }

  finish(): ProcessScript {
    const script: ProcessScript = {};
    if (this.output.length > 0) script.output = this.output;
    if (this.changes.length > 0) script.files = this.changes;
    if (this.repeat) script.repeat = this.repeat;
    if (this.oomKilled) script.oom = { afterMs: this.atMs };
    else if (!this.forever) script.exit = { code: this.status & 0xff, afterMs: this.atMs };
    return script;
  }
}
