// The snapshots of one namespace on one snapshotter, as containerd's metadata snapshotter keeps
// them over the shared backend (and as its snapshots service publishes events for them): keys
// chosen by the client, parent/child links, labels, and the errors a client sees.
import type { OperationName } from "../operations.ts";
import type { FakeContext } from "../context.ts";
import { alreadyExists, containerdError, failedPrecondition, invalidArgument, notFound } from "../errdefs.ts";
import { compareUtf8 } from "../../src/go/json.ts";
import type { Adaptor, ObjectFilter } from "../content/filter.ts";
import { mapField } from "../filters.ts";
import { applyLabelPath, storedLabels, validateLabels } from "../content/labels.ts";
import { quote } from "../../src/go/strconv.ts";
import type { TarEntry } from "../images/tar.ts";
import type { FileChange } from "../processes/script.ts";
import { concatBytes, toBytes } from "../../src/node/bytes.ts";
import type { Mount, SnapshotKind, SnapshotterBackend, SnapshotterBackendState } from "./backend.ts";
import { FsError, listDir, resolvePath, type DiskUsage, type FsNode } from "./fs.ts";

export interface SnapshotInfo {
  name: string;
  /** The parent's key, "" for none. */
  parent: string;
  kind: SnapshotKind;
  labels: Record<string, string>;
  /** Nanoseconds since the Unix epoch. */
  createdAt: bigint;
  updatedAt: bigint;
}

export type { DiskUsage as SnapshotUsage, Mount, SnapshotKind };

interface SnapshotRecord {
  /** The backend's key: "<namespace>/<sequence>/<key>". */
  backendKey: string;
  parent: string;
  labels: Record<string, string>;
  createdAt: bigint;
  updatedAt: bigint;
}

export interface SnapshotStoreState {
  sequence: number;
  snapshots: Array<{ key: string; backendKey: string; parent: string; labels: Record<string, string>; createdAt: string; updatedAt: string }>;
}

/** What a path in a snapshot's merged filesystem is. */
export interface PathStat {
  type: "file" | "dir" | "symlink" | "special";
  mode: number;
  size: number;
}

/** The unpacker's label naming the committed snapshot a prepared one is meant to become. */
export const labelSnapshotRef = "containerd.io/snapshot.ref";
const inheritedLabelsPrefix = "containerd.io/snapshot/";

/** Labels the backend keeps too: the target ref and "containerd.io/snapshot/…". */
export function inheritedLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(labels).filter(([k]) => k === labelSnapshotRef || k.startsWith(inheritedLabelsPrefix)),
  );
}

export class SnapshotStore {
  readonly ctx: FakeContext;
  readonly namespace: string;
  readonly backend: SnapshotterBackend;
  private sequence = 0;
  private readonly snapshots = new Map<string, SnapshotRecord>();
  /** Snapshots per parent key, so that removing one need not look at every other. */
  private readonly children = new Map<string, number>();

  constructor(ctx: FakeContext, namespace: string, backend: SnapshotterBackend) {
    this.ctx = ctx;
    this.namespace = namespace;
    this.backend = backend;
  }

  /** How many snapshots the namespace has on this snapshotter. */
  get size(): number {
    return this.snapshots.size;
  }

  /** Whether the namespace has a snapshot by this key on this snapshotter. */
  has(key: string): boolean {
    return this.snapshots.has(key);
  }

  /** The snapshotter's name ("overlayfs" ...). */
  get snapshotter(): string {
    return this.backend.name;
  }

  /** An active (writable) snapshot on top of the committed parent. */
  async prepare(key: string, parent = "", options: { labels?: Record<string, string> } = {}): Promise<Mount[]> {
    await this.enter("snapshots.prepare", key);
    const mounts = this.create("active", key, parent, options.labels ?? {});
    await this.ctx.events.publish(this.namespace, "/snapshot/prepare", { key, parent });
    return mounts;
  }

  /** A read-only view of the committed parent. */
  async view(key: string, parent = "", options: { labels?: Record<string, string> } = {}): Promise<Mount[]> {
    await this.enter("snapshots.view", key);
    return this.create("view", key, parent, options.labels ?? {});
  }

