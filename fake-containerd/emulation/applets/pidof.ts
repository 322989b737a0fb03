// busybox's pidof over the processes the applet's process sees (its PID namespace's, or the whole
// node's from the host's).

import { options, type Applet, type ProcessEntry } from "./applet.ts";

/**
 * Whether a process is called `name` as busybox matches it: its comm when that is not cut to 15
 * characters, or the base name of its argv[0].
 */
function called(entry: ProcessEntry, name: string): boolean {
  if (entry.name.length < 15 && entry.name === name) return true;
  const argv0 = entry.args[0] ?? "";
  return argv0.slice(argv0.lastIndexOf("/") + 1) === name;
}

/**
 * `pidof [-s] [-o PID] NAME...`: for each name the PIDs of the processes called so, highest first
 * (busybox reverses the /proc order, as GNU pidof does), on one line; exit 1 when none matched.
 * `-o %PPID` omits the caller's parent, which the fake's table does not name, so it is not followed.
 */
export const pidof: Applet = (io, args) => {
  const parsed = options(args, "s", "o");
  if (!parsed) return undefined;
  const omitted = parsed.values.get("o");
  if (omitted !== undefined && !/^\d+(,\d+)*$/.test(omitted)) return undefined;
  const omit = new Set((omitted ?? "").split(",").filter((pid) => pid !== "").map(Number));
  const found: number[] = [];
  for (const name of parsed.operands) {
    const pids = io.processes().filter((entry) => called(entry, name) && !omit.has(entry.pid)).map((entry) => entry.pid).reverse();
    found.push(...(parsed.flags.has("s") ? pids.slice(0, 1) : pids));
  }
  if (found.length === 0) return 1;
  io.out(`${found.join(" ")}\n`);
  return 0;
};
