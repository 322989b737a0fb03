// busybox's `ping ADDRESS` as far as its raw ICMP socket: it prints its banner, then needs
// CAP_NET_RAW for the socket. Without it, it fails as busybox does; with it, the echo requests and
// replies are not emulated. Pinned by golden/cri/<version>/exec-sync-capabilities.json.

import { errnoText, refusal } from "../../privileges.ts";
import { options, type Applet } from "./applet.ts";

const eperm = 1;

export const ping: Applet = (io, args) => {
  const parsed = options(args, "q", "cWws");
  const address = parsed?.operands.length === 1 ? parsed.operands[0]! : undefined;
  if (!parsed || address === undefined || !/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) return undefined;
  const errno = refusal(io.privileges, { syscall: "socket", capability: "CAP_NET_RAW" });
  if (errno === undefined || errno === "unknown") return undefined;
  io.out(`PING ${address} (${address}): ${parsed.values.get("s") ?? 56} data bytes\n`);
  io.err(errno === eperm ? "ping: permission denied (are you root?)\n" : `ping: socket: ${errnoText(errno)}\n`);
  return 1;
};
