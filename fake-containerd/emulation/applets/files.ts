// busybox's applets that read, list and change files: cat, ls [-1aA], touch, mkdir [-p], rm [-fr],
// cp and mv of files, with the errors busybox prints. Pinned by golden/cri/exec-sync-ls.json,
// exec-sync-file-changes.json and exec-sync-cp-mv.json.

import { pathParts } from "../../snapshots/fs.ts";
import { absolute, parentOf, type FileView } from "../files.ts";
import { byteOrder, options, type Applet, type AppletIo } from "./applet.ts";

/** Why a path cannot be created: its parent is missing or not a directory, or the filesystem is read-only. */
function createError(files: FileView, path: string): string | undefined {
  const parent = files.kindOf(parentOf(path));
  if (parent === undefined) return "No such file or directory";
  if (parent === "file") return "Not a directory";
  return files.readOnly(path) ? "Read-only file system" : undefined;
}

/** Why a file cannot be opened for writing (created when missing), in the C library's words. */
export function writeError(files: FileView, path: string): string | undefined {
  const kind = files.kindOf(path);
  if (kind === "dir") return "Is a directory";
  if (kind === "file") return files.readOnly(path) ? "Read-only file system" : undefined;
  return createError(files, path);
}

/**
 * Runs `each` on every operand (with its absolute path), as busybox goes through them: an error it
 * returns is printed after `name: ` and makes the status 1; the rest still run.
 */
function eachOperand(io: AppletIo, name: string, operands: readonly string[], each: (operand: string, path: string) => string | undefined): number {
  let status = 0;
  for (const operand of operands) {
    const error = each(operand, absolute(operand, io.cwd));
    if (error === undefined) continue;
    io.err(`${name}: ${error}\n`);
    status = 1;
  }
  return status;
}

/** `cat` of files (or, with none, of stdin); options are not emulated. */
const cat: Applet = (io, args) => {
  if (args.length === 0) {
    if (!io.stdin) return undefined;
    if (io.stdin.length > 0) io.out(io.stdin);
    return 0;
  }
  if (args.some((arg) => arg.startsWith("-") && arg !== "-")) return undefined;
  let status = 0;
  for (const path of args) {
    if (path === "-") {
      if (!io.stdin) return undefined;
      if (io.stdin.length > 0) io.out(io.stdin);
      continue;
    }
    const content = io.files.readFile(absolute(path, io.cwd));
    if (content) io.out(content);
    else {
      io.err(`cat: can't open '${path}': No such file or directory\n`);
      status = 1;
    }
  }
  return status;
};

/**
 * `ls [-1aA] [PATH]...` writing to a pipe: one name a line, sorted by byte value; errors first,
 * then the operands that are not directories, then each directory's names (under a `PATH:`
 * heading when there are several operands). To a terminal it lays names out in columns, which is
 * not emulated.
 */
const ls: Applet = (io, args) => {
  const parsed = options(args, "aA1");
  if (!parsed || io.terminal) return undefined;
  const files = io.files;
  const hidden = parsed.flags.has("a") ? "all" : parsed.flags.has("A") ? "almost" : "none";
  const named = parsed.operands.length > 0 ? parsed.operands : ["."];
  const listed: Array<{ operand: string; names: string[] }> = [];
  const plain: string[] = [];
  let status = 0;
  for (const operand of named) {
    const path = absolute(operand, io.cwd);
    const names = files.readDir(path);
    if (names) {
      const shown = names.filter((name) => hidden !== "none" || !name.startsWith("."));
      listed.push({ operand, names: hidden === "all" ? [".", "..", ...shown] : shown });
    } else if (files.kindOf(path) === "file") plain.push(operand);
    else {
      io.err(`ls: ${operand}: No such file or directory\n`);
      status = 1;
    }
  }
  const lines = (names: readonly string[]) => names.map((name) => `${name}\n`).join("");
  let out = lines(plain.sort(byteOrder));
  for (const { operand, names } of listed.sort((a, b) => byteOrder(a.operand, b.operand))) {
    if (named.length > 1) out += `${out === "" ? "" : "\n"}${operand}:\n`;
    out += lines(names.sort(byteOrder));
  }
  if (out !== "") io.out(out);
  return status;
};

const touch: Applet = (io, args) => {
  const parsed = options(args, "");
  if (!parsed || parsed.operands.length === 0) return undefined;
  return eachOperand(io, "touch", parsed.operands, (operand, path) => {
    const exists = io.files.kindOf(path) !== undefined;
    // An existing file only gets new times, which a read-only filesystem refuses too.
    const error = exists ? (io.files.readOnly(path) ? "Read-only file system" : undefined) : createError(io.files, path);
    if (error) return `${operand}: ${error}`;
    if (!exists) io.change(path, "touch");
    return undefined;
  });
};

