// The RPC table: one line per RPC file, exporting its functions under the method names of the
// generated service definitions (RuntimeService and ImageService share one namespace: no name is
// in both). service.ts serves whatever is exported here; a method left out answers as containerd
// answers a method it lacks. Add your file's line; keep the lines sorted by file name.

export { checkpointContainer } from "./container-checkpoint.ts";
export { createContainer } from "./container-create.ts";
export { getContainerEvents } from "./container-events.ts";
export { attach } from "./container-attach.ts";
export { exec } from "./container-exec.ts";
export { execSync } from "./container-execsync.ts";
export { listContainers } from "./container-list.ts";
export { reopenContainerLog } from "./container-log-reopen.ts";
export { removeContainer } from "./container-remove.ts";
export { startContainer } from "./container-start.ts";
export { containerStats, listContainerStats } from "./container-stats.ts";
export { containerStatus } from "./container-status.ts";
export { stopContainer } from "./container-stop.ts";
export { updateContainerResources } from "./container-update-resources.ts";
export { listImages } from "./image-list.ts";
export { pullImage } from "./image-pull.ts";
export { removeImage } from "./image-remove.ts";
export { imageStatus } from "./image-status.ts";
export { imageFsInfo } from "./imagefs-info.ts";
export {
  streamContainers,
  streamContainerStats,
  streamImages,
  streamPodSandboxes,
  streamPodSandboxMetrics,
  streamPodSandboxStats,
} from "./list-streams.ts";
export { runtimeConfig } from "./runtime-config.ts";
export { listPodSandbox } from "./sandbox-list.ts";
export { listMetricDescriptors, listPodSandboxMetrics } from "./sandbox-metrics.ts";
export { portForward } from "./sandbox-portforward.ts";
export { removePodSandbox } from "./sandbox-remove.ts";
export { runPodSandbox } from "./sandbox-run.ts";
export { listPodSandboxStats, podSandboxStats } from "./sandbox-stats.ts";
export { podSandboxStatus } from "./sandbox-status.ts";
export { stopPodSandbox } from "./sandbox-stop.ts";
export { updatePodSandboxResources } from "./sandbox-update-resources.ts";
export { status } from "./status.ts";
export { updateRuntimeConfig } from "./update-runtime-config.ts";
export { version } from "./version.ts";
