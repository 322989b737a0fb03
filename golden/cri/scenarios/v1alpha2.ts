// The v1alpha2 API: containerd 1.6 answers it with the v1 code, so the same calls answer alike; and
// objects made through one API version are seen through the other. containerd 2.x no longer serves
// it (empty-requests-v1alpha2 records its answer), so these are recorded against 1.6 only.

import type * as v1alpha2 from "../../../src/cri/api/v1alpha2.ts";
import { defineScenario, type Scenario, type ScenarioOptions } from "../scenario.ts";
import { busybox, commands, containerConfig as v1ContainerConfig, podConfig as v1PodConfig } from "./common.ts";

// The shared configs use no field that differs between the two API versions.
const podConfig = (...args: Parameters<typeof v1PodConfig>) =>
  v1PodConfig(...args) as unknown as v1alpha2.DeepPartial<v1alpha2.PodSandboxConfig>;
const containerConfig = (...args: Parameters<typeof v1ContainerConfig>) =>
  v1ContainerConfig(...args) as unknown as v1alpha2.DeepPartial<v1alpha2.ContainerConfig>;

const servedOnlyBy16: ScenarioOptions = { containerd: ["1.6"] };

export const v1alpha2Scenarios: Scenario[] = [
  defineScenario("v1alpha2-pod-lifecycle", "A whole pod and container lifecycle, with images, through v1alpha2 only", (s) => {
    const alpha = s.v1alpha2;
    alpha.image.pullImage({ image: { image: busybox } });
    alpha.image.imageStatus({ image: { image: busybox } });
    alpha.image.listImages({});
    alpha.runtime.runPodSandbox({ config: podConfig("pod") }, { save: "pod" });
    alpha.runtime.podSandboxStatus({ podSandboxId: "$pod.podSandboxId" });
    alpha.runtime.listPodSandbox({});
    alpha.runtime.createContainer(
      { podSandboxId: "$pod.podSandboxId", config: containerConfig("app", commands.sleepForever), sandboxConfig: podConfig("pod") },
      { save: "app" },
    );
    alpha.runtime.containerStatus({ containerId: "$app.containerId" });
    alpha.runtime.startContainer({ containerId: "$app.containerId" });
    alpha.runtime.containerStatus({ containerId: "$app.containerId" });
    alpha.runtime.listContainers({});
    alpha.runtime.execSync({ containerId: "$app.containerId", cmd: ["echo", "alpha"], timeout: 10n });
    alpha.runtime.execSync({ containerId: "$app.containerId", cmd: ["sh", "-c", "exit 5"], timeout: 10n });
    alpha.runtime.exec({ containerId: "$app.containerId", cmd: ["sh"], stdout: true });
    alpha.runtime.attach({ containerId: "$app.containerId", stdout: true });
    alpha.runtime.portForward({ podSandboxId: "$pod.podSandboxId", port: [80] });
    alpha.runtime.updateContainerResources({ containerId: "$app.containerId", linux: { cpuShares: 512n } });
    alpha.runtime.reopenContainerLog({ containerId: "$app.containerId" });
    alpha.runtime.stopContainer({ containerId: "$app.containerId", timeout: 0n });
    alpha.runtime.containerStatus({ containerId: "$app.containerId" });
    alpha.runtime.removeContainer({ containerId: "$app.containerId" });
    alpha.runtime.containerStatus({ containerId: "$app.containerId" });
    alpha.runtime.stopPodSandbox({ podSandboxId: "$pod.podSandboxId" });
    alpha.runtime.podSandboxStatus({ podSandboxId: "$pod.podSandboxId" });
    alpha.runtime.removePodSandbox({ podSandboxId: "$pod.podSandboxId" });
    alpha.runtime.listPodSandbox({});
    alpha.image.removeImage({ image: { image: busybox } });
    alpha.image.listImages({});
  }, servedOnlyBy16),

  defineScenario("v1alpha2-errors", "Name clashes, unknown IDs, exit reasons and bad references through v1alpha2", (s) => {
    const alpha = s.v1alpha2;
    alpha.image.pullImage({ image: { image: busybox } });
    alpha.image.pullImage({ image: { image: "Busybox" } });
    alpha.image.pullImage({ image: { image: "busybox:latest" } });
    alpha.runtime.runPodSandbox({ config: podConfig("pod") }, { save: "pod" });
    alpha.runtime.runPodSandbox({ config: podConfig("pod") });
    alpha.runtime.runPodSandbox({ config: podConfig("other"), runtimeHandler: "nosuch" });
    alpha.runtime.createContainer(
      { podSandboxId: "$pod.podSandboxId", config: containerConfig("fail", commands.echoExit("bad", 9)), sandboxConfig: podConfig("pod") },
      { save: "fail" },
    );
    alpha.runtime.createContainer({ podSandboxId: "$pod.podSandboxId", config: containerConfig("fail", commands.true), sandboxConfig: podConfig("pod") });
    alpha.runtime.startContainer({ containerId: "$fail.containerId" });
    s.waitUntil.runtime.containerStatus({ containerId: "$fail.containerId" }, { path: "status.state", equals: "CONTAINER_EXITED" });
    alpha.runtime.containerStatus({ containerId: "$fail.containerId" });
    alpha.runtime.createContainer(
      { podSandboxId: "$pod.podSandboxId", config: containerConfig("missing", commands.missing), sandboxConfig: podConfig("pod") },
      { save: "missing" },
    );
    alpha.runtime.startContainer({ containerId: "$missing.containerId" });
    alpha.runtime.containerStatus({ containerId: "$missing.containerId" });
    alpha.runtime.containerStatus({ containerId: "0123456789abcdef" });
    alpha.runtime.podSandboxStatus({ podSandboxId: "0123456789abcdef" });
    alpha.runtime.stopPodSandbox({ podSandboxId: "0123456789abcdef" });
    alpha.runtime.removeContainer({ containerId: "0123456789abcdef" });
    alpha.runtime.execSync({ containerId: "$fail.containerId", cmd: ["true"], timeout: 10n });
  }, servedOnlyBy16),

  defineScenario("mixed-api-versions", "Objects made through v1 seen and changed through v1alpha2, and the other way round", (s) => {
    s.image.pullImage({ image: { image: busybox } });
    s.v1alpha2.image.imageStatus({ image: { image: busybox } });
    s.runtime.runPodSandbox({ config: v1PodConfig("v1pod", { labels: { api: "v1" } }) }, { save: "v1pod" });
    s.v1alpha2.runtime.runPodSandbox({ config: podConfig("alphapod", { labels: { api: "v1alpha2" } }) }, { save: "alphapod" });
    s.v1alpha2.runtime.podSandboxStatus({ podSandboxId: "$v1pod.podSandboxId" });
    s.runtime.podSandboxStatus({ podSandboxId: "$alphapod.podSandboxId" });
    s.v1alpha2.runtime.createContainer(
      { podSandboxId: "$v1pod.podSandboxId", config: containerConfig("fromalpha", commands.sleepForever), sandboxConfig: podConfig("v1pod") },
      { save: "fromalpha" },
    );
    s.runtime.createContainer(
      { podSandboxId: "$alphapod.podSandboxId", config: v1ContainerConfig("fromv1", commands.sleepForever), sandboxConfig: v1PodConfig("alphapod") },
      { save: "fromv1" },
    );
    s.runtime.startContainer({ containerId: "$fromalpha.containerId" });
    s.v1alpha2.runtime.startContainer({ containerId: "$fromv1.containerId" });
    s.runtime.containerStatus({ containerId: "$fromalpha.containerId" });
    s.v1alpha2.runtime.containerStatus({ containerId: "$fromv1.containerId" });
    s.runtime.listContainers({});
    s.v1alpha2.runtime.listContainers({});
    s.v1alpha2.runtime.listPodSandbox({ filter: { labelSelector: { api: "v1" } } });
    s.runtime.listPodSandbox({ filter: { labelSelector: { api: "v1alpha2" } } });
    s.v1alpha2.runtime.stopPodSandbox({ podSandboxId: "$v1pod.podSandboxId" });
    s.runtime.containerStatus({ containerId: "$fromalpha.containerId" });
    s.runtime.removePodSandbox({ podSandboxId: "$alphapod.podSandboxId" });
    s.v1alpha2.runtime.containerStatus({ containerId: "$fromv1.containerId" });
    s.v1alpha2.image.listImages({});
  }, servedOnlyBy16),
];