const mkdir: Applet = (io, args) => {
  const parsed = options(args, "p");
  if (!parsed || parsed.operands.length === 0) return undefined;
  return eachOperand(io, "mkdir", parsed.operands, (operand, path) => {
    const error = parsed.flags.has("p") ? makeParents(io, path) : makeDir(io, path);
    return error && `can't create directory '${operand}': ${error}`;
  });
};

const rm: Applet = (io, args) => {
  const parsed = options(args, "frR");
  if (!parsed || (parsed.operands.length === 0 && !parsed.flags.has("f"))) return undefined;
  const force = parsed.flags.has("f");
  const recursive = parsed.flags.has("r") || parsed.flags.has("R");
  return eachOperand(io, "rm", parsed.operands, (operand, path) => {
    const kind = io.files.kindOf(path);
    if (kind === undefined) return force ? undefined : `can't remove '${operand}': No such file or directory`;
    if (kind === "dir" && !recursive) return `'${operand}' is a directory`;
    if (io.files.readOnly(path)) return `can't remove '${operand}': Read-only file system`;
    io.change(path, "remove");
    return undefined;
  });
};

/**
 * busybox `cp SOURCE... DEST` and `mv SOURCE... DEST` of files: into DEST, or under their own names
 * into DEST when it is a directory (as it must be for several sources), with busybox's errors for
 * a missing source, a directory (`cp` leaves it out), the same file, and a target it cannot
 * create. Options, directories to move, targets that are directories and read-only sources of a
 * move are not emulated.
 */
function copyOrMove(name: "cp" | "mv"): Applet {
  return (io, args) => {
    const files = io.files;
    if (args.length < 2 || args.some((arg) => arg.startsWith("-"))) return undefined;
    const sources = args.slice(0, -1);
    const dest = args.at(-1)!;
    const intoDir = files.kindOf(absolute(dest, io.cwd)) === "dir";
    const targetOf = (source: string) =>
      intoDir || sources.length > 1 ? `${dest.replace(/\/+$/, "")}/${source.slice(source.replace(/\/+$/, "").lastIndexOf("/") + 1).replace(/\/+$/, "")}` : dest;
    const moving = name === "mv";
    // What busybox would do next is not known for these: leave them to a real one.
    if (!intoDir && sources.length > 1 && (moving || files.kindOf(absolute(dest, io.cwd)) === undefined)) return undefined;
    for (const source of sources) {
      const from = absolute(source, io.cwd);
      const to = absolute(targetOf(source), io.cwd);
      if (files.kindOf(to) === "dir" || (moving && (files.kindOf(from) === "dir" || from === to || files.readOnly(from)))) return undefined;
    }
    return eachOperand(io, name, sources, (source, from) => {
      const target = targetOf(source);
      const to = absolute(target, io.cwd);
      const kind = files.kindOf(from);
      if (kind === undefined) return moving ? `can't rename '${source}': No such file or directory` : `can't stat '${source}': No such file or directory`;
      if (kind === "dir") return `omitting directory '${source}'`;
      if (!intoDir && sources.length > 1) return `can't stat '${target}': Not a directory`;
      if (from === to) return `'${source}' and '${target}' are the same file`;
      const error = writeError(files, to);
      if (error) return `can't create '${target}': ${error}`;
      io.change(to, "write", files.readFile(from)!);
      if (moving) io.change(from, "remove");
      return undefined;
    });
  };
}

function makeDir(io: AppletIo, path: string): string | undefined {
  if (io.files.kindOf(path) !== undefined) return "File exists";
  const error = createError(io.files, path);
  if (!error) io.change(path, "mkdir");
  return error;
}

/** mkdir -p: each missing directory on the way, in order; an existing directory is fine. */
function makeParents(io: AppletIo, path: string): string | undefined {
  const parts = pathParts(path);
  for (let i = 1; i <= parts.length; i++) {
    const dir = `/${parts.slice(0, i).join("/")}`;
    const kind = io.files.kindOf(dir);
    if (kind === "dir") continue;
    if (kind === "file") return "Not a directory";
    const error = createError(io.files, dir);
    if (error) return error;
    io.change(dir, "mkdir");
  }
  return undefined;
}

export const fileApplets: Readonly<Record<string, Applet>> = { cat, ls, touch, mkdir, rm, cp: copyOrMove("cp"), mv: copyOrMove("mv") };
