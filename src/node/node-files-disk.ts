// NodeFiles for `fake-cri serve`: the plugin's own directories in the in-memory filesystem, and the
// host's real files, but only under the host roots the operator allowed (the data dir and
// `--allow-host-root`): a container's log where crictl or a kubelet reads it, a kubelet's volumes.
// Anything else a request names is refused with a HostBoundaryError that says which setting to
// change. Node-only (node:fs); the portable core never imports this file.
//
// A host path is resolved one component at a time from "/": ".." and symlinks are followed as the
// kernel would, but nothing outside the allowed roots is ever looked at, except the directories
// above a root on the way to it, and a path that ends outside them is refused. (Node has no
// openat2(RESOLVE_BENEATH): a directory swapped for a symlink between the resolution and the open
// is not caught; the last component is opened O_NOFOLLOW.)
//
// Nothing here blocks the event loop. Only regular files and directories are read or written:
// FIFOs, sockets and devices are refused after an lstat, and opened O_NONBLOCK in case one appears
// in between; a read is capped at 16 MiB. Log appends are buffered and written behind, each file's
// in order, what accumulated meanwhile in one write. A process's changes through a bind mount are
// applied in order behind its back, and reads wait for those before them. No fsync: these files are
// what a kubelet or crictl reads, not the node's state (that is the journal's, src/cli/journal.ts).

import { constants, type Stats } from "node:fs";
import { lstat, mkdir, open, readdir, readlink, realpath, rm, type FileHandle } from "node:fs/promises";
import { concatBytes, toBytes } from "./bytes.ts";
import { clean } from "../go/filepath.ts";
import { HostFsError, type AppendHandle, type HostFs, type HostFsErrorCode, type HostFsStat } from "./host-fs.ts";
import {
  applyChange,
  HostBoundaryError,
  isWithin,
  memoryPaths,
  parentDir,
  type NodeFileChange,
  type NodeFiles,
  type PreparedPaths,
} from "./node-files.ts";

/** A host path resolved inside the roots (HostNodeFiles.walk). */
interface Walked {
  real: string;
  /** The lstat of `real` itself, when the walk looked at it. */
  stats?: Stats;
  /** The first component found missing (`real` or one of its parents). */
  missing?: string;
}

/** The largest host file read (a seccomp profile, a file a process reads through a mount). */
export const maxHostReadBytes = 16 << 20;

/** Symlinks followed in one resolution before giving up, as Linux's ELOOP. */
const maxSymlinks = 40;

const { O_RDONLY, O_WRONLY, O_CREAT, O_APPEND, O_TRUNC, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } = constants;
const readFlags = O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY;
const writeFlags = O_WRONLY | O_CREAT | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY;

/** Where HostNodeFiles finds the node's own files, and which host directories it may touch. */
export interface HostNodeFilesOptions {
  /** The node's in-memory filesystem, holding the plugin's own files. */
  memory: HostFs;
  /** The plugin's own directories (its root and state dirs): these paths are the in-memory files. */
  memoryDirs: readonly string[];
  /** Host directories requests may name: absolute, without symlinks (see realHostRoots). */
  hostRoots: readonly string[];
}

/** The device a file mode and rdev name: block, character or FIFO (Linux's major/minor split of rdev). */
export function deviceOf(mode: bigint, rdev: bigint): HostFsStat["device"] {
  const type = ({ 0o060000: "b", 0o020000: "c", 0o010000: "p" } as const)[Number(mode & 0o170000n) as 0o060000 | 0o020000 | 0o010000];
  if (type === undefined) return undefined;
  const major = Number(((rdev & 0xfff00n) >> 8n) | ((rdev & 0xfffff00000000000n) >> 32n));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & 0xffffff00n));
  return { type, major, minor };
}

/**
 * `dirs` as allowed host roots: each must exist and be a directory, or a regular file (the node's
 * mount table, /proc/self/mountinfo, which lets containers' mounts follow the node's); symlinks in
 * them resolved.
 */
