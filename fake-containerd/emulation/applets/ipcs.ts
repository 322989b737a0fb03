// busybox's ipcs -m: the System V shared memory segments of the process's IPC namespace, from the
// kernel's table (/proc/sysvipc/shm) in busybox's layout (util-linux/ipcs.c, 1.36). Its other
// tables and formats are not emulated.

import { passwdEntry } from "./id.ts";
import { decoder, options, type Applet } from "./applet.ts";

const shmDest = 0o1000;
const shmLocked = 0o2000;

/** `ipcs -m`: a blank line, the title, the column names, a line per segment, a blank line. */
export const ipcs: Applet = (io, args) => {
  const parsed = options(args, "m");
  if (!parsed || parsed.operands.length > 0 || !parsed.flags.has("m")) return undefined;
  const table = io.files.readFile("/proc/sysvipc/shm");
  if (table === undefined) return undefined;
  const passwd = io.files.readFile("/etc/passwd");
  const passwdText = passwd && decoder.decode(passwd);
  const cell = (text: string, width: number) => text.padEnd(width);
  const lines = ["", "------ Shared Memory Segments --------", ["key", "shmid", "owner", "perms", "bytes", "nattch"].map((h) => cell(h, 10)).join(" ") + " " + cell("status", 12)];
  for (const row of decoder.decode(table).split("\n").slice(1)) {
    const fields = row.trim().split(/\s+/);
    if (fields.length < 8) continue;
    const [key = "0", shmid = "", perms = "0", size = "", , , nattch = "", uid = ""] = fields;
    const mode = parseInt(perms, 8);
    const owner = passwdEntry(passwdText, Number(uid))?.name.slice(0, 10) ?? uid;
    const keyHex = `0x${(Number(key) >>> 0).toString(16).padStart(8, "0")}`;
    lines.push(`${keyHex} ${cell(shmid, 10)} ${cell(owner, 10)} ${cell((mode & 0o777).toString(8), 10)} ${cell(size, 10)} ${cell(nattch, 10)} ${cell(mode & shmDest ? "dest" : " ", 6)} ${cell(mode & shmLocked ? "locked" : " ", 6)}`);
  }
  io.out(`${lines.join("\n")}\n\n`);
  return 0;
};
