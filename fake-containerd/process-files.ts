// A shell script's view of its container's files while the emulation lays it out: what the
// container had when the process started (FileAccess), with the script's own changes over it, so a
// `touch x && [ -f x ]` sees its file before the change is made for real at its moment. Changes are
// kept by where a file lives, so a directory mounted at two paths shows them at both. And the
// busybox commands that list files (ls), change them (touch, mkdir, rm, cp, mv) or test them (ash's
// `[` and `test`), with the errors busybox prints, and the option parsing they share with the text
// filters.

import { concatBytes } from "../src/node/bytes.ts";
import type { FileAccess } from "./process-emulation.ts";
import type { FileChange } from "./processes.ts";
import { pathParts } from "./snapshots/fs.ts";

type Changed = { kind: "file"; data: Uint8Array } | { kind: "dir" } | { kind: "gone" };

/** The absolute, clean path a process means, from its working directory when relative. */
export function absolute(path: string, cwd: string): string {
  return `/${pathParts(path.startsWith("/") ? path : `${cwd}/${path}`).join("/")}`;
}

export function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? "/" : path.slice(0, slash);
}

/** The container's files as the script has left them so far (paths absolute and clean). */
export class ScriptFiles {
  /** By location (FileAccess.locate). */
  private readonly changed = new Map<string, Changed>();
  readonly access: FileAccess;
  /** Where a script's `cd` went; the process's working directory until then. */
  private changedCwd: string | undefined;

  constructor(access: FileAccess) {
    this.access = access;
  }

  get cwd(): string {
    return this.changedCwd ?? this.access.cwd;
  }

  set cwd(path: string) {
    this.changedCwd = path;
  }

  /** What is at the path now, symlinks followed. */
  kindOf(path: string): "file" | "dir" | undefined {
    const own = this.own(path);
    if (own === "hidden") return undefined;
    if (own) return own.kind === "gone" ? undefined : own.kind;
    // A file first: under a mount the node keeps (/proc), every path lists as a directory of no names.
    if (this.access.readFile(path)) return "file";
    return this.access.readDir(path) ? "dir" : undefined;
  }

  readFile(path: string): Uint8Array | undefined {
    const own = this.own(path);
    if (own === "hidden") return undefined;
    if (own) return own.kind === "file" ? own.data : undefined;
    return this.access.readFile(path);
  }

  readDir(path: string): readonly string[] | undefined {
    const own = this.own(path);
    if (own === "hidden" || (own && own.kind !== "dir")) return undefined;
    // A directory the script made is new: nothing that was there before shows through.
    const found = own ? [] : this.access.readDir(path);
    if (!found) return undefined;
    const names = new Set(found);
    const location = this.access.locate(path);
    for (const [changed, change] of this.changed) {
      if (changed === location || parentOf(changed) !== location) continue;
      const name = changed.slice(changed.lastIndexOf("/") + 1);
      if (change.kind === "gone") names.delete(name);
      else names.add(name);
    }
    return [...names];
  }

  readOnly(path: string): boolean {
    return this.access.readOnly(path);
  }

  /** Takes a change into the view (the caller records it for its moment). */
  apply(path: string, change: FileChange["change"], data: Uint8Array = new Uint8Array()): void {
    const location = this.access.locate(path);
    switch (change) {
      case "touch":
        if (this.kindOf(path) === undefined) this.changed.set(location, { kind: "file", data });
        return;
      case "mkdir":
        this.changed.set(location, { kind: "dir" });
        return;
      case "remove":
        for (const key of [...this.changed.keys()]) if (key.startsWith(`${location}/`)) this.changed.delete(key);
        this.changed.set(location, { kind: "gone" });
        return;
      case "write":
        this.changed.set(location, { kind: "file", data });
        return;
      case "append":
        this.changed.set(location, { kind: "file", data: concatBytes([this.readFile(path) ?? new Uint8Array(), data]) });
        return;
    }
  }

  /**
   * The script's own change at the path; or "hidden" when a change above it hides what was there
   * (a removal, a file, or a new directory, which holds only what the script put in it).
   */
  private own(path: string): Changed | "hidden" | undefined {
    let location = this.access.locate(path);
    const own = this.changed.get(location);
    if (own) return own;
    for (let above = parentOf(location); above !== location; location = above, above = parentOf(above)) {
      if (this.changed.has(above)) return "hidden";
    }
    return undefined;
  }
}

