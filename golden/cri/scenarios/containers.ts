// Containers: lifecycle, names, idempotence, create errors, resources, logs, labels, image forms.

import { ContainerState, MountPropagation, Signal, SupplementalGroupsPolicy } from "../../../src/cri/api/v1.ts";
import type * as v1 from "../../../src/cri/api/v1.ts";
import { defineScenario, type Scenario } from "../scenario.ts";
import {
  busybox,
  commands,
  containerConfig,
  containerStatus,
  createContainer,
  podConfig,
  pullBusybox,
  runPod,
  startContainer,
  waitExited,
} from "./common.ts";

const unknownId = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
const busyboxId = "sha256:d8bafad49614a747fcac72fc068f083b0b077c02fae1223524f068444f928d67";
const busyboxDigest = "sha256:2a43cd67112f9c9a87fc1298334a4d9eba5895117b7ac62ad0d5a23818b4e5fb";

/** A read-only mount of busybox's filesystem at /mnt/image-volume (critest's Image Volume specs). */
function imageVolume(extra: v1.DeepPartial<v1.Mount> = {}): v1.DeepPartial<v1.ContainerConfig> {
  return { mounts: [{ containerPath: "/mnt/image-volume", readonly: true, image: { image: "$busybox.imageRef", userSpecifiedImage: busybox }, ...extra }] };
}

