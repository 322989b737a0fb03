// The node's own files, as the CRI plugin keeps them: status checkpoints, sandbox files (hostname,
// hosts, resolv.conf), IPAM reservations, network namespace files, generated CNI configs, and in a
// test's node also container logs. They live in memory (MemoryHostFs), which is their truth in
// `fake-cri serve` too: nobody outside reads them, and what must survive a crash is journaled from
// here (trackChanges). Files a request names on the real host go through NodeFiles
// (node-files.ts), never through this.
//
// Synchronous on purpose: containerd writes its checkpoints while holding the status lock, so a
// checkpoint and the in-memory status change together; a sync call keeps that without locks, and
// in memory it never waits. Errors read as Go's *os.PathError does: `open /a/b: no such file or
// directory`.

import { joinBytes } from "./bytes.ts";
import { clean } from "../go/filepath.ts";
import { base64, fromBase64 } from "../go/json.ts";

/**
 * Errno names; ECLOSED for Go's os.ErrClosed (a write through a closed file), and for host files,
 * ENOTREG (a FIFO, socket or device, which fake-cri never reads or writes) and EFBIG (a file over
 * what fake-cri reads).
 */
export type HostFsErrorCode =
  | "ENOENT"
  | "ENOTDIR"
  | "EISDIR"
  | "EEXIST"
  | "EACCES"
  | "EIO"
  | "ELOOP"
  | "ECLOSED"
  | "ENOTREG"
  | "EFBIG";

const errnoText: Record<HostFsErrorCode, string> = {
  ENOENT: "no such file or directory",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  EEXIST: "file exists",
  EACCES: "permission denied",
  EIO: "input/output error",
  ELOOP: "too many levels of symbolic links",
  ECLOSED: "file already closed",
  ENOTREG: "not a regular file (fake-cri reads and writes only regular host files)",
  EFBIG: "file too large (fake-cri reads at most 16 MiB of a host file)",
};

/** An *os.PathError: `<op> <path>: <errno text>`. */
export class HostFsError extends Error {
  readonly code: HostFsErrorCode;
  readonly op: string;
  readonly path: string;

  constructor(op: string, path: string, code: HostFsErrorCode) {
    super(`${op} ${path}: ${errnoText[code]}`);
    this.name = "HostFsError";
    this.code = code;
    this.op = op;
    this.path = path;
  }
}

/** os.IsNotExist. */
export function isNotExist(err: unknown): boolean {
  return err instanceof HostFsError && err.code === "ENOENT";
}

/** What stat() tells of a file. */
export interface HostFsStat {
  isDirectory: boolean;
  /** Bytes. */
  size: bigint;
  /** Permission bits (0o644 ...). */
  mode: number;
  /** The device a device node or FIFO is (block "b", character "c", FIFO "p" with numbers 0). */
  device?: { type: "b" | "c" | "p"; major: number; minor: number };
}

/** The node's filesystem as the CRI plugin uses it: synchronous, with Go's error texts (HostFsError). */
export interface HostFs {
  /** os.MkdirAll: creates the directory and its parents; nothing to do when it exists. */
  mkdirAll(path: string, mode?: number): void;
  /**
   * continuity.AtomicWriteFile: the whole file replaced at once; the parent must exist. A FileText
   * is made into the file's text whenever the file is read (never kept).
   */
  writeFile(path: string, data: string | Uint8Array | FileText, mode?: number): void;
  /** Appends, creating the file (O_APPEND|O_CREATE); the parent must exist. */
  appendFile(path: string, data: string | Uint8Array, mode?: number): void;
  /**
   * Opens the file for appending, creating it (O_APPEND|O_CREATE); the parent must exist. Writes go
   * to the file that was opened, as through a file descriptor: still to it after it is renamed (a
   * kubelet rotating a log) or removed.
   */
  openAppend(path: string, mode?: number): AppendHandle;
  /** The file's bytes. */
  readFile(path: string): Uint8Array;
  /** The file's bytes as UTF-8 text, as TextDecoder reads them (status checkpoints, node files, IPAM). */
  readText(path: string): string;
  /** os.RemoveAll: the path and everything under it; nothing to do when it does not exist. */
  removeAll(path: string): void;
  /** Whether anything is at the path. */
  exists(path: string): boolean;
  /** The file's type, size and mode. */
  stat(path: string): HostFsStat;
  /** Names in a directory, sorted. */
  readDir(path: string): string[];
  /**
   * A number that changes whenever something directly in directory `path` is added, removed or
   * written, and is never reused; undefined when this filesystem cannot tell (or there is no such
   * directory). Lets a caller keep what it learned from a directory until somebody changes it.
   */
  revision?(path: string): number | undefined;
}

