// The per-namespace stores this part adds to fake-containerd's namespace view, as factories in
// the shape the root object takes (ctx, namespace, saved state) -> store. Content comes first:
// the image store of a namespace reads that namespace's content store.
import type { FakeContext } from "../context.ts";
import { ContentStore, type ContentStoreState } from "../content/store.ts";
import { Snapshotters, type SnapshottersState } from "../snapshots/snapshotters.ts";
import { ImageStore, type ImageStoreState } from "./store.ts";

const contentByDaemon = new WeakMap<FakeContext, Map<string, ContentStore>>();

function contentOf(ctx: FakeContext, namespace: string): ContentStore {
  const store = contentByDaemon.get(ctx)?.get(namespace);
  if (!store) throw new Error(`fake-containerd: the content store of namespace ${namespace} must be built before its image store`);
  return store;
}

/** Factories keyed by the namespace-view property they fill, in the order they must be built. */
export const imageStores: {
  content(ctx: FakeContext, namespace: string, state: unknown): ContentStore;
  images(ctx: FakeContext, namespace: string, state: unknown): ImageStore;
  snapshots(ctx: FakeContext, namespace: string, state: unknown): Snapshotters;
} = {
  content(ctx: FakeContext, namespace: string, state: unknown): ContentStore {
    const store = state ? ContentStore.fromState(ctx, namespace, state as ContentStoreState) : new ContentStore(ctx, namespace);
    let byNamespace = contentByDaemon.get(ctx);
    if (!byNamespace) contentByDaemon.set(ctx, (byNamespace = new Map()));
    byNamespace.set(namespace, store);
    return store;
  },
  images(ctx: FakeContext, namespace: string, state: unknown): ImageStore {
    const content = contentOf(ctx, namespace);
    return state ? ImageStore.fromState(ctx, namespace, content, state as ImageStoreState) : new ImageStore(ctx, namespace, content);
  },
  snapshots(ctx: FakeContext, namespace: string, state: unknown): Snapshotters {
    return Snapshotters.fromState(ctx, namespace, state as SnapshottersState | undefined);
  },
};
