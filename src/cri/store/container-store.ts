// The CRI plugin's containers (containerd's pkg/cri/store/container): metadata fixed at creation,
// a status kept in memory and checkpointed to `<container root dir>/status` through the host
// filesystem, the container's IO and stop signal. The store finds a container by ID or unique ID
// prefix and, for ListContainers at scale, by sandbox and by label without scanning.

import type { ContainerConfig } from "../api/v1.ts";
import type { HostFs } from "../../node/host-fs.ts";
import type { ContainerIO } from "../io/container-io.ts";
import { ContainerState } from "../api/v1.ts";
import { statusPath, writeStatusCheckpoint } from "./container-checkpoint.ts";
import { containerState, type ContainerStatus } from "./container-status.ts";
import type { ContainerdContainer } from "./containerd-container.ts";
import { IdIndexStore } from "./id-index-store.ts";
import { StopSignal } from "./stop-signal.ts";

/** containerstore.Metadata: what the plugin stores in the containerd container's extension. */
export interface ContainerMetadata {
  id: string;
  name: string;
  sandboxId: string;
  config: ContainerConfig;
  /** The image's ID, or its repo digest when it has one (what ContainerStatus reports as imageRef). */
  imageRef: string;
  logPath: string;
  /** The image's stop signal ("" when it names none). */
  stopSignal: string;
  processLabel: string;
}

/** Container stats as the plugin caches them (stats.ContainerStats). */
export interface ContainerStats {
  timestamp: bigint;
  usageCoreNanoSeconds: bigint;
}

/**
 * How a status update is told: a pure function of the old status, which may throw to refuse. It
 * gets a copy of the status's own fields; what they point to (the resources) it replaces, never
 * changes.
 */
export type ContainerStatusUpdate = (status: ContainerStatus) => ContainerStatus;

/** A copy whose resources are the copy's own. */
export function copyStatus(status: Readonly<ContainerStatus>): ContainerStatus {
  const copy = { ...status };
  if (status.resources) {
    const { linux, windows } = status.resources;
    copy.resources = {
      linux: linux && {
        ...linux,
        hugepageLimits: linux.hugepageLimits.map((l) => ({ ...l })),
        unified: { ...linux.unified },
      },
      windows: windows && { ...windows, affinityCpus: windows.affinityCpus.map((a) => ({ ...a })) },
    };
  }
  return copy;
}

/**
 * containerstore.StatusStorage: the status in memory, with updateSync also replacing the checkpoint
 * (the in-memory status changes only if the checkpoint was written).
 */
export class ContainerStatusStorage {
  readonly path: string;
  private readonly fs: HostFs;
  private status: ContainerStatus;
  /** The store's state index, told of every state change. */
  private stateListener: ((from: ContainerState, to: ContainerState) => void) | undefined;

  constructor(fs: HostFs, path: string, status: ContainerStatus) {
    this.fs = fs;
    this.path = path;
    this.status = status;
  }

  /** Lets the container store keep its state index current. */
  listen(listener: ((from: ContainerState, to: ContainerState) => void) | undefined): void {
    this.stateListener = listener;
  }

  /** A copy of the status. */
  get(): ContainerStatus {
    return copyStatus(this.status);
  }

  /** The status itself, not a copy: an update replaces it, so it stays as it is now (not to be changed). */
  current(): Readonly<ContainerStatus> {
    return this.status;
  }

  /** The state without copying the status (ListContainers at scale). */
  state(): ContainerState {
    return containerState(this.status);
  }

  /** UpdateSync: changes the status and checkpoints it; neither happens if `update` throws. */
  updateSync(update: ContainerStatusUpdate): void {
    const next = update({ ...this.status });
    writeStatusCheckpoint(this.fs, this.path, next);
    this.set(next);
  }

  /** Update: changes the status in memory only. */
  update(update: ContainerStatusUpdate): void {
    this.set(update({ ...this.status }));
  }

  /** Delete: removes the checkpoint (renamed aside first, then removed, as containerd does). */
  delete(): void {
    this.fs.removeAll(this.path);
  }

  private set(next: ContainerStatus): void {
    const from = containerState(this.status);
    this.status = next;
    if (this.stateListener) {
      const to = containerState(next);
      if (to !== from) this.stateListener(from, to);
    }
  }
}

/**
 * StoreStatus: checkpoints `status` under the container's root dir and returns its storage. Fails
 * as containerd's does: `failed to checkpoint status to "<path>": <why>`.
 */
export function storeContainerStatus(fs: HostFs, containerRootDir: string, status: ContainerStatus): ContainerStatusStorage {
  const path = statusPath(containerRootDir);
  writeStatusCheckpoint(fs, path, status);
  return new ContainerStatusStorage(fs, path, status);
}

