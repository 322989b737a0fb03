// What runs inside a container when no test scripted it: busybox's ash and applets, emulated.
//
// Design. A script is parsed once (syntax/: a lexer whose tokens remember their quoting, a parser
// that reads ash's grammar the way ash does, errors and all, an AST of plain data with numbered
// nodes, a printer back to source) and cached by its text. A running shell (shell/shell.ts) is an
// explicit machine: its state and a stack of frames naming nodes by number, so a live process can
// be saved and restored mid-script. It moves in steps; a simple command runs whole within a step,
// and so do the processes a shell waits for (pipeline stages, subshells, `$(...)`), worked out at
// once as shells of their own. A step's effects (output, file changes, an exit, an OOM kill) land
// on a timeline at their moments; the live process (process.ts) plays each step's timeline on the
// fake's clock and takes the next step only after it, so the world can reach the shell between
// steps: a signal runs its trap where ash would, stdin feeds `read`, a job's end wakes `wait`, and
// the files a step reads are read when it runs. Builtins (shell/builtins.ts) and applets
// (applets/) are tables: one entry per command. What the emulation does not follow says so: an
// exec ends with status 127 and `not emulated by fake-cri`; a container's own process runs on as
// far as anyone can tell.
//
// Signals reach a process as `EmulatedProcess.signal` (the trap runs at the shell's next step; a
// program's own handlers, like pause's, end it; PID 1 of a PID namespace drops what it does not
// handle) and a job as `signalJob`. The process table is the task layer's: it lists each process
// with what its shells forked and still run (`jobs()`), and a shell's `kill` and `ps` reach it through the
// port. An interactive `sh` (no script, a stdin) is the same machine given one parsed command
// after another as lines arrive (a program pushed the way `eval` and `.` push theirs).
//
// This module decides, as runc does, whether a command line can start at all (its executable is
// in the container's root filesystem), and starts the emulation of one that can.

import { signals, type ProcessUser } from "../processes/script.ts";
import type { Privileges } from "../privileges.ts";
import { busyboxApplets } from "./applets/busybox-list.ts";
import { applets } from "./applets/index.ts";
import { EmulatedProcess, type EmulationPort, type EmulationState } from "./process.ts";
import { appletBuiltins } from "./shell/builtins.ts";
import { baseName, Shell } from "./shell/shell.ts";

export { baseName } from "./shell/shell.ts";
export { EmulatedProcess, type EmulationPort, type EmulationState } from "./process.ts";
export type { FileSource } from "./files.ts";
export type { ProcessEntry } from "./applets/applet.ts";

const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * Commands a shell image runs whatever the spec's PATH says (a busybox of the fake's own): the
 * first ones emulated, and bash, which busybox lacks but scripts ask for.
 */
const alwaysThere = new Set(["true", "false", "echo", "sleep", "tail", "sh", "ash", "bash"]);

/** Whether the container's root filesystem has a file at an absolute path; undefined when it has none to look in. */
export type HasFile = ((path: string) => boolean) | undefined;

/** runc's lookup of argv[0]: the reason it cannot start it, or undefined when it can. */
export function missingExecutable(command: string, env: readonly string[], hasFile: HasFile): string | undefined {
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
  if (hasApplets && alwaysThere.has(command)) return undefined;
  const pathVar = [...env].reverse().find((e) => e.startsWith("PATH="))?.slice(5) ?? defaultPath;
  return found(command, pathVar, hasFile, hasApplets) ? undefined : `exec: ${goQuote(command)}: executable file not found in $PATH`;
}

function found(command: string, pathVar: string, hasFile: (path: string) => boolean, hasApplets: boolean): boolean {
  for (const dir of pathVar.split(":")) {
    if (dir === "") continue;
    const bin = dir.replace(/\/+$/, "");
    if (hasFile(`${bin}/${command}`) || (hasApplets && isApplet(command) && isBinDir(bin))) return true;
  }
  return false;
}

/** A command a shell image has: busybox's applets, and the shells emulated here. */
function isApplet(name: string): boolean {
  return alwaysThere.has(name) || busyboxApplets.has(name);
}

function isBinDir(dir: string): boolean {
  return defaultPath.split(":").includes(dir);
}

