// Exec (containerd 1.6.20 container_exec.go): for a running container, a one-time URL on the
// streaming server (`<base>/exec/<token>`) from its request cache (streaming-requests.ts). What
// happens when a client connects is streaming-runtime.ts.

import { wrap } from "../../go/errors.ts";
import { quote } from "../../go/strconv.ts";
import { criContainerStateToString } from "../helpers/status.ts";
import { ContainerState, type ExecRequest, type ExecResponse } from "../api/v1.ts";
import type { CallContext } from "../service-types.ts";
import type { Container } from "../store/container-store.ts";
import type { CriService } from "./service.ts";

export async function exec(c: CriService, r: ExecRequest, _call: CallContext): Promise<ExecResponse> {
  let container: Container;
  try {
    container = c.containerStore.get(r.containerId);
  } catch (err) {
    throw wrap(err, `failed to find container ${quote(r.containerId)} in store`);
  }
  requireRunning(container);
  return { url: await c.streaming.url({ method: "exec", request: r }) };
}

/** The check Exec, Attach and their streams make before anything else. */
export function requireRunning(container: Container): void {
  const state = container.status.state();
  if (state !== ContainerState.CONTAINER_RUNNING) throw new Error(`container is in ${criContainerStateToString(state)} state`);
}
