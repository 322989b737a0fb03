// containerd 1.6.20 (Debian's 1.6.20~ds1, go1.19.8), as golden/cri/1.6/ recorded it.

import { quote } from "../../go/strconv.ts";
import { criConfigJson } from "../config.ts";
import { Code } from "../errors.ts";
import { vendoredContainerConfig } from "./cri-api-v0.25.ts";
import type { ContainerdProfile } from "./profile.ts";

export const containerd16: ContainerdProfile = {
  version: "1.6",
  runtimeVersion: "1.6.20~ds1",
  goVersion: "go1.19.8",
  servesV1alpha2: true,
  decodeContainerConfig: vendoredContainerConfig,
  rpcs: {
    // Registered from its CRI API (cri-api v0.25), left unimplemented.
    checkpointContainer: "not implemented",
    getContainerEvents: "not implemented",
    // Newer than its CRI API. (RuntimeConfig is answered anyway: KNOWN_DIFFERENCES.md,
    // runtime-config-implemented.)
    streamPodSandboxes: "unknown",
    streamContainers: "unknown",
    streamContainerStats: "unknown",
    streamPodSandboxStats: "unknown",
    streamPodSandboxMetrics: "unknown",
    streamImages: "unknown",
    checkpointPod: "unknown",
    restorePod: "unknown",
    listMetricDescriptors: "unknown",
    listPodSandboxMetrics: "unknown",
    updatePodSandboxResources: "unknown",
  },
  emptyIdPrefixText: "Prefix can't be empty",
  shimUnknownErrorsEndUnknown: true,
  cdiDevices: false,
  containerImageId: false,
  containerStatusUser: false,
  containerStatusStopSignal: false,
  sandboxStatusInfo: "verbose",
  sandboxStatusNamespaceOptions: "defaulted",
  nameReservedCode: Code.Unknown,
  containerNameReservedHint: "",
  sandboxController: false,
  createContainerNeedsReadySandbox: false,
  pinsSandboxImage: false,
  remoteNameUppercaseText: () => "invalid reference format: repository name must be lowercase",
  pullResolveContext: (ref) => `failed to resolve reference ${quote(ref)}`,
  pullProgressTimeout: false,
  sandboxImageNameAnnotation: false,
  configVersion: 2,
  defaultConfigChanges: {},
  statusConfigJson: criConfigJson,
  runtimeHandlerFeatures: undefined,
  runtimeFeatures: undefined,
  deprecationWarningsCondition: false,
  omitsUnknownCpuRate: false,
  containerEvents: false,
  userNamespaces: false,
  stopUnknownSucceeds: false,
};