export const containers: Scenario[] = [
  defineScenario("container-lifecycle", "A container created, started, stopped and removed, with status and list after each step", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    createContainer(s, "pod", "pod", "app", commands.sleepForever, "app");
    containerStatus(s, "app");
    s.runtime.listContainers({});
    startContainer(s, "app");
    containerStatus(s, "app");
    s.runtime.listContainers({});
    s.runtime.stopContainer({ containerId: "$app.containerId", timeout: 0n });
    containerStatus(s, "app");
    s.runtime.listContainers({});
    s.runtime.removeContainer({ containerId: "$app.containerId" });
    containerStatus(s, "app");
    s.runtime.listContainers({});
    s.runtime.stopPodSandbox({ podSandboxId: "$pod.podSandboxId" });
    s.runtime.removePodSandbox({ podSandboxId: "$pod.podSandboxId" });
  }),

  defineScenario("container-name-clash", "The container name stays reserved until removal; other pods, attempts and names are free", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    runPod(s, "other", "other");
    createContainer(s, "pod", "pod", "app", commands.sleepForever, "first");
    createContainer(s, "pod", "pod", "app", commands.sleepForever, "second");
    createContainer(s, "pod", "pod", "app", commands.sleepForever, "attempt1", { metadata: { name: "app", attempt: 1 } });
    createContainer(s, "other", "other", "app", commands.sleepForever, "otherPod");
    startContainer(s, "first");
    s.runtime.stopContainer({ containerId: "$first.containerId", timeout: 0n });
    createContainer(s, "pod", "pod", "app", commands.sleepForever, "afterStop");
    s.runtime.removeContainer({ containerId: "$first.containerId" });
    createContainer(s, "pod", "pod", "app", commands.sleepForever, "afterRemove");
    containerStatus(s, "afterRemove");
    s.runtime.listContainers({});
  }),

  defineScenario("container-create-errors", "CreateContainer without metadata or image, with an image not present, and in pods that are gone or stopped", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    const sandboxConfig = podConfig("pod");
    const create = (config: Parameters<typeof containerConfig>[2], podSandboxId = "$pod.podSandboxId") =>
      s.runtime.createContainer({ podSandboxId, config, sandboxConfig });
    create({});
    create({ image: { image: busybox } });
    create({ metadata: { name: "noimage" } });
    create({ metadata: { name: "emptyimage" }, image: { image: "" } });
    create(containerConfig("absent", commands.true, { image: { image: "docker.io/library/busybox:latest" } }));
    create(containerConfig("unpulled", commands.true, { image: { image: "registry.k8s.io/never-pulled:1.0" } }));
    create(containerConfig("upper", commands.true, { image: { image: "docker.io/library/BusyBox:1.36" } }));
    create(containerConfig("malformed", commands.true, { image: { image: "busybox::1.36" } }));
    // Not recorded: without a sandbox config (or its metadata) containerd 1.6.20 dereferences nil in
    // makeContainerName and the whole daemon exits (README.md, "What containerd did").
    create(containerConfig("unknownpod", commands.true), unknownId);
    s.runtime.listContainers({});
    s.runtime.stopPodSandbox({ podSandboxId: "$pod.podSandboxId" });
    create(containerConfig("stoppedpod", commands.true));
    s.runtime.removePodSandbox({ podSandboxId: "$pod.podSandboxId" });
    create(containerConfig("removedpod", commands.true));
  }),

  defineScenario("container-image-forms", "CreateContainer naming the image by short name, full reference, digest, full ID and short ID", (s) => {
    pullBusybox(s);
    s.image.pullImage({ image: { image: `docker.io/library/busybox@${busyboxDigest}` } });
    runPod(s, "pod", "pod");
    const images = {
      short: "busybox:1.36",
      library: "library/busybox:1.36",
      full: busybox,
      digest: `docker.io/library/busybox@${busyboxDigest}`,
      shortdigest: `busybox@${busyboxDigest}`,
      id: busyboxId,
      hex: busyboxId.slice("sha256:".length),
      shortid: busyboxId.slice("sha256:".length, "sha256:".length + 12),
    };
    for (const [name, image] of Object.entries(images)) {
      createContainer(s, "pod", "pod", name, commands.sleepForever, name, { image: { image } });
      containerStatus(s, name);
    }
    s.runtime.listContainers({});
  }),

  defineScenario("container-start-twice", "StartContainer on a running, an exited and a removed container", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    createContainer(s, "pod", "pod", "app", commands.sleepForever, "app");
    startContainer(s, "app");
    startContainer(s, "app");
    createContainer(s, "pod", "pod", "once", commands.true, "once");
    startContainer(s, "once");
    waitExited(s, "once");
    startContainer(s, "once");
    containerStatus(s, "once");
    s.runtime.removeContainer({ containerId: "$once.containerId" });
    startContainer(s, "once");
  }),

  defineScenario("container-stop-idempotence", "StopContainer twice, on a created container, after removal, and with a prefix", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    createContainer(s, "pod", "pod", "app", commands.sleepForever, "app");
    startContainer(s, "app");
    s.runtime.stopContainer({ containerId: "$app.containerId", timeout: 0n });
    s.runtime.stopContainer({ containerId: "$app.containerId", timeout: 0n });
    s.runtime.stopContainer({ containerId: "$prefix(app.containerId, 8)", timeout: 10n });
    containerStatus(s, "app");
    createContainer(s, "pod", "pod", "idle", commands.sleepForever, "idle");
    s.runtime.stopContainer({ containerId: "$idle.containerId", timeout: 0n });
    containerStatus(s, "idle");
    s.runtime.removeContainer({ containerId: "$app.containerId" });
    s.runtime.stopContainer({ containerId: "$app.containerId", timeout: 0n });
    s.runtime.stopContainer({ containerId: unknownId, timeout: 0n });
  }),

  defineScenario("container-stop-signals", "How each long-running command ends on StopContainer with a grace period (SIGTERM) and without (SIGKILL)", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    const longRunning = {
      sleepforever: commands.sleepForever,
      sleep: commands.sleep(600),
      tail: commands.tailForever,
      echosleep: commands.echoSleep("started", 600),
    };
    for (const [name, command] of Object.entries(longRunning)) {
      createContainer(s, "pod", "pod", `${name}-term`, command, `${name}Term`);
      startContainer(s, `${name}Term`);
      createContainer(s, "pod", "pod", `${name}-kill`, command, `${name}Kill`);
      startContainer(s, `${name}Kill`);
    }
    for (const name of Object.keys(longRunning)) {
      s.runtime.stopContainer({ containerId: `$${name}Term.containerId`, timeout: 2n });
      containerStatus(s, `${name}Term`);
      s.runtime.stopContainer({ containerId: `$${name}Kill.containerId`, timeout: 0n });
      containerStatus(s, `${name}Kill`);
    }
  }),

  defineScenario("container-remove-states", "RemoveContainer on running, created and exited containers, twice, and unknown", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    createContainer(s, "pod", "pod", "running", commands.sleepForever, "running");
    startContainer(s, "running");
    createContainer(s, "pod", "pod", "created", commands.sleepForever, "created");
    createContainer(s, "pod", "pod", "exited", commands.true, "exited");
    startContainer(s, "exited");
    waitExited(s, "exited");
    s.runtime.removeContainer({ containerId: "$running.containerId" });
    containerStatus(s, "running");
    s.runtime.removeContainer({ containerId: "$created.containerId" });
    s.runtime.removeContainer({ containerId: "$exited.containerId" });
    s.runtime.removeContainer({ containerId: "$exited.containerId" });
    s.runtime.removeContainer({ containerId: unknownId });
    s.runtime.removeContainer({ containerId: "fedcba98" });
    s.runtime.listContainers({});
    createContainer(s, "pod", "pod", "running", commands.sleepForever, "reused");
  }),

  defineScenario("container-unknown-ids", "Every container RPC with an unknown full ID, an unknown prefix, and a sandbox's ID", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    for (const id of [unknownId, "fedcba987654", "$pod.podSandboxId"]) {
      s.runtime.containerStatus({ containerId: id });
      s.runtime.startContainer({ containerId: id });
      s.runtime.stopContainer({ containerId: id, timeout: 0n });
      s.runtime.removeContainer({ containerId: id });
      s.runtime.updateContainerResources({ containerId: id, linux: { cpuShares: 512n } });
      s.runtime.reopenContainerLog({ containerId: id });
      s.runtime.execSync({ containerId: id, cmd: ["true"], timeout: 10n });
      s.runtime.exec({ containerId: id, cmd: ["true"], stdout: true });
      s.runtime.attach({ containerId: id, stdout: true });
      s.runtime.containerStats({ containerId: id });
    }
  }),

  defineScenario("container-status-fields", "What ContainerStatus echoes: labels, annotations, mounts, image, log path, resources", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    createContainer(s, "pod", "pod", "fields", commands.sleepForever, "fields", {
      labels: { app: "golden", "io.kubernetes.container.name": "fields" },
      annotations: { "example.com/note": "kept as given", empty: "" },
      envs: [{ key: "GREETING", value: new TextEncoder().encode("hello") }],
      workingDir: "/tmp",
      linux: { resources: { cpuShares: 512n, memoryLimitInBytes: 67_108_864n, cpuPeriod: 100_000n, cpuQuota: 50_000n } },
    });
    containerStatus(s, "fields");
    startContainer(s, "fields");
    containerStatus(s, "fields");
    s.runtime.listContainers({});
    createContainer(s, "pod", "pod", "minimal", commands.sleepForever, "minimal", { logPath: "", linux: undefined });
    containerStatus(s, "minimal");
  }),

  defineScenario("container-log-paths", "Log paths: pod log directory joined with the container's, missing either, nested", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    runPod(s, "nologdir", "nologdir", { logDirectory: "" });
    createContainer(s, "pod", "pod", "plain", commands.echoExit("logged", 0), "plain");
    createContainer(s, "pod", "pod", "nested", commands.echoExit("nested", 0), "nested", { logPath: "nested/dir/out.log" });
    createContainer(s, "pod", "pod", "nolog", commands.echoExit("unlogged", 0), "nolog", { logPath: "" });
    createContainer(s, "nologdir", "nologdir", "orphanlog", commands.echoExit("x", 0), "orphanlog", {}, { logDirectory: "" });
    for (const name of ["plain", "nested", "nolog", "orphanlog"]) {
      startContainer(s, name);
      waitExited(s, name);
      containerStatus(s, name);
    }
  }),

  defineScenario("container-update-resources", "UpdateContainerResources on created, running and exited containers, and with odd values", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod", { linux: { cgroupParent: "/k8s.io" } });
    const pod = { linux: { cgroupParent: "/k8s.io" } };
    createContainer(s, "pod", "pod", "app", commands.sleepForever, "app", {}, pod);
    s.runtime.updateContainerResources({ containerId: "$app.containerId", linux: { cpuShares: 256n } });
    containerStatus(s, "app");
    startContainer(s, "app");
    s.runtime.updateContainerResources({ containerId: "$app.containerId", linux: { cpuShares: 512n, memoryLimitInBytes: 134_217_728n } });
    containerStatus(s, "app");
    s.runtime.updateContainerResources({ containerId: "$app.containerId" });
    containerStatus(s, "app");
    s.runtime.updateContainerResources({ containerId: "$app.containerId", linux: { cpusetCpus: "0" } });
    containerStatus(s, "app");
    s.runtime.updateContainerResources({ containerId: "$prefix(app.containerId, 5)", linux: { cpuShares: 1024n } });
    s.runtime.stopContainer({ containerId: "$app.containerId", timeout: 0n });
    s.runtime.updateContainerResources({ containerId: "$app.containerId", linux: { cpuShares: 128n } });
    containerStatus(s, "app");
  }),

  defineScenario("container-reopen-log", "ReopenContainerLog on running, created and exited containers", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    createContainer(s, "pod", "pod", "app", commands.echoSleep("hello", 600), "app");
    s.runtime.reopenContainerLog({ containerId: "$app.containerId" });
    startContainer(s, "app");
    s.runtime.reopenContainerLog({ containerId: "$app.containerId" });
    s.runtime.reopenContainerLog({ containerId: "$prefix(app.containerId, 7)" });
    createContainer(s, "pod", "pod", "nolog", commands.sleepForever, "nolog", { logPath: "" });
    startContainer(s, "nolog");
    s.runtime.reopenContainerLog({ containerId: "$nolog.containerId" });
    s.runtime.stopContainer({ containerId: "$app.containerId", timeout: 0n });
    s.runtime.reopenContainerLog({ containerId: "$app.containerId" });
  }),

  defineScenario("container-list-filters", "ListContainers filtered by ID, state, pod sandbox ID, label selector and combinations", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    runPod(s, "other", "other");
    createContainer(s, "pod", "pod", "running", commands.sleepForever, "running", { labels: { app: "golden", role: "web" } });
    startContainer(s, "running");
    createContainer(s, "pod", "pod", "created", commands.sleepForever, "created", { labels: { app: "golden", role: "db" } });
    createContainer(s, "pod", "pod", "exited", commands.false, "exited", { labels: { app: "golden", role: "job" } });
    startContainer(s, "exited");
    waitExited(s, "exited");
    createContainer(s, "other", "other", "elsewhere", commands.sleepForever, "elsewhere", { labels: { app: "other" } });
    const states = [ContainerState.CONTAINER_CREATED, ContainerState.CONTAINER_RUNNING, ContainerState.CONTAINER_EXITED, ContainerState.CONTAINER_UNKNOWN];
    s.runtime.listContainers({});
    s.runtime.listContainers({ filter: {} });
    s.runtime.listContainers({ filter: { id: "$running.containerId" } });
    s.runtime.listContainers({ filter: { id: "$prefix(created.containerId, 12)" } });
    s.runtime.listContainers({ filter: { id: unknownId } });
    for (const state of states) s.runtime.listContainers({ filter: { state: { state } } });
    s.runtime.listContainers({ filter: { podSandboxId: "$pod.podSandboxId" } });
    s.runtime.listContainers({ filter: { podSandboxId: "$prefix(other.podSandboxId, 12)" } });
    s.runtime.listContainers({ filter: { podSandboxId: unknownId } });
    s.runtime.listContainers({ filter: { labelSelector: { app: "golden" } } });
    s.runtime.listContainers({ filter: { labelSelector: { app: "golden", role: "db" } } });
    s.runtime.listContainers({ filter: { labelSelector: { app: "golden", role: "none" } } });
    s.runtime.listContainers({ filter: { labelSelector: { role: "" } } });
    s.runtime.listContainers({ filter: { podSandboxId: "$pod.podSandboxId", state: { state: ContainerState.CONTAINER_EXITED } } });
    s.runtime.listContainers({ filter: { podSandboxId: "$other.podSandboxId", labelSelector: { app: "golden" } } });
    s.runtime.listContainers({ filter: { id: "$running.containerId", podSandboxId: "$other.podSandboxId" } });
    s.runtime.listContainers({
      filter: { id: "$running.containerId", podSandboxId: "$pod.podSandboxId", state: { state: ContainerState.CONTAINER_RUNNING }, labelSelector: { role: "web" } },
    });
  }),
  defineScenario(
    "container-recursive-read-only-mounts",
    "Recursive read-only mounts: read-only and private (created, written to, its config verbose), and refused with host-to-container or bidirectional propagation and when not read-only",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod");
      const mount = (propagation: MountPropagation, readonly = true) => ({
        mounts: [{ hostPath: "$logRoot/pod/volume", containerPath: "/vol", readonly, recursiveReadOnly: true, propagation }],
      });
      createContainer(s, "pod", "pod", "rro", commands.sleepForever, "rro", mount(MountPropagation.PROPAGATION_PRIVATE));
      startContainer(s, "rro");
      s.runtime.execSync({ containerId: "$rro.containerId", cmd: ["sh", "-c", "touch /vol/f; ls /vol"], timeout: 10n });
      s.runtime.containerStatus({ containerId: "$rro.containerId", verbose: true }, { select: ["info.info.config"] });
      createContainer(s, "pod", "pod", "slave", commands.sleepForever, "slave", mount(MountPropagation.PROPAGATION_HOST_TO_CONTAINER));
      createContainer(s, "pod", "pod", "shared", commands.sleepForever, "shared", mount(MountPropagation.PROPAGATION_BIDIRECTIONAL));
      createContainer(s, "pod", "pod", "rw", commands.sleepForever, "rw", mount(MountPropagation.PROPAGATION_PRIVATE, false));
    },
  ),

  defineScenario(
    "container-supplemental-groups-policy",
    "SupplementalGroupsPolicy Merge and Strict as root and as a user the image does not name (id -G, the status' user, the config verbose), and a policy the API does not define",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod");
      const policies: Array<[string, v1.DeepPartial<v1.LinuxContainerSecurityContext>]> = [
        ["merge", { supplementalGroups: [3000n], supplementalGroupsPolicy: SupplementalGroupsPolicy.Merge }],
        ["strict", { supplementalGroups: [3000n], supplementalGroupsPolicy: SupplementalGroupsPolicy.Strict }],
        ["strictUser", { runAsUser: { value: 1000n }, supplementalGroups: [3000n], supplementalGroupsPolicy: SupplementalGroupsPolicy.Strict }],
      ];
      for (const [name, securityContext] of policies) {
        createContainer(s, "pod", "pod", name, commands.sleepForever, name, { linux: { securityContext } });
        startContainer(s, name);
        s.runtime.execSync({ containerId: `$${name}.containerId`, cmd: ["id", "-G"], timeout: 10n });
        s.runtime.containerStatus({ containerId: `$${name}.containerId`, verbose: true }, { select: ["status.user", "info.info.config.linux"] });
      }
      createContainer(s, "pod", "pod", "unknown", commands.sleepForever, "unknown", {
        linux: { securityContext: { supplementalGroupsPolicy: 7 as SupplementalGroupsPolicy } },
      });
    },
  ),

  defineScenario(
    "container-image-volumes",
    "Image volumes: an image mounted read-only (read, run, written to, its status and config verbose), a second container sharing it with a subPath, and refused: not read-only, a subPath absent, a file or escaping, a host path beside the image, no image named, an image not pulled",
    (s) => {
      pullBusybox(s, "busybox");
      runPod(s, "pod", "pod");
      createContainer(s, "pod", "pod", "vol", commands.sleepForever, "vol", imageVolume());
      startContainer(s, "vol");
      const exec = (container: string, cmd: string[]) => s.runtime.execSync({ containerId: `$${container}.containerId`, cmd, timeout: 10n });
      exec("vol", ["ls", "-A", "/mnt/image-volume/bin/sh"]);
      exec("vol", ["touch", "/mnt/image-volume/test-write"]);
      exec("vol", ["sh", "-c", "echo x > /mnt/image-volume/etc/x; mkdir /mnt/image-volume/d; rm /mnt/image-volume/etc/passwd; ls /mnt/image-volume"]);
      exec("vol", ["/mnt/image-volume/bin/ls", "/mnt/image-volume/etc"]);
      exec("vol", ["cat", "/mnt/image-volume/etc/group"]);
      s.runtime.containerStatus({ containerId: "$vol.containerId" });
      s.runtime.containerStatus({ containerId: "$vol.containerId", verbose: true }, { select: ["info.info.config.mounts", "info.info.runtimeSpec.mounts"] });
      createContainer(s, "pod", "pod", "sub", commands.sleepForever, "sub", imageVolume({ imageSubPath: "etc" }));
      startContainer(s, "sub");
      exec("sub", ["ls", "/mnt/image-volume"]);
      exec("sub", ["ls", "/mnt/image-volume/etc/passwd"]);
      s.runtime.containerStatus({ containerId: "$sub.containerId" });
      createContainer(s, "pod", "pod", "rw", commands.sleepForever, "rw", imageVolume({ readonly: false }));
      createContainer(s, "pod", "pod", "absent", commands.sleepForever, "absent", imageVolume({ imageSubPath: "not-existing" }));
      createContainer(s, "pod", "pod", "file", commands.sleepForever, "file", imageVolume({ imageSubPath: "etc/passwd" }));
      createContainer(s, "pod", "pod", "escape", commands.sleepForever, "escape", imageVolume({ imageSubPath: "../../.." }));
      createContainer(s, "pod", "pod", "host", commands.sleepForever, "host", imageVolume({ hostPath: "$logRoot/pod" }));
      createContainer(s, "pod", "pod", "noimage", commands.sleepForever, "noimage", imageVolume({ image: { image: "" } }));
      createContainer(s, "pod", "pod", "unpulled", commands.sleepForever, "unpulled", imageVolume({ image: { image: "docker.io/library/busybox:1.37" } }));
      s.runtime.stopContainer({ containerId: "$vol.containerId", timeout: 0n });
      s.runtime.removeContainer({ containerId: "$vol.containerId" });
      s.runtime.stopPodSandbox({ podSandboxId: "$pod.podSandboxId" });
      s.runtime.removePodSandbox({ podSandboxId: "$pod.podSandboxId" });
    },
    { containerd: ["2.4"] },
  ),

  defineScenario(
    "container-image-volume-unknown",
    "A mount naming an image, which 1.6.20's CRI API does not know: read as a host path \"\"",
    (s) => {
      pullBusybox(s, "busybox");
      runPod(s, "pod", "pod");
      createContainer(s, "pod", "pod", "vol", commands.sleepForever, "vol", imageVolume());
    },
    { containerd: ["1.6"] },
  ),

  defineScenario(
    "container-config-stop-signal",
    "StopContainer sends the config's stop signal (SIGUSR1, SIGINT) or the default (SIGTERM): a script trapping each exits with its own code; a signal the CRI does not define",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod");
      const script = ["sh", "-c", 'trap "exit 10" USR1; trap "exit 2" INT; trap "exit 15" TERM; while true; do sleep 1; done'];
      const signals: Array<[string, v1.Signal | undefined]> = [
        ["usr1", Signal.SIGNAL_SIGUSR1],
        ["int", Signal.SIGNAL_SIGINT],
        ["default", undefined],
      ];
      for (const [name, stopSignal] of signals) {
        createContainer(s, "pod", "pod", name, script, name, stopSignal === undefined ? {} : { stopSignal });
        startContainer(s, name);
      }
      for (const [name] of signals) {
        s.runtime.stopContainer({ containerId: `$${name}.containerId`, timeout: 10n });
        containerStatus(s, name);
      }
      createContainer(s, "pod", "pod", "unknown", script, "unknown", { stopSignal: 99 as v1.Signal });
    },
  ),
  defineScenario(
    "container-mount-id-mappings",
    "A host-path mount with UID and GID mappings: its config and spec verbose, started, a file written and listed",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod");
      const mapping = (hostId: number) => [{ containerId: 0, hostId, length: 65536 }];
      createContainer(s, "pod", "pod", "mapped", commands.sleepForever, "mapped", {
        mounts: [{ hostPath: "$logRoot/pod/volume", containerPath: "/vol", uidMappings: mapping(100000), gidMappings: mapping(200000) }],
      });
      s.runtime.containerStatus({ containerId: "$mapped.containerId", verbose: true }, { select: ["status.mounts", "info.info.config.mounts", "info.info.runtimeSpec.mounts"] });
      startContainer(s, "mapped");
      s.runtime.execSync({ containerId: "$mapped.containerId", cmd: ["sh", "-c", "touch /vol/f; ls /vol"], timeout: 10n });
    },
  ),
];
