// What a process does when no test scripted it: a few everyday busybox commands behave as busybox
// does under runc (output, timing, exit codes), a memory hog is killed by the memory cgroup, and an
// executable that is not in the container's root filesystem fails to start as runc reports it.
// Anything else that exists runs until it is killed. Plain data in, a ProcessScript out, so the
// result can be saved with the fake's state.

import { busyboxApplets } from "./busybox-applets.ts";
import type { ProcessScript } from "./processes.ts";

/** What the emulation sees of a container's process. */
export interface EmulatedProcess {
  args: readonly string[];
  env: readonly string[];
  /** The spec's memory limit (linux.resources.memory.limit), if any. */
  memoryLimit?: bigint;
  /**
   * Whether the container's root filesystem has a file at an absolute path (symlinks followed).
   * Absent when the container has no root filesystem to look in: every executable then exists.
   */
  hasFile?: (path: string) => boolean;
}

const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The commands emulated here, which every container has (a busybox of the fake's own). */
const emulated = new Set(["true", "false", "echo", "sleep", "tail", "sh", "ash", "bash"]);

/** How fast `tail /dev/zero` fills memory: it buffers a line that never ends. */
const hogBytesPerMs = 1024 * 1024;

/**
 * The script of a container's own process: an emulated command, a start failure for a missing
 * executable, or (for anything else) a process that runs until killed.
 */
export function emulateContainerProcess(p: EmulatedProcess): ProcessScript {
  const [command, ...args] = p.args;
  if (command === undefined) return {};
  const missing = missingExecutable(command, p);
  if (missing !== undefined) return { failStart: { reason: missing } };
  const script = emulateCommand(baseName(command), args, p.memoryLimit);
  return script ?? {};
}

/** runc's lookup of argv[0]: the reason it cannot start it, or undefined when it can. */
function missingExecutable(command: string, p: EmulatedProcess): string | undefined {
  const hasFile = p.hasFile;
  if (!hasFile) return undefined;
  // A shell image (one with busybox or a sh) is taken to have busybox's applets in the usual bin
  // directories, whether or not a made-up image lists them; an image without one, like pause, has
  // none.
  const hasApplets = hasFile("/bin/busybox") || hasFile("/bin/sh");
  if (command.includes("/")) {
    if (hasFile(command.startsWith("/") ? command : `/${command}`)) return undefined;
    if (hasApplets && isApplet(baseName(command)) && isBinDir(command.slice(0, command.lastIndexOf("/")))) return undefined;
    return `exec: ${goQuote(command)}: stat ${command}: no such file or directory`;
  }
  if (hasApplets && emulated.has(command)) return undefined;
  const pathVar = [...p.env].reverse().find((e) => e.startsWith("PATH="))?.slice(5) ?? defaultPath;
  for (const dir of pathVar.split(":")) {
    if (dir === "") continue;
    const bin = dir.replace(/\/+$/, "");
    if (hasFile(`${bin}/${command}`) || (hasApplets && isApplet(command) && isBinDir(bin))) return undefined;
  }
  return `exec: ${goQuote(command)}: executable file not found in $PATH`;
}

/** A command a shell image has: busybox's applets, and the shells emulated here. */
function isApplet(name: string): boolean {
  return emulated.has(name) || busyboxApplets.has(name);
}

function isBinDir(dir: string): boolean {
  return defaultPath.split(":").includes(dir);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** %q for the command names runc prints (printable ASCII is the common case). */
function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u([0-9a-f]{4})/g, (_, hex: string) => `\\x${hex.slice(2)}`);
}

/** One emulated command as a script, or undefined when it is not one of them. */
function emulateCommand(name: string, args: readonly string[], memoryLimit: bigint | undefined): ProcessScript | undefined {
  switch (name) {
    case "sh":
    case "ash":
    case "bash":
      if (args[0] === "-c" && args.length >= 2) {
        // Loops, conditionals, pipes and substitutions are beyond the emulation: such a script runs
        // until killed, as any process the fake cannot follow does (critest's `while true; ...`).
        return compoundShell.test(args[1]!) ? {} : shellScript(args[1]!, busyboxApplets);
      }
      return undefined;
    case "tail":
      if (args.includes("-f")) return {};
      if (args.length === 1 && args[0] === "/dev/zero") {
        // It never finds a newline, so it keeps everything it reads: the memory cgroup ends it.
        if (memoryLimit === undefined || memoryLimit <= 0n) return {};
        return { oom: { afterMs: Math.max(1, Number(memoryLimit) / hogBytesPerMs) } };
      }
      return undefined;
    default: {
      const timeline = new Timeline();
      if (!runSimple(timeline, name, args)) return undefined;
      return timeline.finish();
    }
  }
}

