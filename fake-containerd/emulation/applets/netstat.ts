// busybox's netstat over the kernel's socket tables (/proc/net/*) of the process's network
// namespace, as busybox reads them: `netstat -ln` with -t, -u, -w, -x to choose tables.

import { decoder, options, type Applet, type AppletIo } from "./applet.ts";

const inetHeader = "Proto Recv-Q Send-Q Local Address           Foreign Address         State       ";
const unixHeader = "Proto RefCnt Flags       Type       State         I-Node Path";

/** The kernel's TCP states by number, as netstat names them. */
const tcpStates = ["", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING"];

/** An address of /proc/net/{tcp,udp,raw}[6] (hex, host byte order per 32-bit word) as netstat -n writes it. */
function address(field: string): string {
  const [ip = "", port = ""] = field.split(":");
  const words = ip.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) => (word.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  const portText = parseInt(port, 16) === 0 ? "*" : String(parseInt(port, 16));
  if (bytes.length === 4) return `${bytes.join(".")}:${portText}`;
  const groups: string[] = [];
  for (let k = 0; k < 16; k += 2) groups.push(((bytes[k]! << 8) | bytes[k + 1]!).toString(16));
  // The longest run of zero groups becomes "::", as inet_ntop writes it.
  const joined = `:${groups.join(":")}:`.replace(/(:0)+:/, (run) => (run.length > 3 ? "::" : run));
  return `${joined.replace(/^:(?!:)/, "").replace(/(?<!:):$/, "")}:${portText}`;
}

/** The listening rows of one inet table: a TCP socket in LISTEN, or a UDP or raw socket with no peer. */
function inetRows(io: AppletIo, table: string, proto: string): string[] {
  const file = io.files.readFile(`/proc/net/${table}`);
  if (file === undefined) return [];
  const rows: string[] = [];
  for (const line of decoder.decode(file).split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 5) continue;
    const [, local = "", remote = "", stateHex = "", queues = ""] = fields;
    const state = parseInt(stateHex, 16);
    const listening = proto === "tcp" ? state === 10 : /^0+:0+$/.test(remote);
    if (!listening) continue;
    const [tx = "0", rx = "0"] = queues.split(":");
    const stateText = proto === "tcp" ? tcpStates[state] ?? "" : proto === "raw" ? String(state) : "";
    rows.push(`${proto.padEnd(4)}  ${String(parseInt(rx, 16)).padStart(6)} ${String(parseInt(tx, 16)).padStart(6)} ${address(local).padEnd(23)} ${address(remote).padEnd(23)} ${stateText.padEnd(12)}`);
  }
  return rows;
}

/** The listening UNIX sockets (/proc/net/unix: flag __SO_ACCEPTCON). */
function unixRows(io: AppletIo): string[] {
  const file = io.files.readFile("/proc/net/unix");
  if (file === undefined) return [];
  const types: Record<string, string> = { "0001": "STREAM", "0002": "DGRAM", "0005": "SEQPACKET" };
  const rows: string[] = [];
  for (const line of decoder.decode(file).split("\n").slice(1)) {
    const [, refs = "", , flags = "", type = "", , inode = "", path = ""] = line.trim().split(/\s+/);
    if (line.trim() === "" || (parseInt(flags, 16) & 0x10000) === 0) continue;
    rows.push(`unix  ${String(parseInt(refs, 16)).padEnd(6)} [ ACC ]     ${(types[type] ?? "").padEnd(10)} LISTENING     ${inode.padEnd(6)} ${path}`);
  }
  return rows;
}

/** `netstat -ln` and its table choices (-t tcp, -u udp, -w raw, -x unix; none: all). Other uses are not emulated. */
export const netstat: Applet = (io, args) => {
  const parsed = options(args, "lntuwx");
  if (!parsed || parsed.operands.length > 0 || !parsed.flags.has("l") || !parsed.flags.has("n")) return undefined;
  const chosen = ["t", "u", "w", "x"].filter((flag) => parsed.flags.has(flag));
  const wants = (flag: string) => chosen.length === 0 || chosen.includes(flag);
  const out: string[] = [];
  if (wants("t") || wants("u") || wants("w")) {
    out.push("Active Internet connections (only servers)", inetHeader);
    const tables: Array<[flag: string, table: string, proto: string]> = [
      ["t", "tcp", "tcp"], ["t", "tcp6", "tcp"], ["u", "udp", "udp"], ["u", "udp6", "udp"], ["w", "raw", "raw"], ["w", "raw6", "raw"],
    ];
    for (const [flag, table, proto] of tables) if (wants(flag)) out.push(...inetRows(io, table, proto));
  }
  if (wants("x")) out.push("Active UNIX domain sockets (only servers)", unixHeader, ...unixRows(io));
  io.out(`${out.join("\n")}\n`);
  return 0;
};
