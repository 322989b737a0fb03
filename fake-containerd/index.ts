// fake-containerd: an in-process containerd for tests. One FakeContainerd is one containerd daemon:
// whatever sits on top (the CRI layer) can be torn down and built again over it, and tasks keep
// running meanwhile. See README.md in this folder for the API and an example.

import type { NodeFiles } from "../src/node/node-files.ts";
import { bindMounts } from "./bind-mounts.ts";
import { mountedSnapshots, type MountedSnapshotLookup } from "./mounted-snapshots.ts";
import { ChangeLog } from "./change-log.ts";
import type { ContainerdChange } from "./changes.ts";
import type { FakeContainerdState, NamespaceStoresState } from "./saved-state.ts";
import { RealClock, VirtualClock, type Clock } from "./clock.ts";
import { ContainerStore, type ContainerStoreState } from "./containers.ts";
import type { FakeContext } from "./context.ts";
import { ContainerdError, containerdError, type ErrorKind } from "./errdefs.ts";
import { EventExchange, type MountInfo } from "./events.ts";
import { RandomIds, SeededIds, type IdGenerator } from "./ids.ts";
import { imageStores } from "./images/stores.ts";
import { Namespaces, type NamespacesState } from "./namespaces.ts";
import { checkOperation, Operations, type FaultSpec, type FaultState, type Gate, type OperationPattern } from "./operations.ts";
import { ProcessRegistry, type ProcessRegistryState } from "./processes/registry.ts";
import { PidCounter } from "./pid-namespaces.ts";
import { TaskService } from "./tasks.ts";
import type { TaskServiceState } from "./task-state.ts";
import type { HostKernelTable } from "./kernel-tables.ts";
import { Network } from "./network.ts";

export { VirtualClock, RealClock, type Clock } from "./clock.ts";
export { ContainerdError, ErrorKind, errorKinds, isKind, isNotFound, isAlreadyExists } from "./errdefs.ts";
export { SeededIds, RandomIds, type IdGenerator } from "./ids.ts";
export { topics, type Envelope, type EventExchange, type Subscription, type TaskExit, type TaskOOM, type MountInfo } from "./events.ts";
export { parseFilters, type Filter } from "./filters.ts";
export { bindMounts } from "./bind-mounts.ts";
export type { FakeContainerdState, NamespaceStoresState } from "./saved-state.ts";
export {
  applyChanges,
  withoutTasks,
  type BackendSnapshotState,
  type BlobState,
  type ContainerdChange,
  type ImageState,
  type SnapshotRecordState,
} from "./changes.ts";
export type { ContainerState } from "./containers.ts";
export type { NamespaceInfo, Namespaces } from "./namespaces.ts";
export type { FileSpec } from "./images/build.ts";
export type { Platform } from "./images/platforms.ts";
export {
  signals,
  type ContainerFilesystem,
  type ContainerProcessInfo,
  type DirectoryNames,
  type ExecProcessInfo,
  type FileChange,
  type OutputChunk,
  type ProcessUser,
  type Script,
  type Stream,
  type ProcessScript,
  type ScriptFunction,
  type ProcessContext,
  type ContainerMatch,
  type ExecMatch,
} from "./processes/script.ts";
export type { ProcessRegistry, Registration } from "./processes/registry.ts";
export {
  ociSpec,
  ociSpecTypeUrl,
  type ContainerStore,
  type ContainerRecord,
  type ContainerInput,
  type ContainerDeleteOptions,
  type RuntimeInfo,
  type AnyValue,
  type JsonAnyValue,
  type JsonPick,
} from "./containers.ts";
export type { TaskService } from "./tasks.ts";
export type { Task, Process } from "./task-handles.ts";
export type { ProcessHandle, ProcessIO, ProcessSpec, ExitStatus, ProcessState, ProcessStatus, PidInfo, TaskInfo, Metric, CgroupMetrics } from "./task-types.ts";
export { AsyncQueue, InputQueue, OutputBuffer, ProcessStdio, type ProcessStdioOptions } from "./stdio.ts";
export {
  AddressInUseError,
  ConnectionRefusedError,
  hostNetwork,
  socketPair,
  type ConnectionHandler,
  type Listener,
  type Network,
  type NetworkEvent,
  type Socket,
} from "./network.ts";
export {
  operationNames,
  type FaultSpec,
  type FaultState,
  type Gate,
  type OperationCall,
  type OperationName,
  type OperationPattern,
  type Operations,
} from "./operations.ts";

