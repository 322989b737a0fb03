// RemoveContainer (containerd 1.6.20 container_remove.go): an unknown ID is already removed
// (success); a running or unknown container is killed first; then the containerd container and its
// snapshot, the status checkpoint and the container's directories go, and the name is free.

import { isNotFound } from "../../../fake-containerd/index.ts";
import { wrap } from "../../go/errors.ts";
import { quote } from "../../go/strconv.ts";
import { getContainerRootDir, getVolatileContainerRootDir } from "../helpers/dirs.ts";
import { ContainerState, type RemoveContainerRequest, type RemoveContainerResponse } from "../api/v1.ts";
import type { CallContext } from "../service-types.ts";
import { containerState } from "../store/container-status.ts";
import type { Container } from "../store/container-store.ts";
import { stopContainerRecord } from "./container-stop.ts";
import type { CriService } from "./service.ts";
import { sendContainerEvent } from "./container-events.ts";
import { ContainerEventType } from "../api/v1.ts";

export async function removeContainer(c: CriService, r: RemoveContainerRequest, call: CallContext): Promise<RemoveContainerResponse> {
  let container: Container;
  try {
    container = c.containerStore.get(r.containerId);
  } catch (err) {
    if (!isNotFound(err)) throw wrap(err, `an error occurred when try to find container ${quote(r.containerId)}`);
    return {};
  }
  const id = container.id;
  try {
    await container.container.info();
  } catch (err) {
    throw wrap(err, "get container info");
  }

  const state = container.status.state();
  if (state === ContainerState.CONTAINER_RUNNING || state === ContainerState.CONTAINER_UNKNOWN) {
    try {
      await stopContainerRecord(c, container, 0n, call.signal);
    } catch (err) {
      throw wrap(err, `failed to forcibly stop container ${quote(id)}`);
    }
  }

  try {
    setContainerRemoving(container);
  } catch (err) {
    throw wrap(err, `failed to set removing state for container ${quote(id)}`);
  }
  try {
    try {
      await container.container.delete({ snapshotCleanup: true });
    } catch (err) {
      if (!isNotFound(err)) throw wrap(err, `failed to delete containerd container ${quote(id)}`);
    }
    try {
      container.delete();
    } catch (err) {
      throw wrap(err, `failed to delete container checkpoint for ${quote(id)}`);
    }
    const rootDir = getContainerRootDir(c.config, id);
    try {
      c.hostFs.removeAll(rootDir);
    } catch (err) {
      throw wrap(err, `failed to remove container root directory ${quote(rootDir)}`);
    }
    const volatileRootDir = getVolatileContainerRootDir(c.config, id);
    try {
      c.hostFs.removeAll(volatileRootDir);
    } catch (err) {
      throw wrap(err, `failed to remove volatile container root directory ${quote(volatileRootDir)}`);
    }
  } catch (err) {
    container.status.update((status) => ({ ...status, removing: false }));
    throw err;
  }
  c.containerStore.delete(id);
  c.containerNameIndex.releaseByKey(id);
  await sendContainerEvent(c, id, container.metadata.sandboxId, ContainerEventType.CONTAINER_DELETED_EVENT);
  return {};
}

function setContainerRemoving(container: Container): void {
  container.status.update((status) => {
    const state = containerState(status);
    if (state === ContainerState.CONTAINER_RUNNING) throw new Error("container is still running, to stop first");
    if (state === ContainerState.CONTAINER_UNKNOWN) throw new Error("container state is unknown, to stop first");
    if (status.starting) throw new Error("container is in starting state, can't be removed");
    if (status.removing) throw new Error("container is already in removing state");
    return { ...status, removing: true };
  });
}
