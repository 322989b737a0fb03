// What only containerd 2.x serves: the container event stream the kubelet's Evented PLEG reads,
// the list streams, pod metrics, pod resource updates, checkpoints without CRIU, Status with its
// runtime handlers and features, pods' user namespaces and CDI devices. Recorded against 2.4 only
// (1.6.20 answers each of these RPCs Unimplemented, which unimplemented-rpcs records, and ignores
// user namespace options and CDI devices).

import { ContainerState, NamespaceMode, PodSandboxState } from "../../../src/cri/api/v1.ts";
import type * as v1 from "../../../src/cri/api/v1.ts";
import { defineScenario, type Scenario, type ScenarioOptions } from "../scenario.ts";
import { commands, createContainer, podConfig, pullBusybox, runPod, startContainer, waitExited } from "./common.ts";

const only2x: ScenarioOptions = { containerd: ["2.4"] };
/** Subscribes to container events: recorded on a fresh daemon (ScenarioOptions.freshRuntime). */
const events2x: ScenarioOptions = { ...only2x, freshRuntime: true };
const cgroup = { linux: { cgroupParent: "/k8s.io" } };

export const containerd2: Scenario[] = [
  defineScenario(
    "container-events-lifecycle",
    "GetContainerEvents after a pod and container lifecycle: the events held for the first subscriber, then none for the next",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod");
      createContainer(s, "pod", "pod", "app", commands.sleepForever, "app");
      startContainer(s, "app");
      s.runtime.stopContainer({ containerId: "$app.containerId", timeout: 0n });
      s.runtime.removeContainer({ containerId: "$app.containerId" });
      s.runtime.stopPodSandbox({ podSandboxId: "$pod.podSandboxId" });
      s.runtime.removePodSandbox({ podSandboxId: "$pod.podSandboxId" });
      s.runtime.getContainerEvents({});
      s.runtime.getContainerEvents({});
    },
    events2x,
  ),

  defineScenario(
    "container-events-exits",
    "GetContainerEvents once containers have exited on their own, failed to start, and run on in a ready pod",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod");
      createContainer(s, "pod", "pod", "done", commands.true, "done");
      startContainer(s, "done");
      waitExited(s, "done");
      createContainer(s, "pod", "pod", "broken", commands.missing, "broken");
      startContainer(s, "broken");
      createContainer(s, "pod", "pod", "long", commands.sleepForever, "long");
      startContainer(s, "long");
      s.runtime.getContainerEvents({});
    },
    events2x,
  ),

  defineScenario(
    "list-streams",
    "StreamPodSandboxes, StreamContainers, StreamContainerStats, StreamPodSandboxStats, StreamPodSandboxMetrics and StreamImages, with filters",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod", { ...cgroup, labels: { app: "golden" } });
      runPod(s, "other", "other", cgroup);
      createContainer(s, "pod", "pod", "web", commands.sleepForever, "web", { labels: { role: "web" } }, cgroup);
      startContainer(s, "web");
      createContainer(s, "other", "other", "idle", commands.sleepForever, "idle", { labels: { role: "idle" } }, cgroup);
      s.runtime.streamPodSandboxes({});
      s.runtime.streamPodSandboxes({ filter: { id: "$other.podSandboxId" } });
      s.runtime.streamPodSandboxes({ filter: { labelSelector: { app: "golden" } } });
      s.runtime.streamPodSandboxes({ filter: { state: { state: PodSandboxState.SANDBOX_NOTREADY } } });
      s.runtime.streamContainers({});
      s.runtime.streamContainers({ filter: { podSandboxId: "$prefix(pod.podSandboxId, 12)" } });
      s.runtime.streamContainers({ filter: { state: { state: ContainerState.CONTAINER_CREATED } } });
      s.runtime.streamContainers({ filter: { labelSelector: { role: "none" } } });
      s.runtime.streamContainerStats({});
      s.runtime.streamContainerStats({ filter: { id: "$web.containerId" } });
      s.runtime.streamPodSandboxStats({ filter: { id: "$pod.podSandboxId" } });
      s.runtime.streamPodSandboxMetrics({});
      s.image.streamImages({});
      s.image.streamImages({ filter: { image: { image: "docker.io/library/busybox:1.36" } } });
    },
    only2x,
  ),

  defineScenario(
    "pod-sandbox-metrics",
    "ListMetricDescriptors and ListPodSandboxMetrics with no pod, a ready pod with a running container, and a stopped pod",
    (s) => {
      s.runtime.listMetricDescriptors({});
      s.runtime.listPodSandboxMetrics({});
      pullBusybox(s);
      runPod(s, "pod", "pod", cgroup);
      createContainer(s, "pod", "pod", "app", commands.sleepForever, "app", {}, cgroup);
      startContainer(s, "app");
      s.runtime.listPodSandboxMetrics({});
      s.runtime.stopPodSandbox({ podSandboxId: "$pod.podSandboxId" });
      s.runtime.listPodSandboxMetrics({});
    },
    only2x,
  ),

  defineScenario(
    "pod-sandbox-metrics-after-writes",
    "ListPodSandboxMetrics for critest's pod: a container with CPU and memory limits that wrote ten files and synced",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod", cgroup);
      const resources = { cpuPeriod: 100000n, cpuQuota: 20000n, cpuShares: 1024n, memoryLimitInBytes: 67108864n, memorySwapLimitInBytes: 67108864n };
      createContainer(s, "pod", "pod", "app", commands.sleepForever, "app", { linux: { resources } }, cgroup);
      startContainer(s, "app");
      const script = "mkdir -p /var/lib/mydisktest && for i in $(seq 1 10); do echo hi >> /var/lib/mydisktest/inode_test_file_$i; done; sync";
      s.runtime.execSync({ containerId: "$app.containerId", cmd: ["/bin/sh", "-c", script], timeout: 10n });
      s.runtime.listPodSandboxMetrics({});
    },
    only2x,
  ),

  defineScenario(
    "pod-sandbox-resources",
    "UpdatePodSandboxResources on a ready pod, by prefix, with no resources, on a stopped pod, and on unknown IDs",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod", cgroup);
      const resources = { cpuShares: 512n, memoryLimitInBytes: 268_435_456n };
      s.runtime.updatePodSandboxResources({ podSandboxId: "$pod.podSandboxId", resources, overhead: { cpuShares: 2n } });
      s.runtime.updatePodSandboxResources({ podSandboxId: "$prefix(pod.podSandboxId, 8)", resources });
      s.runtime.updatePodSandboxResources({ podSandboxId: "$pod.podSandboxId" });
      s.runtime.podSandboxStatus({ podSandboxId: "$pod.podSandboxId" });
      s.runtime.stopPodSandbox({ podSandboxId: "$pod.podSandboxId" });
      s.runtime.updatePodSandboxResources({ podSandboxId: "$pod.podSandboxId", resources });
      s.runtime.updatePodSandboxResources({ podSandboxId: "0123456789ab", resources });
    },
    only2x,
  ),

  defineScenario(
    "container-checkpoint",
    "CheckpointContainer of running, created and exited containers, to a location, and of unknown IDs, on a node without CRIU",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod");
      createContainer(s, "pod", "pod", "app", commands.sleepForever, "app");
      startContainer(s, "app");
      s.runtime.checkpointContainer({ containerId: "$app.containerId" });
      s.runtime.checkpointContainer({ containerId: "$app.containerId", location: "$logRoot/checkpoint.tar", timeout: 10n });
      s.runtime.checkpointContainer({ containerId: "$prefix(app.containerId, 8)", location: "$logRoot/checkpoint.tar" });
      createContainer(s, "pod", "pod", "created", commands.sleepForever, "created");
      s.runtime.checkpointContainer({ containerId: "$created.containerId", location: "$logRoot/created.tar" });
      createContainer(s, "pod", "pod", "done", commands.true, "done");
      startContainer(s, "done");
      waitExited(s, "done");
      s.runtime.checkpointContainer({ containerId: "$done.containerId", location: "$logRoot/done.tar" });
      s.runtime.checkpointContainer({ containerId: "fedcba987654", location: "$logRoot/unknown.tar" });
      s.runtime.containerStatus({ containerId: "$app.containerId" });
    },
    only2x,
  ),

  defineScenario(
    "sandbox-user-namespaces",
    "RunPodSandbox with user namespace options: pod-level with mappings (runc 1.1.5 cannot mount its rootfs), bad mappings and modes, the node's",
    (s) => {
      const mapping = (hostId: number, length = 65536) => ({ hostId, containerId: 0, length });
      const userns = (name: string, usernsOptions: object, extra: object = {}) =>
        s.runtime.runPodSandbox({ config: podConfig(name, { linux: { securityContext: { namespaceOptions: { usernsOptions, ...extra } } } }) }, { save: name });
      userns("pod", { mode: NamespaceMode.POD, uids: [mapping(65536)], gids: [mapping(65536)] });
      userns("pod", { mode: NamespaceMode.POD, uids: [mapping(65536)], gids: [mapping(65536)] });
      userns("nouids", { mode: NamespaceMode.POD, gids: [mapping(65536)] });
      userns("twouids", { mode: NamespaceMode.POD, uids: [mapping(65536), mapping(200000, 10)], gids: [mapping(65536)] });
      userns("nogids", { mode: NamespaceMode.POD, uids: [mapping(65536)] });
      userns("zerolength", { mode: NamespaceMode.POD, uids: [mapping(65536)], gids: [mapping(65536, 0)] });
      userns("container", { mode: NamespaceMode.CONTAINER, uids: [mapping(65536)], gids: [mapping(65536)] });
      userns("nodemapped", { mode: NamespaceMode.NODE, uids: [mapping(65536)], gids: [mapping(65536)] });
      userns("hostnet", { mode: NamespaceMode.POD, uids: [mapping(65536)], gids: [mapping(65536)] }, { network: NamespaceMode.NODE });
      userns("node", { mode: NamespaceMode.NODE });
      s.runtime.podSandboxStatus({ podSandboxId: "$node.podSandboxId" });
      s.runtime.listPodSandbox({});
    },
    only2x,
  ),

  defineScenario(
    "cdi-devices-from-specs",
    "CreateContainer with CDI devices the spec dirs define (golden/cri/cdi/): a device's and its spec's env, device nodes, mounts and hooks in the spec, by field and by annotation; a device node to stat on the host, a device of an invalid spec file, a mix with an undefined device",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod");
      const injected = [
        "info.info.runtimeSpec.process.env",
        "info.info.runtimeSpec.linux.devices",
        "info.info.runtimeSpec.linux.resources.devices",
        "info.info.runtimeSpec.mounts",
        "info.info.runtimeSpec.hooks",
      ];
      const created: Array<[string, v1.DeepPartial<v1.ContainerConfig>]> = [
        ["gpu0", { CDIDevices: [{ name: "golden.example/gpu=0" }] }],
        ["both", { CDIDevices: [{ name: "golden.example/gpu=1" }], annotations: { "cdi.k8s.io/golden": "golden.example/gpu=0,golden.example/nic=eth0" } }],
        ["user", { CDIDevices: [{ name: "golden.example/gpu=0" }], linux: { securityContext: { runAsUser: { value: 1000n }, runAsGroup: { value: 2000n } } } }],
      ];
      for (const [name, extra] of created) {
        createContainer(s, "pod", "pod", name, commands.sleepForever, name, extra);
        s.runtime.containerStatus({ containerId: `$${name}.containerId`, verbose: true }, { select: injected });
      }
      createContainer(s, "pod", "pod", "unstated", commands.sleepForever, "unstated", { CDIDevices: [{ name: "golden.example/gpu=unstated" }] });
      createContainer(s, "pod", "pod", "bad", commands.sleepForever, "bad", { CDIDevices: [{ name: "golden.example/bad=0" }] });
      createContainer(s, "pod", "pod", "mixed", commands.sleepForever, "mixed", {
        CDIDevices: [{ name: "golden.example/gpu=0" }, { name: "golden.example/gpu=9" }, { name: "golden.example/nic=eth0" }],
      });
    },
    only2x,
  ),

  defineScenario(
    "cdi-spec-versions",
    "CreateContainer with CDI devices of specs whose cdiVersion is checked against the fields they use (golden/cri/cdi/golden-versions.yaml, older than its annotations: refused; golden-groups.yaml, v0.7.0 with additional GIDs: used)",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod");
      createContainer(s, "pod", "pod", "old", commands.sleepForever, "old", { CDIDevices: [{ name: "golden.example/old=0" }] });
      createContainer(s, "pod", "pod", "groups", commands.sleepForever, "groups", { CDIDevices: [{ name: "golden.example/groups=0" }] });
      s.runtime.containerStatus({ containerId: "$groups.containerId", verbose: true }, { select: ["info.info.runtimeSpec.process.env", "info.info.runtimeSpec.process.user"] });
    },
    only2x,
  ),

  defineScenario(
    "cdi-devices-unresolvable",
    "CreateContainer asking for CDI devices no spec in the CDI spec dirs defines: by CDIDevices, by annotation, both with repeats, malformed names",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod");
      createContainer(s, "pod", "pod", "by-field", commands.sleepForever, "byField", { CDIDevices: [{ name: "vendor.example/gpu=0" }] });
      createContainer(s, "pod", "pod", "two", commands.sleepForever, "two", { CDIDevices: [{ name: "vendor.example/gpu=0" }, { name: "vendor.example/gpu=1" }] });
      createContainer(s, "pod", "pod", "by-annotation", commands.sleepForever, "byAnnotation", { annotations: { "cdi.k8s.io/golden": "vendor.example/gpu=1" } });
      createContainer(s, "pod", "pod", "bad-annotation-key", commands.sleepForever, "badKey", { annotations: { "cdi.k8s.io/": "vendor.example/gpu=1" } });
      createContainer(s, "pod", "pod", "both", commands.sleepForever, "both", {
        CDIDevices: [{ name: "vendor.example/gpu=1" }, { name: "vendor.example/gpu=1" }],
        // One annotation: containerd reads several in Go's map order.
        annotations: { "cdi.k8s.io/a": "vendor.example/gpu=0,vendor.example/gpu=1,vendor.example/nic=eth0" },
      });
      createContainer(s, "pod", "pod", "malformed", commands.sleepForever, "malformed", { CDIDevices: [{ name: "not-a-device" }] });
      createContainer(s, "pod", "pod", "malformed-annotation", commands.sleepForever, "malformedAnnotation", { annotations: { "cdi.k8s.io/x": "not-a-device" } });
      createContainer(s, "pod", "pod", "other-annotation", commands.sleepForever, "otherAnnotation", { annotations: { "cdi.example/x": "vendor.example/gpu=0" } });
      createContainer(s, "pod", "pod", "empty-name", commands.sleepForever, "emptyName", { CDIDevices: [{ name: "" }] });
      createContainer(s, "pod", "pod", "none", commands.sleepForever, "none", { CDIDevices: [] });
      s.runtime.listContainers({});
    },
    only2x,
  ),

  defineScenario(
    "status-handlers-features",
    "Status verbose: the runtime handlers and features, and the parts of 2.x's config a fake can know; RuntimeConfig",
    (s) => {
      s.runtime.status(
        { verbose: true },
        {
          select: [
            "runtimeHandlers",
            "features",
            "info.runtimeHandlers",
            "info.features",
            "info.config.containerd.defaultRuntimeName",
            "info.config.containerd.runtimes.runc.runtimeType",
            "info.config.containerd.runtimes.passthrough.PodAnnotations",
            "info.config.containerd.runtimes.passthrough.ContainerAnnotations",
            "info.config.containerd.runtimes.runc.sandboxer",
            "info.config.maxContainerLogLineSize",
            "info.config.restrictOOMScoreAdj",
            "info.config.netnsMountsUnderStateDir",
            "info.config.enableCRIU",
            "info.config.enableUnprivilegedPorts",
            "info.config.enableUnprivilegedICMP",
            "info.config.cni.maxConfNum",
          ],
        },
      );
      s.runtime.runtimeConfig({});
    },
    only2x,
  ),
];
