// Checks on a container named as the target of another container's PID namespace.

import { ContainerState, containerStateToJSON } from "../api/v1.ts";
import { type ContainerStatus, containerState } from "../store/container-status.ts";
import { wrap } from "../../go/errors.ts";
import { quote } from "../../go/strconv.ts";

export interface TargetCandidate {
  readonly id: string;
  readonly sandboxId: string;
  status(): ContainerStatus;
}

/**
 * The container `targetContainerId` (an ID or unique prefix) names, provided it sits in sandbox
 * `sandboxId` and is running: a container can only join the PID namespace of a live sibling.
 */
export function validateTargetContainer<T extends TargetCandidate>(
  store: { get(idOrPrefix: string): T },
  sandboxId: string,
  targetContainerId: string,
): T {
  let target: T;
  try {
    target = store.get(targetContainerId);
  } catch (err) {
    throw wrap(err, `container ${quote(targetContainerId)} does not exist`);
  }
  if (target.sandboxId !== sandboxId) {
    throw new Error(
      `container ${quote(targetContainerId)} (sandbox ${target.sandboxId}) does not belong to sandbox ${sandboxId}`,
    );
  }
  const state = containerState(target.status());
  if (state !== ContainerState.CONTAINER_RUNNING) {
    throw new Error(`container ${quote(targetContainerId)} is not running - in state ${containerStateToJSON(state)}`);
  }
  return target;
}
