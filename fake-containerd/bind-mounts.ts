// What a container's processes see of the node's files. runc bind-mounts the host paths a
// container's spec names (under the CRI: the pod's /etc/hostname, /etc/hosts, /etc/resolv.conf,
// volumes), so a `cat /etc/hostname` or an `ls` of a volume in the container reads the node's
// files, and a process's changes there (`touch`, `>`, `rm`) change them; a mount with "ro" or "rro" is a
// read-only filesystem. A source inside a snapshot mounted on the node (an image volume,
// mounted-snapshots.ts) shows that snapshot's files instead. A mount point, with the directories on
// the way to it, is a name in the directory above it. The node's files are handed in (NodeFiles, below both this and the CRI
// layer); a fake given them installs this as its processes' filesystem hook, consulted after
// test-registered files and before the container's snapshot. What the kernel's own filesystems
// hold (/proc, /sys, the devices runc makes in /dev) is not modelled: a directory under one of them
// lists only the mount points in it, and changes there go nowhere.

import { clean, join } from "../src/go/filepath.ts";
import type { NodeFiles } from "../src/node/node-files.ts";
import type { ContainerRecord } from "./containers.ts";
import { jsonDocument, type JsonPick } from "./events.ts";
import type { MountedSnapshotLookup } from "./mounted-snapshots.ts";
import type { ContainerFilesystem, FilesystemContainer } from "./processes/script.ts";

interface SpecMount {
  type: string | undefined;
  destination: string;
  source: string | undefined;
  readOnly: boolean;
}

const mountMembers: JsonPick = { mounts: true };

/** The filesystem hook that shows a container's processes its bind mounts of `files` and of the snapshots mounted on the node. */
export function bindMounts(files: NodeFiles, mounted: MountedSnapshotLookup): ContainerFilesystem {
  const snapshotAt = ({ namespace, record }: FilesystemContainer, nodePath: string) => mounted(namespace, record.snapshotter, nodePath);
  return {
    async readFile(container, path) {
      const hostPath = hostPathOf(mountsOf(container.record), clean(path));
      if (hostPath === undefined) return undefined;
      const snapshot = snapshotAt(container, hostPath);
      if (snapshot) {
        const { store, key, path: inSnapshot } = snapshot;
        return store.statPath(key, inSnapshot)?.type === "file" ? store.readFile(key, inSnapshot) : undefined;
      }
      try {
        return (await files.stat(hostPath)).isDirectory ? undefined : await files.readFile(hostPath);
      } catch {
        return undefined;
      }
    },
    async readDir(container, path) {
      const mounts = mountsOf(container.record);
      const target = clean(path);
      const names = new Set<string>();
      // runc makes each mount point, and the directories on the way to it, in the root filesystem.
      const below = target === "/" ? "/" : `${target}/`;
      for (const m of mounts) {
        if (m.destination.startsWith(below) && m.destination.length > below.length) names.add(m.destination.slice(below.length).split("/")[0]!);
      }
      const covering = coveringMount(mounts, target);
      if (covering?.type === "bind" && covering.source !== undefined) {
        const hostPath = onNode(covering, target);
        const snapshot = snapshotAt(container, hostPath);
        try {
          const listed = snapshot ? snapshot.store.readDir(snapshot.key, snapshot.path) : await files.readDir(hostPath);
          if (listed === undefined) return undefined;
          for (const name of listed) names.add(name);
        } catch {
          return undefined;
        }
      }
      if (!covering && names.size === 0) return undefined;
      return { names: [...names], hidesSnapshot: covering !== undefined };
    },
    readOnly({ record }, path) {
      return coveringMount(mountsOf(record), clean(path))?.readOnly;
    },
    locate({ record }, path) {
      const target = clean(path);
      const covering = coveringMount(mountsOf(record), target);
      if (!covering) return undefined;
      if (covering.type === "bind" && covering.source !== undefined) return `node:${onNode(covering, target)}`;
      return `${covering.type ?? "mount"}:${covering.destination}${target.slice(covering.destination.length)}`;
    },
    changeFile(container, { path, change, data }) {
      const covering = coveringMount(mountsOf(container.record), path);
      if (!covering) return false;
      // What the kernel's own filesystems (a tmpfs, /proc) would hold is not modelled: the change goes nowhere.
      if (covering.type === "bind" && covering.source !== undefined) {
        const hostPath = onNode(covering, path);
        const snapshot = snapshotAt(container, hostPath);
        if (snapshot) snapshot.store.applyChange(snapshot.key, data === undefined ? { path: snapshot.path, change } : { path: snapshot.path, change, data });
        else files.change(data === undefined ? { path: hostPath, change } : { path: hostPath, change, data });
      }
      return true;
    },
  };
}

function mountsOf(record: ContainerRecord): SpecMount[] {
  if (!record.spec) return [];
  let spec: { mounts?: Array<{ type?: string; destination: string; source?: string; options?: string[] }> };
  try {
    spec = jsonDocument(record.spec, mountMembers) as typeof spec;
  } catch {
    return [];
  }
  return (spec.mounts ?? []).map((m) => ({
    type: m.type,
    destination: clean(m.destination),
    source: m.source,
    readOnly: (m.options ?? []).some((o) => o === "ro" || o === "rro"),
  }));
}

/** The mount nearest above `target` (or at it): the one whose files a process sees there. */
function coveringMount(mounts: readonly SpecMount[], target: string): SpecMount | undefined {
  let best: SpecMount | undefined;
  for (const m of mounts) {
    const covers = target === m.destination || target.startsWith(m.destination === "/" ? "/" : `${m.destination}/`);
    if (covers && (!best || m.destination.length > best.destination.length)) best = m;
  }
  return best;
}

/** Where on the node a bind mount puts `target`, or undefined when no bind mount covers it. */
function hostPathOf(mounts: readonly SpecMount[], target: string): string | undefined {
  const best = coveringMount(mounts.filter((m) => m.type === "bind" && m.source !== undefined), target);
  return best && onNode(best, target);
}

/** The node's path for `target` under a bind mount that covers it. */
function onNode(mount: SpecMount, target: string): string {
  return join(mount.source!, target.slice(mount.destination.length));
}
