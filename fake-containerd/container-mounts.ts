// The mounts a container's processes make themselves (busybox `mount --bind DIR DST`, `mount -t
// tmpfs NAME DST`, which a privileged container may), in its task's mount namespace: gone with the
// task. A path under one is read elsewhere: under a bind mount, at the source's path in the
// container; under a tmpfs, in the tmpfs's own in-memory files. The fake never mounts on the
// host: below an rshared bind mount the node is shown a copy of one (mount-propagation.ts).

import { isWithin, applyChange } from "../src/node/node-files.ts";
import { MemoryHostFs } from "../src/node/host-fs.ts";
import type { FileChange } from "./processes/script.ts";

/** A tmpfs a process mounted: its files, and a name for where they live. */
interface Tmpfs {
  fs: MemoryHostFs;
  id: number;
}

/** A bind mount of the container's own files, or (a new tmpfs, or a bind mount of a directory in one) a tmpfs's directory `root`. */
type OwnMount = { destination: string; source: string } | { destination: string; tmpfs: Tmpfs; root: string };

/** Where a path of the container leads through its processes' mounts. */
export type Through =
  /** The container's files at this path (through a bind mount, the source's). */
  | { path: string }
  /** A tmpfs's files: `path` is inside it. */
  | { tmpfs: MemoryHostFs; path: string; location: string };

const decoder = new TextDecoder();

export class ContainerMounts {
  /** By container: its task's mounts, in the order made. */
  private readonly mounts = new Map<string, OwnMount[]>();
  private nextTmpfs = 0;

  /** A new task: a new mount namespace, with none of the processes' mounts. */
  reset(containerId: string): void {
    this.mounts.delete(containerId);
  }

  /** A process mounted something at `change.path` (a "bind" or "tmpfs" change). */
  mount(containerId: string, change: FileChange & { change: "bind" | "tmpfs" }): void {
    const own = this.mounts.get(containerId) ?? [];
    if (change.change === "tmpfs") own.push({ destination: change.path, tmpfs: { fs: new MemoryHostFs(), id: this.nextTmpfs++ }, root: "/" });
    else {
      const source = typeof change.data === "string" ? change.data : decoder.decode(change.data);
      const found = this.find(containerId, source);
      if (found && "tmpfs" in found.mount) own.push({ destination: change.path, tmpfs: found.mount.tmpfs, root: join(found.mount.root, found.rest) });
      else own.push({ destination: change.path, source: found ? join((found.mount as { source: string }).source, found.rest) : source });
    }
    this.mounts.set(containerId, own);
  }

  /** Where `path` leads: the last mount made over it decides (a bind leads once, not through another). */
  through(containerId: string, path: string): Through {
    const found = this.find(containerId, path);
    if (!found) return { path };
    const { mount, rest } = found;
    if ("source" in mount) return { path: join(mount.source, rest) };
    const inside = join(mount.root, rest);
    // Named as a directory tree of its own, so that a location's parent is its directory's.
    return { tmpfs: mount.tmpfs.fs, path: inside, location: `tmpfs:${mount.tmpfs.id}${inside === "/" ? "" : inside}` };
  }

  /** The mount over `path` made last among the deepest, and the rest of the path below its destination. */
  private find(containerId: string, path: string): { mount: OwnMount; rest: string } | undefined {
    const own = this.mounts.get(containerId);
    let best: OwnMount | undefined;
    for (const m of own ?? []) if (isWithin(path, m.destination) && (!best || m.destination.length >= best.destination.length)) best = m;
    if (!best) return undefined;
    return { mount: best, rest: best.destination === "/" ? (path === "/" ? "" : path) : path.slice(best.destination.length) };
  }
}

/** `dir` and `rest` ("" or "/..."), as one clean path. */
function join(dir: string, rest: string): string {
  if (rest === "") return dir;
  return dir === "/" ? rest : `${dir}${rest}`;
}

/** A tmpfs's answers, as the container's files give them. */
export const tmpfsFiles = {
  readFile(fs: MemoryHostFs, path: string): Uint8Array | undefined {
    return fs.exists(path) && !fs.stat(path).isDirectory ? fs.readFile(path) : undefined;
  },
  readDir(fs: MemoryHostFs, path: string): string[] | undefined {
    return fs.exists(path) && fs.stat(path).isDirectory ? fs.readDir(path) : undefined;
  },
  change(fs: MemoryHostFs, path: string, change: FileChange): void {
    if (change.change === "bind" || change.change === "tmpfs") return;
    try {
      applyChange(fs, change.data === undefined ? { path, change: change.change } : { path, change: change.change, data: change.data });
    } catch {
      // As a process racing another: the file changed since the script was laid out.
    }
  },
};