/**
 * A file's text made when something reads the file: for files written far more often than read (a
 * container's status checkpoint, on every state change), so that a node of thousands keeps the few
 * values the text is made of rather than the text. What it is made of must not change.
 */
export interface FileText {
  /** The file's text as of now (the same every time, as what it is made of does not change). */
  text(): string;
}

/** A file opened for appending. Writes after close are refused. */
export interface AppendHandle {
  /** Appends to the file that was opened. */
  write(data: Uint8Array): void;
  /** Closes the handle; later writes fail with ECLOSED. A promise, when written behind, settles once all is written. */
  close(): void | Promise<void>;
}

const decoder = new TextDecoder();

/** A file's bytes as UTF-8 text (container status checkpoints, configs). */
export function readTextFile(fs: HostFs, path: string): string {
  return fs.readText(path);
}

/** Text that reads back unchanged through UTF-8: no lone surrogate, no leading BOM (TextDecoder drops it). */
const changedByUtf8 = /^\ufeff|[\ud800-\udfff]/;

/** UTF-8 length of a string without encoding it. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

interface DirNode {
  kind: "dir";
  mode: number;
  children: Map<string, Node>;
  /** MemoryHostFs.revision: the fs-wide change count when an entry here last changed. */
  revision: number;
  /** The path strings this directory is cached under (MemoryHostFs.dirCache). */
  cachedAs?: string[];
}

interface FileNode {
  kind: "file";
  mode: number;
  /** Appends pile up as chunks and are joined on read, so a growing log costs no copying. */
  chunks: Array<string | Uint8Array | FileText>;
}

type Node = DirNode | FileNode;

/** A MemoryHostFs as JSON-serialisable data. */
export interface MemoryHostFsState {
  format: "fake-cri-host-fs/1";
  /** Directories and files in path order; file contents base64. */
  entries: MemoryHostFsEntry[];
}

/** A directory or a file (its bytes base64) of a saved MemoryHostFs. */
export type MemoryHostFsEntry = { path: string; mode: number } & ({ kind: "dir" } | { kind: "file"; data: string });

/**
 * A path as it now is, or that it and everything under it went away: what takeChanges() hands
 * over, in the order that rebuilds the same files when applied (applyChanges) over the files as
 * they were before.
 */
export type MemoryHostFsChange = MemoryHostFsEntry | { path: string; kind: "removed" };

/** A chunk as stored: a FileText made into its text. */
function chunkData(chunk: string | Uint8Array | FileText): string | Uint8Array {
  return typeof chunk === "string" || chunk instanceof Uint8Array ? chunk : chunk.text();
}

function chunkSize(chunk: string | Uint8Array | FileText): number {
  const data = chunkData(chunk);
  return typeof data === "string" ? utf8Length(data) : data.length;
}

/** Paths filepath.Clean would change: "//", "." or ".." elements, a trailing "/". */
const uncleanPath = /\/\/|\/\.\.?(?:\/|$)|[^]\/$/;

/** An absolute path that Clean leaves as it is (other than "/"). */
function isCleanAbsolute(path: string): boolean {
  return path.length > 1 && path[0] === "/" && !uncleanPath.test(path);
}

function components(path: string): string[] {
  if (isCleanAbsolute(path)) return path.slice(1).split("/");
  const cleaned = clean(path.startsWith("/") ? path : `/${path}`);
  return cleaned === "/" ? [] : cleaned.slice(1).split("/");
}

/** The node's filesystem in memory. */
export class MemoryHostFs implements HostFs {
  private readonly root: DirNode = { kind: "dir", mode: 0o755, children: new Map(), revision: 0 };
  /** Changes so far, fs-wide, so that a directory made again does not repeat an old revision. */
  private changes = 0;
  /**
   * Directories by the exact path strings used to reach them: the plugin goes back to the same few
   * directories (a sandbox's, a container's, the IPAM dir) again and again. A directory leaves
   * the cache when it is removed.
   */
  private readonly dirCache = new Map<string, DirNode>();
  /**
   * Paths changed since the last takeChanges(), once trackChanges() was called: "put:<path>" for a
   * path made or written, "rm:<path>" for one removed with what was under it. A path marked again
   * moves to the end, so the order of the keys is an order that rebuilds what is now.
   */
  private tracked: Map<string, string> | undefined;

