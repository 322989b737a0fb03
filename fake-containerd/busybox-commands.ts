// The simple commands the emulation runs as busybox does (echo, cat, ls, id, sleep, the text
// filters, printf ...), into a script's timeline, and the environment runc gives a process.

import { busyboxIdOf, passwdEntry } from "./busybox-id.ts";
import type { FileAccess } from "./process-emulation.ts";
import { absolute, runFileCommand, type ScriptFiles } from "./process-files.ts";
import { printf, unescape } from "./printf.ts";
import { runTextCommand, seq } from "./text-commands.ts";
import type { Timeline } from "./timeline.ts";

const decoder = new TextDecoder();

/**
 * The environment runc starts a process with: the spec's, and HOME from the user's /etc/passwd
 * entry (`/` without one) when the spec sets none. Only what reads the environment asks, so a
 * command that does not is laid out without reading /etc/passwd.
 */
export function withHome(env: readonly string[], files: FileAccess | undefined): readonly string[] {
  return files && !env.some((entry) => entry.startsWith("HOME=")) ? [...env, `HOME=${homeOf(files)}`] : env;
}

export function homeOf(files: FileAccess): string {
  const passwd = files.readFile("/etc/passwd");
  return passwdEntry(passwd && decoder.decode(passwd), files.user.uid)?.home ?? "/";
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Runs a simple command into the timeline; false when it is not emulated. */
export function runSimple(t: Timeline, name: string, args: readonly string[]): boolean {
  switch (name) {
    case ":":
    case "true":
      t.status = 0;
      return true;
    case "false":
      t.status = 1;
      return true;
    case "echo": {
      const out = echo(args);
      if (out !== "") t.write("stdout", out);
      t.status = 0;
      return true;
    }
    case "cat": {
      if (args.length === 0 && t.stdin) {
        if (t.stdin.length > 0) t.write("stdout", t.stdin);
        t.status = 0;
        return true;
      }
      if (!t.files || args.length === 0 || args.some((arg) => arg.startsWith("-"))) return false;
      t.status = 0;
      for (const path of args) {
        const content = t.files.readFile(absolute(path, t.files.cwd));
        if (content) t.write("stdout", content);
        else {
          t.write("stderr", `cat: can't open '${path}': No such file or directory\n`);
          t.status = 1;
        }
      }
      return true;
    }
    case "ls":
    case "touch":
    case "mkdir":
    case "rm":
    case "cp":
    case "mv":
      return t.files !== undefined && runFileCommand(t as Timeline & { files: ScriptFiles }, name, args);
    case "hostname":
      // The UTS hostname a container sees is the one its /etc/hostname (the pod's file) holds.
      return args.length === 0 && runSimple(t, "cat", ["/etc/hostname"]);
    case "id": {
      const files = t.files;
      if (!files) return false;
      const text = (path: string) => {
        const content = files.readFile(path);
        return content && decoder.decode(content);
      };
      const out = busyboxIdOf(args, files.access.user, text("/etc/passwd"), text("/etc/group"));
      if (!out) return false;
      if (out.stdout !== "") t.write("stdout", out.stdout);
      if (out.stderr !== "") t.write("stderr", out.stderr);
      t.status = out.code;
      return true;
    }
    case "tail":
      if (args.includes("-f")) {
        t.forever = true;
        return true;
      }
      if (args.length === 1 && args[0] === "/dev/zero") {
        // It never finds a newline, so it keeps everything it reads.
        t.hog(undefined);
        return true;
      }
      return t.files !== undefined && runTextCommand(t as Timeline & { files: ScriptFiles }, name, args);
    case "grep":
    case "wc":
    case "head":
    case "cut":
    case "sort":
    case "uniq":
    case "tr":
    case "awk":
    case "tee":
    case "basename":
    case "dirname":
      return t.files !== undefined && runTextCommand(t as Timeline & { files: ScriptFiles }, name, args);
    case "printf":
      return runPrintf(t, "printf", args);
    case "seq": {
      const out = seq(args);
      if (out === undefined) return false;
      if (out !== "") t.write("stdout", out);
      t.status = 0;
      return true;
    }
    case "uname":
      return uname(t, args);
    case "pwd":
      if (!t.files || args.length > 0) return false;
      t.write("stdout", `${t.files.cwd}\n`);
      t.status = 0;
      return true;
    case "whoami": {
      if (!t.files || args.length > 0) return false;
      const passwd = t.files.readFile("/etc/passwd");
      const uid = t.files.access.user.uid;
      const entry = passwdEntry(passwd && decoder.decode(passwd), uid);
      if (entry) t.write("stdout", `${entry.name}\n`);
      else t.write("stderr", `whoami: unknown uid ${uid}\n`);
      t.status = entry ? 0 : 1;
      return true;
    }
    case "dd": {
      // Copying /dev/zero without end holds one block of memory: a block beyond the limit is an
      // OOM kill as soon as it fills (critest's `dd if=/dev/zero of=/dev/null bs=20M`).
      const operands = new Map(args.filter((arg) => arg.includes("=")).map((arg) => [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]));
      const block = ddSize(operands.get("bs") ?? "512");
      if (operands.get("if") !== "/dev/zero" || operands.has("count") || block === undefined) return false;
      t.hog(block);
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

/** uname's fields in the order busybox prints them; the node's kernel release and version are not emulated. */
const unameFields: ReadonlyArray<[flag: string, value: (hostname: string) => string]> = [
  ["s", () => "Linux"],
  ["n", (hostname) => hostname],
  ["m", () => "x86_64"],
  ["o", () => "GNU/Linux"],
];

/** `uname [-snmo]` (alone: `-s`) on the fake node, an amd64 Linux; the node name is the container's hostname. */
function uname(t: Timeline, args: readonly string[]): boolean {
  const flags = new Set<string>();
  for (const arg of args) {
    if (!/^-[snmo]+$/.test(arg)) return false;
    for (const flag of arg.slice(1)) flags.add(flag);
  }
  if (flags.size === 0) flags.add("s");
  let hostname = "";
  if (flags.has("n")) {
    const content = t.files?.readFile("/etc/hostname");
    if (!content) return false;
    hostname = decoder.decode(content).replace(/\n$/, "");
  }
  t.write("stdout", `${unameFields.filter(([flag]) => flags.has(flag)).map(([, value]) => value(hostname)).join(" ")}\n`);
  t.status = 0;
  return true;
}

/**
 * busybox echo (ash's builtin too): leading words of only `n`, `e` and `E` flags are options (no
 * newline; escapes on or off, off by default); with `-e`, `\0NNN` / `\NNN`, `\xHH`, `\a \b \e \f
 * \n \r \t \v \\`, and `\c`, which ends the output there.
 */
function echo(args: readonly string[]): string {
  let newline = true;
  let escapes = false;
  let i = 0;
  for (; i < args.length && /^-[neE]+$/.test(args[i]!); i++) {
    for (const flag of args[i]!.slice(1)) {
      if (flag === "n") newline = false;
      else escapes = flag === "e";
    }
  }
  const text = args.slice(i).join(" ");
  if (!escapes) return newline ? `${text}\n` : text;
  const { text: out, stopped } = unescape(text, true);
  return newline && !stopped ? `${out}\n` : out;
}

/** printf's output into the timeline; `name` prefixes its errors (`sh` for ash's builtin). */
export function runPrintf(t: Timeline, name: string, args: readonly string[]): boolean {
  const result = printf(name, args);
  if (!result) return false;
  // Errors go out at once; the output when stdio flushes it.
  if (result.stderr !== "") t.write("stderr", result.stderr);
  if (result.stdout !== "") t.write("stdout", result.stdout);
  t.status = result.status;
  return true;
}

/** busybox dd's size suffixes. */
const ddUnits: Record<string, bigint> = {
  "": 1n,
  c: 1n,
  w: 2n,
  b: 512n,
  kB: 1000n,
  kD: 1000n,
  k: 1024n,
  K: 1024n,
  MB: 1000n ** 2n,
  MD: 1000n ** 2n,
  M: 1024n ** 2n,
  GB: 1000n ** 3n,
  GD: 1000n ** 3n,
  G: 1024n ** 3n,
};

/** A dd size operand in bytes, or undefined when busybox would refuse it. */
function ddSize(text: string): bigint | undefined {
  const m = /^(\d+)([A-Za-z]*)$/.exec(text);
  const unit = m ? ddUnits[m[2]!] : undefined;
  return m && unit !== undefined ? BigInt(m[1]!) * unit : undefined;
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
