// containerd v2.4.2 (release build stamping, go1.26.8 here), as golden/cri/2.4/ recorded it.

import { criRuntimeConfigJson } from "../config.ts";
import { Code } from "../errors.ts";
import type { ContainerdProfile } from "./profile.ts";

export const containerd24: ContainerdProfile = {
  version: "2.4",
  runtimeVersion: "v2.4.2",
  goVersion: "go1.26.8",
  servesV1alpha2: false,
  decodeContainerConfig: (config) => config,
  rpcs: {
    checkpointPod: "not implemented",
    restorePod: "not implemented",
  },
  emptyIdPrefixText: "prefix can't be empty",
  shimUnknownErrorsEndUnknown: false,
  cdiDevices: true,
  containerImageId: true,
  containerStatusUser: true,
  containerStatusStopSignal: true,
  sandboxStatusInfo: "always",
  sandboxStatusNamespaceOptions: "as-given",
  nameReservedCode: Code.FailedPrecondition,
  containerNameReservedHint: "; check if another CreateContainer request is in progress",
  sandboxController: true,
  createContainerNeedsReadySandbox: true,
  pinsSandboxImage: true,
  remoteNameUppercaseText: (remoteName) => `invalid reference format: repository name (${remoteName}) must be lowercase`,
  pullResolveContext: () => "failed to resolve image",
  pullProgressTimeout: true,
  sandboxImageNameAnnotation: true,
  configVersion: 4,
  defaultConfigChanges: { enableUnprivilegedPorts: true, enableUnprivilegedIcmp: true },
  statusConfigJson: criRuntimeConfigJson,
  // runc 1.1.5 on the recording kernel: recursive read-only mounts, no ID-mapped mounts.
  runtimeHandlerFeatures: { recursiveReadOnlyMounts: true, userNamespaces: false },
  runtimeFeatures: { supplementalGroupsPolicy: true, userNamespacesHostNetwork: true, mountOptions: false },
  deprecationWarningsCondition: true,
  omitsUnknownCpuRate: true,
  containerEvents: true,
  userNamespaces: true,
  stopUnknownSucceeds: true,
};