/** %q for the command names runc prints (printable ASCII is the common case). */
function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u([0-9a-f]{4})/g, (_, hex: string) => `\\x${hex.slice(2)}`);
}

/**
 * Whether the emulation follows this command line whatever the image lists (a shell script, or an
 * applet of the reference busybox); another busybox's applets (pgrep) only where the image has them,
 * or where there is no root filesystem to look in.
 */
export function emulatesCommand(argv: readonly string[], hasFile: HasFile): boolean {
  const name = baseName(argv[0] ?? "");
  if (shells.has(name) && argv[1] === "-c" && argv.length >= 3) return true;
  return (applets.has(name) && (busyboxApplets.has(name) || hasFile === undefined)) || appletBuiltins.has(name);
}

/** A process the emulation runs, as its task describes it. */
export interface EmulatedStart {
  readonly args: readonly string[];
  readonly env: readonly string[];
  readonly cwd: string;
  readonly user: ProcessUser;
  readonly terminal: boolean;
  /** The spec's memory limit, which a memory hog runs into. */
  readonly memoryLimit: bigint | undefined;
  /** What the kernel lets the process do. */
  readonly privileges: Privileges;
  /** An exec, rather than the container's own process. */
  readonly exec: boolean;
  readonly hasFile: HasFile;
  /** The process's PID, its `$$`. */
  readonly pid: number;
  /** PID 1 of its PID namespace: the signals it has no handler for do nothing. */
  readonly namespaceInit: boolean;
  /** Whether it has a stdin to read (a container created with stdin, an exec with stdin). */
  readonly stdin: boolean;
}

const shells = new Set(["sh", "ash", "bash"]);

/** Whether argv starts a shell that reads commands from its stdin (no -c, no script file). */
export function readsCommandsFromStdin(args: readonly string[]): boolean {
  const [command, ...rest] = args;
  return command !== undefined && shells.has(baseName(command)) && rest.every((a) => a === "-i" || a === "-l" || a === "-");
}

/**
 * Programs of images other than busybox whose own signal handlers the emulation knows: the exit
 * status each handled signal ends them with. pause (scripts/reference/pause.c, as the real one)
 * exits 0 on SIGINT and SIGTERM.
 */
const programSignalHandlers: ReadonlyMap<string, ReadonlyMap<number, number>> = new Map([
  ["pause", new Map([[signals.SIGINT, 0], [signals.SIGTERM, 0]])],
]);

/** Starts (or, from a saved state, picks up) the emulation of a process. */
export function emulate(start: EmulatedStart, port: EmulationPort, state?: EmulationState): EmulatedProcess {
  const { args, env, hasFile } = start;
  // Without a root filesystem to look in, the emulated commands are what there is.
  const exists = (command: string, path: string | undefined): boolean =>
    hasFile ? (command.includes("/") ? missingExecutable(command, env, hasFile) === undefined : found(command, path ?? defaultPath, hasFile, hasFile("/bin/busybox") || hasFile("/bin/sh"))) : isApplet(baseName(command)) || applets.has(baseName(command));
  const handlers = programSignalHandlers.get(baseName(args[0] ?? "")) ?? new Map<number, number>();
  const setup = { user: start.user, terminal: start.terminal, memoryLimit: start.memoryLimit, privileges: start.privileges, exec: start.exec, exists, namespaceInit: start.namespaceInit, handlers };
  return new EmulatedProcess(setup, port, (ctx) => {
    const pid = start.pid;
    const [command = "", ...rest] = args;
    if (shells.has(baseName(command)) && rest[0] === "-c" && rest.length >= 2) {
      const process = { pid, ppid: 0, args, name: baseName(command).slice(0, 15) };
      return Shell.script(ctx, { shell: command, source: rest[1]!, args: rest.slice(2), env, cwd: start.cwd || "/", process, live: true });
    }
    // Without a stdin, such a shell would end at once; a container's runs on (not emulated).
    if (start.stdin && readsCommandsFromStdin(args)) return Shell.interactive(ctx, { arg0: command, env, cwd: start.cwd || "/", pid });
    return Shell.command(ctx, { argv: args, env, cwd: start.cwd || "/", pid });
  }, state);
}