  /** A filesystem holding what toState() saved. */
  static fromState(state: MemoryHostFsState): MemoryHostFs {
    const fs = new MemoryHostFs();
    for (const entry of state.entries) {
      if (entry.kind === "dir") fs.mkdirAll(entry.path, entry.mode);
      else {
        fs.mkdirAll(parentOf(entry.path));
        fs.writeFile(entry.path, fromBase64(entry.data), entry.mode);
      }
    }
    return fs;
  }

  /** From now on, every change is marked for takeChanges(). */
  trackChanges(): void {
    this.tracked ??= new Map();
  }

  /** Whether a path changed since the last takeChanges(). */
  hasChanges(): boolean {
    return (this.tracked?.size ?? 0) > 0;
  }

  /** The paths changed since the last call, each as it now is (see MemoryHostFsChange). */
  takeChanges(): MemoryHostFsChange[] {
    if (!this.tracked || this.tracked.size === 0) return [];
    const changes: MemoryHostFsChange[] = [];
    for (const [key, path] of this.tracked) {
      if (key.startsWith("rm:")) {
        changes.push({ path, kind: "removed" });
        continue;
      }
      // A path made and removed since needs nothing: a removal later in the order covers it.
      const node = this.find(path);
      if (node?.kind === "dir") changes.push({ path, kind: "dir", mode: node.mode });
      else if (node) changes.push({ path, kind: "file", mode: node.mode, data: base64(this.bytesOf(node)) });
    }
    this.tracked.clear();
    return changes;
  }

  /** Lays changes taken from another filesystem (or this one's past) over this one, in order. */
  applyChanges(changes: readonly MemoryHostFsChange[]): void {
    for (const change of changes) {
      if (change.kind === "removed") this.removeAll(change.path);
      else if (change.kind === "dir") this.mkdirAll(change.path, change.mode);
      else {
        this.mkdirAll(parentOf(change.path));
        this.writeFile(change.path, fromBase64(change.data), change.mode);
      }
    }
  }

  private mark(kind: "put" | "rm", path: string): void {
    if (!this.tracked) return;
    const cleaned = clean(path.startsWith("/") ? path : `/${path}`);
    const key = `${kind}:${cleaned}`;
    this.tracked.delete(key);
    this.tracked.set(key, cleaned);
  }

  /** The files and directories as JSON-serialisable data. */
  toState(): MemoryHostFsState {
    const entries: MemoryHostFsState["entries"] = [];
    const walk = (dir: DirNode, path: string): void => {
      for (const name of [...dir.children.keys()].sort()) {
        const node = dir.children.get(name)!;
        const child = path === "/" ? `/${name}` : `${path}/${name}`;
        if (node.kind === "dir") {
          entries.push({ path: child, kind: "dir", mode: node.mode });
          walk(node, child);
        } else {
          entries.push({ path: child, kind: "file", mode: node.mode, data: base64(this.bytesOf(node)) });
        }
      }
    };
    walk(this.root, "/");
    return { format: "fake-cri-host-fs/1", entries };
  }

