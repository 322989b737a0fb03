// Container records, as containerd's metadata store keeps them (metadata/containers.go) and its
// containers service and Go client report them. Records are immutable values: an update stores a
// new record. Lists come back in ID order (bolt's key order) and a `labels."k"=="v"` filter is
// answered from an index rather than a scan.

import type { OperationName } from "./operations.ts";
import type { FakeContext } from "./context.ts";
import {
  ContainerdError,
  alreadyExists,
  failedPrecondition,
  invalidArgument,
  notFound,
  wrapError,
} from "./errdefs.ts";
import { topics, type AnyValue, type ContainerCreate, type ContainerDelete, type ContainerUpdate } from "./events.ts";
import { type Adaptor, type Filter, type Selector, mapField, parseFilters } from "./filters.ts";
import { validateIdentifier, validateLabel } from "./identifiers.ts";
import { requireNamespace } from "./namespaces.ts";
import { anyFromState, anyToState, type AnyState } from "./state.ts";

export type { AnyValue, JsonAnyValue, JsonPick } from "./events.ts";

/** The type URL containerd stores an OCI runtime spec under (as JSON). */
export const ociSpecTypeUrl = "types.containerd.io/opencontainers/runtime-spec/1/Spec";

/** An OCI runtime spec as the Any a container record holds. */
export function ociSpec(spec: object): AnyValue {
  return { typeUrl: ociSpecTypeUrl, value: new TextEncoder().encode(JSON.stringify(spec)) };
}

/** The runtime the Go client puts on a container unless told otherwise. */
export const defaultRuntime = "io.containerd.runc.v2";

/** A container's runtime: its name (io.containerd.runc.v2) and options (an Any). */
export interface RuntimeInfo {
  readonly name: string;
  readonly options?: AnyValue;
}

/** A container as containerd stores it. */
export interface ContainerRecord {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly image: string;
  readonly runtime: RuntimeInfo;
  /** The OCI runtime spec; containerd requires one. */
  readonly spec?: AnyValue;
  readonly snapshotter: string;
  readonly snapshotKey: string;
  readonly extensions: Readonly<Record<string, AnyValue>>;
  /** Unix nanoseconds. */
  readonly createdAt: bigint;
  readonly updatedAt: bigint;
}

/**
 * A container as a client hands it over: omitted fields are Go's zero values, except `runtime`,
 * which defaults to io.containerd.runc.v2 as client.NewContainer does.
 */
export interface ContainerInput {
  id: string;
  labels?: Readonly<Record<string, string>>;
  image?: string;
  runtime?: RuntimeInfo;
  spec?: AnyValue;
  snapshotter?: string;
  snapshotKey?: string;
  extensions?: Readonly<Record<string, AnyValue>>;
}

/** How containers.delete removes a container. */
export interface ContainerDeleteOptions {
  /** containerd.WithSnapshotCleanup: remove the container's snapshot first (not-found is ignored). */
  snapshotCleanup?: boolean;
}

/** What the container store needs from the rest of its namespace. */
export interface ContainerStoreLinks {
  /** Whether a task exists for the container (a container with a task cannot be deleted). */
  hasTask(id: string): boolean;
  /** Removes a snapshot, for snapshotCleanup; absent when no snapshotter is wired in. */
  removeSnapshot?(snapshotter: string, key: string): Promise<void>;
  /** Records that the namespace now holds something, which makes it exist. */
  touchNamespace(): void;
}

export interface ContainerStoreState {
  /** Whether the namespace's containers bucket exists (it outlives its last container). */
  bucket: boolean;
  containers: ContainerState[];
}

/** A container record as a saved state holds it. */
export interface ContainerState {
  id: string;
  labels: Record<string, string>;
  image: string;
  runtime: { name: string; options?: AnyState };
  spec?: AnyState;
  snapshotter: string;
  snapshotKey: string;
  extensions: Record<string, AnyState>;
  createdAt: string;
  updatedAt: string;
}

