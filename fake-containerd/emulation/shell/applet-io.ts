// What an applet run from a shell sees of it (applets/applet.ts): the shell's working directory and
// descriptors (stdin is what its descriptor 0 reads, unless that is the process's own), the
// exported variables with the command's own assignments, and the step's timeline for its time.

import type { ProcessUser, FileChange } from "../../processes/script.ts";
import type { AppletIo, ProcessEntry } from "../applets/applet.ts";
import type { FileView } from "../files.ts";
import type { Privileges } from "../../privileges.ts";
import type { Timeline } from "../timeline.ts";
import { remaining, type Fds } from "./fds.ts";
import type { Variables } from "./variables.ts";

/** What an applet reaches of the shell that runs it. */
export interface AppletHost {
  readonly fds: Fds;
  readonly files: FileView;
  readonly cwd: string;
  readonly vars: Variables;
  readonly timeline: Timeline;
  readonly ctx: { readonly user: ProcessUser; readonly terminal: boolean; readonly memoryLimit: bigint | undefined; readonly privileges: Privileges; processes(): readonly ProcessEntry[] };
  /** The PID of the process running the applet. */
  readonly pid: number;
  write(fd: number, data: string | Uint8Array): boolean;
  change(path: string, change: FileChange["change"], data?: Uint8Array): void;
}

/** How fast a memory hog (`tail /dev/zero`) fills memory: about 1 MiB a millisecond. */
const hogBytesPerMs = 1024 * 1024;

export function appletIo(shell: AppletHost, assignments: ReadonlyArray<readonly [string, string]>): AppletIo {
  const input = shell.fds[0];
  const stdin = input?.to === "input" ? remaining(input) : undefined;
  return {
    files: shell.files,
    cwd: shell.cwd,
    user: shell.ctx.user,
    terminal: shell.ctx.terminal && shell.fds[1]?.to === "stdout",
    memoryLimit: shell.ctx.memoryLimit,
    privileges: shell.ctx.privileges,
    pid: shell.pid,
    processes: () => shell.ctx.processes(),
    get stdin() {
      // What the applet reads is read: a command after it in the same input gets the rest.
      if (input?.to === "input") input.pos = input.data.length;
      return stdin;
    },
    env: () => {
      shell.vars.pushScope();
      try {
        for (const [name, value] of assignments) {
          shell.vars.local(name, value);
          shell.vars.export(name);
        }
        return shell.vars.exportedList();
      } finally {
        shell.vars.popScope();
      }
    },
    out: (data) => shell.write(1, data),
    err: (data) => shell.write(2, data),
    change: (path, change, data) => shell.change(path, change, data),
    elapse: (ms) => {
      shell.timeline.atMs += ms;
    },
    forever: () => {
      shell.timeline.ending = "forever";
    },
    hog: (bytes) => {
      const limit = shell.ctx.memoryLimit;
      if (limit === undefined || limit <= 0n || (bytes !== undefined && bytes <= limit)) shell.timeline.ending = "forever";
      else {
        shell.timeline.atMs += Math.max(1, Number(limit) / hogBytesPerMs);
        shell.timeline.ending = "oom";
      }
    },
  };
}
