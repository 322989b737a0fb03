// A snapshotter's own storage, shared by all namespaces (containerd's overlayfs snapshotter over
// its bolt metastore): snapshots under internal keys "<namespace>/<n>/<key>", numeric IDs from one
// sequence, kinds, parent links, usage recorded at commit, and the overlay mounts built from the
// IDs. Errors carry the snapshotter's wording, which mentions the internal keys.
import { alreadyExists, failedPrecondition, invalidArgument, notFound } from "../errdefs.ts";
import { quote } from "../../src/go/strconv.ts";
import { UpperDir, type DiskUsage, type UpperDirState } from "./fs.ts";

export type SnapshotKind = "view" | "active" | "committed";

export interface Mount {
  type: string;
  source: string;
  options: string[];
}

export interface BackendSnapshot {
  id: number;
  kind: SnapshotKind;
  /** Internal key of the parent, "" for none. */
  parent: string;
  labels: Record<string, string>;
  createdAt: bigint;
  updatedAt: bigint;
  /** Recorded at commit; zero for active and view snapshots. */
  usage: DiskUsage;
  upper: UpperDir;
}

export interface SnapshotterBackendState {
  name: string;
  root: string;
  nextId: number;
  snapshots: Array<{
    key: string;
    id: number;
    kind: SnapshotKind;
    parent: string;
    labels: Record<string, string>;
    createdAt: string;
    updatedAt: string;
    usage: { size: string; inodes: string };
    upper: UpperDirState;
  }>;
}

export class SnapshotterBackend {
  readonly name: string;
  /** Where the snapshotter keeps its directories; mount paths are built under it. */
  readonly root: string;
  private nextId = 1;
  private readonly snapshots = new Map<string, BackendSnapshot>();
  /** Snapshots per parent key, so that removing one need not look at every other. */
  private readonly children = new Map<string, number>();

  constructor(name: string, root = `/var/lib/containerd/io.containerd.snapshotter.v1.${name}`) {
    this.name = name;
    this.root = root;
  }

  get(key: string): BackendSnapshot | undefined {
    return this.snapshots.get(key);
  }

  /** The snapshot's own upper directory followed by its ancestors', nearest first. */
  layers(key: string): UpperDir[] {
    const out: UpperDir[] = [];
    for (let s = this.snapshots.get(key); s; s = s.parent === "" ? undefined : this.snapshots.get(s.parent)) out.push(s.upper);
    return out;
  }

  /** storage.CreateSnapshot plus the mounts for it. */
  create(kind: "active" | "view", key: string, parent: string, labels: Record<string, string>, now: bigint): Mount[] {
    if (parent !== "") {
      const p = this.snapshots.get(parent);
      if (!p) throw notFound(`failed to create snapshot: missing parent ${quote(parent)} bucket`);
      if (p.kind !== "committed") throw invalidArgument(`failed to create snapshot: parent ${quote(parent)} is not committed snapshot`);
    }
    if (this.snapshots.has(key)) throw alreadyExists(`failed to create snapshot: snapshot ${key}`);
    const snapshot: BackendSnapshot = {
      id: this.nextId++,
      kind,
      parent,
      labels: { ...labels },
      createdAt: now,
      updatedAt: now,
      usage: { size: 0n, inodes: 0n },
      upper: new UpperDir(),
    };
    this.put(key, snapshot);
    return this.mountsOf(snapshot);
  }

  mounts(key: string): Mount[] {
    const context = this.name === "native" ? "failed to get snapshot mount" : "failed to get active mount";
    const s = this.snapshots.get(key);
    if (!s) throw notFound(`${context}: snapshot does not exist`);
    if (s.kind === "committed") throw failedPrecondition(`${context}: requested snapshot ${key} not active or view`);
    return this.mountsOf(s);
  }

  /** storage.CommitActive: the active snapshot becomes `name`, keeping its ID and recording its usage. */
  commit(name: string, key: string, labels: Record<string, string>, now: bigint): void {
    const s = this.snapshots.get(key);
    if (!s) throw notFound("snapshot does not exist");
    if (this.snapshots.has(name)) throw alreadyExists(`failed to commit snapshot: committed snapshot ${name}`);
    if (s.kind !== "active") throw failedPrecondition(`failed to commit snapshot: snapshot ${quote(key)} is not active`);
    this.drop(key);
    this.put(name, { ...s, kind: "committed", labels: { ...labels }, createdAt: now, updatedAt: now, usage: s.upper.usage() });
    const moved = this.children.get(key);
    if (moved === undefined) return;
    for (const other of this.snapshots.values()) if (other.parent === key) other.parent = name;
    this.children.delete(key);
    this.children.set(name, (this.children.get(name) ?? 0) + moved);
  }

  remove(key: string): void {
    if (!this.snapshots.has(key)) throw notFound(`failed to remove: snapshot ${key}`);
    if (this.children.has(key)) throw failedPrecondition("failed to remove: cannot remove snapshot with child");
    this.drop(key);
  }

