// Snapshots mounted on the node. containerd 2.x's CRI plugin prepares an image volume's snapshot
// under the key of the node directory it then mounts that snapshot on
// (`<state>/image-volumes/<pod>/<image>`), and runc bind-mounts that directory into containers. The
// fake keeps no mount table of its own: a snapshot whose key is an absolute path is mounted there,
// from its preparing to its removal (nothing else keys snapshots by node paths), so the mounts come
// back with the snapshots of a saved state.

import { clean } from "../src/go/filepath.ts";
import type { SnapshotStore } from "./snapshots/store.ts";

/** The snapshot mounted at or above a node path, and the path inside it. */
export interface MountedSnapshot {
  store: SnapshotStore;
  key: string;
  /** Absolute, in the snapshot's filesystem. */
  path: string;
}

/** Finds the mounted snapshot holding a node path, among the snapshots of one namespace and snapshotter. */
export type MountedSnapshotLookup = (namespace: string, snapshotter: string, nodePath: string) => MountedSnapshot | undefined;

export function mountedSnapshots(storeOf: (namespace: string, snapshotter: string) => SnapshotStore): MountedSnapshotLookup {
  return (namespace, snapshotter, nodePath) => {
    // A container made without a snapshot has no snapshotter.
    if (snapshotter === "") return undefined;
    const store = storeOf(namespace, snapshotter);
    if (store.size === 0) return undefined;
    const path = clean(nodePath);
    for (let at = path; ; at = at.slice(0, at.lastIndexOf("/")) || "/") {
      if (store.has(at)) return { store, key: at, path: at === path ? "/" : path.slice(at === "/" ? 0 : at.length) };
      if (at === "/") return undefined;
    }
  };
}