const noLabels: Readonly<Record<string, string>> = Object.freeze({});
const noExtensions: Readonly<Record<string, AnyValue>> = Object.freeze({});
const defaultRuntimeInfo: RuntimeInfo = Object.freeze({ name: defaultRuntime });
const mutableFields = ["labels", "spec", "extensions", "image", "snapshotkey"];

/** The containers of one namespace. Methods behave as the Go client's calls do, errors included. */
export class ContainerStore {
  private readonly ctx: FakeContext;
  readonly namespace: string;
  private readonly links: ContainerStoreLinks;
  private readonly slots = new Map<string, Slot>();
  private readonly order = new SlotSet();
  private readonly labelIndex = new LabelIndex();
  /** Bumped by every write, so cached lists know when they are stale. */
  private version = 0;
  private bucket = false;

  constructor(ctx: FakeContext, namespace: string, links: ContainerStoreLinks, state?: ContainerStoreState) {
    this.ctx = ctx;
    this.namespace = namespace;
    this.links = links;
    if (state) {
      this.bucket = state.bucket;
      for (const c of state.containers) this.insert(recordFromState(c));
    }
  }

  /** client.NewContainer: validates, stores and publishes /containers/create. */
  async create(input: ContainerInput): Promise<ContainerRecord> {
    await this.enter("containers.create", input.id);
    // An async function's frame holds all its locals, allocated per call: the work is kept apart.
    const record = this.createNow(input);
    const event: ContainerCreate = { id: record.id, image: record.image, runtime: { name: record.runtime.name } };
    if (record.runtime.options) event.runtime.options = record.runtime.options;
    await this.ctx.events.publish(this.namespace, topics.containerCreate, event);
    return record;
  }

  private createNow(input: ContainerInput): ContainerRecord {
    const draft = draftOf(input);
    const invalid = validate(draft);
    if (invalid) throw wrapError("create container failed validation", invalid);
    if (this.slots.has(draft.id)) throw alreadyExists(`container "${draft.id}"`);
    const now = this.ctx.clock.now();
    const record = freezeRecord(draft, withoutEmptyValues(draft.labels), frozenRuntime(draft.runtime), now, now);
    if (!this.bucket) this.ctx.changes?.mark("bucket", this.namespace);
    this.bucket = true;
    this.links.touchNamespace();
    this.insert(record);
    return record;
  }

  /** client.LoadContainer (the record it loads). */
  get(id: string): Promise<ContainerRecord> {
    // A promise chain settles on the same ticks as an async function, without its frame.
    return this.enter("containers.get", id).then(() => this.lookup(id));
  }

  /**
   * client.Containers: every container matching any of the filters, in ID order. The array is
   * frozen, and the same one comes back until the store changes.
   */
  async list(...filters: string[]): Promise<readonly ContainerRecord[]> {
    await this.enter("containers.list");
    let filter: Filter;
    try {
      filter = parseFilters(filters);
    } catch (e) {
      // The metadata store wraps the already-wrapped parse error once more.
      if (e instanceof ContainerdError) throw invalidArgument(e.message);
      throw e;
    }
    return this.select(filter);
  }

  /**
   * The containers service's Update. With no field paths the record replaces labels, spec,
   * extensions, image and snapshot key, and must not change the snapshotter or runtime; with field
   * paths only those fields change ("labels.<key>" and "extensions.<key>" address single entries).
   * Publishes /containers/update.
   */
  async update(input: ContainerInput, ...fieldpaths: string[]): Promise<ContainerRecord> {
    await this.enter("containers.update", input.id);
    // An async function's frame holds all its locals, allocated per call: the work is kept apart.
    const updated = this.updateNow(input, fieldpaths);
    const event: ContainerUpdate = {
      id: updated.id,
      image: updated.image,
      labels: updated.labels,
      snapshotKey: updated.snapshotKey,
    };
    await this.ctx.events.publish(this.namespace, topics.containerUpdate, event);
    return updated;
  }

