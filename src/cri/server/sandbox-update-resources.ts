// UpdatePodSandboxResources (containerd 2.4.2 sandbox_update_resources.go): the kubelet tells the
// runtime the pod's new overhead and resources (in-place pod resize). containerd keeps them on the
// sandbox (PodSandboxStatus' info shows them) whatever the pod's state; nothing is applied to a
// cgroup here, the containers' own updates do that.

import { wrap } from "../../go/errors.ts";
import type { UpdatePodSandboxResourcesRequest, UpdatePodSandboxResourcesResponse } from "../api/v1.ts";
import type { CallContext } from "../service-types.ts";
import type { CriService } from "./service.ts";

export async function updatePodSandboxResources(
  c: CriService,
  r: UpdatePodSandboxResourcesRequest,
  _call: CallContext,
): Promise<UpdatePodSandboxResourcesResponse> {
  let sandbox;
  try {
    sandbox = c.sandboxStore.get(r.podSandboxId);
  } catch (err) {
    throw wrap(err, "failed to find sandbox");
  }
  sandbox.updatedResources = { overhead: r.overhead, resources: r.resources };
  return {};
}