/** What every store of another part (content, images, snapshots) offers the root. */
export interface NamespacedStore {
  /** JSON-serialisable; handed back to the store's factory on restore. */
  toState(): unknown;
  /**
   * What namespace deletion says the store still holds, in containerd's words ("images", "blobs",
   * `snapshots on "overlayfs" snapshotter`); empty when it holds nothing.
   */
  remaining(): string[];
}

/** @internal Makes a namespace's store of another part from its saved state. */
export type NamespacedStoreFactory = (ctx: FakeContext, namespace: string, state: unknown) => NamespacedStore;

/**
 * The per-namespace stores of the content/images/snapshots part: each key becomes a property of
 * every namespace view (content, images, snapshots), built in this order.
 */
const namespacedStores = imageStores satisfies Record<string, NamespacedStoreFactory>;

type OtherStores = { readonly [K in keyof typeof namespacedStores]: ReturnType<(typeof namespacedStores)[K]> };

/** The order containerd lists what keeps a namespace from being deleted. */
const namespaceContentsOrder = ["images", "content", "containers", "snapshots"];

/** The runtimes whose shims the fake has "installed". */
export const defaultRuntimes = ["io.containerd.runc.v2", "io.containerd.runc.v1", "io.containerd.runtime.v1.linux"];

/** One namespace of the fake: every object lives in exactly one. */
export type NamespaceView = {
  readonly name: string;
  readonly containers: ContainerStore;
  readonly tasks: TaskService;
} & OtherStores;

/** What createFakeContainerd() takes; every field is optional. */
export interface FakeContainerdOptions {
  /** Default: a VirtualClock when `seed` is given (a seeded run should repeat exactly), else real time. */
  clock?: Clock;
  /** Makes IDs reproducible (SeededIds). */
  seed?: number | bigint;
  /** Overrides the ID generator `seed` would choose. */
  ids?: IdGenerator;
  /** A state saved with saveState(): the fake continues from it. */
  state?: FakeContainerdState;
  /** Runtime names that have a shim (default: defaultRuntimes). Others fail at task create. */
  runtimes?: string[];
  /**
   * The node's files: a container's processes see its bind mounts of them (bindMounts, installed
   * as the processes' filesystem hook). Without them, mounts show nothing.
   */
  nodeFiles?: NodeFiles;
  /**
   * Whether an error a shim answers with gRPC code Unknown (runc's failures) reads `<text>: unknown`,
   * as containerd 1.x's client converts it (default true), or the shim's text alone, as 2.x keeps it.
   * Not saved with the state: give it again when restoring.
   */
  shimUnknownSuffix?: boolean;
}

/** A new fake containerd daemon: seeded IDs and a virtual clock with `seed`, or continuing from `state`. */
export function createFakeContainerd(options: FakeContainerdOptions = {}): FakeContainerd {
  return new FakeContainerd(options);
}

/** Injected failures, latency and process accidents. Faults are data; see FaultSpec. */
export class Faults {
  private readonly fake: FakeContainerd;

  constructor(fake: FakeContainerd) {
    this.fake = fake;
  }

  /** Adds a fault on an operation ("containers.create", "tasks.start", "events.publish" ...). */
  inject(spec: FaultSpec): number {
    return this.fake.operations.injectFault(spec);
  }

  /** Removes the fault inject() returned `index` for. */
  remove(index: number): void {
    this.fake.operations.removeFault(index);
  }