  /** Turns the active snapshot `key` into the committed snapshot `name`. */
  async commit(name: string, key: string, options: { labels?: Record<string, string> } = {}): Promise<void> {
    await this.enter("snapshots.commit", key);
    const labels = options.labels ?? {};
    validateLabels("info.Labels", labels);
    if (this.snapshots.has(name)) throw alreadyExists(`snapshot ${quote(name)}`);
    const active = this.find(key);
    // The sequence only advances when the commit goes through.
    const backendKey = `${this.namespace}/${this.sequence + 1}/${name}`;
    const now = this.ctx.clock.now();
    this.backend.commit(backendKey, active.backendKey, inheritedLabels(labels), now);
    this.sequence++;
    this.drop(key, active);
    this.put(name, { backendKey, parent: active.parent, labels: storedLabels(labels), createdAt: now, updatedAt: now });
    await this.ctx.events.publish(this.namespace, "/snapshot/commit", { key, name });
  }

  async remove(key: string): Promise<void> {
    await this.enter("snapshots.remove", key);
    const record = this.find(key);
    if (this.children.has(key)) throw failedPrecondition("cannot remove snapshot with child");
    this.drop(key, record);
    // containerd's garbage collector removes the backend snapshot soon after; the fake does it now.
    this.backend.remove(record.backendKey);
    await this.ctx.events.publish(this.namespace, "/snapshot/remove", { key });
  }

  async mounts(key: string): Promise<Mount[]> {
    await this.enter("snapshots.mounts", key);
    return this.backend.mounts(this.find(key).backendKey);
  }

  async stat(key: string): Promise<SnapshotInfo> {
    await this.enter("snapshots.stat", key);
    return this.info(key, this.find(key));
  }

  /** Only labels are mutable ("labels" or "labels.<key>"; none means all). */
  async update(info: { name: string; labels?: Record<string, string> }, ...fieldpaths: string[]): Promise<SnapshotInfo> {
    await this.enter("snapshots.update", info.name);
    if (info.name === "") throw containerdError("invalid argument");
    const record = this.find(info.name);
    let labels = { ...record.labels };
    if (fieldpaths.length === 0) labels = { ...(info.labels ?? {}) };
    for (const path of fieldpaths) {
      const next = applyLabelPath(labels, info.labels, path);
      if (!next) throw invalidArgument(`cannot update ${quote(path)} field on snapshot ${quote(info.name)}`);
      labels = next;
    }
    validateLabels("info.Labels", labels);
    const now = this.ctx.clock.now();
    record.labels = storedLabels(labels);
    record.updatedAt = now;
    this.backend.updateLabels(record.backendKey, inheritedLabels(record.labels), now);
    this.changed(info.name);
    return this.info(info.name, record);
  }

  /** Size and inodes: live for an active snapshot, recorded at commit for a committed one. */
  async usage(key: string): Promise<DiskUsage> {
    await this.enter("snapshots.usage", key);
    return this.backend.usage(this.find(key).backendKey);
  }

  /** The snapshots matching the filter, in key order. */
  async list(filter?: ObjectFilter): Promise<SnapshotInfo[]> {
    await this.enter("snapshots.list");
    const infos = [...this.snapshots.keys()].sort(compareUtf8).map((key) => this.info(key, this.snapshots.get(key)!));
    return filter ? infos.filter((info) => filter.match(snapshotFields(info))) : infos;
  }

  async walk(fn: (info: SnapshotInfo) => void | Promise<void>, filter?: ObjectFilter): Promise<void> {
    for (const info of await this.list(filter)) await fn(info);
  }

  /** Applies tar entries to an active snapshot's upper directory (the diff applier's work). */
  applyEntries(key: string, entries: readonly TarEntry[]): void {
    const backendKey = this.activeKey(key);
    this.changed(key);
    const [upper, ...lowers] = this.backend.layers(backendKey);
    for (const entry of entries) upper!.applyEntry(entry, lowers);
  }

  /** Writes a file into an active snapshot as a process in the container would. */
  writeFile(key: string, path: string, data: Uint8Array | string, mode = 0o644): void {
    const [upper, ...lowers] = this.backend.layers(this.activeKey(key));
    this.changed(key);
    upper!.writeFile(path, typeof data === "string" ? new TextEncoder().encode(data) : data, mode, lowers);
  }

