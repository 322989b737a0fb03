// ReopenContainerLog (containerd 1.6.20 container_log_reopen.go): after the kubelet rotates a
// running container's log file, output goes to a freshly opened file at the same path; the old
// writers are closed (flushing a partial line).

import { wrap } from "../../go/errors.ts";
import { quote } from "../../go/strconv.ts";
import { ContainerState, type ReopenContainerLogRequest, type ReopenContainerLogResponse } from "../api/v1.ts";
import { createContainerLoggers } from "../io/loggers.ts";
import type { CallContext } from "../service-types.ts";
import type { Container } from "../store/container-store.ts";
import type { CriService } from "./service.ts";

export async function reopenContainerLog(c: CriService, r: ReopenContainerLogRequest, _call: CallContext): Promise<ReopenContainerLogResponse> {
  let container: Container;
  try {
    container = c.containerStore.get(r.containerId);
  } catch (err) {
    throw wrap(err, `an error occurred when try to find container ${quote(r.containerId)}`);
  }
  if (container.status.state() !== ContainerState.CONTAINER_RUNNING) throw new Error("container is not running");
  const [stdout, stderr] = await createContainerLoggers(c, container.metadata.logPath, container.metadata.config.tty);
  const [oldStdout, oldStderr] = container.io?.addOutput("log", stdout, stderr) ?? [];
  oldStdout?.close();
  oldStderr?.close();
  return {};
}