  /** The faults with how often each matched and fired. */
  list(): FaultState[] {
    return this.fake.operations.listFaults();
  }

  /** Removes every fault. */
  clear(): void {
    this.fake.operations.clearFaults();
  }

  /** The process dies now with `exitStatus`, as if runc or the kernel killed it (/tasks/exit follows). */
  crashTask(target: { namespace: string; containerId: string; execId?: string; exitStatus: number }): void {
    this.fake.namespace(target.namespace).tasks.crash(target.containerId, target.exitStatus, target.execId);
  }

  /**
   * Every later call that reaches the task's shim (get, status, wait, kill, start, delete, exec ...)
   * fails with `error`, default "ttrpc: closed: unknown": what a restarted client finds when the
   * shim is gone. `error.message` is the whole text.
   */
  makeTaskUnreadable(target: { namespace: string; containerId: string; error?: { kind: ErrorKind; message: string } }): void {
    const error = target.error ? new ContainerdError(target.error.kind, target.error.message) : containerdError("unknown", "ttrpc: closed");
    this.fake.namespace(target.namespace).tasks.makeUnreadable(target.containerId, error);
  }
}

/** One fake containerd daemon: namespaces and their stores, tasks, events, a clock and IDs, faults and gates. */
export class FakeContainerd {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly operations: Operations;
  readonly events: EventExchange;
  /** Scripts for what processes do, exec handlers and files. */
  readonly processes: ProcessRegistry;
  /** The ports processes listen on, by network namespace, and connections to them. */
  readonly network: Network = new Network();
  readonly namespaces: Namespaces;
  readonly faults: Faults;
  /** Holds operations in flight: `gates.hold("tasks.create")` (see Gate). */
  readonly gates: {
    /** Holds calls of `op` (only those on `subject`, when given) until the gate is released or failed. */
    hold(op: OperationPattern, subject?: string): Gate;
  };
  private readonly ctx: FakeContext;
  private readonly pids: PidCounter;
  private readonly runtimes: ReadonlySet<string>;
  private readonly shimUnknownSuffix: boolean;
  private readonly hostKernelTable: HostKernelTable | undefined;
  private readonly views = new Map<string, NamespaceView>();
  /** @internal The snapshots mounted on the node (image volumes), for bindMounts. */
  readonly mountedSnapshots: MountedSnapshotLookup;

  constructor(options: FakeContainerdOptions = {}) {
    const state = options.state;
    this.clock = options.clock ?? clockFor(options, state);
    this.ids = options.ids ?? idsFor(options, state);
    this.operations = new Operations(this.clock);
    if (state) this.operations.restoreFaults(state.faults);
    this.events = new EventExchange(this.clock, this.operations);
    this.ctx = { clock: this.clock, ids: this.ids, operations: this.operations, events: this.events };
    this.processes = new ProcessRegistry(state?.processes);
    const nodeFiles = options.nodeFiles;
    this.mountedSnapshots = mountedSnapshots((namespace, snapshotter) => this.namespace(namespace).snapshots.get(snapshotter));
    if (nodeFiles) this.processes.setFilesystem(bindMounts(nodeFiles, this.mountedSnapshots));
    // Read through the node's files, so only where the operator allows it (an error: the fake's own table).
    this.hostKernelTable = nodeFiles && ((path) => nodeFiles.readFile(path).catch(() => undefined));
    this.pids = new PidCounter(state?.nextPid);
    this.runtimes = new Set(options.runtimes ?? state?.runtimes ?? defaultRuntimes);
    this.shimUnknownSuffix = options.shimUnknownSuffix ?? true;
    this.namespaces = new Namespaces(
      this.ctx,
      { of: (name) => this.contentsOf(name), names: () => this.views.keys() },
      (name) => this.views.get(name)?.containers.forgetBucket(),
      state?.namespaces,
    );
    this.faults = new Faults(this);
    this.gates = { hold: (op, subject) => this.operations.hold(op, subject) };
    if (state) {
      for (const s of state.stores) this.build(s.namespace, s);
      for (const view of this.views.values()) view.tasks.resumeRestored();
    }
  }

