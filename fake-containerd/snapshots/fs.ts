// The filesystem of a snapshot's upper directory, and overlay semantics over a chain of them.
// Layers are applied into the upper directory the way containerd's applier does for overlayfs
// (whiteouts become character devices, ".wh..wh..opq" marks a directory opaque, missing parents
// are created with the attributes of the same directory in a lower layer). Disk usage follows
// continuity's fs.DiskUsage on ext4 with 4 KiB blocks: every inode once, its allocated blocks.
import { ContainerdError } from "../errdefs.ts";
import type { TarEntry } from "../images/tar.ts";
import { base64ToBytes, bytesToBase64 } from "../state.ts";

export type FsNode =
  | { type: "file"; mode: number; data: Uint8Array; inode: number }
  | { type: "dir"; mode: number; opaque: boolean; inode: number }
  | { type: "symlink"; mode: number; target: string; inode: number }
  /** An overlay whiteout: a 0/0 character device hiding the path in lower layers. */
  | { type: "whiteout"; inode: number }
  /** Device nodes and FIFOs. */
  | { type: "special"; mode: number; inode: number };

export interface DiskUsage {
  size: bigint;
  inodes: bigint;
}

export interface UpperDirState {
  nodes: Array<[string, FsNodeState]>;
  nextInode: number;
}

type FsNodeState =
  | { type: "file"; mode: number; data: string; inode: number }
  | Exclude<FsNode, { type: "file" }>;

const blockSize = 4096n;
/** ext4 keeps symlink targets shorter than this inside the inode (no data block). */
const fastSymlinkMax = 60;
const whiteoutPrefix = ".wh.";
const opaqueMarker = ".wh..wh..opq";
const maxSymlinkHops = 40;

const encoder = new TextEncoder();

/** The errno a file operation failed with, and the kind containerd-level callers see. */
const errnoKinds = {
  ENOENT: "not found",
  ENOTDIR: "failed precondition",
  EISDIR: "failed precondition",
  EINVAL: "invalid argument",
  ELOOP: "failed precondition",
  EPERM: "failed precondition",
} as const;

export type Errno = keyof typeof errnoKinds;

/** A file-system error worded like Go's *os.PathError ("open /x: no such file or directory"). */
export class FsError extends ContainerdError {
  readonly errno: Errno;

  constructor(errno: Errno, message: string) {
    super(errnoKinds[errno], message);
    this.name = "FsError";
    this.errno = errno;
  }
}

/** Clean, root-relative path components ("" and "." dropped; ".." cannot climb above the root). */
export function pathParts(path: string): string[] {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return out;
}

function blocks(bytes: number): bigint {
  return ((BigInt(bytes) + blockSize - 1n) / blockSize) * blockSize;
}

/** One snapshot's own files (its overlay upper directory). Paths are root-relative, "/"-joined. */
export class UpperDir {
  readonly nodes: Map<string, FsNode> = new Map();
  private nextInode = 1;

  get(path: string): FsNode | undefined {
    return this.nodes.get(path);
  }

  /** continuity's DiskUsage of the directory: the root itself plus each distinct inode's blocks. */
  usage(): DiskUsage {
    let size = blockSize;
    const seen = new Set<number>();
    for (const node of this.nodes.values()) {
      if (seen.has(node.inode)) continue;
      seen.add(node.inode);
      size += nodeBlocks(node);
    }
    return { size, inodes: BigInt(seen.size + 1) };
  }

  /**
   * Applies one tar entry as containerd's applier does on an overlay upper directory; `lowers`
   * (nearest first) only lend attributes to parent directories created here.
   */
  applyEntry(entry: TarEntry, lowers: readonly UpperDir[]): void {
    const parts = pathParts(entry.name);
    if (parts.length === 0) return;
    const path = parts.join("/");
    this.makeParents(parts.slice(0, -1), lowers);
    const base = parts[parts.length - 1]!;
    const parent = parts.slice(0, -1).join("/");
    if (base === opaqueMarker) {
      const dir = this.nodes.get(parent);
      if (dir?.type === "dir") dir.opaque = true;
      return;
    }
    if (base.startsWith(whiteoutPrefix)) {
      const hidden = [...parts.slice(0, -1), base.slice(whiteoutPrefix.length)].join("/");
      this.removeTree(hidden);
      this.nodes.set(hidden, { type: "whiteout", inode: this.nextInode++ });
      return;
    }
    const existing = this.nodes.get(path);
    if (existing && !(existing.type === "dir" && entry.type === "dir")) this.removeTree(path);
    const mode = entry.mode & 0o7777;
    switch (entry.type) {
      case "dir":
        if (existing?.type === "dir") existing.mode = mode;
        else this.nodes.set(path, { type: "dir", mode, opaque: false, inode: this.nextInode++ });
        return;
      case "file":
        this.nodes.set(path, { type: "file", mode, data: entry.data ?? new Uint8Array(0), inode: this.nextInode++ });
        return;
      case "symlink":
        this.nodes.set(path, { type: "symlink", mode, target: entry.linkname ?? "", inode: this.nextInode++ });
        return;
      case "hardlink": {
        const targetPath = pathParts(entry.linkname ?? "").join("/");
        const target = this.nodes.get(targetPath);
        if (!target || target.type === "whiteout") {
          throw new FsError("ENOENT", `link /${targetPath} /${path}: no such file or directory`);
        }
        if (target.type === "dir") throw new FsError("EPERM", `link /${targetPath} /${path}: operation not permitted`);
        this.nodes.set(path, target);
        return;
      }
      case "char":
      case "block":
      case "fifo":
        this.nodes.set(path, { type: "special", mode, inode: this.nextInode++ });
        return;
      case "other":
        if (entry.typeflag === "g") return;
        throw new FsError("EINVAL", `unhandled tar header type ${entry.typeflag?.charCodeAt(0) ?? 0}`);
    }
  }

