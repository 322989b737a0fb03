// containerd's garbage collector (metadata/gc.go) over one namespace: marks what images,
// containers and `containerd.io/gc.root` objects reach through targets, snapshot keys, parents and
// `containerd.io/gc.ref.*` labels, then removes the content and snapshots nothing reaches. What a
// synchronous image delete (images.SynchronousDelete) waits for. The fake has no leases; a client
// that has work in flight (a pull's fetched but unrecorded blobs) names what to keep instead.

import { isNotFound } from "./errdefs.ts";
import type { NamespaceView } from "./index.ts";

const gcRoot = "containerd.io/gc.root";
const contentRef = "containerd.io/gc.ref.content";
const snapshotRefPrefix = "containerd.io/gc.ref.snapshot.";

export interface GarbageCollected {
  /** Digests of the content removed. */
  content: string[];
  /** `<snapshotter>/<key>` of the snapshots removed. */
  snapshots: string[];
}

interface Refs {
  content: string[];
  snapshots: string[];
}

/** sendLabelRefs: `gc.ref.content[.|/name]` and `gc.ref.snapshot.<snapshotter>[/name]` labels. */
function labelRefs(labels: Readonly<Record<string, string>>): Refs {
  const refs: Refs = { content: [], snapshots: [] };
  for (const [key, value] of Object.entries(labels)) {
    if (key === contentRef || (key.startsWith(contentRef) && (key[contentRef.length] === "." || key[contentRef.length] === "/"))) {
      refs.content.push(value);
    } else if (key.startsWith(snapshotRefPrefix)) {
      const snapshotter = key.slice(snapshotRefPrefix.length).split("/")[0]!;
      refs.snapshots.push(`${snapshotter}/${value}`);
    }
  }
  return refs;
}

/** What in-flight work holds, as a lease would: kept, with everything it references. */
export interface GarbageProtection {
  content?(digest: string): boolean;
  snapshot?(snapshotter: string, key: string): boolean;
}

/**
 * Collects the namespace's garbage. `snapshotters` names the snapshotters to sweep besides those
 * that containers and labels name (the fake does not list a namespace's snapshotters).
 */
export async function collectGarbage(
  view: NamespaceView,
  snapshotters: readonly string[] = [],
  protect: GarbageProtection = {},
): Promise<GarbageCollected> {
  const contentInfos = new Map((await view.content.list()).map((info) => [info.digest, info]));
  const names = new Set(snapshotters);
  const snapshotInfos = new Map<string, { parent: string; labels: Record<string, string> }>();
  const containers = await view.containers.list();
  for (const container of containers) if (container.snapshotter) names.add(container.snapshotter);
  for (const info of contentInfos.values()) for (const ref of labelRefs(info.labels).snapshots) names.add(ref.split("/")[0]!);
  for (const name of names) {
    for (const info of await view.snapshots.get(name).list()) snapshotInfos.set(`${name}/${info.name}`, info);
  }

  const liveContent = new Set<string>();
  const liveSnapshots = new Set<string>();
  const pendingContent: string[] = [];
  const pendingSnapshots: string[] = [];
  const send = (refs: Refs) => {
    pendingContent.push(...refs.content);
    pendingSnapshots.push(...refs.snapshots);
  };

  for (const image of await view.images.list()) {
    pendingContent.push(image.target.digest);
    send(labelRefs(image.labels));
  }
  for (const [digest, info] of contentInfos) if (gcRoot in info.labels || protect.content?.(digest)) pendingContent.push(digest);
  for (const container of containers) {
    if (container.snapshotter) pendingSnapshots.push(`${container.snapshotter}/${container.snapshotKey}`);
    send(labelRefs(container.labels));
  }
  for (const [key, info] of snapshotInfos) {
    const slash = key.indexOf("/");
    if (gcRoot in info.labels || protect.snapshot?.(key.slice(0, slash), key.slice(slash + 1))) pendingSnapshots.push(key);
  }

  while (pendingContent.length > 0 || pendingSnapshots.length > 0) {
    const digest = pendingContent.pop();
    if (digest !== undefined && !liveContent.has(digest)) {
      liveContent.add(digest);
      const info = contentInfos.get(digest);
      if (info) send(labelRefs(info.labels));
    }
    const key = pendingSnapshots.pop();
    if (key !== undefined && !liveSnapshots.has(key)) {
      liveSnapshots.add(key);
      const info = snapshotInfos.get(key);
      if (info) {
        if (info.parent !== "") pendingSnapshots.push(`${key.split("/")[0]}/${info.parent}`);
        send(labelRefs(info.labels));
      }
    }
  }

  const removed: GarbageCollected = { content: [], snapshots: [] };
  // Children before parents: a snapshot with a child cannot go first.
  let dead = [...snapshotInfos.keys()].filter((key) => !liveSnapshots.has(key));
  while (dead.length > 0) {
    const parents = new Set(dead.map((key) => `${key.split("/")[0]}/${snapshotInfos.get(key)!.parent}`));
    const leaves = dead.filter((key) => !parents.has(key));
    if (leaves.length === 0) break;
    for (const key of leaves) {
      const slash = key.indexOf("/");
      await removeIgnoringGone(() => view.snapshots.get(key.slice(0, slash)).remove(key.slice(slash + 1)));
      removed.snapshots.push(key);
    }
    dead = dead.filter((key) => !leaves.includes(key));
  }
  for (const digest of contentInfos.keys()) {
    if (liveContent.has(digest)) continue;
    await removeIgnoringGone(() => view.content.delete(digest));
    removed.content.push(digest);
  }
  return removed;
}

async function removeIgnoringGone(remove: () => Promise<void>): Promise<void> {
  try {
    await remove();
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