  mkdirAll(path: string, mode = 0o755): void {
    // The empty path names nothing, as for the kernel (a mount's host path "").
    if (path === "") throw new HostFsError("mkdir", path, "ENOENT");
    if (this.dirCache.has(path)) return;
    // A new directory beside earlier ones (each sandbox's, each container's): one step from its parent.
    const cached = this.cachedChild(path);
    if (cached !== undefined) {
      let dir = cached.dir.children.get(cached.name);
      if (dir?.kind === "file") throw new HostFsError("mkdir", path, "ENOTDIR");
      if (dir === undefined) {
        dir = { kind: "dir", mode, children: new Map(), revision: 0 };
        cached.dir.children.set(cached.name, dir);
        this.changed(cached.dir);
        this.mark("put", path);
      }
      this.cacheDir(path, dir);
      return;
    }
    let dir = this.root;
    let parent = this.root;
    const names = components(path);
    for (let i = 0; i < names.length; i++) {
      parent = dir;
      const next = dir.children.get(names[i]!);
      if (next === undefined) {
        const created: DirNode = { kind: "dir", mode, children: new Map(), revision: 0 };
        dir.children.set(names[i]!, created);
        this.changed(dir);
        this.mark("put", `/${names.slice(0, i + 1).join("/")}`);
        dir = created;
      } else if (next.kind === "file") {
        throw new HostFsError("mkdir", `/${names.slice(0, i + 1).join("/")}`, "ENOTDIR");
      } else {
        dir = next;
      }
    }
    this.cacheDir(path, dir);
    const slash = path.lastIndexOf("/");
    if (slash > 0 && isCleanAbsolute(path)) this.cacheDir(path.slice(0, slash), parent);
  }

  writeFile(path: string, data: string | Uint8Array | FileText, mode = 0o644): void {
    const { dir, name } = this.parent(path, "open");
    const existing = dir.children.get(name);
    if (existing?.kind === "dir") throw new HostFsError("rename", clean(path), "EEXIST");
    dir.children.set(name, { kind: "file", mode, chunks: [data] });
    this.changed(dir);
    this.mark("put", path);
  }

  appendFile(path: string, data: string | Uint8Array, mode = 0o640): void {
    const { dir, name } = this.parent(path, "open");
    const existing = dir.children.get(name);
    if (existing?.kind === "dir") throw new HostFsError("open", clean(path), "EISDIR");
    if (existing === undefined) dir.children.set(name, { kind: "file", mode, chunks: [data] });
    else existing.chunks.push(data);
    this.changed(dir);
    this.mark("put", path);
  }

  openAppend(path: string, mode = 0o640): AppendHandle {
    const { dir, name } = this.parent(path, "open");
    let node = dir.children.get(name);
    if (node === undefined) {
      node = { kind: "file", mode, chunks: [] };
      dir.children.set(name, node);
      this.changed(dir);
      this.mark("put", path);
    }
    if (node.kind === "dir") throw new HostFsError("open", clean(path), "EISDIR");
    const file = node;
    let open = true;
    const changed = (): void => {
      this.changed(dir);
      // Written through the handle after the file was removed or replaced, it is no longer at `path`.
      if (dir.children.get(name) === file) this.mark("put", path);
    };
    return {
      write(data) {
        if (!open) throw new HostFsError("write", clean(path), "ECLOSED");
        file.chunks.push(data);
        changed();
      },
      close() {
        open = false;
      },
    };
  }

  readFile(path: string): Uint8Array {
    const node = this.lookup(path, "open");
    if (node.kind === "dir") throw new HostFsError("read", clean(path), "EISDIR");
    return this.bytesOf(node);
  }

  readText(path: string): string {
    const node = this.lookup(path, "open");
    if (node.kind === "dir") throw new HostFsError("read", clean(path), "EISDIR");
    // Files written as text are read as text without a trip through bytes.
    const chunks = node.chunks.map(chunkData);
    if (chunks.every((chunk) => typeof chunk === "string")) {
      const text = chunks.length === 1 ? chunks[0]! : chunks.join("");
      if (!changedByUtf8.test(text)) return text;
    }
    return decoder.decode(this.bytesOf(node));
  }

  removeAll(path: string): void {
    const cached = this.cachedChild(path);
    if (cached !== undefined) {
      const removed = cached.dir.children.get(cached.name);
      if (removed === undefined) return;
      this.uncache(removed);
      cached.dir.children.delete(cached.name);
      this.changed(cached.dir);
      this.mark("rm", path);
      return;
    }
    const names = components(path);
    if (names.length === 0) {
      for (const child of this.root.children.values()) this.uncache(child);
      this.root.children.clear();
      this.changed(this.root);
      this.mark("rm", "/");
      return;
    }
    let dir = this.root;
    for (const name of names.slice(0, -1)) {
      const next = dir.children.get(name);
      if (next?.kind !== "dir") return;
      dir = next;
    }
    const last = names[names.length - 1]!;
    const removed = dir.children.get(last);
    if (removed === undefined) return;
    this.uncache(removed);
    dir.children.delete(last);
    this.changed(dir);
    this.mark("rm", path);
  }