  /** Writes a regular file as a process in the container would, copying up parent directories. */
  writeFile(path: string, data: Uint8Array, mode: number, lowers: readonly UpperDir[]): void {
    const parts = pathParts(path);
    if (parts.length === 0) throw new FsError("EISDIR", "open /: is a directory");
    this.makeParents(parts.slice(0, -1), lowers);
    const key = parts.join("/");
    const existing = this.nodes.get(key);
    if (existing?.type === "dir") throw new FsError("EISDIR", `open /${key}: is a directory`);
    this.nodes.set(key, { type: "file", mode: mode & 0o7777, data: data.slice(), inode: this.nextInode++ });
  }

  /**
   * Makes a directory as a process would: over a whited-out name it is opaque, so what the lower
   * layers had there stays hidden.
   */
  makeDir(path: string, mode: number, lowers: readonly UpperDir[]): void {
    const parts = pathParts(path);
    if (parts.length === 0) return;
    this.makeParents(parts.slice(0, -1), lowers);
    const key = parts.join("/");
    const existing = this.nodes.get(key);
    if (existing?.type === "dir") return;
    if (existing && existing.type !== "whiteout") throw new FsError("EINVAL", `mkdir /${key}: file exists`);
    this.nodes.set(key, { type: "dir", mode: mode & 0o7777, opaque: existing?.type === "whiteout", inode: this.nextInode++ });
  }

  /** Removes a path as a process would: dropped from this layer, whited out if a lower layer has it. */
  removePath(path: string, lowers: readonly UpperDir[]): void {
    const parts = pathParts(path);
    const key = parts.join("/");
    const here = this.nodes.get(key);
    const below = lookup(lowers, parts);
    if ((!here || here.type === "whiteout") && !below) throw new FsError("ENOENT", `remove /${key}: no such file or directory`);
    this.removeTree(key);
    if (below) {
      this.makeParents(parts.slice(0, -1), lowers);
      this.nodes.set(key, { type: "whiteout", inode: this.nextInode++ });
    }
  }

  toState(): UpperDirState {
    return {
      nextInode: this.nextInode,
      nodes: [...this.nodes].map(([path, node]): [string, FsNodeState] => [
        path,
        node.type === "file" ? { ...node, data: bytesToBase64(node.data) } : { ...node },
      ]),
    };
  }

  static fromState(state: UpperDirState): UpperDir {
    const dir = new UpperDir();
    dir.nextInode = state.nextInode;
    const files = new Map<number, FsNode>();
    for (const [path, node] of state.nodes) {
      if (node.type !== "file") {
        dir.nodes.set(path, { ...node });
        continue;
      }
      // Hard links share one node, as they shared one inode before saving.
      const shared = files.get(node.inode) ?? { ...node, data: base64ToBytes(node.data) };
      files.set(node.inode, shared);
      dir.nodes.set(path, shared);
    }
    return dir;
  }

  /** containerd's mkparent: missing directories are created 0755, with a lower layer's mode if it has one. */
  private makeParents(parts: readonly string[], lowers: readonly UpperDir[]): void {
    for (let i = 1; i <= parts.length; i++) {
      const path = parts.slice(0, i).join("/");
      const existing = this.nodes.get(path);
      if (existing?.type === "dir") continue;
      if (existing) throw new FsError("ENOTDIR", `mkparent /${path}: not a directory`);
      let mode = 0o755;
      for (const lower of lowers) {
        const found = lower.get(path);
        if (!found) continue;
        if (found.type === "dir") mode = found.mode;
        break;
      }
      this.nodes.set(path, { type: "dir", mode, opaque: false, inode: this.nextInode++ });
    }
  }

