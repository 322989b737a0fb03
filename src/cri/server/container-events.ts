// GetContainerEvents: containerd 1.6.20 registers the method but does not implement it; it answers
// Unimplemented (after the initialised check, like every RPC). The stream never yields.

import type { ContainerEventResponse, GetEventsRequest } from "../api/v1.ts";
import { Code, CriError } from "../errors.ts";
import type { CallContext } from "../service-types.ts";
import type { CriService } from "./service.ts";

export async function* getContainerEvents(
  _c: CriService,
  _request: GetEventsRequest,
  _call: CallContext,
): AsyncIterable<ContainerEventResponse> {
  throw new CriError(Code.Unimplemented, "method GetContainerEvents not implemented");
}
