// The applets the emulation follows, by name: one entry each, from the family files beside this
// one. Adding an applet is adding an entry to its family's table. A map, so that a command named
// like an object's property (`toString`) is no applet.

import type { Applet } from "./applet.ts";
import { brctl } from "./brctl.ts";
import { chmod } from "./chmod.ts";
import { mount } from "./mount.ts";
import { nnp } from "./nnp.ts";
import { ping } from "./ping.ts";
import { fileApplets } from "./files.ts";
import { userApplets } from "./id.ts";
import { ipcs } from "./ipcs.ts";
import { netstat } from "./netstat.ts";
import { pidof } from "./pidof.ts";
import { printingApplets } from "./printf.ts";
import { processApplets } from "./processes.ts";
import { systemApplets } from "./system.ts";
import { testApplets } from "./test.ts";
import { timeApplets } from "./date.ts";
import { textApplets } from "./text.ts";

export type { Applet, AppletIo } from "./applet.ts";
export type { ProcessEntry } from "./applet.ts";

export const applets: ReadonlyMap<string, Applet> = new Map(
  Object.entries({
    ...fileApplets,
    ...textApplets,
    ...printingApplets,
    ...testApplets,
    ...userApplets,
    ...systemApplets,
    ...processApplets,
    ...timeApplets,
    pidof,
    ipcs,
    netstat,
    brctl,
    chmod,
    mount,
    ping,
  }),
);

/**
 * Programs of images other than busybox, by name: run only where the container's root filesystem
 * has the program (runc's lookup finds it), never as a shell's applet.
 */
export const imagePrograms: ReadonlyMap<string, Applet> = new Map([["nnp", nnp]]);