  private removeTree(path: string): void {
    this.nodes.delete(path);
    const prefix = `${path}/`;
    for (const key of [...this.nodes.keys()]) if (key.startsWith(prefix)) this.nodes.delete(key);
  }
}

function nodeBlocks(node: FsNode): bigint {
  switch (node.type) {
    case "file":
      return blocks(node.data.length);
    case "dir":
      return blockSize;
    case "symlink":
      return encoder.encode(node.target).length < fastSymlinkMax ? 0n : blockSize;
    default:
      return 0n;
  }
}

/**
 * Looks a path up through overlay layers (topmost first) without following symlinks: the first
 * layer that has it wins, unless it is a whiteout; a whiteout, non-directory or opaque directory
 * on the way hides everything below it.
 */
export function lookup(layers: readonly UpperDir[], parts: readonly string[]): FsNode | undefined {
  return lookupKeys(layers, keysOf(parts), parts.length);
}

/** The lookup keys of a path's parts: "a", "a/b", "a/b/c" for ["a", "b", "c"]. */
function keysOf(parts: readonly string[]): string[] {
  const keys = new Array<string>(parts.length);
  for (let i = 0; i < parts.length; i++) keys[i] = i === 0 ? parts[0]! : `${keys[i - 1]}/${parts[i]}`;
  return keys;
}

/** lookup() of the path whose keys are the first `count` of `keys`. */
function lookupKeys(layers: readonly UpperDir[], keys: readonly string[], count: number): FsNode | undefined {
  if (count === 0) return { type: "dir", mode: 0o755, opaque: false, inode: 0 };
  const last = count - 1;
  for (const layer of layers) {
    let hiddenBelow = false;
    for (let i = 0; i < last; i++) {
      const ancestor = layer.get(keys[i]!);
      if (!ancestor) continue;
      if (ancestor.type !== "dir") return undefined;
      if (ancestor.opaque) hiddenBelow = true;
    }
    const node = layer.get(keys[last]!);
    if (node) return node.type === "whiteout" ? undefined : node;
    if (hiddenBelow) return undefined;
  }
  return undefined;
}

/**
 * The names in a directory of the merged view (`parts` already resolved, no symlinks on the way):
 * each layer from the top adds the children the layers above did not name, a whiteout hides its
 * name below, and an opaque directory, or anything but a directory at the path or above it, hides
 * every layer below. Unsorted.
 */
export function listDir(layers: readonly UpperDir[], parts: readonly string[]): string[] {
  const keys = keysOf(parts);
  const prefix = parts.length === 0 ? "" : `${keys[keys.length - 1]}/`;
  const seen = new Map<string, boolean>();
  for (const layer of layers) {
    let hidesBelow = false;
    let hidden = false;
    for (const key of keys) {
      const node = layer.get(key);
      if (!node) continue;
      if (node.type !== "dir") hidden = true;
      else if (node.opaque) hidesBelow = true;
    }
    if (hidden) break;
    for (const [path, node] of layer.nodes) {
      if (!path.startsWith(prefix) || path.length === prefix.length || path.includes("/", prefix.length)) continue;
      const name = path.slice(prefix.length);
      if (!seen.has(name)) seen.set(name, node.type !== "whiteout");
    }
    if (hidesBelow) break;
  }
  return [...seen].filter(([, shown]) => shown).map(([name]) => name);
}

/** Resolves a path through the layers, following symlinks (the last one too when `followLast`). */
export function resolvePath(
  layers: readonly UpperDir[],
  path: string,
  followLast: boolean,
): { parts: string[]; node: FsNode | undefined } {
  // The parts before `next` are resolved; a symlink on the way replaces the parts and starts over.
  let pending = pathParts(path);
  let keys = keysOf(pending);
  let next = 0;
  let node: FsNode | undefined;
  let hops = 0;
  while (next < pending.length) {
    node = lookupKeys(layers, keys, ++next);
    const isLast = next === pending.length;
    if (node?.type === "symlink" && (!isLast || followLast)) {
      if (++hops > maxSymlinkHops) throw new FsError("ELOOP", `open ${path}: too many levels of symbolic links`);
      // A relative target is taken from the link's directory; resolution restarts at the root.
      const base = node.target.startsWith("/") || next === 1 ? "" : keys[next - 2];
      pending = pathParts(`${base}/${node.target}/${pending.slice(next).join("/")}`);
      keys = keysOf(pending);
      next = 0;
      continue;
    }
    if (!node) return { parts: pending, node: undefined };
    if (!isLast && node.type !== "dir") throw new FsError("ENOTDIR", `open ${path}: not a directory`);
  }
  return { parts: pending, node: pending.length === 0 ? lookupKeys(layers, keys, 0) : node };
}
