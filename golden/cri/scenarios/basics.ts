// Version, Status, UpdateRuntimeConfig, the RPCs containerd 1.6.20 does not implement, and every RPC
// with an empty request.

import { definitions, defineScenario, type Scenario } from "../scenario.ts";

/** The v1 RPCs containerd 1.6.20 answers without implementing them: newer than its CRI API, or stubs. */
const unimplementedRuntime = [
  "checkpointContainer",
  "getContainerEvents",
  "streamPodSandboxes",
  "streamContainers",
  "streamContainerStats",
  "streamPodSandboxStats",
  "checkpointPod",
  "restorePod",
  "listMetricDescriptors",
  "listPodSandboxMetrics",
  "streamPodSandboxMetrics",
  "runtimeConfig",
  "updatePodSandboxResources",
];

export const basics: Scenario[] = [
  defineScenario("version", "Version with the version strings kubelets and crictl send, and nonsense, on both APIs", (s) => {
    for (const version of ["", "0.1.0", "v1", "v1alpha2", "not a version"]) s.runtime.version({ version });
    for (const version of ["", "0.1.0", "v1alpha2"]) s.v1alpha2.runtime.version({ version });
  }),

  defineScenario("status", "Status, plain and with verbose false, on both APIs", (s) => {
    s.runtime.status({});
    s.runtime.status({ verbose: false });
    s.v1alpha2.runtime.status({});
  }),

  defineScenario("status-verbose", "Status verbose: the conditions and the parts of info a fake can know", (s) => {
    s.runtime.status(
      { verbose: true },
      {
        select: [
          "status",
          "info.golang",
          "info.lastCNILoadStatus",
          "info.config.sandboxImage",
          "info.config.restrictOOMScoreAdj",
          "info.config.containerd.defaultRuntimeName",
          "info.config.containerd.snapshotter",
          "info.config.maxContainerLogSize",
          "info.config.enableSelinux",
        ],
      },
    );
  }),

  defineScenario("update-runtime-config", "UpdateRuntimeConfig empty, with an empty config and with a pod CIDR; Status after", (s) => {
    s.runtime.updateRuntimeConfig({});
    s.runtime.updateRuntimeConfig({ runtimeConfig: {} });
    s.runtime.updateRuntimeConfig({ runtimeConfig: { networkConfig: { podCidr: "10.88.0.0/16" } } });
    s.runtime.updateRuntimeConfig({ runtimeConfig: { networkConfig: { podCidr: "not a cidr" } } });
    s.v1alpha2.runtime.updateRuntimeConfig({ runtimeConfig: { networkConfig: { podCidr: "10.88.0.0/16" } } });
    s.runtime.status({});
  }),

  defineScenario("unimplemented-rpcs", "RPCs containerd 1.6.20 does not implement: stubs and methods newer than its CRI API", (s) => {
    const runtime = s.runtime as unknown as Record<string, (request: object) => void>;
    for (const method of unimplementedRuntime) runtime[method]!({});
    s.image.streamImages({});
  }, { freshRuntime: true }), // 2.x answers GetContainerEvents with the events held since it started

  defineScenario("empty-requests-runtime", "Every implemented v1 RuntimeService RPC with an empty request, on an empty runtime", (s) => {
    const runtime = s.runtime as unknown as Record<string, (request: object) => void>;
    for (const method of Object.keys(definitions.v1.runtime.methods)) {
      if (!unimplementedRuntime.includes(method)) runtime[method]!({});
    }
  }),

  defineScenario("empty-requests-image", "Every v1 ImageService RPC with an empty request, on an empty runtime", (s) => {
    const image = s.image as unknown as Record<string, (request: object) => void>;
    for (const method of Object.keys(definitions.v1.image.methods)) {
      if (method !== "streamImages") image[method]!({});
    }
  }),

  defineScenario("empty-requests-v1alpha2", "Every v1alpha2 RPC with an empty request, on an empty runtime", (s) => {
    const runtime = s.v1alpha2.runtime as unknown as Record<string, (request: object) => void>;
    for (const method of Object.keys(definitions.v1alpha2.runtime.methods)) runtime[method]!({});
    const image = s.v1alpha2.image as unknown as Record<string, (request: object) => void>;
    for (const method of Object.keys(definitions.v1alpha2.image.methods)) image[method]!({});
  }),
];
