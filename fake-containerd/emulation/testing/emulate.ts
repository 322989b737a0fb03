// Runs the emulation of one process in a test, on a clock of its own, against a tree of files, and
// reports what it did the way a data script says it: output and file changes at their moments, then
// an exit, an OOM kill, or nothing (it runs until killed).

import type { FileChange, OutputChunk, ProcessScript, ProcessUser } from "../../processes/script.ts";
import { emulate, type HasFile, type ProcessEntry } from "../index.ts";
import { unprivileged, type Privileges } from "../../privileges.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A tree of files: a string is a file's content, an array a directory's names. */
export type Tree = Record<string, string | string[]>;

export interface EmulateOptions {
  env?: string[];
  cwd?: string;
  user?: ProcessUser;
  terminal?: boolean;
  memoryLimit?: bigint;
  /** What the kernel lets the process do (default: no capability, no seccomp filter). */
  privileges?: Privileges;
  /** An exec (the default) or the container's own process. */
  exec?: boolean;
  /** PID 1 of its own PID namespace (default: not). */
  namespaceInit?: boolean;
  hasFile?: HasFile;
  files?: Tree;
  readOnly?: (path: string) => boolean;
  /** In place of the tree's answers (a mount that lists every path under it as a directory). */
  readDir?: (path: string) => string[] | undefined;
  stdin?: string;
  /** How long to let it run before calling it endless (ms of its running time). */
  horizonMs?: number;
  /** The process table it sees (default: its own shells alone in their PID namespace). */
  processes?: ProcessEntry[];
  /** Signals to send, at moments of its running time. */
  signals?: Array<{ atMs: number; signal: number }>;
}

/** What the process did: a data script of it. Output data is text. */
export async function emulated(args: readonly string[], options: EmulateOptions = {}): Promise<ProcessScript> {
  const tree = options.files ?? {};
  let now = 0;
  let seq = 0;
  let timers: Array<{ at: number; seq: number; fn: () => void }> = [];
  const output: OutputChunk[] = [];
  const files: FileChange[] = [];
  let ended: { kind: "exit"; code: number } | { kind: "oom" } | undefined;
  let endedAt = 0;
  const stdin = options.stdin;
  const port = {
    activeMs: () => now,
    clockMs: () => now,
    setTimer: (ms: number, fn: () => void) => {
      const timer = { at: now + ms, seq: seq++, fn };
      timers.push(timer);
      return () => {
        timers = timers.filter((t) => t !== timer);
      };
    },
    write: (stream: "stdout" | "stderr", data: Uint8Array) => {
      if (ended) return;
      output.push({ stream, data: decoder.decode(data), atMs: now });
    },
    changeFile: (change: FileChange) => {
      if (!ended) files.push({ atMs: now, ...change });
    },
    exit: (code: number) => {
      if (ended) return;
      ended = { kind: "exit", code };
      endedAt = now;
      process.stop();
    },
    oom: () => {
      if (ended) return;
      ended = { kind: "oom" };
      endedAt = now;
      process.stop();
    },
    files: {
      readFile: async (path: string) => (typeof tree[path] === "string" ? encoder.encode(tree[path] as string) : undefined),
      readDir: async (path: string) => {
        if (options.readDir) return options.readDir(path);
        const entry = tree[path.replace(/(.)\/+$/, "$1")];
        return Array.isArray(entry) ? entry : undefined;
      },
      readOnly: async (path: string) => options.readOnly?.(path) ?? false,
      locate: async (path: string) => path,
    },
    nextPid: () => 2000 + seq++,
    // Alone in its PID namespace unless told: its own shells are all there is.
    processes: () => options.processes ?? process.shells.map((shell) => ({ pid: shell.pid, ppid: 0, args: [shell.arg0], name: shell.arg0, uid: 0 })),
    signalProcess: () => false,
    stdin: (async function* () {
      if (stdin !== undefined) yield encoder.encode(stdin);
    })(),
  };
  const process = emulate(
    {
      args,
      env: options.env ?? [],
      cwd: options.cwd ?? "/",
      user: options.user ?? { uid: 0, gid: 0, additionalGids: [] },
      terminal: options.terminal ?? false,
      memoryLimit: options.memoryLimit,
      privileges: options.privileges ?? unprivileged,
      exec: options.exec ?? true,
      hasFile: options.hasFile,
      pid: 1000,
      namespaceInit: options.namespaceInit ?? false,
      stdin: stdin !== undefined,
    },
    port,
  );
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  const signals = [...(options.signals ?? [])];
  for (const { atMs, signal } of signals) port.setTimer(atMs, () => process.signal(signal));
  process.start();
  const horizon = options.horizonMs ?? 24 * 3600 * 1000;
  for (;;) {
    await settle();
    if (ended) break;
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = timers.shift();
    if (!next || next.at > horizon) break;
    now = Math.max(now, next.at);
    next.fn();
  }
  process.stop();
  const script: ProcessScript = {};
  if (output.length > 0) script.output = output;
  if (files.length > 0) script.files = files;
  const end = ended as typeof ended;
  if (end?.kind === "exit") script.exit = { code: end.code, afterMs: endedAt };
  else if (end?.kind === "oom") script.oom = { afterMs: endedAt };
  return script;
}

/** A shell script as an exec runs it (`sh -c SCRIPT`). */
export function sh(script: string, options: EmulateOptions = {}): Promise<ProcessScript> {
  return emulated(["sh", "-c", script], options);
}

/** stdout and stderr of a script, each chunk after its stream's name, and the exit code. */
export function transcript(script: ProcessScript): string {
  const chunks = (script.output ?? []).map((o) => `${o.stream}:${o.data as string}`);
  return `${chunks.join("")}exit ${script.exit?.code}`;
}
