// Status (containerd 1.6.20 status.go): RuntimeReady is always true while the plugin answers;
// NetworkReady follows the CNI plugin's status. Verbose adds containerd's info map: the config as
// JSON, the Go version, the CNI config and the last CNI load status (per network plugin and the
// default's).

import type { RuntimeHandler, StatusRequest, StatusResponse } from "../api/v1.ts";
import { goJsonString } from "../../go/json.ts";
import type { CallContext } from "../service-types.ts";
import type { CriService } from "./service.ts";

/** The reason containerd gives when the network is not ready. */
export const networkNotReadyReason = "NetworkPluginNotReady";
/** containerd's name for the network plugin of the default conf dir. */
const defaultNetworkPlugin = "default";

export async function status(c: CriService, request: StatusRequest, _call: CallContext): Promise<StatusResponse> {
  const networkError = c.network.status();
  const response: StatusResponse = {
    status: {
      conditions: [
        { type: "RuntimeReady", status: true, reason: "", message: "" },
        networkError === undefined
          ? { type: "NetworkReady", status: true, reason: "", message: "" }
          : {
              type: "NetworkReady",
              status: false,
              reason: networkNotReadyReason,
              message: `Network plugin returns error: ${networkError}`,
            },
      ],
    },
    info: {},
    runtimeHandlers: runtimeHandlers(c),
    features: c.profile.runtimeFeatures && { ...c.profile.runtimeFeatures },
  };
  if (request.verbose) {
    const lastStatus = c.network.lastStatus();
    response.info = {
      config: c.profile.statusConfigJson(c.config),
      golang: goJsonString(c.profile.goVersion),
      cniconfig: c.network.configJson(),
      [`lastCNILoadStatus.${defaultNetworkPlugin}`]: lastStatus,
      lastCNILoadStatus: lastStatus,
    };
  }
  if (c.profile.deprecationWarningsCondition) {
    response.status!.conditions.push({ type: "ContainerdHasNoDeprecationWarnings", status: true, reason: "", message: "" });
  }
  return response;
}

/** The runtime handlers Status lists, by name: the default one ("") and each configured runtime. */
function runtimeHandlers(c: CriService): RuntimeHandler[] {
  const features = c.profile.runtimeHandlerFeatures;
  if (!features) return [];
  return ["", ...Object.keys(c.config.containerd.runtimes)].sort().map((name) => ({ name, features: { ...features } }));
}