  /** A process's change to an active snapshot (touch, mkdir, rm -r, > and >>). */
  applyChange(key: string, { path, change, data }: FileChange): void {
    const bytes = toBytes(data ?? "");
    const existing = this.statPath(key, path);
    switch (change) {
      case "touch":
        if (!existing) this.writeFile(key, path, bytes);
        return;
      case "mkdir":
        this.makeDir(key, path);
        return;
      case "remove":
        if (existing) this.removePath(key, path);
        return;
      case "write":
        this.writeFile(key, path, bytes, existing?.mode ?? 0o644);
        return;
      case "append": {
        const before = existing?.type === "file" ? this.readFile(key, path) : new Uint8Array();
        this.writeFile(key, path, concatBytes([before, bytes]), existing?.mode ?? 0o644);
        return;
      }
    }
  }

  /** Makes a directory in an active snapshot as a process in the container would. */
  makeDir(key: string, path: string, mode = 0o755): void {
    const [upper, ...lowers] = this.backend.layers(this.activeKey(key));
    this.changed(key);
    upper!.makeDir(path, mode, lowers);
  }

  /** Removes a path from an active snapshot's merged view (a whiteout when a parent layer has it). */
  removePath(key: string, path: string): void {
    const [upper, ...lowers] = this.backend.layers(this.activeKey(key));
    this.changed(key);
    upper!.removePath(path, lowers);
  }

  /** Reads a file of the snapshot's merged filesystem, following symlinks and honouring whiteouts. */
  readFile(key: string, path: string): Uint8Array {
    const layers = this.backend.layers(this.find(key).backendKey);
    const { node } = resolvePath(layers, path, true);
    if (!node) throw new FsError("ENOENT", `open ${path}: no such file or directory`);
    if (node.type === "dir") throw new FsError("EISDIR", `read ${path}: is a directory`);
    if (node.type !== "file") throw new FsError("EINVAL", `read ${path}: invalid argument`);
    return node.data.slice();
  }

  /** The names in a directory of the merged filesystem (symlinks followed), or undefined when it is not one. */
  readDir(key: string, path: string): string[] | undefined {
    const layers = this.backend.layers(this.find(key).backendKey);
    try {
      const { parts, node } = resolvePath(layers, path, true);
      return node?.type === "dir" ? listDir(layers, parts) : undefined;
    } catch (error) {
      if (error instanceof FsError) return undefined;
      throw error;
    }
  }

  /** What the path is in the merged filesystem (symlinks followed), or undefined when absent. */
  statPath(key: string, path: string): PathStat | undefined {
    const layers = this.backend.layers(this.find(key).backendKey);
    try {
      const { node } = resolvePath(layers, path, true);
      return node ? pathStat(node) : undefined;
    } catch (error) {
      if (error instanceof FsError && error.errno === "ENOTDIR") return undefined;
      throw error;
    }
  }

  toState(): SnapshotStoreState {
    return { sequence: this.sequence, snapshots: [...this.snapshots].map(([key, r]) => recordState(key, r)) };
  }

  /** One snapshot, its record and the backend's, as the states hold them; null when there is none (see changes.ts). */
  stateOf(key: string): { record: SnapshotStoreState["snapshots"][number]; backend: SnapshotterBackendState["snapshots"][number] } | null {
    const r = this.snapshots.get(key);
    const backend = r && this.backend.stateOf(r.backendKey);
    return r && backend ? { record: recordState(key, r), backend } : null;
  }

  /** The sequence and the backend's counters (see changes.ts). */
  counters(): { sequence: number; nextId: number; root: string } {
    return { sequence: this.sequence, nextId: this.backend.peekId, root: this.backend.root };
  }

  static fromState(ctx: FakeContext, namespace: string, backend: SnapshotterBackend, state: SnapshotStoreState): SnapshotStore {
    const store = new SnapshotStore(ctx, namespace, backend);
    store.sequence = state.sequence;
    for (const s of state.snapshots) {
      store.put(s.key, {
        backendKey: s.backendKey,
        parent: s.parent,
        labels: { ...s.labels },
        createdAt: BigInt(s.createdAt),
        updatedAt: BigInt(s.updatedAt),
      });
    }
    return store;
  }

