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
//
// Given where the node's mount table is (NodeFiles.mountTable: /proc/self/mountinfo for `fake-cri
// serve`, read through the node's files, so only where the operator allows it), the mounts the node
// has below a bind mount's source count as the kernel has them (host-mounts.ts): the table is read
// when the container's task starts and at each question after, so a mount the node made since
// shows only through a propagating bind, and a read-only bind leaves the node's mounts below it
// writable. Without the table every file the node has there shows, as it is now.

import { clean, join } from "../src/go/filepath.ts";
import type { NodeFiles } from "../src/node/node-files.ts";
import type { ContainerRecord } from "./containers.ts";
import { jsonDocument, type JsonPick } from "./events.ts";
import { nodeView, readNodeMounts, type HostMount, type NodeBind, type NodeView } from "./host-mounts.ts";
import type { MountedSnapshotLookup } from "./mounted-snapshots.ts";
import type { ContainerFilesystem, FilesystemContainer } from "./processes/script.ts";

interface SpecMount {
  type: string | undefined;
  destination: string;
  source: string | undefined;
  readOnly: boolean;
  /** For a bind mount of the node's files: how it treats the node's mounts below its source. */
  bind: NodeBind | undefined;
  /** rshared: the mounts the container makes below it show on the node (mount-propagation.ts). */
  sends: boolean;
}

type NodeBindMount = SpecMount & { source: string; bind: NodeBind };

const mountMembers: JsonPick = { mounts: true };

/**
 * @internal The filesystem hook that shows a container's processes its bind mounts of `files` and of
 * the snapshots mounted on the node (a fake given node files installs it itself).
 */
export function bindMounts(files: NodeFiles, mounted: MountedSnapshotLookup): ContainerFilesystem {
  const { mountTable } = files;
  const snapshotAt = ({ namespace, record }: FilesystemContainer, nodePath: string) => mounted(namespace, record.snapshotter, nodePath);
  /** The node's mount table when each container's task started (undefined: not readable). */
  const atStart = new Map<string, HostMount[] | undefined>();
  /** The table as last read: a change (made synchronously) goes by it. */
  let latest: HostMount[] | undefined;
  const readTable = async (): Promise<HostMount[] | undefined> => {
    latest = await readNodeMounts(files);
    return latest;
  };
  const key = ({ namespace, record }: FilesystemContainer) => `${namespace}/${record.id}`;
  /** Whether the container sees the node's own files at `hostPath` through `mount`, by the table as last read (for a change, made synchronously). */
  const showsNode = (container: FilesystemContainer, mount: NodeBindMount, hostPath: string): boolean => {
    const started = atStart.get(key(container));
    return nodeView(mount.bind, hostPath, started, started && latest).kind === "node";
  };
  /** What the container sees at `target` through `mount`, a bind mount of the node's files covering it. */
  const viewOf = async (container: FilesystemContainer, mount: NodeBindMount, target: string): Promise<NodeView> => {
    const started = atStart.get(key(container));
    return nodeView(mount.bind, onNode(mount, target), started, started && (await readTable()));
  };
  return {
    started(container) {
      if (mountTable === undefined) return undefined;
      return readTable().then((table) => void atStart.set(key(container), table));
    },
    ended(container) {
      atStart.delete(key(container));
    },
    async readFile(container, path) {
      const target = clean(path);
      const mount = coveringMount(mountsOf(container.record).filter(isNodeBind), target);
      if (!mount) return undefined;
      const hostPath = onNode(mount, target);
      const snapshot = snapshotAt(container, hostPath);
      if (snapshot) {
        const { store, key, path: inSnapshot } = snapshot;
        return store.statPath(key, inSnapshot)?.type === "file" ? store.readFile(key, inSnapshot) : undefined;
      }
      if ((await viewOf(container, mount, target)).kind !== "node") return undefined;
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
      if (covering && isNodeBind(covering)) {
        const snapshot = snapshotAt(container, onNode(covering, target));
        const view = snapshot ? undefined : await viewOf(container, covering, target);
        if (view?.kind === "under hidden mount") return undefined;
        if (view === undefined || view.kind === "node") {
          try {
            const listed = snapshot ? snapshot.store.readDir(snapshot.key, snapshot.path) : await files.readDir(onNode(covering, target));
            if (listed === undefined) return undefined;
            for (const name of listed) names.add(name);
          } catch {
            return undefined;
          }
        }
      }
      if (!covering && names.size === 0) return undefined;
      return { names: [...names], hidesSnapshot: covering !== undefined };
    },
    async readOnly(container, path) {
      const target = clean(path);
      const covering = coveringMount(mountsOf(container.record), target);
      if (!covering || !isNodeBind(covering)) return covering?.readOnly;
      const view = await viewOf(container, covering, target);
      return view.kind === "node" ? view.readOnly : covering.readOnly;
    },
    locate({ record }, path) {
      const target = clean(path);
      const covering = coveringMount(mountsOf(record), target);
      if (!covering) return undefined;
      if (isNodeBind(covering)) return `node:${onNode(covering, target)}`;
      return `${covering.type ?? "mount"}:${covering.destination}${target.slice(covering.destination.length)}`;
    },
    changeFile(container, { path, change, data }) {
      const covering = coveringMount(mountsOf(container.record), path);
      if (!covering) return false;
      // What the kernel's own filesystems (a tmpfs, /proc) would hold is not modelled, nor the directory
      // beneath a node's mount the container does not have: the change goes nowhere. (A process's
      // own mounts never come here: ContainerFiles keeps them.)
      if (!isNodeBind(covering) || change === "bind" || change === "tmpfs") return true;
      const hostPath = onNode(covering, path);
      const snapshot = snapshotAt(container, hostPath);
      if (snapshot) {
        snapshot.store.applyChange(snapshot.key, data === undefined ? { path: snapshot.path, change } : { path: snapshot.path, change, data });
        return true;
      }
      if (!showsNode(container, covering, hostPath)) return true;
      return files.change(data === undefined ? { path: hostPath, change } : { path: hostPath, change, data }) ?? true;
    },
    sendsMounts(container, path) {
      const covering = coveringMount(mountsOf(container.record), path);
      return covering !== undefined && isNodeBind(covering) && covering.sends && showsNode(container, covering, onNode(covering, path));
    },
  };
}