  private updateNow(input: ContainerInput, fieldpaths: readonly string[]): ContainerRecord {
    if (input.id === "") throw invalidArgument("Container.ID required");
    if (!this.bucket) throw notFound(`cannot update container "${input.id}" in namespace "${this.namespace}"`);
    const slot = this.slots.get(input.id);
    if (!slot) throw notFound(`container "${input.id}"`);
    const stored = slot.record;
    const given = draftOf(input);
    const paths = fieldpaths.length > 0 ? fieldpaths : mutableFields;
    if (fieldpaths.length === 0) {
      if (stored.snapshotter !== given.snapshotter) throw invalidArgument("container.Snapshotter field is immutable");
      if (stored.runtime.name !== given.runtime.name) throw invalidArgument("container.Runtime.Name field is immutable");
    }
    const next: Draft = { ...stored };
    // Copied on the first write to a single entry: a whole-record update replaces both outright.
    let labels: Record<string, string> | undefined;
    let extensions: Record<string, AnyValue> | undefined;
    for (const path of paths) {
      if (path.startsWith("labels.")) {
        const key = path.slice("labels.".length);
        next.labels = labels ??= { ...next.labels };
        labels[key] = given.labels[key] ?? "";
        continue;
      }
      if (path.startsWith("extensions.")) {
        const key = path.slice("extensions.".length);
        next.extensions = extensions ??= { ...next.extensions };
        extensions[key] = given.extensions[key] ?? { typeUrl: "", value: new Uint8Array() };
        continue;
      }
      switch (path) {
        case "labels":
          // The record's own labels handed back (a read, then a whole-record update) are kept as they are.
          if (given.labels === stored.labels) next.labels = stored.labels;
          else next.labels = labels = { ...given.labels };
          break;
        case "spec":
          next.spec = given.spec;
          break;
        case "extensions":
          next.extensions = extensions = { ...given.extensions };
          break;
        case "image":
          next.image = given.image;
          break;
        case "snapshotkey":
          next.snapshotKey = given.snapshotKey;
          break;
        default:
          throw invalidArgument(`cannot update "${path}" field on "${input.id}"`);
      }
    }
    // Labels the update leaves alone were checked and stored before: a pod's thousands of labels are
    // not gone through again for each update of its extensions.
    const labelsKept = next.labels === stored.labels;
    const invalid = validate(next, !labelsKept);
    if (invalid) throw wrapError("update failed validation", invalid);
    const now = this.ctx.clock.now();
    const updated = freezeRecord(next, labelsKept ? stored.labels : withoutEmptyValues(next.labels), stored.runtime, stored.createdAt, now);
    // containerd writes extensions over the stored ones without clearing them, so a later read
    // still sees extensions this update left out; the update's own answer does not.
    this.replace(slot, keepsExtensions(updated, stored) ? updated : freezeRecord(
      { ...updated, extensions: { ...stored.extensions, ...updated.extensions } },
      updated.labels,
      updated.runtime,
      updated.createdAt,
      updated.updatedAt,
    ));
    return updated;
  }

  /**
   * Container.Delete of the Go client: refused while the container has a task; optionally removes
   * its snapshot; publishes /containers/delete.
   */
  async delete(id: string, options: ContainerDeleteOptions = {}): Promise<void> {
    await this.enter("containers.delete", id);
    if (this.links.hasTask(id)) throw failedPrecondition(`cannot delete running task ${id}`);
    const record = this.lookup(id);
    if (options.snapshotCleanup && record.snapshotKey !== "" && record.snapshotter !== "" && this.links.removeSnapshot) {
      try {
        await this.links.removeSnapshot(record.snapshotter, record.snapshotKey);
      } catch (e) {
        if (!(e instanceof ContainerdError && e.kind === "not found")) throw e;
      }
    }
    const slot = this.slots.get(id);
    if (!slot) throw notFound(`container ${id}`);
    this.remove(slot);
    const event: ContainerDelete = { id };
    await this.ctx.events.publish(this.namespace, topics.containerDelete, event);
  }

