// nnp, the program of Kubernetes' e2e nonewprivs image (/usr/local/bin/nnp, setuid root): it prints
// its effective uid. Run by a user other than root, the setuid bit makes that 0, unless the process
// has no_new_privs, which keeps the caller's. File modes are not modelled: the emulation takes the
// program to be setuid root, as the image has it (src/cri/images/critest-catalogue.ts).

import type { Applet } from "./applet.ts";

export const nnp: Applet = (io, args) => {
  if (args.length > 0) return undefined;
  io.out(`Effective uid: ${io.privileges.noNewPrivileges ? io.user.uid : 0}\n`);
  return 0;
};