function isNodeBind(mount: SpecMount): mount is NodeBindMount {
  return mount.bind !== undefined;
}

function mountsOf(record: ContainerRecord): SpecMount[] {
  if (!record.spec) return [];
  let spec: { mounts?: Array<{ type?: string; destination: string; source?: string; options?: string[] }> };
  try {
    spec = jsonDocument(record.spec, mountMembers) as typeof spec;
  } catch {
    return [];
  }
  return (spec.mounts ?? []).map((m) => {
    const options = m.options ?? [];
    const recursiveReadOnly = options.includes("rro");
    const readOnly = recursiveReadOnly || options.includes("ro");
    const bind: NodeBind | undefined =
      m.type === "bind" && m.source !== undefined
        ? { source: clean(m.source), recursive: options.includes("rbind"), readOnly, recursiveReadOnly, receives: options.some((o) => o === "rslave" || o === "rshared" || o === "slave" || o === "shared") }
        : undefined;
    return { type: m.type, destination: clean(m.destination), source: m.source, readOnly, bind, sends: bind !== undefined && options.some((o) => o === "rshared" || o === "shared") };
  });
}

/** The mount nearest above `target` (or at it): the one whose files a process sees there. */
function coveringMount<M extends SpecMount>(mounts: readonly M[], target: string): M | undefined {
  let best: M | undefined;
  for (const m of mounts) {
    const covers = target === m.destination || target.startsWith(m.destination === "/" ? "/" : `${m.destination}/`);
    if (covers && (!best || m.destination.length > best.destination.length)) best = m;
  }
  return best;
}

/** The node's path for `target` under a bind mount that covers it. */
function onNode(mount: SpecMount, target: string): string {
  return join(mount.source!, target.slice(mount.destination.length));
}
