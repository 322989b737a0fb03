// What the kernel lets a container's process do, from the OCI spec runc started it with: its
// effective capabilities and its seccomp filter. A system call passes the filter first (a rule
// naming it, else the default action), then the capability check of the call itself; either
// refusal reads EPERM here, as for the calls the emulated programs make (sethostname, chmod, a raw
// socket, a bridge ioctl). A privileged container's spec holds every capability and no filter, so
// nothing here knows about "privileged".

import { clean } from "../src/go/filepath.ts";
import type { ProcessUser } from "./processes/script.ts";

/** The spec members this reads. */
export interface PrivilegesSpec {
  process?: { capabilities?: { effective?: unknown; ambient?: unknown }; noNewPrivileges?: unknown };
  linux?: { seccomp?: unknown; maskedPaths?: unknown };
}

interface SeccompRule {
  names: readonly string[];
  action: string;
  errnoRet?: number;
  /** Argument conditions: a rule with any is not evaluated (the calls emulated here pass none that such rules test). */
  conditional: boolean;
}

interface SeccompFilter {
  defaultAction: string;
  defaultErrnoRet: number | undefined;
  rules: readonly SeccompRule[];
}

/** A process's effective capabilities (`CAP_...` names), seccomp filter and no_new_privs, as plain data. */
export interface Privileges {
  readonly capabilities: readonly string[];
  readonly seccomp: SeccompFilter | undefined;
  /** A setuid program it runs keeps the caller's effective uid. */
  readonly noNewPrivileges: boolean;
  /** The spec's masked paths: runc binds /dev/null over a file there, which no one may execute (EACCES). */
  readonly maskedPaths: readonly string[];
}

/** What an emulated program's system call needs: the call's name, and the capability it checks, if any. */
export interface SystemCall {
  readonly syscall: string;
  readonly capability?: string;
}

const eperm = 1;

/** The kernel's texts for the errno values a seccomp rule returns most (strerror). */
const errnoTexts: ReadonlyMap<number, string> = new Map([
  [1, "Operation not permitted"],
  [2, "No such file or directory"],
  [13, "Permission denied"],
  [20, "Not a directory"],
  [38, "Function not implemented"],
]);

/**
 * A process running as `user` under the spec. A process that is not root keeps only its ambient
 * capabilities past its execve.
 */
export function privilegesOf(spec: PrivilegesSpec, user: ProcessUser): Privileges {
  const capabilities = spec.process?.capabilities;
  return {
    capabilities: names(user.uid === 0 ? capabilities?.effective : capabilities?.ambient),
    seccomp: filterOf(spec.linux?.seccomp),
    noNewPrivileges: spec.process?.noNewPrivileges === true,
    maskedPaths: names(spec.linux?.maskedPaths).map(clean),
  };
}

/** No capability and no filter: what a process has when its spec cannot be read. */
export const unprivileged: Privileges = { capabilities: [], seccomp: undefined, noNewPrivileges: false, maskedPaths: [] };

/**
 * The errno a call fails with under these privileges (seccomp's, then the capability check's
 * EPERM), or undefined when it passes both. A seccomp action the emulation does not follow
 * (killing, trapping, tracing) is "unknown".
 */
export function refusal(privileges: Privileges, call: SystemCall): number | "unknown" | undefined {
  const filtered = seccompAction(privileges.seccomp, call.syscall);
  if (filtered !== undefined) return filtered;
  if (call.capability !== undefined && !privileges.capabilities.includes(call.capability)) return eperm;
  return undefined;
}

/** strerror's text for an errno. */
export function errnoText(errno: number): string {
  return errnoTexts.get(errno) ?? `Unknown error ${errno}`;
}

function seccompAction(filter: SeccompFilter | undefined, syscall: string): number | "unknown" | undefined {
  if (!filter) return undefined;
  const rule = filter.rules.find((r) => !r.conditional && r.names.includes(syscall));
  const action = rule?.action ?? filter.defaultAction;
  switch (action) {
    case "SCMP_ACT_ALLOW":
    case "SCMP_ACT_LOG":
      return undefined;
    case "SCMP_ACT_ERRNO":
      return (rule ? rule.errnoRet : filter.defaultErrnoRet) ?? eperm;
    default:
      return "unknown";
  }
}

function filterOf(seccomp: unknown): SeccompFilter | undefined {
  if (typeof seccomp !== "object" || seccomp === null) return undefined;
  const { defaultAction, defaultErrnoRet, syscalls } = seccomp as { defaultAction?: unknown; defaultErrnoRet?: unknown; syscalls?: unknown };
  const rules: SeccompRule[] = [];
  for (const s of Array.isArray(syscalls) ? (syscalls as Array<Record<string, unknown>>) : []) {
    const rule: SeccompRule = { names: names(s.names), action: typeof s.action === "string" ? s.action : "", conditional: Array.isArray(s.args) && s.args.length > 0 };
    if (typeof s.errnoRet === "number") rule.errnoRet = s.errnoRet;
    rules.push(rule);
  }
  return { defaultAction: typeof defaultAction === "string" ? defaultAction : "", defaultErrnoRet: typeof defaultErrnoRet === "number" ? defaultErrnoRet : undefined, rules };
}

function names(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}