  private put(key: string, snapshot: BackendSnapshot): void {
    this.drop(key);
    this.snapshots.set(key, snapshot);
    if (snapshot.parent !== "") this.children.set(snapshot.parent, (this.children.get(snapshot.parent) ?? 0) + 1);
  }

  private drop(key: string): void {
    const parent = this.snapshots.get(key)?.parent;
    this.snapshots.delete(key);
    if (parent === undefined || parent === "") return;
    const left = this.children.get(parent)! - 1;
    if (left === 0) this.children.delete(parent);
    else this.children.set(parent, left);
  }

  /** The overlay snapshotter's Usage: live for an active snapshot, recorded otherwise. */
  usage(key: string): DiskUsage {
    const s = this.snapshots.get(key);
    if (!s) throw notFound("snapshot does not exist");
    return s.kind === "active" ? s.upper.usage() : { ...s.usage };
  }

  updateLabels(key: string, labels: Record<string, string>, now: bigint): void {
    const s = this.snapshots.get(key);
    if (!s) throw notFound("snapshot does not exist");
    s.labels = { ...labels };
    s.updatedAt = now;
  }

  /** The backend as data; with a namespace, only that namespace's snapshots. */
  toState(namespace?: string): SnapshotterBackendState {
    const prefix = namespace === undefined ? "" : `${namespace}/`;
    return {
      name: this.name,
      root: this.root,
      nextId: this.nextId,
      snapshots: [...this.snapshots].filter(([key]) => key.startsWith(prefix)).map(([key, s]) => entryState(key, s)),
    };
  }

  /** One snapshot as toState() holds it, or undefined when there is none (see changes.ts). */
  stateOf(key: string): SnapshotterBackendState["snapshots"][number] | undefined {
    const s = this.snapshots.get(key);
    return s && entryState(key, s);
  }

  /** The next snapshot ID (see changes.ts). */
  get peekId(): number {
    return this.nextId;
  }

  static fromState(state: SnapshotterBackendState): SnapshotterBackend {
    const backend = new SnapshotterBackend(state.name, state.root);
    backend.merge(state);
    return backend;
  }

  /** Adds saved snapshots (one namespace's share, say); IDs continue after the highest seen. */
  merge(state: SnapshotterBackendState): void {
    this.nextId = Math.max(this.nextId, state.nextId);
    for (const s of state.snapshots) {
      this.put(s.key, {
        id: s.id,
        kind: s.kind,
        parent: s.parent,
        labels: { ...s.labels },
        createdAt: BigInt(s.createdAt),
        updatedAt: BigInt(s.updatedAt),
        usage: { size: BigInt(s.usage.size), inodes: BigInt(s.usage.inodes) },
        upper: UpperDir.fromState(s.upper),
      });
    }
  }

  private upperPath(id: number): string {
    return `${this.root}/snapshots/${id}/fs`;
  }

  /**
   * The overlay snapshotter's mounts: a bind mount without parents (or for a view of a single
   * layer), otherwise overlay with the parents as lowerdirs, nearest first. index=off is what
   * containerd sets on kernels whose overlay module has the index feature. The "native"
   * snapshotter bind-mounts a directory instead: its own, or a view's parent's.
   */
  private mountsOf(s: BackendSnapshot): Mount[] {
    const parentIds: number[] = [];
    for (let p = s.parent === "" ? undefined : this.snapshots.get(s.parent); p; p = p.parent === "" ? undefined : this.snapshots.get(p.parent)) {
      parentIds.push(p.id);
    }
    if (this.name === "native") {
      const id = parentIds.length === 0 || s.kind === "active" ? s.id : parentIds[0]!;
      return [{ type: "bind", source: `${this.root}/snapshots/${id}`, options: ["rbind", s.kind === "view" ? "ro" : "rw"] }];
    }
    if (parentIds.length === 0) {
      return [{ type: "bind", source: this.upperPath(s.id), options: [s.kind === "view" ? "ro" : "rw", "rbind"] }];
    }
    const options = ["index=off"];
    if (s.kind === "active") options.push(`workdir=${this.root}/snapshots/${s.id}/work`, `upperdir=${this.upperPath(s.id)}`);
    else if (parentIds.length === 1) return [{ type: "bind", source: this.upperPath(parentIds[0]!), options: ["ro", "rbind"] }];
    options.push(`lowerdir=${parentIds.map((id) => this.upperPath(id)).join(":")}`);
    return [{ type: "overlay", source: "overlay", options }];
  }
}

function entryState(key: string, s: BackendSnapshot): SnapshotterBackendState["snapshots"][number] {
  return {
    key,
    id: s.id,
    kind: s.kind,
    parent: s.parent,
    labels: { ...s.labels },
    createdAt: String(s.createdAt),
    updatedAt: String(s.updatedAt),
    usage: { size: String(s.usage.size), inodes: String(s.usage.inodes) },
    upper: s.upper.toState(),
  };
}