  /** Marks a snapshot (and the counters beside it) for the change log. */
  private changed(key: string): void {
    this.ctx.changes?.mark("snapshot", this.namespace, `${this.backend.name}/${key}`);
    this.ctx.changes?.mark("snapshotter", this.namespace, this.backend.name);
  }

  private put(key: string, record: SnapshotRecord): void {
    this.changed(key);
    const replaced = this.snapshots.get(key);
    if (replaced) this.drop(key, replaced);
    this.snapshots.set(key, record);
    if (record.parent !== "") this.children.set(record.parent, (this.children.get(record.parent) ?? 0) + 1);
  }

  private drop(key: string, record: SnapshotRecord): void {
    this.changed(key);
    this.snapshots.delete(key);
    if (record.parent === "") return;
    const left = this.children.get(record.parent)! - 1;
    if (left === 0) this.children.delete(record.parent);
    else this.children.set(record.parent, left);
  }

  private create(kind: "active" | "view", key: string, parent: string, labels: Record<string, string>): Mount[] {
    validateLabels("info.Labels", labels);
    const target = labels[labelSnapshotRef];
    if (target && this.snapshots.has(target)) throw alreadyExists(`target snapshot ${quote(target)}`);
    if (this.snapshots.has(key)) throw alreadyExists(`snapshot ${quote(key)}`);
    const parentRecord = parent === "" ? undefined : this.snapshots.get(parent);
    if (parent !== "" && !parentRecord) throw notFound(`parent snapshot ${parent} does not exist`);
    // The key is reserved in its own transaction, so the sequence advances even if the backend refuses.
    const backendKey = `${this.namespace}/${++this.sequence}/${key}`;
    this.ctx.changes?.mark("snapshotter", this.namespace, this.backend.name);
    const now = this.ctx.clock.now();
    const mounts = this.backend.create(kind, backendKey, parentRecord?.backendKey ?? "", inheritedLabels(labels), now);
    this.put(key, { backendKey, parent, labels: storedLabels(labels), createdAt: now, updatedAt: now });
    return mounts;
  }

  private find(key: string): SnapshotRecord {
    const record = this.snapshots.get(key);
    if (!record) throw notFound(`snapshot ${key} does not exist`);
    return record;
  }

  private activeKey(key: string): string {
    const record = this.find(key);
    if (this.backend.get(record.backendKey)?.kind !== "active") throw failedPrecondition(`snapshot ${quote(key)} is not active`);
    return record.backendKey;
  }

  private info(key: string, record: SnapshotRecord): SnapshotInfo {
    const backend = this.backend.get(record.backendKey);
    if (!backend) throw notFound("snapshot does not exist");
    return {
      name: key,
      parent: record.parent,
      kind: backend.kind,
      labels: { ...backend.labels, ...record.labels },
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    };
  }

  private enter(op: OperationName, subject?: string): Promise<void> {
    return this.ctx.operations.pass({ op, namespace: this.namespace, subject });
  }
}

function pathStat(node: FsNode): PathStat {
  switch (node.type) {
    case "file":
      return { type: "file", mode: node.mode, size: node.data.length };
    case "dir":
      return { type: "dir", mode: node.mode, size: 4096 };
    case "symlink":
      return { type: "symlink", mode: node.mode, size: new TextEncoder().encode(node.target).length };
    default:
      return { type: "special", mode: "mode" in node ? node.mode : 0, size: 0 };
  }
}

/** containerd's adaptSnapshot: kind, name, parent, labels.<key>. */
export function snapshotFields(info: SnapshotInfo): Adaptor {
  return {
    field(fieldpath) {
      switch (fieldpath[0]) {
        case "kind":
          return info.kind;
        case "name":
          return info.name;
        case "parent":
          return info.parent;
        case "labels":
          return mapField(fieldpath.slice(1), info.labels);
        default:
          return undefined;
      }
    },
  };
}

function recordState(key: string, r: SnapshotRecord): SnapshotStoreState["snapshots"][number] {
  return {
    key,
    backendKey: r.backendKey,
    parent: r.parent,
    labels: { ...r.labels },
    createdAt: String(r.createdAt),
    updatedAt: String(r.updatedAt),
  };
}
