// busybox's applets about the processes of the container's PID namespace: ps and its -o columns.
// The table is the task layer's (tasks.ts, numbered by pid-namespaces.ts); an applet sees it as
// entries, the process running the applet among them.

import { passwdEntry } from "./id.ts";
import { decoder, type Applet, type ProcessEntry } from "./applet.ts";

/** ps -o's columns: header, width (0: the last column, unpadded), whether values are right-aligned, and the value. */
const columns: ReadonlyMap<string, { header: string; width: number; right: boolean; value: (p: ProcessEntry, self: boolean, user: (uid: number) => string) => string }> = new Map([
  ["pid", { header: "PID", width: 5, right: true, value: (p) => String(p.pid) }],
  ["ppid", { header: "PPID", width: 5, right: true, value: (p) => String(p.ppid) }],
  ["user", { header: "USER", width: 8, right: false, value: (p, _, user) => user(p.uid).slice(0, 8) }],
  // Every other process of the fake waits for something; the one running ps is running.
  ["stat", { header: "STAT", width: 4, right: false, value: (_, self) => (self ? "R" : "S") }],
  ["args", { header: "COMMAND", width: 0, right: false, value: (p) => p.args.join(" ") }],
]);

/** `ps` and `ps -o COLUMN,...` (pid, ppid, user, stat, args): busybox's default is `pid,user,args`. */
const ps: Applet = (io, args) => {
  let format = "pid,user,args";
  if (args.length === 2 && args[0] === "-o") format = args[1]!;
  else if (args.length > 0) return undefined;
  const picked = format.split(",").map((name) => columns.get(name));
  if (picked.some((column) => column === undefined)) return undefined;
  const passwd = io.files.readFile("/etc/passwd");
  const passwdText = passwd && decoder.decode(passwd);
  const user = (uid: number) => passwdEntry(passwdText, uid)?.name ?? String(uid);
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

export const processApplets: Readonly<Record<string, Applet>> = { ps };
