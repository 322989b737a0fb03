// UpdateContainerResources (containerd 1.6.20 container_update_resources*.go): the new limits go
// into the container's OCI spec (the source of truth, also for a container not started yet), into
// its running task when it has one, and into its status (what ContainerStatus reports). A failure
// puts the old spec back.

import { isNotFound, type ContainerRecord, type Task } from "../../../fake-containerd/index.ts";
import { wrap } from "../../go/errors.ts";
import { quote } from "../../go/strconv.ts";
import {
  type ContainerResources,
  ContainerState,
  type UpdateContainerResourcesRequest,
  type UpdateContainerResourcesResponse,
} from "../api/v1.ts";
import type { CallContext } from "../service-types.ts";
import { containerState } from "../store/container-status.ts";
import type { Container } from "../store/container-store.ts";
import { applyResources } from "../oci/container-create-spec.ts";
import { resourcesOfSpec } from "./container-create.ts";
import { parseSpec, specAny, type RuntimeSpec } from "../oci/oci-defaults.ts";
import type { CriService } from "./service.ts";

export async function updateContainerResources(
  c: CriService,
  r: UpdateContainerResourcesRequest,
  _call: CallContext,
): Promise<UpdateContainerResourcesResponse> {
  let container: Container;
  try {
    container = c.containerStore.get(r.containerId);
  } catch (err) {
    throw wrap(err, "failed to find container");
  }
  try {
    const resources = await updateResources(c, container, r);
    container.status.updateSync((status) => ({ ...status, resources }));
  } catch (err) {
    throw wrap(err, "failed to update resources");
  }
  return {};
}

/** updateContainerResources: the resources the status should report once the update is done. */
async function updateResources(c: CriService, container: Container, r: UpdateContainerResourcesRequest): Promise<ContainerResources> {
  const id = container.id;
  const status = container.status.get();
  if (status.removing) throw new Error(`container ${quote(id)} is in removing state`);

  let record: ContainerRecord;
  let oldSpec: RuntimeSpec;
  try {
    record = await container.container.info();
    if (!record.spec) throw new Error("spec is nil");
    oldSpec = parseSpec(record.spec);
  } catch (err) {
    throw wrap(err, "failed to get container spec");
  }
  const newSpec = parseSpec(record.spec);
  newSpec.linux ??= {};
  try {
    applyResources(newSpec, r.linux, c.config);
  } catch (err) {
    throw wrap(wrap(err, "unable to set linux container resources"), "failed to update resource in spec");
  }
  await updateContainerSpec(c, record, newSpec);
  try {
    if (containerState(status) === ContainerState.CONTAINER_RUNNING) await updateTask(container, newSpec);
  } catch (err) {
    await updateContainerSpec(c, record, oldSpec).catch(() => undefined);
    throw err;
  }
  return resourcesOfSpec(newSpec);
}

async function updateTask(container: Container, spec: RuntimeSpec): Promise<void> {
  let task: Task;
  try {
    task = await container.container.task();
  } catch (err) {
    // The task has exited meanwhile: the spec is enough.
    if (isNotFound(err)) return;
    throw wrap(err, "failed to get task");
  }
  try {
    await task.update({ resources: spec.linux?.resources });
  } catch (err) {
    if (isNotFound(err)) return;
    throw wrap(err, "failed to update resources");
  }
}

async function updateContainerSpec(c: CriService, record: ContainerRecord, spec: RuntimeSpec): Promise<void> {
  try {
    await c.client.containers.update({ ...record, spec: specAny(spec) });
  } catch (err) {
    throw wrap(err, "failed to update container spec");
  }
}