  /** The record, or containerd's not-found error for it. */
  lookup(id: string): ContainerRecord {
    const slot = this.slots.get(id);
    if (!slot) throw notFound(`container "${id}" in namespace "${this.namespace}"`);
    return slot.record;
  }

  /** Whether anything is stored (namespace deletion refuses a namespace with containers). */
  get size(): number {
    return this.slots.size;
  }

  /** The namespace was deleted, and its (empty) containers bucket with it. */
  forgetBucket(): void {
    this.ctx.changes?.mark("bucket", this.namespace);
    this.bucket = false;
  }

  /** The containers as JSON-serialisable data (saveState). */
  toState(): ContainerStoreState {
    return { bucket: this.bucket, containers: this.order.ordered().map((slot) => recordToState(slot.record)) };
  }

  /** One container as toState() holds it, or null when there is none (see changes.ts). */
  stateOf(id: string): ContainerState | null {
    const slot = this.slots.get(id);
    return slot ? recordToState(slot.record) : null;
  }

  /** Whether the namespace's containers bucket exists (see changes.ts). */
  get hasBucket(): boolean {
    return this.bucket;
  }

  /** Settles when `await operations.enter(...)` in an async method would resume, without its frame. */
  private enter(op: OperationName, subject?: string): Promise<void> {
    const call = subject === undefined ? { op, namespace: this.namespace } : { op, namespace: this.namespace, subject };
    return this.ctx.operations.enter(call).then(this.requireNamespace);
  }

  private readonly requireNamespace = (): void => requireNamespace(this.namespace);

  private select(filter: Filter): readonly ContainerRecord[] {
    if (filter.matchesEverything) return this.order.records(this.version);
    const plan = filter.alternatives.length === 1 ? this.plan(filter.alternatives[0]!) : undefined;
    const adaptor = new RecordAdaptor();
    const out: ContainerRecord[] = [];
    if (!plan) {
      for (const slot of this.order.ordered()) {
        adaptor.record = slot.record;
        if (filter.match(adaptor)) out.push(slot.record);
      }
      return Object.freeze(out);
    }
    if (plan.rest.length === 0) return plan.candidates.records(this.version);
    for (const slot of plan.candidates.ordered()) {
      adaptor.record = slot.record;
      if (filter.matchAll(plan.rest, adaptor)) out.push(slot.record);
    }
    return Object.freeze(out);
  }

  /** Picks the narrowest exact-match selector to look candidates up with, if there is one. */
  private plan(selectors: readonly Selector[]): { candidates: Candidates; rest: Selector[] } | undefined {
    let best: { candidates: Candidates; index: number } | undefined;
    selectors.forEach((s, index) => {
      if (s.operator !== "==") return;
      let candidates: Candidates | undefined;
      if (s.fieldpath[0] === "id") candidates = new FewSlots(this.slots.get(s.value));
      else if (s.fieldpath[0] === "labels" && s.fieldpath.length > 1) {
        const key = s.fieldpath.slice(1).join(".");
        candidates = this.labelIndex.lookup(key, s.value);
      }
      if (candidates && (!best || candidates.size < best.candidates.size)) best = { candidates, index };
    });
    if (!best) return undefined;
    const chosen = best.index;
    return { candidates: best.candidates, rest: selectors.filter((_, i) => i !== chosen) };
  }

  private insert(record: ContainerRecord): void {
    this.ctx.changes?.mark("container", this.namespace, record.id);
    this.version++;
    const slot: Slot = { record };
    this.slots.set(record.id, slot);
    this.order.add(slot);
    this.labelIndex.add(slot);
  }

  private replace(slot: Slot, record: ContainerRecord): void {
    this.ctx.changes?.mark("container", this.namespace, record.id);
    this.version++;
    // The index holds the slot, so with the same labels (the usual update) it is already right.
    const relabel = !sameLabels(slot.record.labels, record.labels);
    if (relabel) this.labelIndex.remove(slot);
    slot.record = record;
    if (relabel) this.labelIndex.add(slot);
  }

