// busybox's `chmod MODE FILE...` as root: the chmod system call passes the seccomp filter, then the
// file must be there and on a writable filesystem. File modes are not modelled, so a chmod that
// passes changes nothing the emulation shows; as another user (who must own the file, or hold
// CAP_FOWNER) it is not emulated, since owners are not modelled either. Pinned by
// golden/cri/<version>/exec-sync-capabilities.json and exec-sync-seccomp.json.

import { errnoText, refusal } from "../../privileges.ts";
import { absolute } from "../files.ts";
import type { Applet } from "./applet.ts";

/** An octal mode, or busybox's symbolic ones (`u+x`, `go-w,a+r`, `=rwx`). */
const mode = /^(?:[0-7]{1,4}|[ugoa]*[-+=][rwxXstugo]*(?:,[ugoa]*[-+=][rwxXstugo]*)*)$/;

export const chmod: Applet = (io, args) => {
  const [modeArg, ...files] = args;
  if (modeArg === undefined || files.length === 0 || args.some((arg) => arg.startsWith("-") && !mode.test(arg)) || io.user.uid !== 0) return undefined;
  if (!mode.test(modeArg)) {
    io.err(`chmod: invalid mode '${modeArg}'\n`);
    return 1;
  }
  const errno = refusal(io.privileges, { syscall: "chmod" });
  if (errno === "unknown") return undefined;
  let status = 0;
  for (const file of files) {
    const path = absolute(file, io.cwd);
    const error = errno !== undefined ? errnoText(errno) : io.files.kindOf(path) === undefined ? "No such file or directory" : io.files.readOnly(path) ? "Read-only file system" : undefined;
    if (error === undefined) continue;
    io.err(`chmod: ${file}: ${error}\n`);
    status = 1;
  }
  return status;
};
