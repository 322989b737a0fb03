// PortForward (containerd 1.6.20 sandbox_portforward.go): for a ready sandbox, the URL of the
// streaming server with a single-use token (`<base>/portforward/<token>`, from the request cache
// Exec and Attach share). The requested ports are not checked. The fake's streaming server does not
// speak the port-forward protocol yet (it answers 501).

import { wrap } from "../../go/errors.ts";
import { quote } from "../../go/strconv.ts";
import type { PortForwardRequest, PortForwardResponse } from "../api/v1.ts";
import type { CallContext } from "../service-types.ts";
import type { Sandbox } from "../store/sandbox-store.ts";
import { SandboxState } from "../store/sandbox-status.ts";
import { streamingUrl } from "./container-exec.ts";
import type { CriService } from "./service.ts";

export async function portForward(c: CriService, r: PortForwardRequest, _call: CallContext): Promise<PortForwardResponse> {
  let sandbox: Sandbox;
  try {
    sandbox = c.sandboxStore.get(r.podSandboxId);
  } catch (err) {
    throw wrap(err, `failed to find sandbox ${quote(r.podSandboxId)}`);
  }
  if (sandbox.status.get().state !== SandboxState.Ready) throw new Error("sandbox container is not running");
  return { url: streamingUrl(c, "portforward") };
}
