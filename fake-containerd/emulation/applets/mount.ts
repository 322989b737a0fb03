// busybox's `mount --bind SRC DST` (or `-o bind`) and `mount -t tmpfs NAME DST` (sizes and modes in
// `-o` taken as given). The mount system call passes the seccomp filter (the default profile lets it
// through only with CAP_SYS_ADMIN) and needs CAP_SYS_ADMIN; refused, it fails as busybox says
// (golden/cri/<version>/exec-sync-capabilities.json). Allowed, the mount is made in the container's
// own mount table (container-mounts.ts): DST (and SRC) must be there, a directory bound on a
// directory, else the kernel's error with status 255 (container-mounts.test.ts, from containerd).
// Listing the mounts (`mount` alone) and other types and options are not emulated.

import { errnoText, refusal } from "../../privileges.ts";
import { absolute } from "../files.ts";
import type { Applet, AppletIo } from "./applet.ts";

const eperm = 1;
const enoent = 2;
const enotdir = 20;
const encoder = new TextEncoder();
const failedMountStatus = 255;

/** The mount a command line asks for, or undefined for a form not emulated. */
function parse(args: readonly string[]): { kind: "bind" | "tmpfs"; source: string; target: string } | undefined {
  let kind: "bind" | "tmpfs" | undefined;
  let tmpfsOptions = false;
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--bind") kind = kind === undefined || kind === "bind" ? "bind" : undefined;
    else if (arg === "-t" && args[i + 1] === "tmpfs") {
      kind = kind === undefined || kind === "tmpfs" ? "tmpfs" : undefined;
      i++;
    } else if (arg === "-o" && args[i + 1] === "bind") {
      kind = kind === undefined || kind === "bind" ? "bind" : undefined;
      i++;
    } else if (arg === "-o" && args[i + 1] !== undefined && args[i + 1]!.split(",").every((o) => /^(size|mode|nr_inodes|nr_blocks)=/.test(o))) {
      tmpfsOptions = true;
      i++;
    } else if (arg.startsWith("-")) return undefined;
    else operands.push(arg);
  }
  if (kind === undefined || operands.length !== 2 || (tmpfsOptions && kind !== "tmpfs")) return undefined;
  return { kind, source: operands[0]!, target: operands[1]! };
}

export const mount: Applet = (io, args) => {
  const asked = parse(args);
  if (!asked) return undefined;
  const errno = refusal(io.privileges, { syscall: "mount", capability: "CAP_SYS_ADMIN" });
  if (errno === "unknown") return undefined;
  if (errno !== undefined) {
    io.err(errno === eperm ? "mount: permission denied (are you root?)\n" : failure(asked, errno));
    return 1;
  }
  const target = absolute(asked.target, io.cwd);
  const source = absolute(asked.source, io.cwd);
  const error = mountError(io, asked.kind, source, target);
  if (error !== undefined) {
    io.err(failure(asked, error));
    return failedMountStatus;
  }
  io.change(target, asked.kind, asked.kind === "bind" ? encoder.encode(source) : undefined);
  return 0;
};

/** The errno the kernel refuses the mount with, or undefined when it makes it. */
function mountError(io: AppletIo, kind: "bind" | "tmpfs", source: string, target: string): number | undefined {
  const onto = io.files.kindOf(target);
  if (onto === undefined) return enoent;
  if (kind === "tmpfs") return onto === "dir" ? undefined : enotdir;
  const from = io.files.kindOf(source);
  if (from === undefined) return enoent;
  return from === onto ? undefined : enotdir;
}

function failure({ source, target }: { source: string; target: string }, errno: number): string {
  return `mount: mounting ${source} on ${target} failed: ${errnoText(errno)}\n`;
}
