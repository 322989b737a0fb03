// busybox's `mount --bind SRC DST` (or `-o bind`): the mount system call passes the seccomp filter
// (the default profile lets it through only with CAP_SYS_ADMIN) and needs CAP_SYS_ADMIN. Refused,
// it fails as busybox says; allowed, the mount (and its propagation to the node) is not emulated.
// Pinned by golden/cri/<version>/exec-sync-capabilities.json.

import { errnoText, refusal } from "../../privileges.ts";
import type { Applet } from "./applet.ts";

const eperm = 1;

export const mount: Applet = (io, args) => {
  const bind = args.length === 3 && args[0] === "--bind" ? args.slice(1) : args.length === 4 && args[0] === "-o" && args[1] === "bind" ? args.slice(2) : undefined;
  if (!bind) return undefined;
  const errno = refusal(io.privileges, { syscall: "mount", capability: "CAP_SYS_ADMIN" });
  if (errno === undefined || errno === "unknown") return undefined;
  io.err(errno === eperm ? "mount: permission denied (are you root?)\n" : `mount: mounting ${bind[0]} on ${bind[1]} failed: ${errnoText(errno)}\n`);
  return 1;
};
