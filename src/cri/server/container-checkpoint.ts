// CheckpointContainer: containerd 1.6.20 registers it but implements nothing behind it.

import type { CheckpointContainerRequest, CheckpointContainerResponse } from "../api/v1.ts";
import { Code, CriError } from "../errors.ts";
import type { CallContext } from "../service-types.ts";
import type { CriService } from "./service.ts";

export async function checkpointContainer(
  _c: CriService,
  _r: CheckpointContainerRequest,
  _call: CallContext,
): Promise<CheckpointContainerResponse> {
  throw new CriError(Code.Unimplemented, "method CheckpointContainer not implemented");
}