  /** The view of one namespace (k8s.io is CRI's). It does not create the namespace. */
  namespace(name: string): NamespaceView {
    return this.views.get(name) ?? this.build(name);
  }

  /** The whole fake as JSON-serialisable data; createFakeContainerd({ state }) continues from it. */
  saveState(): FakeContainerdState {
    const notes = [...this.processes.unsaved()];
    const stores: NamespaceStoresState[] = [];
    for (const name of [...this.views.keys()].sort()) {
      const view = this.views.get(name)!;
      notes.push(...view.tasks.unsaved());
      const containers = view.containers.toState();
      const tasks = view.tasks.toState();
      const others: Record<string, unknown> = {};
      for (const key of Object.keys(namespacedStores) as Array<keyof typeof namespacedStores>) {
        others[key] = (view[key] as NamespacedStore).toState();
      }
      stores.push({ namespace: name, containers, tasks, others });
    }
    return {
      format: "fake-containerd/1",
      clock: clockState(this.clock, notes),
      ids: idsState(this.ids, notes),
      nextPid: this.pids.peek,
      runtimes: [...this.runtimes],
      faults: this.operations.listFaults(),
      namespaces: this.namespaces.toState(),
      stores,
      processes: this.processes.toState(),
      notes,
    };
  }

  /**
   * From now on, the stores mark each object they change; takeChanges() hands the marked objects
   * over as they then are (see changes.ts).
   */
  trackChanges(): void {
    this.ctx.changes ??= new ChangeLog();
    this.recordedDaemon = this.daemonMark();
  }

  /** Whether an object changed, or an ID or PID was drawn, since the last takeChanges(). */
  hasChanges(): boolean {
    const log = this.ctx.changes;
    return log !== undefined && (log.size > 0 || this.daemonMark() !== this.recordedDaemon);
  }

  /** The objects changed since the last call (or trackChanges()), each as it now is. */
  takeChanges(): ContainerdChange[] {
    const log = this.ctx.changes;
    if (!log || !this.hasChanges()) return [];
    const changes: ContainerdChange[] = [];
    for (const { kind, namespace, key } of log.take()) {
      if (kind === "namespace") {
        changes.push({ kind, namespace, value: this.namespaces.stateOf(namespace) });
        continue;
      }
      const view = this.namespace(namespace);
      switch (kind) {
        case "bucket":
          changes.push({ kind, namespace, value: view.containers.hasBucket });
          break;
        case "container":
          changes.push({ kind, namespace, key, value: view.containers.stateOf(key) });
          break;
        case "blob":
          changes.push({ kind, namespace, key, value: view.content.stateOf(key) });
          break;
        case "image":
          changes.push({ kind, namespace, key, value: view.images.stateOf(key) });
          break;
        case "snapshotter":
          changes.push({ kind, namespace, snapshotter: key, value: view.snapshots.get(key).counters() });
          break;
        case "snapshot": {
          const slash = key.indexOf("/");
          const snapshotter = key.slice(0, slash);
          const name = key.slice(slash + 1);
          changes.push({ kind, namespace, snapshotter, key: name, value: view.snapshots.get(snapshotter).stateOf(name) });
        }
      }
    }
    changes.push({ kind: "daemon", value: { ids: idsState(this.ids, []), nextPid: this.pids.peek } });
    this.recordedDaemon = this.daemonMark();
    return changes;
  }

  /** The daemon record last taken, as daemonMark() read then. */
  private recordedDaemon = "";

  /**
   * Where the ID and PID sequences stand: a call that fails after drawing an ID (a RunPodSandbox
   * whose name is taken) changes no object, yet a node rebuilt without that draw would hand the
   * same IDs out again.
   */
  private daemonMark(): string {
    return `${this.ids instanceof SeededIds ? this.ids.position() : ""}/${this.pids.peek}`;
  }

