// A CRI container's status as the CRI plugin keeps it (containerd's containerstore.Status): the
// timestamps decide the state, and the plugin checkpoints it beside the container.

import { type ContainerResources, ContainerState } from "../api/v1.ts";

export interface ContainerStatus {
  pid: number;
  /** Nanoseconds since the epoch; 0 means "not yet". */
  createdAt: bigint;
  startedAt: bigint;
  finishedAt: bigint;
  exitCode: number;
  reason: string;
  message: string;
  /** A start is in progress (never checkpointed). */
  starting: boolean;
  /** A removal is in progress (never checkpointed). */
  removing: boolean;
  /** The plugin could not read the container's state on recovery (never checkpointed). */
  unknown: boolean;
  resources?: ContainerResources;
}

/** The state a status stands for: unknown wins, then the latest timestamp that is set. */
export function containerState(status: ContainerStatus): ContainerState {
  if (status.unknown) return ContainerState.CONTAINER_UNKNOWN;
  if (status.finishedAt !== 0n) return ContainerState.CONTAINER_EXITED;
  if (status.startedAt !== 0n) return ContainerState.CONTAINER_RUNNING;
  if (status.createdAt !== 0n) return ContainerState.CONTAINER_CREATED;
  return ContainerState.CONTAINER_UNKNOWN;
}

export function emptyContainerStatus(): ContainerStatus {
  return {
    pid: 0,
    createdAt: 0n,
    startedAt: 0n,
    finishedAt: 0n,
    exitCode: 0,
    reason: "",
    message: "",
    starting: false,
    removing: false,
    unknown: false,
  };
}
