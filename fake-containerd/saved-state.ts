// The shape of a fake containerd saved as data (FakeContainerd.saveState()), apart from the daemon
// so that what reads, checks and patches saved states (state-file.ts, state-schema.ts, changes.ts)
// does not import the daemon.

import type { ContainerStoreState } from "./containers.ts";
import type { NamespacesState } from "./namespaces.ts";
import type { FaultState } from "./operations.ts";
import type { ProcessRegistryState } from "./processes/registry.ts";
import type { TaskServiceState } from "./task-state.ts";

/** A fake containerd saved as JSON-serialisable data (saveState()). */
export interface FakeContainerdState {
  format: "fake-containerd/1";
  clock: { kind: "virtual"; nowNs: string; tickNs: string } | { kind: "real" } | { kind: "custom" };
  ids: { kind: "seeded"; position: string } | { kind: "random" } | { kind: "custom" };
  nextPid: number;
  runtimes: string[];
  faults: FaultState[];
  namespaces: NamespacesState;
  stores: NamespaceStoresState[];
  processes: ProcessRegistryState;
  /** What could not be saved (function scripts, custom clocks ...) and how it comes back. */
  notes: string[];
}

/** @internal The saved stores of one namespace. */
export interface NamespaceStoresState {
  namespace: string;
  containers: ContainerStoreState;
  tasks: TaskServiceState;
  /** The other parts' stores, by their key in the namespace view. */
  others: Record<string, unknown>;
}