  private remove(slot: Slot): void {
    this.ctx.changes?.mark("container", this.namespace, slot.record.id);
    this.version++;
    this.slots.delete(slot.record.id);
    this.order.remove(slot);
    this.labelIndex.remove(slot);
  }
}

/**
 * Where a container's current record lives. Ordered lists hold slots, so an update (a new record)
 * leaves them valid and a list reads records without a lookup by ID.
 */
interface Slot {
  record: ContainerRecord;
}

type Draft = {
  id: string;
  labels: Readonly<Record<string, string>>;
  image: string;
  runtime: RuntimeInfo;
  spec?: AnyValue;
  snapshotter: string;
  snapshotKey: string;
  extensions: Readonly<Record<string, AnyValue>>;
};

/**
 * The input with the client's defaults filled in. Its labels, runtime and extensions are the
 * caller's objects, only read: a record copies what it keeps.
 */
function draftOf(input: ContainerInput): Draft {
  const draft: Draft = {
    id: input.id,
    labels: input.labels ?? noLabels,
    image: input.image ?? "",
    runtime: input.runtime ?? defaultRuntimeInfo,
    snapshotter: input.snapshotter ?? "",
    snapshotKey: input.snapshotKey ?? "",
    extensions: input.extensions ?? noExtensions,
  };
  if (input.spec) draft.spec = input.spec;
  return draft;
}

/** metadata's validateContainer, in its order (the labels only when `labels`). */
function validate(c: Draft, labels = true): ContainerdError | undefined {
  try {
    validateIdentifier(c.id);
  } catch (e) {
    return wrapError("container.ID", e as ContainerdError);
  }
  if (Object.hasOwn(c.extensions, "")) return invalidArgument("container.Extension keys must not be zero-length");
  for (const k of labels ? Object.keys(c.labels) : []) {
    try {
      validateLabel(k, c.labels[k]!);
    } catch (e) {
      return wrapError("containers.Labels", e as ContainerdError);
    }
  }
  if (c.runtime.name === "") return invalidArgument("container.Runtime.Name must be set");
  if (!c.spec) return invalidArgument("container.Spec must be set");
  if (c.snapshotKey !== "" && c.snapshotter === "") {
    return invalidArgument("container.Snapshotter must be set if container.SnapshotKey is set");
  }
  return undefined;
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (!Object.hasOwn(b, key) || b[key] !== a[key]) return false;
  return true;
}

/** containerd never stores a label with an empty value. */
function withoutEmptyValues(labels: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const keys = Object.keys(labels);
  if (keys.length === 0) return noLabels;
  const out: Record<string, string> = {};
  for (const k of keys) if (labels[k] !== "") out[k] = labels[k]!;
  return Object.keys(out).length === 0 ? noLabels : Object.freeze(out);
}

/** A record of the draft's fields, with labels and runtime already as stored (frozen). */
function freezeRecord(
  r: Draft,
  labels: Readonly<Record<string, string>>,
  runtime: RuntimeInfo,
  createdAt: bigint,
  updatedAt: bigint,
): ContainerRecord {
  const record: { -readonly [K in keyof ContainerRecord]: ContainerRecord[K] } = {
    id: r.id,
    labels,
    image: r.image,
    runtime,
    snapshotter: r.snapshotter,
    snapshotKey: r.snapshotKey,
    extensions: Object.keys(r.extensions).length === 0 ? noExtensions : Object.freeze({ ...r.extensions }),
    createdAt,
    updatedAt,
  };
  if (r.spec) record.spec = r.spec;
  return Object.freeze(record);
}

function frozenRuntime(runtime: RuntimeInfo): RuntimeInfo {
  return runtime.options
    ? Object.freeze({ name: runtime.name, options: runtime.options })
    : Object.freeze({ name: runtime.name });
}