export async function realHostRoots(dirs: readonly string[]): Promise<string[]> {
  const roots: string[] = [];
  for (const dir of dirs) {
    let real: string;
    try {
      real = await realpath(dir);
    } catch (err) {
      throw new Error(`host root ${JSON.stringify(dir)}: ${(err as Error).message}`);
    }
    const stats = await lstat(real);
    if (!stats.isDirectory() && !stats.isFile()) throw new Error(`host root ${JSON.stringify(dir)}: not a directory or a file`);
    roots.push(real);
  }
  return roots;
}

const knownCodes = new Set<string>(["ENOENT", "ENOTDIR", "EISDIR", "EEXIST", "EACCES", "ELOOP"]);

function pathError(op: string, path: string, err: unknown): Error {
  if (err instanceof HostFsError || err instanceof HostBoundaryError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? "EIO";
  return new HostFsError(op, path, (knownCodes.has(code) ? code : "EIO") as HostFsErrorCode);
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? "/" : path.slice(0, slash);
}

/** The lstat of `real` (the host path of `path`), or undefined when nothing is there. */
function lstatIfAny(path: string, real: string): Promise<Stats | undefined> {
  return lstat(real).catch((err: unknown) => {
    if (isMissing(err)) return undefined;
    throw pathError("lstat", path, err);
  });
}

/**
 * Opens `real`, whose lstat (`existing`, if anything is there) says it is a regular file or
 * nothing; what is found open (swapped in meanwhile) must be a regular file too.
 */
async function openChecked(path: string, real: string, existing: Stats | undefined, flags: number, mode?: number): Promise<FileHandle> {
  if (existing && !existing.isFile()) throw new HostFsError("open", path, existing.isDirectory() ? "EISDIR" : "ENOTREG");
  let file: FileHandle;
  try {
    file = await open(real, flags, mode);
  } catch (err) {
    throw pathError("open", path, err);
  }
  try {
    if (!(await file.stat()).isFile()) throw new HostFsError("open", path, "ENOTREG");
  } catch (err) {
    await file.close();
    throw pathError("open", path, err);
  }
  return file;
}

/**
 * The path with /proc/net and /proc/self taken to the reading process's own /proc/<pid>, which is
 * what they link to and what an allowed root names once resolved (the links themselves lie outside
 * every root).
 */
function ownProc(path: string): string {
  return path.replace(/^\/proc\/(?=(?:net|self)(?:\/|$))(?:self\/?)?/, `/proc/${process.pid}/`);
}

/**
 * The node's files for `fake-cri serve`: the plugin's own directories in memory, the host's files
 * inside the allowed roots, everything else refused (HostBoundaryError).
 */
export class HostNodeFiles implements NodeFiles {
  private readonly memory: HostFs;
  private readonly memoryDirs: readonly string[];
  private readonly roots: readonly string[];
  /**
   * The kernel's mount table of the fake's mount namespace, when an allowed root covers it (else
   * undefined: every task start would otherwise build a refusal, stack and all, only to drop it).
   */
  readonly mountTable: string | undefined;
  /** The processes' changes not yet made; reads wait for it. */
  private changes: Promise<void> = Promise.resolve();

  constructor(options: HostNodeFilesOptions) {
    this.memory = options.memory;
    this.memoryDirs = options.memoryDirs.map((dir) => clean(dir));
    this.roots = options.hostRoots.map((dir) => clean(dir));
    const table = "/proc/self/mountinfo";
    this.mountTable = this.roots.some((root) => isWithin(ownProc(table), root)) ? table : undefined;
  }

  async readFile(path: string): Promise<Uint8Array> {
    if (this.inMemory(path)) return this.memory.readFile(path);
    await this.changes;
    return this.readHostFile(path);
  }

  async readDir(path: string): Promise<string[]> {
    if (this.inMemory(path)) return this.memory.readDir(path);
    await this.changes;
    const real = await this.resolve(path, true);
    try {
      return (await readdir(real)).sort();
    } catch (err) {
      throw pathError("open", path, err);
    }
  }

  /** What a path is (symlinks inside the roots followed). */
  async stat(path: string): Promise<HostFsStat> {
    if (this.inMemory(path)) return this.memory.stat(path);
    await this.changes;
    const real = await this.resolve(path, true);
    try {
      const s = await lstat(real, { bigint: true });
      const device = deviceOf(s.mode, s.rdev);
      return { isDirectory: s.isDirectory(), size: s.size, mode: Number(s.mode & 0o7777n), ...(device ? { device } : {}) };
    } catch (err) {
      throw pathError("stat", path, err);
    }
  }

  async mkdirAll(path: string, mode = 0o755): Promise<void> {
    if (this.inMemory(path)) return this.memory.mkdirAll(path, mode);
    await this.makeDirs(path, mode);
  }

  async openAppend(path: string, mode = 0o640): Promise<AppendHandle> {
    const parent = parentDir(path);
    if (this.inMemory(path)) {
      this.memory.mkdirAll(parent, 0o755);
      return this.memory.openAppend(path, mode);
    }
    const flags = writeFlags | O_APPEND;
    const dir = await this.makeDirs(parent, 0o755);
    const name = path.slice(path.lastIndexOf("/") + 1);
    // A clean path names its file in the directory just resolved: only the file is left to look at
    // (nothing, when the directory was just made). Otherwise the kernel's walk of the whole path
    // may differ from filepath.Dir's (a symlink followed by ".."): it is walked again.
    if (path !== clean(path) || name === "" || name === "." || name === "..") {
      return new AppendedFile(path, await this.openRegular(path, flags, mode));
    }
    const real = dir.real === "/" ? `/${name}` : `${dir.real}/${name}`;
    const existing = dir.made ? undefined : await lstatIfAny(path, real);
    if (existing?.isSymbolicLink()) return new AppendedFile(path, await this.openRegular(path, flags, mode));
    return new AppendedFile(path, await openChecked(path, real, existing, flags, mode));
  }

  change(change: NodeFileChange): Promise<void> | undefined {
    if (this.inMemory(change.path)) {
      try {
        applyChange(this.memory, change);
      } catch {
        // As a process racing another: the file changed since the script was laid out.
      }
      return undefined;
    }
    this.changes = this.changes.then(() => this.changeHost(change)).catch(() => undefined);
    return this.changes;
  }

  async prepare(paths: { read?: readonly string[]; dirs?: readonly string[] }): Promise<PreparedPaths> {
    const memory = memoryPaths(this.memory);
    const texts = new Map<string, { text: string } | { error: unknown }>();
    const dirs = new Map<string, { existed: boolean; error?: unknown; refused?: unknown }>();
    const decoder = new TextDecoder();
    await Promise.all([
      ...(paths.read ?? []).filter((p) => !this.inMemory(p)).map(async (path) => {
        try {
          texts.set(path, { text: decoder.decode(await this.readHostFile(path)) });
        } catch (error) {
          texts.set(path, { error });
        }
      }),
      ...(paths.dirs ?? []).filter((p) => !this.inMemory(p)).map(async (path) => {
        // The empty path names nothing, as for the kernel (a mount's host path ""): no host access needed.
        if (path === "") {
          dirs.set(path, { existed: false, error: new HostFsError("mkdir", path, "ENOENT") });
          return;
        }
        let real: string;
        try {
          real = await this.resolve(path, true);
        } catch (refused) {
          dirs.set(path, { existed: false, refused });
          return;
        }
        if (await lstat(real).then(() => true, () => false)) {
          dirs.set(path, { existed: true });
          return;
        }
        try {
          await mkdir(real, { recursive: true, mode: 0o755 });
          dirs.set(path, { existed: false });
        } catch (err) {
          dirs.set(path, { existed: false, error: pathError("mkdir", path, err) });
        }
      }),
    ]);
    const unprepared = (path: string) => new Error(`fake-cri: host path ${JSON.stringify(path)} was not prepared`);
    return {
      exists: (path) => {
        if (this.inMemory(path)) return memory.exists(path);
        const dir = dirs.get(path);
        if (!dir) throw unprepared(path);
        if (dir.refused) throw dir.refused;
        return dir.existed;
      },
      mkdirAll: (path, mode) => {
        if (this.inMemory(path)) return memory.mkdirAll(path, mode);
        const dir = dirs.get(path);
        if (!dir) throw unprepared(path);
        if (dir.refused) throw dir.refused;
        if (dir.error) throw dir.error;
      },
      readText: (path) => {
        if (this.inMemory(path)) return memory.readText(path);
        const read = texts.get(path);
        if (!read) throw unprepared(path);
        if ("error" in read) throw read.error;
        return read.text;
      },
    };
  }

  /** Whether a path is one of the plugin's own, in memory (judged by its clean form). */
  private inMemory(path: string): boolean {
    if (!path.startsWith("/")) return false;
    const cleaned = clean(path);
    return this.memoryDirs.some((dir) => isWithin(cleaned, dir));
  }

  private inRoot(path: string): boolean {
    return this.roots.some((root) => isWithin(path, root));
  }

  /** Whether `path` lies on the way down to a root (an ancestor of one). */
  private aboveRoot(path: string): boolean {
    return this.roots.some((root) => isWithin(root, path));
  }

  /** The host path `path` names (see walk). */
  private async resolve(path: string, followLast: boolean): Promise<string> {
    return (await this.walk(path, followLast)).real;
  }

  /**
   * The host path `path` names, with ".." and symlinks followed (the last component's symlink only
   * with `followLast`), as long as every step stays inside the allowed roots or on the way down to
   * one. A missing component and what follows it are taken as written. Also what the walk learnt of
   * the path's end, so that callers need not look again: its lstat (when it was looked at, that is,
   * inside a root), or the first component found missing.
   */
  private async walk(path: string, followLast: boolean): Promise<Walked> {
    if (!path.startsWith("/")) throw new HostBoundaryError(path, "a relative path is taken from the server's working directory");
    const outside = (): HostBoundaryError => new HostBoundaryError(path, "it is outside the data dir and the allowed host roots");
    const pending = ownProc(path).split("/").reverse();
    let current = "/";
    let links = 0;
    let missing: string | undefined;
    /** The lstat of `current`, when it was the last thing looked at. */
    let stats: Stats | undefined;
    while (pending.length > 0) {
      const name = pending.pop()!;
      if (name === "" || name === ".") continue;
      stats = undefined;
      if (name === "..") {
        current = parentOf(current);
        continue;
      }
      const next = current === "/" ? `/${name}` : `${current}/${name}`;
      if (missing !== undefined || !this.inRoot(next)) {
        if (missing === undefined && !this.aboveRoot(next)) throw outside();
        current = next;
        continue;
      }
      let found;
      try {
        found = await lstat(next);
      } catch (err) {
        if (!isMissing(err)) throw pathError("lstat", path, err);
        missing = next;
        current = next;
        continue;
      }
      if (found.isSymbolicLink() && (followLast || pending.some((p) => p !== "" && p !== "."))) {
        if (++links > maxSymlinks) throw new HostFsError("open", path, "ELOOP");
        const target = await readlink(next);
        pending.push(...target.split("/").reverse());
        if (target.startsWith("/")) current = "/";
        continue;
      }
      current = next;
      stats = found;
    }
    if (!this.inRoot(current)) throw outside();
    return { real: current, ...(stats ? { stats } : {}), ...(missing !== undefined ? { missing } : {}) };
  }

  /**
   * os.MkdirAll inside the roots: the walk saw what is there, so a directory needs nothing, and the
   * missing part is made from its first component down, one mkdir each (a recursive mkdir first
   * tries the whole path). Returns the directory's host path and whether this call made it.
   */
  private async makeDirs(path: string, mode: number): Promise<{ real: string; made: boolean }> {
    const { real, stats, missing } = await this.walk(path, true);
    if (stats?.isDirectory()) return { real, made: false };
    try {
      if (missing === undefined || !(real === missing || real.startsWith(`${missing}/`))) {
        await mkdir(real, { recursive: true, mode });
        return { real, made: false };
      }
      for (let dir = missing; ; ) {
        await mkdir(dir, { mode }).catch((err: NodeJS.ErrnoException) => {
          // Made meanwhile by someone else: as a recursive mkdir, go on.
          if (err.code !== "EEXIST") throw err;
        });
        if (dir === real) return { real, made: true };
        const slash = real.indexOf("/", dir.length + 1);
        dir = slash === -1 ? real : real.slice(0, slash);
      }
    } catch (err) {
      throw pathError("mkdir", path, err);
    }
  }

  /** Opens a host file that is (or will be, with O_CREAT) a regular file; anything else is refused. */
  private async openRegular(path: string, flags: number, mode?: number): Promise<FileHandle> {
    const { real, stats } = await this.walk(path, true);
    return openChecked(path, real, stats, flags, mode);
  }

  private async readHostFile(path: string): Promise<Uint8Array> {
    const file = await this.openRegular(path, readFlags);
    try {
      const { size } = await file.stat();
      if (size > maxHostReadBytes) throw new HostFsError("read", path, "EFBIG");
      // A kernel file (/proc) says size 0 whatever it holds: read to the end, growing the buffer.
      let buffer = new Uint8Array(size + 1);
      let length = 0;
      for (;;) {
        const { bytesRead } = await file.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0) return buffer.subarray(0, length);
        length += bytesRead;
        if (length < buffer.length) continue;
        if (length > maxHostReadBytes) throw new HostFsError("read", path, "EFBIG");
        const grown = new Uint8Array(Math.min(2 * buffer.length + 4096, maxHostReadBytes + 1));
        grown.set(buffer);
        buffer = grown;
      }
    } catch (err) {
      throw pathError("read", path, err);
    } finally {
      await file.close();
    }
  }

  private async changeHost({ path, change, data }: NodeFileChange): Promise<void> {
    switch (change) {
      case "mkdir":
        return this.mkdirAll(path);
      case "remove": {
        const real = await this.resolve(path, false);
        // The mount's own source is a mount point in the container: busy, not removed.
        if (this.roots.includes(real)) return;
        await rm(real, { recursive: true, force: true });
        return;
      }
      case "touch": {
        const file = await this.openRegular(path, writeFlags);
        await file.close();
        return;
      }
      default: {
        const file = await this.openRegular(path, writeFlags | (change === "write" ? O_TRUNC : O_APPEND), 0o644);
        try {
          await file.write(toBytes(data ?? ""));
        } finally {
          await file.close();
        }
      }
    }
  }
}

/**
 * A log file opened for appending: writes are buffered and written behind, those that came while a
 * write was under way together in the next one. A failed write is dropped, as containerd's logger
 * drops what it cannot write.
 */
class AppendedFile implements AppendHandle {
  private readonly path: string;
  private readonly file: FileHandle;
  private pending: Uint8Array[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;

  constructor(path: string, file: FileHandle) {
    this.path = path;
    this.file = file;
  }

  write(data: Uint8Array): void {
    if (this.closed) throw new HostFsError("write", this.path, "ECLOSED");
    this.pending.push(data);
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush());
  }

  /** Settles once everything written before it is in the file and the file is closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flushing;
    await this.file.close().catch(() => undefined);
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const bytes = this.pending.length === 1 ? this.pending[0]! : concatBytes(this.pending);
      this.pending = [];
      await this.file.write(bytes).catch(() => undefined);
    }
    this.flushing = undefined;
  }
}
