// /proc/<pid>/status as a container's process reads it: the lines a fake can know, from the spec
// runc started the process with (its user, capability sets, no_new_privs, seccomp filter) and the
// process table (its state, its PIDs in its PID namespace), in the kernel's format. The lines
// about memory and scheduling are left out: the fake runs no process to measure.

import type { ProcessUser } from "./processes/script.ts";

/** The spec members this reads. */
export interface StatusSpec {
  process?: { capabilities?: Partial<Record<CapabilitySet, unknown>>; noNewPrivileges?: unknown };
  linux?: { seccomp?: unknown };
}

type CapabilitySet = "bounding" | "effective" | "inheritable" | "permitted" | "ambient";

/** Linux's capability numbers (CAP_CHOWN = 0 ... CAP_CHECKPOINT_RESTORE = 40). */
const capabilityBits = new Map(
  [
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
    "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
    "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
    "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
    "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
    "CHECKPOINT_RESTORE",
  ].map((name, bit) => [`CAP_${name}`, BigInt(bit)]),
);

function mask(spec: StatusSpec, set: CapabilitySet): string {
  const names = spec.process?.capabilities?.[set];
  let bits = 0n;
  if (Array.isArray(names)) {
    for (const name of names) {
      const bit = typeof name === "string" ? capabilityBits.get(name) : undefined;
      if (bit !== undefined) bits |= 1n << bit;
    }
  }
  return bits.toString(16).padStart(16, "0");
}

/** The kernel's name for a process (comm) that execve'd `program`: its base name, 15 characters at most. */
export function commandName(program: string): string {
  return program.slice(program.lastIndexOf("/") + 1).slice(0, 15);
}

/**
 * The status file of a process named `name` (its command, cut to 15 characters as the kernel
 * keeps it) running as `user`, with its PIDs in its PID namespace: running (the one reading it) or
 * asleep (every other process of the fake waits for something). A process that is not root keeps
 * no permitted or effective capability past its execve, beyond the ambient set.
 */
export function procStatus(process: { name: string; user: ProcessUser; pid: number; ppid: number; running: boolean }, spec: StatusSpec): string {
  const { name, user } = process;
  const root = user.uid === 0;
  const seccomp = spec.linux?.seccomp !== undefined && spec.linux.seccomp !== null;
  const ids = (id: number) => `${id}\t${id}\t${id}\t${id}`;
  return [
    `Name:\t${name.slice(0, 15)}`,
    `State:\t${process.running ? "R (running)" : "S (sleeping)"}`,
    `Tgid:\t${process.pid}`,
    `Pid:\t${process.pid}`,
    `PPid:\t${process.ppid}`,
    `Uid:\t${ids(user.uid)}`,
    `Gid:\t${ids(user.gid)}`,
    `Groups:\t${user.additionalGids.map((gid) => `${gid} `).join("")}`,
    `CapInh:\t${mask(spec, "inheritable")}`,
    `CapPrm:\t${mask(spec, root ? "permitted" : "ambient")}`,
    `CapEff:\t${mask(spec, root ? "effective" : "ambient")}`,
    `CapBnd:\t${mask(spec, "bounding")}`,
    `CapAmb:\t${mask(spec, "ambient")}`,
    `NoNewPrivs:\t${spec.process?.noNewPrivileges === true ? 1 : 0}`,
    `Seccomp:\t${seccomp ? 2 : 0}`,
    `Seccomp_filters:\t${seccomp ? 1 : 0}`,
    "",
  ].join("\n");
}