/**
 * Whether the stored extensions written over with the update's are just the update's, key order
 * included (the update started from the stored ones): then the answer is the record to store.
 */
function keepsExtensions(updated: ContainerRecord, stored: ContainerRecord): boolean {
  const before = Object.keys(stored.extensions);
  if (before.length === 0) return true;
  const after = Object.keys(updated.extensions);
  if (before.length > after.length) return false;
  for (let i = 0; i < before.length; i++) if (after[i] !== before[i]) return false;
  return true;
}

/** Field paths containerd's container adaptor answers: id, image, runtime.name, labels.<key>. */
class RecordAdaptor implements Adaptor {
  record!: ContainerRecord;

  field(path: readonly string[]): string | undefined {
    const r = this.record;
    switch (path[0]) {
      case "id":
        return r.id || undefined;
      case "image":
        return r.image || undefined;
      case "runtime":
        return path.length > 1 && path[1] === "name" ? r.runtime.name || undefined : undefined;
      case "labels":
        return mapField(path.slice(1), r.labels);
      default:
        return undefined;
    }
  }
}

/**
 * Slots in a Set, put in ID order only when a list reads them: inserting a container and removing
 * one cost the same beside 100,000 others as beside none (a kind or namespace label every
 * container shares puts them all in one set), and a list, which is rare (a restart's recovery, a
 * test's look), pays for the order. The order a read makes is kept: the next read sorts only what
 * was added since and merges it in, unless most of the set is new by then.
 */
class SlotSet implements Candidates {
  private readonly members = new Set<Slot>();
  /** The members in ID order at the last read, some removed since; undefined once not worth keeping. */
  private sorted: Slot[] | undefined = [];
  /** Members added since `sorted` was made (while it is kept). */
  private readonly added = new Set<Slot>();
  private stale = false;
  private cachedRecords: { version: number; records: readonly ContainerRecord[] } | undefined;

  get size(): number {
    return this.members.size;
  }

  add(slot: Slot): void {
    this.members.add(slot);
    this.stale = true;
    if (!this.sorted) return;
    this.added.add(slot);
    // A set mostly made of new members is sorted whole when read; the additions are not kept twice.
    if (this.added.size > 64 && this.added.size > this.members.size >> 1) {
      this.sorted = undefined;
      this.added.clear();
    }
  }

  remove(slot: Slot): void {
    this.members.delete(slot);
    this.added.delete(slot);
    this.stale = true;
  }

  ordered(): readonly Slot[] {
    if (this.stale || !this.sorted) {
      this.sorted = this.sorted ? this.merged(this.sorted) : [...this.members].sort(byId);
      this.added.clear();
      this.stale = false;
    }
    return this.sorted;
  }

  /** The records in ID order, as a frozen array kept until the store's version moves on. */
  records(version: number): readonly ContainerRecord[] {
    if (this.cachedRecords?.version !== version) {
      this.cachedRecords = { version, records: Object.freeze(this.ordered().map((slot) => slot.record)) };
    }
    return this.cachedRecords.records;
  }

  /** `sorted` without the slots removed (or re-added) since, merged with the additions in order. */
  private merged(sorted: readonly Slot[]): Slot[] {
    const fresh = [...this.added].sort(byId);
    const out: Slot[] = [];
    let f = 0;
    for (const slot of sorted) {
      if (!this.members.has(slot) || this.added.has(slot)) continue;
      while (f < fresh.length && fresh[f]!.record.id < slot.record.id) out.push(fresh[f++]!);
      out.push(slot);
    }
    while (f < fresh.length) out.push(fresh[f++]!);
    return out;
  }
}

function byId(a: Slot, b: Slot): number {
  return a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0;
}

/** Candidates for a list: their slots in ID order, and the records of those slots. */
interface Candidates {
  readonly size: number;
  ordered(): readonly Slot[];
  records(version: number): readonly ContainerRecord[];
}

/** No slot or one. */
class FewSlots implements Candidates {
  private readonly slots: readonly Slot[];

