// What /proc/sys shows a container's processes: the sysctls runc wrote from the spec of the
// container whose process a namespace belongs to. A container that joins another's namespaces
// through /proc/PID/ns (a pod's containers join its sandbox's IPC, UTS and network namespaces)
// reads the other's settings there; a spec that names a namespace file (the pod's CNI network
// namespace) or a new namespace has its own settings written there. Settings no spec made, and the
// sysctls no namespace holds, would be the node's own values, which the fake does not know: those
// read as missing.

import { pathParts } from "./snapshots/fs.ts";

/** The spec members this reads: linux.sysctl, linux.namespaces and hostname. */
export interface SysctlSpec {
  hostname?: unknown;
  linux?: { sysctl?: unknown; namespaces?: unknown };
}

type NamespaceType = "ipc" | "network" | "uts";

/** runc's list of the sysctls each kernel namespace holds (libcontainer's config validation). */
const ipcSysctls = new Set(["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"]);

function namespaceOf(key: string): NamespaceType | undefined {
  if (ipcSysctls.has(key) || key.startsWith("fs.mqueue.")) return "ipc";
  if (key.startsWith("net.")) return "network";
  if (key === "kernel.hostname" || key === "kernel.domainname") return "uts";
  return undefined;
}

const encoder = new TextEncoder();
const maxJoins = 8;

/**
 * The file at `path` when it is a sysctl some spec set, as the kernel reads it back (the value and
 * a newline); undefined otherwise. `specOfPid` finds the spec of the container whose process has
 * that PID, for a namespace given as /proc/PID/ns/TYPE.
 */
export function readProcSys(path: string, spec: SysctlSpec | undefined, specOfPid: (pid: number) => SysctlSpec | undefined): Uint8Array | undefined {
  const parts = pathParts(path);
  if (parts.length < 3 || parts[0] !== "proc" || parts[1] !== "sys") return undefined;
  // runc writes sysctl a.b.c to /proc/sys/a/b/c.
  const file = parts.slice(2).join("/");
  const key = parts.slice(2).join(".");
  const type = namespaceOf(key);
  if (type === undefined) return undefined;
  let holder = spec;
  for (let joins = 0; holder && joins < maxJoins; joins++) {
    const namespaces = Array.isArray(holder.linux?.namespaces) ? (holder.linux.namespaces as Array<{ type?: unknown; path?: unknown }>) : [];
    const entry = namespaces.find((ns) => ns?.type === type);
    if (!entry) return undefined;
    const joined = typeof entry.path === "string" && entry.path !== "" ? /^\/proc\/(\d+)\/ns\/[a-z]+$/.exec(entry.path) : null;
    if (joined) {
      holder = specOfPid(Number(joined[1]));
      continue;
    }
    const value = sysctlValue(holder, file) ?? (key === "kernel.hostname" && typeof holder.hostname === "string" ? holder.hostname : undefined);
    return value === undefined ? undefined : encoder.encode(`${value}\n`);
  }
  return undefined;
}

/** The spec's value for the sysctl runc writes to /proc/sys/`file`. */
function sysctlValue(spec: SysctlSpec, file: string): string | undefined {
  const sysctl = spec.linux?.sysctl;
  if (typeof sysctl !== "object" || sysctl === null) return undefined;
  for (const [key, value] of Object.entries(sysctl)) if (key.replaceAll(".", "/") === file && typeof value === "string") return value;
  return undefined;
}
