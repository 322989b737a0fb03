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
  readonly ctx: { readonly user: ProcessUser; readonly terminal: boolean; readonly memoryLimit: bigint | undefined; readonly privileges: Privileges; processes(): readonly ProcessEntry[]; clockMs(): number };
  /** The PID of the process running the applet. */
  readonly runningPid: number;
  write(fd: number, data: string | Uint8Array): boolean;
  killProcess(pid: number, signal: string): boolean;
  change(path: string, change: FileChange["change"], data?: Uint8Array): void;
}

/** How fast a memory hog (`tail /dev/zero`) fills memory: about 1 MiB a millisecond. */
const hogBytesPerMs = 1024 * 1024;

export function appletIo(shell: AppletHost, assignments: ReadonlyArray<readonly [string, string]>): AppletIo {
  return new ShellAppletIo(shell, assignments);
}

/** A class rather than an object of closures: one is made for every command a shell runs. */
class ShellAppletIo implements AppletIo {
  private readonly shell: AppletHost;
  private readonly assignments: ReadonlyArray<readonly [string, string]>;
  private readonly input: Fds[number];
  private readonly unread: Uint8Array | undefined;

  constructor(shell: AppletHost, assignments: ReadonlyArray<readonly [string, string]>) {
    this.shell = shell;
    this.assignments = assignments;
    this.input = shell.fds[0];
    this.unread = this.input?.to === "input" ? remaining(this.input) : undefined;
  }

  get files(): FileView {
    return this.shell.files;
  }

  get cwd(): string {
    return this.shell.cwd;
  }

  get user(): ProcessUser {
    return this.shell.ctx.user;
  }

  get terminal(): boolean {
    return this.shell.ctx.terminal && this.shell.fds[1]?.to === "stdout";
  }

  get memoryLimit(): bigint | undefined {
    return this.shell.ctx.memoryLimit;
  }

  get privileges(): Privileges {
    return this.shell.ctx.privileges;
  }

  get pid(): number {
    return this.shell.runningPid;
  }

  processes(): readonly ProcessEntry[] {
    return this.shell.ctx.processes();
  }

  kill(pid: number, signal: string): boolean {
    return this.shell.killProcess(pid, signal);
  }

  nowMs(): number {
    return this.shell.ctx.clockMs() + this.shell.timeline.atMs;
  }

  get stdin(): Uint8Array | undefined {
    // What the applet reads is read: a command after it in the same input gets the rest.
    if (this.input?.to === "input") this.input.pos = this.input.data.length;
    return this.unread;
  }

  env(): readonly string[] {
    const vars = this.shell.vars;
    vars.pushScope();
    try {
      for (const [name, value] of this.assignments) {
        vars.local(name, value);
        vars.export(name);
      }
      return vars.exportedList();
    } finally {
      vars.popScope();
    }
  }

  out(data: string | Uint8Array): void {
    this.shell.write(1, data);
  }

  err(data: string | Uint8Array): void {
    this.shell.write(2, data);
  }

  change(path: string, change: FileChange["change"], data?: Uint8Array): void {
    this.shell.change(path, change, data);
  }

  elapse(ms: number): void {
    this.shell.timeline.atMs += ms;
  }

  forever(): void {
    this.shell.timeline.ending = "forever";
  }

  hog(bytes: bigint | undefined): void {
    const timeline = this.shell.timeline;
    const limit = this.shell.ctx.memoryLimit;
    if (limit === undefined || limit <= 0n || (bytes !== undefined && bytes <= limit)) timeline.ending = "forever";
    else {
      timeline.atMs += Math.max(1, Number(limit) / hogBytesPerMs);
      timeline.ending = "oom";
    }
  }
}