  exists(path: string): boolean {
    return this.find(path) !== undefined;
  }

  stat(path: string): HostFsStat {
    const node = this.lookup(path, "stat");
    const size = node.kind === "dir" ? 4096 : node.chunks.reduce((n, chunk) => n + chunkSize(chunk), 0);
    return { isDirectory: node.kind === "dir", size: BigInt(size), mode: node.mode };
  }

  readDir(path: string): string[] {
    const node = this.lookup(path, "open");
    if (node.kind !== "dir") throw new HostFsError("readdirent", clean(path), "ENOTDIR");
    return [...node.children.keys()].sort();
  }

  revision(path: string): number | undefined {
    const node = this.dirCache.get(path) ?? this.find(path);
    return node?.kind === "dir" ? node.revision : undefined;
  }

  private changed(dir: DirNode): void {
    dir.revision = ++this.changes;
  }

  private bytesOf(node: FileNode): Uint8Array {
    const only = node.chunks.length === 1 ? node.chunks[0]! : undefined;
    if (only instanceof Uint8Array) return only.slice();
    // A file made when read stays so.
    if (only !== undefined && typeof only !== "string") return joinBytes([only.text()]);
    const out = joinBytes(node.chunks.map(chunkData));
    node.chunks = [out];
    return out.slice();
  }

  private find(path: string): Node | undefined {
    if (path === "") return undefined;
    const cached = this.cachedChild(path);
    if (cached !== undefined) return cached.dir.children.get(cached.name);
    let node: Node = this.root;
    for (const name of components(path)) {
      if (node.kind !== "dir") return undefined;
      const next: Node | undefined = node.children.get(name);
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }

  /** The cached directory holding `path`'s last element, when the path is a plain `dir/name`. */
  private cachedChild(path: string): { dir: DirNode; name: string } | undefined {
    const slash = path.lastIndexOf("/");
    if (slash <= 0 || slash === path.length - 1) return undefined;
    const dir = this.dirCache.get(path.slice(0, slash));
    if (dir === undefined) return undefined;
    const name = path.slice(slash + 1);
    return name === "." || name === ".." ? undefined : { dir, name };
  }

  /** Caches a directory under a clean absolute path (what the plugin's paths are). */
  private cacheDir(path: string, dir: DirNode): void {
    if (this.dirCache.get(path) === dir || !isCleanAbsolute(path)) return;
    this.dirCache.set(path, dir);
    (dir.cachedAs ??= []).push(path);
  }

  /** Forgets the cached paths of a removed node and of every directory under it. */
  private uncache(node: Node): void {
    if (node.kind !== "dir") return;
    for (const path of node.cachedAs ?? []) if (this.dirCache.get(path) === node) this.dirCache.delete(path);
    for (const child of node.children.values()) this.uncache(child);
  }

  private lookup(path: string, op: string): Node {
    let node: Node = this.root;
    for (const name of components(path)) {
      if (node.kind !== "dir") throw new HostFsError(op, clean(path), "ENOTDIR");
      const next: Node | undefined = node.children.get(name);
      if (next === undefined) throw new HostFsError(op, clean(path), "ENOENT");
      node = next;
    }
    return node;
  }

  private parent(path: string, op: string): { dir: DirNode; name: string } {
    const cached = this.cachedChild(path);
    if (cached !== undefined) return cached;
    const found = this.parentByWalk(path, op);
    const slash = path.lastIndexOf("/");
    if (slash > 0) this.cacheDir(path.slice(0, slash), found.dir);
    return found;
  }

  private parentByWalk(path: string, op: string): { dir: DirNode; name: string } {
    const names = components(path);
    if (names.length === 0) throw new HostFsError(op, "/", "EISDIR");
    let dir = this.root;
    for (const name of names.slice(0, -1)) {
      const next = dir.children.get(name);
      if (next === undefined) throw new HostFsError(op, clean(path), "ENOENT");
      if (next.kind !== "dir") throw new HostFsError(op, clean(path), "ENOTDIR");
      dir = next;
    }
    return { dir, name: names[names.length - 1]! };
  }
}

function parentOf(path: string): string {
  const cleaned = clean(path);
  const i = cleaned.lastIndexOf("/");
  return i <= 0 ? "/" : cleaned.slice(0, i);
}
