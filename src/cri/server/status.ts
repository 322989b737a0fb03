// Status (containerd 1.6.20 status.go): RuntimeReady is always true while the plugin answers;
// NetworkReady follows the CNI plugin's status. Verbose adds containerd's info map: the config as
// JSON, the Go version, the CNI config and the last CNI load status (per network plugin and the
// default's).

import type { StatusRequest, StatusResponse } from "../api/v1.ts";
import { criConfigJson } from "../config.ts";
import { goJsonString } from "../../go/json.ts";
import type { CallContext } from "../service-types.ts";
import type { CriService } from "./service.ts";

/** The reason containerd gives when the network is not ready. */
export const networkNotReadyReason = "NetworkPluginNotReady";
/** The Go version the reference runtime was built with, reported under info.golang. */
export const referenceGoVersion = "go1.19.8";
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
    runtimeHandlers: [],
    features: undefined,
  };
  if (request.verbose) {
    const lastStatus = c.network.lastStatus();
    response.info = {
      config: criConfigJson(c.config),
      golang: goJsonString(referenceGoVersion),
      cniconfig: c.network.configJson(),
      [`lastCNILoadStatus.${defaultNetworkPlugin}`]: lastStatus,
      lastCNILoadStatus: lastStatus,
    };
  }
  return response;
}
