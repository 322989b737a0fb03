// busybox's applets about the processes of the container's PID namespace: ps and its -o columns,
// pgrep and pkill, top's batch screen. The table is the task layer's (tasks.ts, numbered by pid-namespaces.ts); an
// applet sees it as entries, the process running the applet among them.

import { signalName } from "../shell/builtins.ts";
import { passwdEntry } from "./id.ts";
import { decoder, options, type Applet, type AppletIo, type ProcessEntry } from "./applet.ts";
import { grepRegex } from "./text.ts";

/** ps -o's columns: header, width (0: the last column, unpadded), whether values are right-aligned, and the value. */
const columns: ReadonlyMap<string, { header: string; width: number; right: boolean; value: (p: ProcessEntry, self: boolean, user: (uid: number) => string) => string }> = new Map([
  ["pid", { header: "PID", width: 5, right: true, value: (p) => String(p.pid) }],
  ["ppid", { header: "PPID", width: 5, right: true, value: (p) => String(p.ppid) }],
  ["user", { header: "USER", width: 8, right: false, value: (p, _, user) => user(p.uid).slice(0, 8) }],
  // Every other process of the fake waits for something; the one running ps is running.
  ["stat", { header: "STAT", width: 4, right: false, value: (_, self) => (self ? "R" : "S") }],
  ["args", { header: "COMMAND", width: 0, right: false, value: (p) => shownCommand(p) }],
]);

/**
 * A command line as ps and top show it: with the process's name in braces first when its first
 * word's file name does not start with it (a NOEXEC applet ash runs in a forked shell: `{ps} sh -c ...`).
 */
function shownCommand(entry: ProcessEntry): string {
  const line = entry.args.join(" ");
  const first = entry.args[0]?.split(" ")[0] ?? "";
  const program = first.slice(first.lastIndexOf("/") + 1).replace(/^-/, "");
  return program.startsWith(entry.name) ? line : `{${entry.name}} ${line}`;
}

/** The user column of ps and top: the name /etc/passwd gives a UID, else the number. */
function userNames(io: AppletIo): (uid: number) => string {
  const passwd = io.files.readFile("/etc/passwd");
  const passwdText = passwd && decoder.decode(passwd);
  return (uid) => passwdEntry(passwdText, uid)?.name ?? String(uid);
}

/** `ps` and `ps -o COLUMN,...` (pid, ppid, user, stat, args): busybox's default is `pid,user,args`. */
const ps: Applet = (io, args) => {
  let format = "pid,user,args";
  if (args.length === 2 && args[0] === "-o") format = args[1]!;
  else if (args.length > 0) return undefined;
  const picked = format.split(",").map((name) => columns.get(name));
  if (picked.some((column) => column === undefined)) return undefined;
  const user = userNames(io);
  // Headers are left-aligned in every column; numbers right-aligned under them.
  const line = (cells: string[], header: boolean) =>
    cells
      .map((cell, k) => {
        const { width, right } = picked[k]!;
        if (k === cells.length - 1 && width === 0) return cell;
        return right && !header ? cell.padStart(width) : cell.padEnd(width);
      })
      .join(" ")
      .trimEnd();
  const rows = [line(picked.map((column) => column!.header), true)];
  for (const entry of io.processes()) rows.push(line(picked.map((column) => column!.value(entry, entry.pid === io.pid, user)), false));
  io.out(`${rows.join("\n")}\n`);
  return 0;
};

/** A process's name as the kernel keeps it (`comm`): its program's file name, cut to 15 bytes. */
function comm(entry: ProcessEntry): string {
  const program = entry.args[0] ?? "";
  return program.slice(program.lastIndexOf("/") + 1).slice(0, 15);
}

/**
 * The processes pgrep and pkill pick: those whose name (with -f, whose command line) matches the
 * extended regular expression (wholly with -x), or do not with -v; the oldest or newest alone with
 * -o or -n. Never the process running the applet. Undefined for what is not emulated.
 */
function pick(io: AppletIo, applet: string, flags: ReadonlySet<string>, operands: readonly string[]): ProcessEntry[] | undefined {
  if (operands.length !== 1) return undefined;
  const regex = grepRegex(operands[0]!, new Set(flags.has("x") ? ["E", "x"] : ["E"]));
  if (regex === undefined) return undefined;
  const matched = io.processes().filter((entry) => {
    if (entry.pid === io.pid && comm(entry) === applet) return false;
    // busybox tries the command line first and the name after it, so -f matches either.
    const found = (flags.has("f") && regex.test(entry.args.join(" "))) || regex.test(comm(entry));
    return found !== flags.has("v");
  });
  if (matched.length === 0) return matched;
  if (flags.has("o")) return [matched[0]!];
  if (flags.has("n")) return [matched.at(-1)!];
  return matched;
}