/** What a file command acts through: the script's timeline. */
export interface FileCommandIo {
  readonly files: ScriptFiles;
  /** What the previous command of a pipeline wrote, if the command is in one. */
  readonly stdin: Uint8Array | undefined;
  status: number;
  write(stream: "stdout" | "stderr", data: string): void;
  change(path: string, change: FileChange["change"], data?: Uint8Array): void;
}

/** Why a path cannot be created: its parent is missing or not a directory, or the filesystem is read-only. */
function createError(files: ScriptFiles, path: string): string | undefined {
  const parent = files.kindOf(parentOf(path));
  if (parent === undefined) return "No such file or directory";
  if (parent === "file") return "Not a directory";
  return files.readOnly(path) ? "Read-only file system" : undefined;
}

/** Why a file cannot be opened for writing (created when missing), in the C library's words. */
export function writeError(files: ScriptFiles, path: string): string | undefined {
  const kind = files.kindOf(path);
  if (kind === "dir") return "Is a directory";
  if (kind === "file") return files.readOnly(path) ? "Read-only file system" : undefined;
  return createError(files, path);
}

/**
 * Options as busybox takes them: single letters, together or apart, before the operands; those in
 * `valued` take a value (`-n 5`, `-n5`). Undefined for any other option.
 */
export function options(
  args: readonly string[],
  allowed: string,
  valued = "",
): { flags: Set<string>; values: Map<string, string>; operands: string[] } | undefined {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  let i = 0;
  let ended = false;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      ended = true;
      i++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") break;
    for (let k = 1; k < arg.length; k++) {
      const flag = arg[k]!;
      if (valued.includes(flag)) {
        const value = k + 1 < arg.length ? arg.slice(k + 1) : args[++i];
        if (value === undefined) return undefined;
        values.set(flag, value);
        break;
      }
      if (!allowed.includes(flag)) return undefined;
      flags.add(flag);
    }
  }
  const operands = args.slice(i);
  // glibc's getopt would take an option after an operand too; leave that to a real busybox.
  if (!ended && operands.some((arg) => arg.startsWith("-") && arg !== "-")) return undefined;
  return { flags, values, operands };
}

/** busybox ls [-1aA], touch, mkdir [-p], rm [-fr], cp and mv; false when the command or its options are not emulated. */
export function runFileCommand(io: FileCommandIo, name: string, args: readonly string[]): boolean {
  const files = io.files;
  switch (name) {
    case "ls":
      return list(io, args);
    case "touch": {
      const parsed = options(args, "");
      if (!parsed || parsed.operands.length === 0) return false;
      return eachOperand(io, "touch", parsed.operands, (operand, path) => {
        const exists = files.kindOf(path) !== undefined;
        // An existing file only gets new times, which a read-only filesystem refuses too.
        const error = exists ? (files.readOnly(path) ? "Read-only file system" : undefined) : createError(files, path);
        if (error) return `${operand}: ${error}`;
        if (!exists) io.change(path, "touch");
        return undefined;
      });
    }
    case "mkdir": {
      const parsed = options(args, "p");
      if (!parsed || parsed.operands.length === 0) return false;
      return eachOperand(io, "mkdir", parsed.operands, (operand, path) => {
        const error = parsed.flags.has("p") ? makeParents(io, path) : makeDir(io, path);
        return error && `can't create directory '${operand}': ${error}`;
      });
    }
    case "rm": {
      const parsed = options(args, "frR");
      if (!parsed || (parsed.operands.length === 0 && !parsed.flags.has("f"))) return false;
      const force = parsed.flags.has("f");
      const recursive = parsed.flags.has("r") || parsed.flags.has("R");
      return eachOperand(io, "rm", parsed.operands, (operand, path) => {
        const kind = files.kindOf(path);
        if (kind === undefined) return force ? undefined : `can't remove '${operand}': No such file or directory`;
        if (kind === "dir" && !recursive) return `'${operand}' is a directory`;
        if (files.readOnly(path)) return `can't remove '${operand}': Read-only file system`;
        io.change(path, "remove");
        return undefined;
      });
    }
    case "cp":
    case "mv":
      return copyOrMove(io, name, args);
    default:
      return false;
  }
}

/**
 * busybox `cp SOURCE... DEST` and `mv SOURCE... DEST` of files: into DEST, or under their own names
 * into DEST when it is a directory (as it must be for several sources), with busybox's errors for
 * a missing source, a directory (`cp` leaves it out), the same file, and a target it cannot
 * create. Options, directories to move, targets that are directories and read-only sources of a
 * move are not emulated.
 */
