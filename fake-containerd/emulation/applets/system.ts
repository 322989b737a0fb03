// busybox's small applets about the process and its node: true, false, sleep, pwd, env, hostname,
// uname, sync (the fake's files have nothing to flush), and dd from /dev/zero (a memory hog under a
// limit, critest's OOM spec).

import { decoder, type Applet } from "./applet.ts";
import { setHostname } from "./sethostname.ts";

const sleepUnits: Record<string, number> = { "": 1, s: 1, m: 60, h: 3600, d: 86400 };

/** busybox sleep's arguments (fractions, s/m/h/d suffixes, "inf"), summed; it runs for good on "inf". */
const sleep: Applet = (io, args) => {
  if (args.length === 0) {
    io.err("BusyBox v1.36.1 multi-call binary.\n\nUsage: sleep [N]...\n");
    return 1;
  }
  let total = 0;
  for (const arg of args) {
    if (/^inf(inity)?$/i.test(arg)) {
      io.forever();
      return 0;
    }
    const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(arg);
    if (!m) {
      io.err(`sleep: invalid number '${arg}'\n`);
      return 1;
    }
    total += Number(m[1]) * sleepUnits[m[2]!]!;
  }
  io.elapse(total * 1000);
  return 0;
};

/** `env` alone: the environment as the process got it, in its order. */
const env: Applet = (io, args) => {
  if (args.length > 0) return undefined;
  const entries = io.env();
  if (entries.length > 0) io.out(entries.map((entry) => `${entry}\n`).join(""));
  return 0;
};

/** uname's fields in the order busybox prints them; the node's kernel release and version are not emulated. */
const unameFields: ReadonlyArray<[flag: string, value: (hostname: string) => string]> = [
  ["s", () => "Linux"],
  ["n", (hostname) => hostname],
  ["m", () => "x86_64"],
  ["o", () => "GNU/Linux"],
];

/** `uname [-snmo]` (alone: `-s`) on the fake node, an amd64 Linux; the node name is the container's hostname. */
const uname: Applet = (io, args) => {
  const flags = new Set<string>();
  for (const arg of args) {
    if (!/^-[snmo]+$/.test(arg)) return undefined;
    for (const flag of arg.slice(1)) flags.add(flag);
  }
  if (flags.size === 0) flags.add("s");
  let hostname = "";
  if (flags.has("n")) {
    const content = io.files.readFile("/etc/hostname");
    if (!content) return undefined;
    hostname = decoder.decode(content).replace(/\n$/, "");
  }
  io.out(`${unameFields.filter(([flag]) => flags.has(flag)).map(([, value]) => value(hostname)).join(" ")}\n`);
  return 0;
};

/** The UTS hostname a container sees is the one its /etc/hostname (the pod's file) holds; `hostname NAME` is sethostname's. */
const hostname: Applet = (io, args) => {
  if (args.length === 1 && !args[0]!.startsWith("-")) return setHostname(io);
  if (args.length > 0) return undefined;
  const content = io.files.readFile("/etc/hostname");
  if (content) io.out(content);
  else {
    io.err("cat: can't open '/etc/hostname': No such file or directory\n");
    return 1;
  }
  return 0;
};

/** busybox dd's size suffixes. */
const ddUnits: ReadonlyMap<string, bigint> = new Map(
  Object.entries({
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
  }),
);

/**
 * Copying /dev/zero without end holds one block of memory: a block beyond the limit is an OOM kill
 * as soon as it fills (critest's `dd if=/dev/zero of=/dev/null bs=20M`).
 */
const dd: Applet = (io, args) => {
  const operands = new Map(args.filter((arg) => arg.includes("=")).map((arg) => [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]));
  const m = /^(\d+)([A-Za-z]*)$/.exec(operands.get("bs") ?? "512");
  const unit = m ? ddUnits.get(m[2]!) : undefined;
  if (operands.get("if") !== "/dev/zero" || operands.has("count") || !m || unit === undefined) return undefined;
  io.hog(BigInt(m[1]!) * unit);
  return 0;
};

export const systemApplets: Readonly<Record<string, Applet>> = {
  true: () => 0,
  false: () => 1,
  sleep,
  pwd: (io, args) => {
    if (args.length > 0) return undefined;
    io.out(`${io.cwd}\n`);
    return 0;
  },
  env,
  uname,
  hostname,
  dd,
  sync: (_io, args) => (args.length > 0 ? undefined : 0),
};
