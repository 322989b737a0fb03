// The node's files as requests name them: a container's log path, the host paths of its mounts, a
// seccomp profile, and what a container's processes read and change through their bind mounts.
// Everything here is asynchronous, because behind it may be the host's own files (NodeFiles of
// node-files-disk.ts, which `fake-cri serve` uses), and a host file read or written synchronously
// can stop the one thread every client shares (a FIFO, a hung disk, a deleted data dir).
//
// The plugin's own files (status checkpoints, a sandbox's hosts and resolv.conf, IPAM reservations)
// live in the in-memory HostFs and are reached synchronously; `memoryNodeFiles` gives this view of
// that same in-memory filesystem, so a test's node has no host at all (the in-process harness).

import { clean } from "../go/filepath.ts";
import type { AppendHandle, HostFs, HostFsStat } from "./host-fs.ts";

/** A change a process makes through a bind mount (fake-containerd's FileChange, without its time). */
export interface NodeFileChange {
  /** Absolute and clean. */
  path: string;
  /**
   * `touch`: an empty file where there is nothing; `mkdir`: a directory; `remove`: the path and all
   * under it; `write`: the file's whole content; `append`: more content (creating the file).
   */
  change: "touch" | "mkdir" | "remove" | "write" | "append";
  data?: string | Uint8Array;
}

/** The node's files as requests name them (see the top of this file); MemoryHostFs's or the host's. */
export interface NodeFiles {
  /** A regular file's bytes. */
  readFile(path: string): Promise<Uint8Array>;
  /** Names in a directory, sorted. */
  readDir(path: string): Promise<string[]>;
  /** What a path is: a directory or a file, its size and mode. */
  stat(path: string): Promise<HostFsStat>;
  /** os.MkdirAll. */
  mkdirAll(path: string, mode?: number): Promise<void>;
  /**
   * Opens a file for appending, creating it and the directories above it that are missing (0755),
   * as containerd opens a container's log (os.MkdirAll of filepath.Dir, then the file); writes go
   * out in order.
   */
  openAppend(path: string, mode?: number): Promise<AppendHandle>;
  /**
   * Applies a process's change after the changes before it; reads that start later see it. Its
   * errors are dropped, as a process's write racing another's is. Undefined when the change is made
   * at once; else a promise (never rejected) that settles once it is made.
   */
  change(change: NodeFileChange): Promise<void> | undefined;
  /**
   * Looks at `paths` now, so that synchronous code (the spec builders) can ask about them after:
   * `read` files are read as text, `dirs` are made when missing (os.MkdirAll, as containerd does for
   * a mount's host path). Paths in the plugin's own directories need no looking ahead.
   */
  prepare(paths: { read?: readonly string[]; dirs?: readonly string[] }): Promise<PreparedPaths>;
  /**
   * Where the node's mount table is (the kernel's mountinfo format), read with readFile like any of
   * its files; undefined for a node whose mounts are not followed (bind-mounts.ts).
   */
  readonly mountTable?: string;
}

/** What a spec builder may ask synchronously once the paths were prepared. */
export interface PreparedPaths {
  /** os.Stat's verdict: whether something is at the path. */
  exists(path: string): boolean;
  /** os.MkdirAll, or the error making it met. */
  mkdirAll(path: string, mode?: number): void;
  /** The file's text, or the error reading it met. */
  readText(path: string): string;
}

/** A request named a host path outside what `fake-cri serve` may touch. */
export class HostBoundaryError extends Error {
  readonly path: string;

  constructor(path: string, why: string) {
    super(`fake-cri may not touch host path ${JSON.stringify(path)}: ${why} (allow a directory with fake-cri serve --allow-host-root DIR)`);
    this.name = "HostBoundaryError";
    this.path = path;
  }
}

/** The node's in-memory filesystem, seen through NodeFiles: a node with no host behind it. */
export function memoryNodeFiles(fs: HostFs): NodeFiles {
  const run = <T>(work: () => T): Promise<T> => {
    try {
      return Promise.resolve(work());
    } catch (err) {
      return Promise.reject(err);
    }
  };
  return {
    readFile: (path) => run(() => fs.readFile(path)),
    readDir: (path) => run(() => fs.readDir(path)),
    stat: (path) => run(() => fs.stat(path)),
    mkdirAll: (path, mode) => run(() => fs.mkdirAll(path, mode)),
    openAppend: (path, mode) =>
      run(() => {
        fs.mkdirAll(parentDir(path), 0o755);
        return fs.openAppend(path, mode);
      }),
    change(change) {
      try {
        applyChange(fs, change);
      } catch {
        // As a process racing another: the file changed since the script was laid out.
      }
      return undefined;
    },
    prepare: () => Promise.resolve(memoryPaths(fs)),
  };
}

/** PreparedPaths answered straight from an in-memory filesystem. */
export function memoryPaths(fs: HostFs): PreparedPaths {
  return {
    exists: (path) => fs.exists(path),
    mkdirAll: (path, mode) => fs.mkdirAll(path, mode),
    readText: (path) => fs.readText(path),
  };
}

/** A process's change, made in an in-memory filesystem. */
export function applyChange(fs: HostFs, { path, change, data }: NodeFileChange): void {
  if (change === "touch") {
    if (!fs.exists(path)) fs.writeFile(path, "");
  } else if (change === "mkdir") fs.mkdirAll(path);
  else if (change === "remove") fs.removeAll(path);
  else if (change === "write") fs.writeFile(path, data ?? "");
  else fs.appendFile(path, data ?? "");
}

/** Whether `path` is `dir` or under it (both clean and absolute). */
export function isWithin(path: string, dir: string): boolean {
  return path === dir || dir === "/" || path.startsWith(`${dir}/`);
}

/** filepath.Dir: the clean path of the directory `path` names its last element in. */
export function parentDir(path: string): string {
  const slash = path.lastIndexOf("/");
  return clean(slash < 0 ? "." : path.slice(0, slash + 1));
}

/** The clean form of an absolute path, or undefined for a relative one. */
export function cleanAbsolute(path: string): string | undefined {
  return path.startsWith("/") ? clean(path) : undefined;
}