/** `pgrep [-flaovnx] PATTERN`: the PIDs of the matching processes (with their names, -l, or command lines, -a); status 1 when none. */
const pgrep: Applet = (io, args) => {
  const parsed = options(args, "flaovnx");
  if (!parsed) return undefined;
  const matched = pick(io, "pgrep", parsed.flags, parsed.operands);
  if (matched === undefined) return undefined;
  const line = (entry: ProcessEntry) => (parsed.flags.has("a") ? `${entry.pid} ${entry.args.join(" ")}` : parsed.flags.has("l") ? `${entry.pid} ${comm(entry)}` : String(entry.pid));
  if (matched.length === 0) return 1;
  io.out(matched.map((entry) => `${line(entry)}\n`).join(""));
  return 0;
};

/** `pkill [-SIGNAL] [-fovnx] PATTERN`: the signal (TERM by default) to each matching process; status 1 when none. */
const pkill: Applet = (io, args) => {
  let signal = "TERM";
  let rest = args;
  const named = args[0]?.startsWith("-") ? signalName(args[0].slice(1)) : undefined;
  if (named !== undefined && named !== "EXIT") {
    signal = named;
    rest = args.slice(1);
  }
  const parsed = options(rest, "fovnx");
  if (!parsed) return undefined;
  const matched = pick(io, "pkill", parsed.flags, parsed.operands);
  if (matched === undefined) return undefined;
  for (const entry of matched) io.kill(entry.pid, signal);
  return matched.length > 0 ? 0 : 1;
};

/**
 * The node as top shows it, in KiB: the reference machine's memory at rest (its totals, not a
 * model of the fake's load). No CPU is busy: an emulated process works in no time.
 */
const node = { usedKiB: 6_138_084, freeKiB: 18_545_688, sharedKiB: 10_304, buffersKiB: 239_980, cachedKiB: 3_055_176 };

/** A process's virtual size in KiB as the reference shows it: pause's, else the static busybox's (every applet and shell). */
function virtualKiB(entry: ProcessEntry): number {
  return comm(entry) === "pause" ? 988 : 2268;
}

/**
 * `top -b -n 1`: one batch screen of busybox's top: the node's memory and CPU, the load, then every
 * process, largest first (on the first screen no process has a CPU share yet), none of them busy.
 */
const top: Applet = (io, args) => {
  const parsed = options(args, "b", "n");
  if (!parsed || !parsed.flags.has("b") || parsed.values.get("n") !== "1" || parsed.operands.length > 0) return undefined;
  const user = userNames(io);
  const entries = io.processes();
  const totalKiB = node.usedKiB + node.freeKiB;
  const rows = entries
    .map((entry) => ({ entry, vsz: virtualKiB(entry) }))
    .sort((a, b) => b.vsz - a.vsz)
    .map(({ entry, vsz }) => {
      const stat = entry.pid === io.pid ? "R" : "S";
      const share = `${Math.floor((vsz * 100) / totalKiB)}%`.padStart(4);
      return `${String(entry.pid).padStart(5)} ${String(entry.ppid).padStart(5)} ${user(entry.uid).slice(0, 8).padEnd(8)} ${stat.padEnd(4)} ${String(vsz).padStart(5)} ${share}   0% ${shownCommand(entry)}\n`;
    });
  io.out(
    `Mem: ${node.usedKiB}K used, ${node.freeKiB}K free, ${node.sharedKiB}K shrd, ${node.buffersKiB}K buff, ${node.cachedKiB}K cached\n` +
      "CPU:   0% usr   0% sys   0% nic 100% idle   0% io   0% irq   0% sirq\n" +
      `Load average: 0.00 0.00 0.00 1/${entries.length} ${Math.max(...entries.map((entry) => entry.pid))}\n` +
      "  PID  PPID USER     STAT   VSZ %VSZ %CPU COMMAND\n" +
      rows.join("") +
      "\n",
  );
  return 0;
};

export const processApplets: Readonly<Record<string, Applet>> = { ps, pgrep, pkill, top };
