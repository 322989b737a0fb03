// Version (containerd 1.6.20 version.go): the request's version is not looked at. The v1alpha2 API
// answers through its own method, which reports "v1alpha2" as the runtime API version.

import type { VersionRequest, VersionResponse } from "../api/v1.ts";
import type * as v1alpha2 from "../api/v1alpha2.ts";
import type { CallContext } from "../service-types.ts";
import type { CriService } from "./service.ts";

/** The runtime name containerd reports. */
export const runtimeName = "containerd";
/** kubeAPIVersion: containerd still reports the CRI's first version here. */
export const kubeApiVersion = "0.1.0";

export async function version(c: CriService, _request: VersionRequest, _call: CallContext): Promise<VersionResponse> {
  return { version: kubeApiVersion, runtimeName, runtimeVersion: c.runtimeVersion, runtimeApiVersion: "v1" };
}

/** AlphaVersion: the v1alpha2 API's Version. */
export async function alphaVersion(
  c: CriService,
  _request: v1alpha2.VersionRequest,
  _call: CallContext,
): Promise<v1alpha2.VersionResponse> {
  return { version: kubeApiVersion, runtimeName, runtimeVersion: c.runtimeVersion, runtimeApiVersion: "v1alpha2" };
}
