// What changed in a fake-containerd since it was last asked, object by object, so that a journal
// can save those objects instead of the whole daemon (`fake-cri serve --state` keeps its node this
// way: src/cli/journal.ts). Once FakeContainerd.trackChanges() is called, the stores mark what they
// change (change-log.ts); takeChanges() turns the marks into records holding each object as saveState() holds it
// (null: gone), and applyChanges() lays records over a saved state, in order. A record says what
// an object is, not what was done to it, so laying the same records again changes nothing.
//
// Tasks are not tracked: their processes live in the fake's own process and end with it. A node
// rebuilt from a journal has no tasks, as a node that went down has no processes; the CRI plugin
// then recovers its containers as exited and its pods as not ready, as containerd does after a
// reboot.

import type { ContainerState, ContainerStoreState } from "./containers.ts";
import type { ContentStoreState } from "./content/store.ts";
import type { ImageStoreState } from "./images/store.ts";
import type { FakeContainerdState, NamespaceStoresState } from "./saved-state.ts";
import type { SnapshotterBackendState } from "./snapshots/backend.ts";
import type { SnapshottersState } from "./snapshots/snapshotters.ts";
import type { SnapshotStoreState } from "./snapshots/store.ts";

/** A content blob as a saved state holds it. */
export type BlobState = ContentStoreState["blobs"][number];
/** An image record as a saved state holds it. */
export type ImageState = ImageStoreState["images"][number];
/** A namespace's record of a snapshot as a saved state holds it. */
export type SnapshotRecordState = SnapshotStoreState["snapshots"][number];
/** A snapshotter's own record of a snapshot (its files included) as a saved state holds it. */
export type BackendSnapshotState = SnapshotterBackendState["snapshots"][number];

/** One object of the daemon as it now is; `value: null` when it no longer exists. */
export type ContainerdChange =
  | { kind: "container"; namespace: string; key: string; value: ContainerState | null }
  | { kind: "bucket"; namespace: string; value: boolean }
  | { kind: "blob"; namespace: string; key: string; value: BlobState | null }
  | { kind: "image"; namespace: string; key: string; value: ImageState | null }
  | {
      kind: "snapshot";
      namespace: string;
      snapshotter: string;
      key: string;
      value: { record: SnapshotRecordState; backend: BackendSnapshotState } | null;
    }
  | { kind: "snapshotter"; namespace: string; snapshotter: string; value: { sequence: number; nextId: number; root: string } }
  | { kind: "namespace"; namespace: string; value: { labels: Record<string, string> } | null }
  | { kind: "daemon"; value: { ids: FakeContainerdState["ids"]; nextPid: number } };

/** Lays `changes` over `state`, in order (changing it), and returns it. */
export function applyChanges(state: FakeContainerdState, changes: readonly ContainerdChange[]): FakeContainerdState {
  const patch = new StatePatch(state);
  for (const change of changes) patch.apply(change);
  patch.finish();
  return state;
}

/** A state without tasks: what is left of a node whose processes ended with it. */
export function withoutTasks(state: FakeContainerdState): FakeContainerdState {
  return { ...state, stores: state.stores.map((s) => ({ ...s, tasks: { tasks: [] } })) };
}

/** Keyed views of a state's lists, written back by finish(). */
class StatePatch {
  private readonly state: FakeContainerdState;
  private readonly lists = new Map<unknown[], Map<string, unknown>>();

  constructor(state: FakeContainerdState) {
    this.state = state;
  }

  apply(change: ContainerdChange): void {
    switch (change.kind) {
      case "daemon":
        this.state.ids = change.value.ids;
        this.state.nextPid = change.value.nextPid;
        return;
      case "namespace": {
        const names = this.keyed(this.state.namespaces.namespaces, (n) => n.name);
        if (change.value) names.set(change.namespace, { name: change.namespace, labels: change.value.labels });
        else names.delete(change.namespace);
        return;
      }
      case "bucket":
        this.containers(change.namespace).bucket = change.value;
        return;
      case "container":
        this.set(this.keyed(this.containers(change.namespace).containers, (c) => c.id), change.key, change.value);
        return;
      case "blob":
        this.set(this.keyed(this.others(change.namespace).content.blobs, (b) => b.digest), change.key, change.value);
        return;
      case "image":
        this.set(this.keyed(this.others(change.namespace).images.images, (i) => i.name), change.key, change.value);
        return;
      case "snapshotter": {
        const entry = this.snapshotter(change.namespace, change.snapshotter);
        entry.store.sequence = change.value.sequence;
        entry.backend.nextId = change.value.nextId;
        entry.backend.root = change.value.root;
        return;
      }
      case "snapshot": {
        const entry = this.snapshotter(change.namespace, change.snapshotter);
        const records = this.keyed(entry.store.snapshots, (s) => s.key);
        const backends = this.keyed(entry.backend.snapshots, (s) => s.key);
        const old = records.get(change.key);
        if (old) backends.delete(old.backendKey);
        this.set(records, change.key, change.value?.record ?? null);
        if (change.value) backends.set(change.value.backend.key, change.value.backend);
      }
    }
  }

  /** Writes the keyed views back into their lists. */
  finish(): void {
    for (const [list, byKey] of this.lists) list.splice(0, list.length, ...byKey.values());
  }

  private set<T>(byKey: Map<string, T>, key: string, value: T | null): void {
    if (value === null) byKey.delete(key);
    else byKey.set(key, value);
  }

  private keyed<T>(list: T[], keyOf: (item: T) => string): Map<string, T> {
    let byKey = this.lists.get(list) as Map<string, T> | undefined;
    if (!byKey) this.lists.set(list, (byKey = new Map(list.map((item) => [keyOf(item), item]))) as Map<string, unknown>);
    return byKey;
  }

  private stores(namespace: string): NamespaceStoresState {
    let stores = this.state.stores.find((s) => s.namespace === namespace);
    if (!stores) {
      stores = { namespace, containers: { bucket: false, containers: [] }, tasks: { tasks: [] }, others: {} };
      this.state.stores.push(stores);
    }
    return stores;
  }

  private containers(namespace: string): ContainerStoreState {
    return this.stores(namespace).containers;
  }

  private others(namespace: string): { content: ContentStoreState; images: ImageStoreState; snapshots: SnapshottersState } {
    const others = this.stores(namespace).others as Partial<{ content: ContentStoreState; images: ImageStoreState; snapshots: SnapshottersState }>;
    others.content ??= { blobs: [] };
    others.images ??= { images: [] };
    others.snapshots ??= { snapshotters: [] };
    return others as { content: ContentStoreState; images: ImageStoreState; snapshots: SnapshottersState };
  }

  private snapshotter(namespace: string, name: string): SnapshottersState["snapshotters"][number] {
    const all = this.others(namespace).snapshots.snapshotters;
    let entry = all.find((s) => s.name === name);
    if (!entry) {
      entry = { name, store: { sequence: 0, snapshots: [] }, backend: { name, root: "", nextId: 1, snapshots: [] } };
      all.push(entry);
    }
    return entry;
  }
}
