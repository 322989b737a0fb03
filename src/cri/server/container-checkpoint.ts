// CheckpointContainer (containerd 2.4.2 container_checkpoint_linux.go): before anything else the
// plugin looks for the criu binary (in the shim's PATH, then the system's); the fake node has none,
// so every call fails there, whatever the container. 1.6.20 registers the RPC without implementing
// it (its profile says so).

import { quote } from "../../go/strconv.ts";
import type { CheckpointContainerRequest, CheckpointContainerResponse } from "../api/v1.ts";
import type { CallContext } from "../service-types.ts";
import type { CriService } from "./service.ts";

export async function checkpointContainer(
  _c: CriService,
  r: CheckpointContainerRequest,
  _call: CallContext,
): Promise<CheckpointContainerResponse> {
  throw new Error(`failed to checkpoint container ${quote(r.containerId)}: criu binary not found in shim path or system PATH`);
}
