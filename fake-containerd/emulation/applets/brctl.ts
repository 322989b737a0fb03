// busybox's `brctl addbr NAME`: the bridge ioctl needs CAP_NET_ADMIN. Bridges are not modelled, so
// one allowed is made (and a second of the same name is not refused). Pinned by
// golden/cri/<version>/exec-sync-capabilities.json.

import { errnoText, refusal } from "../../privileges.ts";
import type { Applet } from "./applet.ts";

export const brctl: Applet = (io, args) => {
  if (args.length !== 2 || args[0] !== "addbr") return undefined;
  const errno = refusal(io.privileges, { syscall: "ioctl", capability: "CAP_NET_ADMIN" });
  if (errno === "unknown") return undefined;
  if (errno === undefined) return 0;
  io.err(`brctl: bridge ${args[1]}: ${errnoText(errno)}\n`);
  return 1;
};