/** A script's effects in order: output at times, then an exit (or running on). */
class Timeline {
  atMs = 0;
  status = 0;
  forever = false;
  exited = false;
  /** Where the current command's stdout and stderr go (a shell's `>&2` / `2>&1`). */
  redirect: Record<Stream, Stream> = { stdout: "stdout", stderr: "stderr" };
  readonly output: NonNullable<ProcessScript["output"]> = [];

  write(stream: Stream, data: string): void {
    this.output.push({ stream: this.redirect[stream], data, atMs: this.atMs });
  }

  finish(): ProcessScript {
    const script: ProcessScript = {};
    if (this.output.length > 0) script.output = this.output;
    if (!this.forever) script.exit = { code: this.status & 0xff, afterMs: this.atMs };
    return script;
  }
}

/** Runs a simple command into the timeline; false when it is not emulated. */
function runSimple(t: Timeline, name: string, args: readonly string[]): boolean {
  switch (name) {
    case "true":
      t.status = 0;
      return true;
    case "false":
      t.status = 1;
      return true;
    case "echo": {
      const noNewline = args[0] === "-n";
      t.write("stdout", (noNewline ? args.slice(1) : args).join(" ") + (noNewline ? "" : "\n"));
      t.status = 0;
      return true;
    }
    case "sleep": {
      const seconds = sleepSeconds(args);
      if (typeof seconds === "string") {
        t.write("stderr", seconds);
        t.status = 1;
      } else if (seconds === Infinity) {
        t.forever = true;
      } else {
        t.atMs += seconds * 1000;
        t.status = 0;
      }
      return true;
    }
    default:
      return false;
  }
}

const sleepUnits: Record<string, number> = { "": 1, s: 1, m: 60, h: 3600, d: 86400 };

/** busybox sleep's arguments (fractions, s/m/h/d suffixes, "inf"), summed; an error text if bad. */
function sleepSeconds(args: readonly string[]): number | string {
  if (args.length === 0) return "BusyBox v1.36.1 multi-call binary.\n\nUsage: sleep [N]...\n";
  let total = 0;
  for (const arg of args) {
    if (/^inf(inity)?$/i.test(arg)) return Infinity;
    const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(arg);
    if (!m) return `sleep: invalid number '${arg}'\n`;
    total += Number(m[1]) * sleepUnits[m[2]!]!;
  }
  return total;
}

type Stream = "stdout" | "stderr";

/** The redirections a statement may carry, and where they send stdout and stderr. */
const redirections: Record<string, Partial<Record<Stream, Stream>>> = {
  ">&2": { stdout: "stderr" },
  "1>&2": { stdout: "stderr" },
  "2>&1": { stderr: "stdout" },
};

/** Shell syntax beyond simple commands separated by `;` or newlines. */
const compoundShell = /(?:^|[;\n])\s*(?:while|until|for|if|case)\b|&&|\|\||[|`{}()]|\$\(/;

/**
 * `sh -c '<script>'`: statements separated by ";" or newlines, each a simple command among the
 * emulated ones (optionally with `>&2` / `2>&1`, or after `exec`, which ends the shell with the
 * command's status), or `exit [N]`. A command in `runningOn` (one that exists but is not emulated)
 * runs until killed; any other unknown command reports "not found" and sets status 127.
 */
export function shellScript(script: string, runningOn: ReadonlySet<string> = new Set()): ProcessScript {
  const t = new Timeline();
  for (const statement of script.split(/[;\n]/)) {
    if (t.forever || t.exited) break;
    const all = shellWords(statement);
    t.redirect = { stdout: "stdout", stderr: "stderr" };
    for (const word of all) Object.assign(t.redirect, redirections[word]);
    let words = all.filter((word) => !(word in redirections));
    const replacesShell = words[0] === "exec";
    if (replacesShell) words = words.slice(1);
    if (words.length === 0) continue;
    const [name, ...args] = words as [string, ...string[]];
    if (name === "exit") {
      if (args.length > 0) {
        const code = /^-?\d+$/.test(args[0]!) ? Number(BigInt.asIntN(32, BigInt(args[0]!))) : undefined;
        if (code === undefined) {
          t.write("stderr", `sh: exit: Illegal number: ${args[0]}\n`);
          t.status = 2;
        } else {
          t.status = code;
        }
      }
      t.exited = true;
      break;
    }
    if (!runSimple(t, baseName(name), args)) {
      if (runningOn.has(baseName(name))) {
        t.forever = true;
        break;
      }
      t.write("stderr", `sh: ${replacesShell ? "exec: " : ""}${name}: not found\n`);
      t.status = 127;
    }
    if (replacesShell) t.exited = true;
  }
  return t.finish();
}

/** Word splitting with single and double quotes (no expansions). */
function shellWords(statement: string): string[] {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (const ch of statement) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}