/** A CRI container: containerstore.Container. */
export class Container {
  readonly metadata: ContainerMetadata;
  readonly status: ContainerStatusStorage;
  /** The containerd container it stands for. */
  readonly container: ContainerdContainer;
  io: ContainerIO | undefined;
  /** Closed once the container has exited (containerd's StopCh). */
  readonly stopCh: StopSignal = new StopSignal();
  /** StopContainer with a timeout has sent its first signal (containerd uses it to skip resending). */
  isStopSignaledWithTimeout = false;
  stats: ContainerStats | undefined;

  /** NewContainer; a status that is already exited closes the stop signal. */
  constructor(metadata: ContainerMetadata, status: ContainerStatusStorage, container: ContainerdContainer, io?: ContainerIO) {
    this.metadata = metadata;
    this.status = status;
    this.container = container;
    this.io = io;
    if (status.state() === ContainerState.CONTAINER_EXITED) this.stopCh.stop();
  }

  get id(): string {
    return this.metadata.id;
  }

  /** Delete: removes the status checkpoint. */
  delete(): void {
    this.status.delete();
  }
}

/** Which containers a list asks for, by what the store indexes. */
export interface ContainerSelector {
  sandboxId?: string;
  /** Every pair must match (a CRI label selector). */
  labels?: Readonly<Record<string, string>>;
}

const noContainers: ReadonlySet<Container> = new Set();

export class ContainerStore {
  private readonly byId: IdIndexStore<Container>;
  private readonly bySandbox = new Map<string, Set<Container>>();
  /** label key -> value -> containers. */
  private readonly byLabel = new Map<string, Map<string, Set<Container>>>();
  private readonly byState = new Map<ContainerState, Set<Container>>();

  /** `emptyPrefixText`: the error for an empty ID, as the containerd version words it. */
  constructor(emptyPrefixText?: string) {
    this.byId = new IdIndexStore<Container>(emptyPrefixText);
  }

  /** Add: already exists when the ID is taken. */
  add(container: Container): void {
    this.byId.add(container);
    const { sandboxId, config } = container.metadata;
    addTo(this.bySandbox, sandboxId, container);
    for (const [key, value] of Object.entries(config.labels)) {
      let values = this.byLabel.get(key);
      if (!values) this.byLabel.set(key, (values = new Map()));
      addTo(values, value, container);
    }
    container.status.listen((from, to) => {
      removeFrom(this.byState, from, container);
      addTo(this.byState, to, container);
    });
    addTo(this.byState, container.status.state(), container);
  }

  /** Get by ID or unique ID prefix: not found, or the index's error for an ambiguous or empty prefix. */
  get(idOrPrefix: string): Container {
    return this.byId.get(idOrPrefix);
  }

  getExact(id: string): Container | undefined {
    return this.byId.getExact(id);
  }

  list(): Container[] {
    return this.byId.list();
  }

  get size(): number {
    return this.byId.size;
  }

  /** Containers of a sandbox (by its full ID). */
  ofSandbox(sandboxId: string): ReadonlySet<Container> {
    return this.bySandbox.get(sandboxId) ?? noContainers;
  }

  /** Containers in a state. */
  inState(state: ContainerState): ReadonlySet<Container> {
    return this.byState.get(state) ?? noContainers;
  }

  /**
   * The containers matching every constraint of `selector`, found through the smallest index that
   * applies and checked against the rest. Without constraints, every container.
   */
  select(selector: ContainerSelector): Iterable<Container> {
    const candidates: ReadonlySet<Container>[] = [];
    if (selector.sandboxId !== undefined) candidates.push(this.ofSandbox(selector.sandboxId));
    const labels = selector.labels ? Object.entries(selector.labels) : [];
    for (const [key, value] of labels) candidates.push(this.byLabel.get(key)?.get(value) ?? noContainers);
    if (candidates.length === 0) return this.byId.list();
    let smallest = candidates[0]!;
    for (const set of candidates) if (set.size < smallest.size) smallest = set;
    if (candidates.length === 1) return smallest;
    const out: Container[] = [];
    for (const container of smallest) {
      if (selector.sandboxId !== undefined && container.metadata.sandboxId !== selector.sandboxId) continue;
      const own = container.metadata.config.labels;
      if (labels.every(([key, value]) => Object.hasOwn(own, key) && own[key] === value)) out.push(container);
    }
    return out;
  }

  updateContainerStats(idOrPrefix: string, stats: ContainerStats): void {
    this.byId.get(idOrPrefix).stats = stats;
  }

  /** Delete: forgets the container (closing its IO); nothing happens for an unknown ID. */
  delete(idOrPrefix: string): void {
    let container: Container;
    try {
      container = this.byId.get(idOrPrefix);
    } catch {
      return;
    }
    void container.io?.close();
    this.byId.delete(container.id);
    removeFrom(this.bySandbox, container.metadata.sandboxId, container);
    for (const [key, value] of Object.entries(container.metadata.config.labels)) {
      const values = this.byLabel.get(key);
      if (!values) continue;
      removeFrom(values, value, container);
      if (values.size === 0) this.byLabel.delete(key);
    }
    container.status.listen(undefined);
    removeFrom(this.byState, container.status.state(), container);
  }
}

function addTo<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(value);
}

function removeFrom<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
}