function copyOrMove(io: FileCommandIo, name: "cp" | "mv", args: readonly string[]): boolean {
  const files = io.files;
  if (args.length < 2 || args.some((arg) => arg.startsWith("-"))) return false;
  const sources = args.slice(0, -1);
  const dest = args.at(-1)!;
  const intoDir = files.kindOf(absolute(dest, files.cwd)) === "dir";
  const targetOf = (source: string) => (intoDir || sources.length > 1 ? `${dest.replace(/\/+$/, "")}/${source.slice(source.replace(/\/+$/, "").lastIndexOf("/") + 1).replace(/\/+$/, "")}` : dest);
  const moving = name === "mv";
  // What busybox would do next is not known for these: leave them to a real one.
  if (!intoDir && sources.length > 1 && (moving || files.kindOf(absolute(dest, files.cwd)) === undefined)) return false;
  for (const source of sources) {
    const from = absolute(source, files.cwd);
    const to = absolute(targetOf(source), files.cwd);
    if (files.kindOf(to) === "dir" || (moving && (files.kindOf(from) === "dir" || from === to || files.readOnly(from)))) return false;
  }
  return eachOperand(io, name, sources, (source, from) => {
    const target = targetOf(source);
    const to = absolute(target, files.cwd);
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
}

/**
 * busybox `ls [-1aA] [PATH]...` writing to a pipe: one name a line, sorted by byte value; errors
 * first, then the operands that are not directories, then each directory's names (under a
 * `PATH:` heading when there are several operands). To a terminal it lays names out in columns,
 * which is not emulated.
 */
function list(io: FileCommandIo, args: readonly string[]): boolean {
  const files = io.files;
  const parsed = options(args, "aA1");
  if (!parsed || files.access.terminal) return false;
  const hidden = parsed.flags.has("a") ? "all" : parsed.flags.has("A") ? "almost" : "none";
  const named = parsed.operands.length > 0 ? parsed.operands : ["."];
  const listed: Array<{ operand: string; names: string[] }> = [];
  const plain: string[] = [];
  io.status = 0;
  for (const operand of named) {
    const path = absolute(operand, files.cwd);
    const names = files.readDir(path);
    if (names) {
      const shown = names.filter((name) => hidden !== "none" || !name.startsWith("."));
      listed.push({ operand, names: hidden === "all" ? [".", "..", ...shown] : shown });
    } else if (files.kindOf(path) === "file") plain.push(operand);
    else {
      io.write("stderr", `ls: ${operand}: No such file or directory\n`);
      io.status = 1;
    }
  }
  const lines = (names: readonly string[]) => names.map((name) => `${name}\n`).join("");
  let out = lines(plain.sort(byteOrder));
  for (const { operand, names } of listed.sort((a, b) => byteOrder(a.operand, b.operand))) {
    if (named.length > 1) out += `${out === "" ? "" : "\n"}${operand}:\n`;
    out += lines(names.sort(byteOrder));
  }
  if (out !== "") io.write("stdout", out);
  return true;
}

export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Runs `each` on every operand (with its absolute path), as busybox goes through them: an error it
 * returns is printed after `name: ` and makes the status 1; the rest still run.
 */
function eachOperand(io: FileCommandIo, name: string, operands: readonly string[], each: (operand: string, path: string) => string | undefined): true {
  io.status = 0;
  for (const operand of operands) {
    const error = each(operand, absolute(operand, io.files.cwd));
    if (error === undefined) continue;
    io.write("stderr", `${name}: ${error}\n`);
    io.status = 1;
  }
  return true;
}

function makeDir(io: FileCommandIo, path: string): string | undefined {
  if (io.files.kindOf(path) !== undefined) return "File exists";
  const error = createError(io.files, path);
  if (!error) io.change(path, "mkdir");
  return error;
}

/** mkdir -p: each missing directory on the way, in order; an existing directory is fine. */
function makeParents(io: FileCommandIo, path: string): string | undefined {
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

/** test's binary operators. */
const binaryTests = new Set(["=", "!=", "-eq", "-ne", "-gt", "-ge", "-lt", "-le"]);
const unaryTests = new Set(["-n", "-z", "-e", "-f", "-d", "-s"]);

/**
 * test's grammar for longer expressions: `-o` joins `-a` terms, which join `!` and primaries
 * (`( ... )`, a unary or binary test, a string). Undefined for what does not parse.
 */
function testGrammar(files: ScriptFiles | undefined, args: readonly string[]): boolean | { error: string } | undefined {
  let at = 0;
  type Result = boolean | { error: string } | undefined;
  const or = (): Result => {
    const left = and();
    if (typeof left !== "boolean" || args[at] !== "-o") return left;
    at++;
    const right = or();
    return typeof right === "boolean" ? left || right : right;
  };
  const and = (): Result => {
    const left = not();
    if (typeof left !== "boolean" || args[at] !== "-a") return left;
    at++;
    const right = and();
    return typeof right === "boolean" ? left && right : right;
  };
  const not = (): Result => {
    if (args[at] !== "!") return primary();
    at++;
    const inner = not();
    return typeof inner === "boolean" ? !inner : inner;
  };
  const primary = (): Result => {
    const token = args[at];
    if (token === undefined) return undefined;
    if (token === "(") {
      at++;
      const inner = or();
      if (args[at] !== ")") return undefined;
      at++;
      return inner;
    }
    if (unaryTests.has(token) && args[at + 1] !== undefined) {
      at += 2;
      return testExpression(files, [token, args[at - 1]!]);
    }
    if (args[at + 1] !== undefined && binaryTests.has(args[at + 1]!) && args[at + 2] !== undefined) {
      at += 3;
      return testExpression(files, args.slice(at - 3, at));
    }
    at++;
    return token !== "";
  };
  const result = or();
  return at === args.length ? result : undefined;
}

/** The integer comparisons of `test`. */
const comparisons: Record<string, (a: bigint, b: bigint) => boolean> = {
  "-eq": (a, b) => a === b,
  "-ne": (a, b) => a !== b,
  "-gt": (a, b) => a > b,
  "-ge": (a, b) => a >= b,
  "-lt": (a, b) => a < b,
  "-le": (a, b) => a <= b,
};

/** A test operand as a number (strtoll base 10, blanks around it allowed), or the error ash stops with. */
function testNumber(operand: string): bigint | { error: string } {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)[ \t\n\v\f\r]*$/.exec(operand);
  if (!m) return { error: `${operand}: bad number` };
  const value = BigInt(m[1]!);
  return BigInt.asIntN(64, value) === value ? value : { error: `${operand}: out of range` };
}

/**
 * ash's `test` (and `[`, without its closing `]`): `-e`, `-f`, `-d`, `-s`, `-n`, `-z`, `=`, `!=`,
 * the integer comparisons (`-eq` ... `-le`), a lone string, `!` before any of them, and longer
 * expressions joined by `-a` and `-o`, with parentheses (testGrammar). True or
 * false, an error (a comparison of something that is not a number: status 2); undefined for an
 * expression not emulated, or about files without them at hand.
 */
export function testExpression(files: ScriptFiles | undefined, args: readonly string[]): boolean | { error: string } | undefined {
  // busybox reads `! ( ... )` its own way ("closing paren expected"): not emulated.
  if (args[0] === "!" && args[1] === "(") return undefined;
  if (args.length > (args[0] === "!" ? 4 : 3)) return testGrammar(files, args);
  if (args[0] === "!" && args.length > 1) {
    const inner = testExpression(files, args.slice(1));
    return typeof inner === "boolean" ? !inner : inner;
  }
  if (args.length === 0) return false;
  if (args.length === 1) return args[0] !== "";
  if (args.length === 2) {
    const [op, operand] = args as [string, string];
    if (op === "-n") return operand !== "";
    if (op === "-z") return operand === "";
    if (!files || !["-e", "-f", "-d", "-s"].includes(op)) return undefined;
    const path = absolute(operand, files.cwd);
    const kind = files.kindOf(path);
    if (op === "-s") return kind === "dir" || (kind === "file" && (files.readFile(path)?.length ?? 0) > 0);
    return op === "-e" ? kind !== undefined : op === "-f" ? kind === "file" : kind === "dir";
  }
  if (args.length !== 3) return undefined;
  const [left, op, right] = args as [string, string, string];
  if (op === "=" || op === "!=") return (left === right) === (op === "=");
  const compare = comparisons[op];
  if (!compare) return undefined;
  const a = testNumber(left);
  if (typeof a !== "bigint") return a;
  const b = testNumber(right);
  return typeof b === "bigint" ? compare(a, b) : b;
}
