// busybox's `hostname NAME`: sethostname passes the seccomp filter and needs CAP_SYS_ADMIN. The UTS
// name it sets is not modelled: `hostname` and `uname -n` still read the pod's /etc/hostname
// (golden/cri/KNOWN_DIFFERENCES.md). Pinned by golden/cri/<version>/exec-sync-capabilities.json
// and exec-sync-seccomp.json.

import { errnoText, refusal } from "../../privileges.ts";
import type { AppletIo } from "./applet.ts";

export function setHostname(io: AppletIo): number | undefined {
  const errno = refusal(io.privileges, { syscall: "sethostname", capability: "CAP_SYS_ADMIN" });
  if (errno === "unknown") return undefined;
  if (errno === undefined) return 0;
  io.err(`hostname: sethostname: ${errnoText(errno)}\n`);
  return 1;
}
