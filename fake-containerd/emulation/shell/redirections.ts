// Redirections as ash sets them up before a command runs, in order: here-documents and files to
// read, files opened for writing (truncated for `>`, created for `>>`), descriptors duplicated or
// closed, and the process's own devices. A file that cannot be opened stops the command with ash's
// error and status 1.

import { absolute, parentOf, type FileView } from "../files.ts";
import type { FileChange } from "../../processes/script.ts";
import type { Redirection } from "../syntax/ast.ts";
import { NotEmulated } from "./errors.ts";
import type { Expander } from "./expand.ts";
import type { Fd, Fds } from "./fds.ts";

/** What redirections reach of the shell that sets them up. */
export interface RedirectionHost {
  readonly fds: Fds;
  readonly cwd: string;
  readonly arg0: string;
  readonly files: FileView;
  readonly expander: Expander;
  write(fd: number, data: string | Uint8Array): boolean;
  change(path: string, change: FileChange["change"], data?: Uint8Array): void;
}

/** Where a `>` or `>>` to a device of the process goes (the kernel's /dev is not the container's files). */
const devices: Readonly<Record<string, Fd>> = { "/dev/null": { to: "null" }, "/dev/stdout": { to: "stdout" }, "/dev/stderr": { to: "stderr" } };

const encoder = new TextEncoder();

/** The descriptors a command runs with; undefined when one could not be opened (ash has said why). */
export function redirect(shell: RedirectionHost, redirections: readonly Redirection[]): Fds | undefined {
  if (redirections.length === 0) return shell.fds;
  const fds = shell.fds.slice();
  for (const r of redirections) {
    const fd = r.fd ?? (r.op.startsWith("<") ? 0 : 1);
    if (fd > 9) throw new NotEmulated(`redirection of descriptor ${fd}`);
    if (r.op === "<<" || r.op === "<<-") {
      const text = typeof r.hereDoc === "string" ? r.hereDoc : shell.expander.hereDoc(r.hereDoc ?? []);
      fds[fd] = { to: "input", data: encoder.encode(text), pos: 0 };
      continue;
    }
    const target = shell.expander.string(r.target);
    if (r.op === ">&" || r.op === "<&") {
      if (target === "-") {
        fds[fd] = undefined;
        continue;
      }
      if (/^\d$/.test(target)) {
        const from = fds[Number(target)];
        if (from === undefined) {
          shell.write(2, `${shell.arg0}: ${target}: Bad file descriptor\n`);
          return undefined;
        }
        fds[fd] = from;
        continue;
      }
      // `>&FILE` without a descriptor is `&>FILE`; anything else is ash's own business.
      if (r.op === "<&" || r.fd !== undefined) throw new NotEmulated(`${r.op}${target}`);
    }
    if (r.op === "<") {
      const path = absolute(target, shell.cwd);
      const data = path === "/dev/null" ? new Uint8Array(0) : shell.files.readFile(path);
      if (data === undefined) {
        shell.write(2, `${shell.arg0}: can't open ${target}: no such file\n`);
        return undefined;
      }
      fds[fd] = { to: "input", data, pos: 0 };
      continue;
    }
    if (r.op === "<>") throw new NotEmulated("<>");
    const opened = open(shell, target, r.op === ">>");
    if (opened === undefined) return undefined;
    if (r.op === "&>" || r.op === ">&") {
      fds[1] = opened;
      fds[2] = opened;
    } else fds[fd] = opened;
  }
  return fds;
}

/** Opens a file for writing (truncated unless appending), as ash does before the command runs. */
function open(shell: RedirectionHost, target: string, append: boolean): Fd | undefined {
  const path = absolute(target, shell.cwd);
  const device = devices[path];
  if (device) return device;
  const files = shell.files;
  const kind = files.kindOf(path);
  const error =
    kind === "dir" ? "Is a directory" : kind === undefined && files.kindOf(parentOf(path)) !== "dir" ? "nonexistent directory" : files.readOnly(path) ? "Read-only file system" : undefined;
  if (error) {
    shell.write(2, `${shell.arg0}: can't create ${target}: ${error}\n`);
    return undefined;
  }
  if (!append) shell.change(path, "write", new Uint8Array(0));
  else if (kind === undefined) shell.change(path, "touch");
  return { to: "file", path };
}
