// The snapshotters as one namespace sees them: a SnapshotStore per snapshotter name, created on
// first use, over backends that belong to the daemon (one per name, shared by all namespaces, so
// IDs and mount paths never collide across namespaces).
import type { FakeContext } from "../context.ts";
import { quote } from "../../src/go/strconv.ts";
import { SnapshotterBackend, type SnapshotterBackendState } from "./backend.ts";
import { SnapshotStore, type SnapshotStoreState } from "./store.ts";

/** containerd's default snapshotter on Linux. */
export const defaultSnapshotter = "overlayfs";

export interface SnapshottersState {
  snapshotters: Array<{ name: string; store: SnapshotStoreState; backend: SnapshotterBackendState }>;
}

const backendsByDaemon = new WeakMap<FakeContext, Map<string, SnapshotterBackend>>();

/**
 * The daemon's backend for a snapshotter, created on first use; `root` (default
 * /var/lib/containerd/io.containerd.snapshotter.v1.<name>) only applies when it is created.
 */
export function snapshotterBackend(ctx: FakeContext, name: string, root?: string): SnapshotterBackend {
  let backends = backendsByDaemon.get(ctx);
  if (!backends) backendsByDaemon.set(ctx, (backends = new Map()));
  let backend = backends.get(name);
  if (!backend) backends.set(name, (backend = new SnapshotterBackend(name, root)));
  return backend;
}

export class Snapshotters {
  readonly ctx: FakeContext;
  readonly namespace: string;
  private readonly stores = new Map<string, SnapshotStore>();

  constructor(ctx: FakeContext, namespace: string) {
    this.ctx = ctx;
    this.namespace = namespace;
  }

  /** The namespace's snapshots on the named snapshotter. */
  get(name: string = defaultSnapshotter): SnapshotStore {
    let store = this.stores.get(name);
    if (!store) this.stores.set(name, (store = new SnapshotStore(this.ctx, this.namespace, snapshotterBackend(this.ctx, name))));
    return store;
  }

  /** What keeps the namespace from being deleted: `snapshots on "<name>" snapshotter` per non-empty one. */
  remaining(): string[] {
    return [...this.stores.keys()]
      .sort()
      .filter((name) => this.stores.get(name)!.size > 0)
      .map((name) => `snapshots on ${quote(name)} snapshotter`);
  }

  /** The namespace's snapshots and, of each backend, the part that belongs to this namespace. */
  toState(): SnapshottersState {
    return {
      snapshotters: [...this.stores].map(([name, store]) => ({
        name,
        store: store.toState(),
        backend: store.backend.toState(this.namespace),
      })),
    };
  }

  static fromState(ctx: FakeContext, namespace: string, state: SnapshottersState | undefined): Snapshotters {
    const snapshotters = new Snapshotters(ctx, namespace);
    for (const s of state?.snapshotters ?? []) {
      const backend = snapshotterBackend(ctx, s.name, s.backend.root);
      backend.merge(s.backend);
      snapshotters.stores.set(s.name, SnapshotStore.fromState(ctx, namespace, backend, s.store));
    }
    return snapshotters;
  }
}