  private build(name: string, state?: NamespaceStoresState): NamespaceView {
    const others: Record<string, NamespacedStore> = {};
    const saved = state?.others ?? {};
    for (const [key, factory] of Object.entries(namespacedStores) as Array<[string, NamespacedStoreFactory]>) {
      others[key] = factory(this.ctx, name, saved[key]);
    }
    const snapshots = others.snapshots as ReturnType<typeof namespacedStores.snapshots>;
    let tasks: TaskService | undefined;
    const containers = new ContainerStore(
      this.ctx,
      name,
      {
        hasTask: (id) => tasks?.hasTask(id) ?? false,
        removeSnapshot: (snapshotter, key) => snapshots.get(snapshotter).remove(key),
        touchNamespace: () => this.namespaces.touch(name),
      },
      state?.containers,
    );
    tasks = new TaskService(
      this.ctx,
      name,
      {
        containers,
        processes: this.processes,
        network: this.network,
        pids: this.pids,
        runtimes: this.runtimes,
        shimUnknownSuffix: this.shimUnknownSuffix,
        snapshotMounts: async (snapshotter, key): Promise<MountInfo[]> => snapshots.get(snapshotter).mounts(key),
        readRootfs: (snapshotter, key, path) => {
          const store = snapshots.get(snapshotter);
          return store.statPath(key, path)?.type === "file" ? store.readFile(key, path) : undefined;
        },
        readRootfsDir: (snapshotter, key, path) => snapshots.get(snapshotter).readDir(key, path),
        changeRootfs: (snapshotter, key, change) => snapshots.get(snapshotter).applyChange(key, change),
        rootfsHasFile: (snapshotter, key, path) => snapshots.get(snapshotter).statPath(key, path)?.type === "file",
        hostKernelTable: this.hostKernelTable,
      },
      state?.tasks,
    );
    const view = Object.freeze({ name, containers, tasks, ...others }) as NamespaceView;
    this.views.set(name, view);
    return view;
  }

  private contentsOf(name: string): string[] {
    const view = this.views.get(name);
    if (!view) return [];
    const stores = view as unknown as Record<string, NamespacedStore | undefined>;
    return namespaceContentsOrder.flatMap((key) => {
      if (key === "containers") return view.containers.size > 0 ? ["containers"] : [];
      return stores[key]?.remaining() ?? [];
    });
  }
}

function clockFor(options: FakeContainerdOptions, state: FakeContainerdState | undefined): Clock {
  if (state?.clock.kind === "virtual") {
    return new VirtualClock({ startNs: BigInt(state.clock.nowNs), tickNs: BigInt(state.clock.tickNs) });
  }
  if (state) return new RealClock();
  return options.seed !== undefined ? new VirtualClock() : new RealClock();
}

function idsFor(options: FakeContainerdOptions, state: FakeContainerdState | undefined): IdGenerator {
  if (state?.ids.kind === "seeded") return new SeededIds(BigInt(state.ids.position));
  if (options.seed !== undefined) return new SeededIds(options.seed);
  return new RandomIds();
}

function clockState(clock: Clock, notes: string[]): FakeContainerdState["clock"] {
  if (clock instanceof VirtualClock) return { kind: "virtual", nowNs: clock.peek().toString(), tickNs: clock.tickNs.toString() };
  if (clock instanceof RealClock) return { kind: "real" };
  notes.push("the clock is a custom one; restored, the fake uses real time unless given a clock");
  return { kind: "custom" };
}

function idsState(ids: IdGenerator, notes: string[]): FakeContainerdState["ids"] {
  if (ids instanceof SeededIds) return { kind: "seeded", position: ids.position().toString() };
  if (ids instanceof RandomIds) return { kind: "random" };
  notes.push("the ID generator is a custom one; restored, the fake uses random IDs unless given one");
  return { kind: "custom" };
}