  constructor(slot: Slot | undefined) {
    this.slots = slot ? [slot] : [];
  }

  get size(): number {
    return this.slots.length;
  }

  ordered(): readonly Slot[] {
    return this.slots;
  }

  records(): readonly ContainerRecord[] {
    return Object.freeze(this.slots.map((s) => s.record));
  }
}

/** The containers carrying one label value: a lone one is kept as its slot, the common case. */
type IndexEntry = Slot | SlotSet;

/** label key -> value -> the containers carrying that label, kept up to date on every write. */
class LabelIndex {
  private readonly byKey = new Map<string, Map<string, IndexEntry>>();
  /**
   * Keys whose value map went empty but was kept: a key's last container is often replaced by the
   * next one (a pod at a time), and dropping and remaking the maps was most of a removal's cost.
   * Past a bound they are dropped, so that one-off keys do not pile up.
   */
  private emptyKeys = 0;

  lookup(key: string, value: string): Candidates {
    const entry = this.byKey.get(key)?.get(value);
    if (entry === undefined || "record" in entry) return new FewSlots(entry);
    return entry;
  }

  add(slot: Slot): void {
    const labels = slot.record.labels;
    for (const key in labels) {
      let values = this.byKey.get(key);
      if (!values) {
        values = new Map();
        this.byKey.set(key, values);
      } else if (values.size === 0) this.emptyKeys--;
      addTo(values, labels[key]!, slot);
    }
  }

  remove(slot: Slot): void {
    const labels = slot.record.labels;
    for (const key in labels) {
      const values = this.byKey.get(key)!;
      const value = labels[key]!;
      const entry = values.get(value)!;
      if ("record" in entry) values.delete(value);
      else {
        entry.remove(slot);
        if (entry.size === 0) values.delete(value);
      }
      if (values.size === 0 && ++this.emptyKeys > maxEmptyKeys) this.dropEmptyKeys();
    }
  }

  private dropEmptyKeys(): void {
    for (const [key, values] of this.byKey) if (values.size === 0) this.byKey.delete(key);
    this.emptyKeys = 0;
  }
}

const maxEmptyKeys = 256;

function addTo(values: Map<string, IndexEntry>, value: string, slot: Slot): void {
  const entry = values.get(value);
  if (entry === undefined) {
    values.set(value, slot);
    return;
  }
  if ("record" in entry) {
    const set = new SlotSet();
    set.add(entry);
    set.add(slot);
    values.set(value, set);
    return;
  }
  entry.add(slot);
}

function recordToState(r: ContainerRecord): ContainerState {
  const state: ContainerState = {
    id: r.id,
    labels: { ...r.labels },
    image: r.image,
    runtime: r.runtime.options ? { name: r.runtime.name, options: anyToState(r.runtime.options) } : { name: r.runtime.name },
    snapshotter: r.snapshotter,
    snapshotKey: r.snapshotKey,
    extensions: Object.fromEntries(Object.entries(r.extensions).map(([k, v]) => [k, anyToState(v)])),
    createdAt: r.createdAt.toString(),
    updatedAt: r.updatedAt.toString(),
  };
  if (r.spec) state.spec = anyToState(r.spec);
  return state;
}

function recordFromState(s: ContainerState): ContainerRecord {
  const runtime: RuntimeInfo = s.runtime.options
    ? { name: s.runtime.name, options: anyFromState(s.runtime.options) }
    : { name: s.runtime.name };
  const draft: Draft = {
    id: s.id,
    labels: { ...s.labels },
    image: s.image,
    runtime,
    snapshotter: s.snapshotter,
    snapshotKey: s.snapshotKey,
    extensions: Object.fromEntries(Object.entries(s.extensions).map(([k, v]) => [k, anyFromState(v)])),
  };
  if (s.spec) draft.spec = anyFromState(s.spec);
  return freezeRecord(draft, withoutEmptyValues(draft.labels), frozenRuntime(runtime), BigInt(s.createdAt), BigInt(s.updatedAt));
}
