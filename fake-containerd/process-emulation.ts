// What a process does when no test scripted it: a few everyday busybox commands behave as busybox
// does under runc (output, timing, exit codes; busybox-commands.ts, and `sh -c` in shell.ts), a
// memory hog is killed by the memory cgroup, and an executable that is not in the container's root
// filesystem fails to start as runc reports it. Anything else that exists runs until it is killed
// (an exec ends with a note instead). Plain data in, a ProcessScript out, so the result can be
// saved with the fake's state. Commands that read or change the container's files (`cat`, `ls`,
// `id`, `hostname`, `touch`, `mkdir`, `rm`, `[ -f ]`, `>` ...) are emulated only when those files
// are at hand (FileAccess); their changes are part of the script, made at their moment.

import { busyboxApplets } from "./busybox-applets.ts";
import { baseName, runSimple, withHome } from "./busybox-commands.ts";
import type { ProcessUser } from "./busybox-id.ts";
import { ScriptFiles } from "./process-files.ts";
import type { ProcessScript } from "./processes.ts";
import { shellScript } from "./shell.ts";
import { Timeline } from "./timeline.ts";

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
  /** The container's files and the process's user, for the commands that read them. */
  files?: FileAccess;
}

/** What the commands that read the container's files see. */
export interface FileAccess {
  /** A file as the process would read it, or undefined when there is none. Paths are absolute. */
  readFile(path: string): Uint8Array | undefined;
  /** The names a directory holds (unsorted), or undefined when it is not a directory. */
  readDir(path: string): readonly string[] | undefined;
  /** Whether the path is on a read-only filesystem. */
  readOnly(path: string): boolean;
  /** Where the path's file lives: the same for two paths that name one file (a directory mounted twice). */
  locate(path: string): string;
  /** Who the process runs as (`id`). */
  user: ProcessUser;
  /** The working directory, which relative paths start from. */
  cwd: string;
  /** Whether the process writes to a terminal (`ls` lays its names out in columns then). */
  terminal: boolean;
}

const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * Commands a shell image runs whatever the spec's PATH says (a busybox of the fake's own): the
 * first ones emulated, and bash, which busybox lacks but scripts ask for.
 */
const emulated = new Set(["true", "false", "echo", "sleep", "tail", "sh", "ash", "bash"]);

/**
 * The script of a container's own process: an emulated command, a start failure for a missing
 * executable, or (for anything else) a process that runs until killed.
 */
export function emulateContainerProcess(p: EmulatedProcess): ProcessScript {
  const command = p.args[0];
  const missing = command === undefined ? undefined : missingExecutable(command, p);
  return missing === undefined ? emulateCommandLine(p.args, p) : { failStart: { reason: missing } };
}

/** What the emulation of a command line sees of its process. */
interface CommandProcess {
  env: readonly string[];
  memoryLimit?: bigint | undefined;
  files?: FileAccess | undefined;
  hasFile?: ((path: string) => boolean) | undefined;
}

/**
 * A container's command line as the emulation lays it out, once runc has found its executable.
 * A command that exists but is not emulated runs until killed.
 */
export function emulateCommandLine(args: readonly string[], p: CommandProcess): ProcessScript {
  const [command, ...rest] = args;
  if (command === undefined) return {};
  return emulateCommand(baseName(command), rest, p, false) ?? {};
}

/**
 * An exec's command line. An executable that is not in the container fails to start as runc's
 * does; one that is there but not emulated ends at once with status 127 and a note saying so (an
 * exec is expected to end, so running it until killed would only hang its caller). Undefined when
 * the container has no root filesystem to look in: runc then fails to start what is not emulated.
 */
export function emulateExecLine(args: readonly string[], p: CommandProcess): ProcessScript | undefined {
  const [command, ...rest] = args;
  if (command === undefined) return undefined;
  const script = emulateCommand(baseName(command), rest, p, true);
  if (script || !p.hasFile) return script;
  const missing = missingExecutable(command, p);
  return missing !== undefined ? { failStart: { reason: missing } } : notEmulated(command);
}

/** An exec of a command that is there but not emulated: it says so on stderr and exits 127. */
function notEmulated(command: string): ProcessScript {
  return { output: [{ stream: "stderr", data: `${command}: not emulated by fake-cri\n`, atMs: 0 }], exit: { code: 127, afterMs: 0 } };
}

/** runc's lookup of argv[0]: the reason it cannot start it, or undefined when it can. */
function missingExecutable(command: string, p: Pick<EmulatedProcess, "env" | "hasFile">): string | undefined {
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

/** %q for the command names runc prints (printable ASCII is the common case). */
function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u([0-9a-f]{4})/g, (_, hex: string) => `\\x${hex.slice(2)}`);
}

/**
 * One emulated command as a script, or undefined when it is not one of them. In a `sh -c` script,
 * a command that exists (as runc would find it, or a busybox applet when there is no root
 * filesystem to look in) but is not emulated runs until killed, or in an exec ends with a note.
 */
function emulateCommand(name: string, args: readonly string[], p: CommandProcess, exec: boolean): ProcessScript | undefined {
  if ((name === "sh" || name === "ash" || name === "bash") && args[0] === "-c" && args.length >= 2) {
    const exists = (command: string): boolean => (p.hasFile ? missingExecutable(command, p) === undefined : isApplet(baseName(command)));
    return shellScript(args[1]!, { unemulated: { exists, exec }, env: p.env, memoryLimit: p.memoryLimit, files: p.files });
  }
  const timeline = new Timeline(p.memoryLimit, p.files && new ScriptFiles(p.files));
  if (name === "env" && args.length === 0) {
    // Without a shell in between, the environment as runc set it up, in its order.
    const env = withHome(p.env, p.files);
    if (env.length > 0) timeline.write("stdout", env.map((entry) => `${entry}\n`).join(""));
  } else if (!runSimple(timeline, name, args)) return undefined;
  return timeline.finish();
}
