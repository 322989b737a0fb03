// A mount a container's process makes below an rshared bind mount of a node directory shows on the
// node too: the kernel propagates it to the source's peer group, so the node's directory lists what
// the mount holds (critest's "rshared" spec reads it with os.ReadDir). The fake never mounts on the
// node; it writes a copy of what the new mount shows (the tree below the mount point, as the
// container sees it) into the node's directory, with the node's files' own rules (only inside the
// roots the operator allows). It does so only onto an empty directory, since it cannot hide what the
// node has there as a mount would, and only for a small tree (an `/etc`, a fresh tmpfs), or nothing.
// Later changes on either side stay on that side, and the copy stays after the task ends, as a
// propagated mount stays on the node until the node unmounts it.

import type { FileChange } from "./processes/script.ts";

/** What the container shows below a path (its own mounts followed). */
export interface TreeView {
  readDir(path: string): Promise<string[] | undefined>;
  readFile(path: string): Promise<Uint8Array | undefined>;
}

/** At most this many files and directories, and bytes, are copied: a larger mount is not copied at all. */
export const copyLimits = { entries: 256, bytes: 4 * 1024 * 1024 };

/**
 * The changes that write the tree below `mountPoint` where `mountPoint` is (its directories before
 * their files), or undefined when it exceeds copyLimits or is not a directory.
 */
export async function copyOfTree(view: TreeView, mountPoint: string): Promise<FileChange[] | undefined> {
  const changes: FileChange[] = [];
  let bytes = 0;
  const walk = async (dir: string, names: readonly string[]): Promise<boolean> => {
    for (const name of [...names].sort()) {
      if (changes.length === copyLimits.entries) return false;
      const path = `${dir === "/" ? "" : dir}/${name}`;
      const inner = await view.readDir(path);
      if (inner !== undefined) {
        changes.push({ path, change: "mkdir" });
        if (!(await walk(path, inner))) return false;
        continue;
      }
      const data = await view.readFile(path);
      if (data === undefined) continue;
      bytes += data.byteLength;
      if (bytes > copyLimits.bytes) return false;
      changes.push({ path, change: "write", data });
    }
    return true;
  };
  const top = await view.readDir(mountPoint);
  return top !== undefined && (await walk(mountPoint, top)) ? changes : undefined;
}
