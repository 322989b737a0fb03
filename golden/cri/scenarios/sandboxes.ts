// Pod sandboxes: lifecycle, names, idempotence, invalid configs, unknown IDs, filters, handlers.

import { NamespaceMode, PodSandboxState, Protocol } from "../../../src/cri/api/v1.ts";
import { defineScenario, type Scenario } from "../scenario.ts";
import {
  commands,
  createContainer,
  containerStatus,
  passthroughHandler,
  pullBusybox,
  runPod,
  sandboxStatus,
  startContainer,
  waitExited,
} from "./common.ts";

const unknownId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

export const sandboxes: Scenario[] = [
  defineScenario("sandbox-lifecycle", "A sandbox run, listed, stopped, removed, with status and list after each step", (s) => {
    runPod(s, "web", "web");
    sandboxStatus(s, "web");
    s.runtime.listPodSandbox({});
    s.runtime.stopPodSandbox({ podSandboxId: "$web.podSandboxId" });
    sandboxStatus(s, "web");
    s.runtime.listPodSandbox({});
    s.runtime.removePodSandbox({ podSandboxId: "$web.podSandboxId" });
    sandboxStatus(s, "web");
    s.runtime.listPodSandbox({});
  }),

  defineScenario("sandbox-stop-remove-idempotence", "Stopping twice, removing twice, and stopping after removal", (s) => {
    runPod(s, "idem", "idem");
    s.runtime.stopPodSandbox({ podSandboxId: "$idem.podSandboxId" });
    s.runtime.stopPodSandbox({ podSandboxId: "$idem.podSandboxId" });
    sandboxStatus(s, "idem");
    s.runtime.removePodSandbox({ podSandboxId: "$idem.podSandboxId" });
    s.runtime.removePodSandbox({ podSandboxId: "$idem.podSandboxId" });
    s.runtime.stopPodSandbox({ podSandboxId: "$idem.podSandboxId" });
    sandboxStatus(s, "idem");
  }),

  defineScenario("sandbox-remove-ready", "Removing a sandbox that is still ready, without stopping it first", (s) => {
    runPod(s, "ready", "ready");
    s.runtime.removePodSandbox({ podSandboxId: "$ready.podSandboxId" });
    sandboxStatus(s, "ready");
    s.runtime.listPodSandbox({});
    runPod(s, "ready", "again");
    sandboxStatus(s, "again");
  }),

  defineScenario("sandbox-name-clash", "The sandbox name (name_namespace_uid_attempt) stays reserved until the sandbox is removed", (s) => {
    runPod(s, "clash", "first");
    runPod(s, "clash", "second");
    s.runtime.runPodSandbox(
      { config: { metadata: { name: "clash", namespace: "golden", uid: "clash-uid", attempt: 1 }, hostname: "clash", linux: {} } },
      { save: "attempt1" },
    );
    s.runtime.runPodSandbox(
      { config: { metadata: { name: "clash", namespace: "other", uid: "clash-uid", attempt: 0 }, hostname: "clash", linux: {} } },
      { save: "otherNamespace" },
    );
    s.runtime.runPodSandbox(
      { config: { metadata: { name: "clash", namespace: "golden", uid: "other-uid", attempt: 0 }, hostname: "clash", linux: {} } },
      { save: "otherUid" },
    );
    s.runtime.stopPodSandbox({ podSandboxId: "$first.podSandboxId" });
    runPod(s, "clash", "afterStop");
    s.runtime.removePodSandbox({ podSandboxId: "$first.podSandboxId" });
    runPod(s, "clash", "afterRemove");
    sandboxStatus(s, "afterRemove");
    s.runtime.listPodSandbox({});
  }),

  defineScenario("sandbox-unknown-ids", "Every sandbox RPC with an unknown full ID, an unknown prefix, and a container's ID", (s) => {
    pullBusybox(s);
    runPod(s, "known", "known");
    createContainer(s, "known", "known", "box", commands.sleepForever, "box");
    for (const id of [unknownId, "0123456789ab", "$box.containerId"]) {
      s.runtime.podSandboxStatus({ podSandboxId: id });
      s.runtime.stopPodSandbox({ podSandboxId: id });
      s.runtime.removePodSandbox({ podSandboxId: id });
      s.runtime.portForward({ podSandboxId: id, port: [80] });
      s.runtime.podSandboxStats({ podSandboxId: id });
      s.runtime.createContainer({
        podSandboxId: id,
        config: { metadata: { name: "orphan" }, image: { image: "docker.io/library/busybox:1.36" }, command: ["true"] },
        sandboxConfig: { metadata: { name: "known", namespace: "golden", uid: "known-uid" } },
      });
    }
  }),

  defineScenario("sandbox-invalid-configs", "RunPodSandbox with missing and odd metadata, and an unknown runtime handler", (s) => {
    s.runtime.runPodSandbox({ config: {} });
    s.runtime.runPodSandbox({ config: { linux: {} } });
    s.runtime.runPodSandbox({ config: { metadata: { name: "odd" }, hostname: "odd" } }, { save: "noNamespaceUid" });
    sandboxStatus(s, "noNamespaceUid");
    s.runtime.runPodSandbox({ config: { metadata: { namespace: "golden", uid: "nameless" }, hostname: "nameless" } }, { save: "noName" });
    sandboxStatus(s, "noName");
    s.runtime.runPodSandbox({ config: { metadata: { name: "handler", namespace: "golden", uid: "h" } }, runtimeHandler: "nosuch" });
    s.runtime.runPodSandbox({ config: { metadata: { name: "handler", namespace: "golden", uid: "h" } }, runtimeHandler: "RUNC" });
    s.runtime.listPodSandbox({});
  }),

  defineScenario("sandbox-host-network", "A host-network pod: fails with a hostname, then no IP and a NODE network namespace in the status", (s) => {
    const hostNetwork = { linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } } };
    // runc cannot set a hostname without its own UTS namespace; kubelets send none for host-network pods.
    runPod(s, "host", "withHostname", hostNetwork);
    runPod(s, "host", "host", { ...hostNetwork, hostname: "" });
    sandboxStatus(s, "host");
    runPod(s, "podnet", "podnet", { linux: { securityContext: { namespaceOptions: { network: NamespaceMode.POD, pid: NamespaceMode.CONTAINER, ipc: NamespaceMode.POD } } } });
    sandboxStatus(s, "podnet");
    s.runtime.stopPodSandbox({ podSandboxId: "$host.podSandboxId" });
    sandboxStatus(s, "host");
    s.runtime.stopPodSandbox({ podSandboxId: "$podnet.podSandboxId" });
    sandboxStatus(s, "podnet");
  }),

  defineScenario("sandbox-status-fields", "What the status echoes: labels, annotations, metadata, namespaces, runtime handler", (s) => {
    runPod(s, "fields", "fields", {
      labels: { app: "golden", tier: "web", "io.kubernetes.pod.name": "fields" },
      annotations: { "example.com/note": "kept as given", empty: "" },
      dnsConfig: { servers: ["10.0.0.10"], searches: ["golden.svc"], options: ["ndots:5"] },
      portMappings: [{ protocol: Protocol.TCP, containerPort: 80, hostPort: 0 }],
    });
    sandboxStatus(s, "fields");
    s.runtime.listPodSandbox({});
    runPod(s, "explicit", "explicit", {}, "runc");
    sandboxStatus(s, "explicit");
    s.runtime.listPodSandbox({ filter: { id: "$explicit.podSandboxId" } });
  }),

  defineScenario("sandbox-list-filters", "ListPodSandbox filtered by ID (full, prefix, unknown), state, label selector and their combinations", (s) => {
    runPod(s, "alpha", "alpha", { labels: { app: "golden", tier: "web" } });
    runPod(s, "beta", "beta", { labels: { app: "golden", tier: "db" } });
    runPod(s, "gamma", "gamma", { labels: { app: "other" } });
    s.runtime.stopPodSandbox({ podSandboxId: "$gamma.podSandboxId" });
    s.runtime.listPodSandbox({});
    s.runtime.listPodSandbox({ filter: {} });
    s.runtime.listPodSandbox({ filter: { id: "$alpha.podSandboxId" } });
    s.runtime.listPodSandbox({ filter: { id: "$prefix(beta.podSandboxId, 12)" } });
    s.runtime.listPodSandbox({ filter: { id: unknownId } });
    s.runtime.listPodSandbox({ filter: { id: "0123456789ab" } });
    s.runtime.listPodSandbox({ filter: { state: { state: PodSandboxState.SANDBOX_READY } } });
    s.runtime.listPodSandbox({ filter: { state: { state: PodSandboxState.SANDBOX_NOTREADY } } });
    s.runtime.listPodSandbox({ filter: { labelSelector: { app: "golden" } } });
    s.runtime.listPodSandbox({ filter: { labelSelector: { app: "golden", tier: "db" } } });
    s.runtime.listPodSandbox({ filter: { labelSelector: { app: "golden", tier: "cache" } } });
    s.runtime.listPodSandbox({ filter: { labelSelector: { missing: "" } } });
    s.runtime.listPodSandbox({ filter: { labelSelector: { app: "" } } });
    s.runtime.listPodSandbox({ filter: { id: "$alpha.podSandboxId", state: { state: PodSandboxState.SANDBOX_NOTREADY } } });
    s.runtime.listPodSandbox({ filter: { id: "$gamma.podSandboxId", state: { state: PodSandboxState.SANDBOX_NOTREADY }, labelSelector: { app: "other" } } });
    s.runtime.listPodSandbox({ filter: { state: { state: PodSandboxState.SANDBOX_READY }, labelSelector: { tier: "web" } } });
  }),

  defineScenario("sandbox-runtime-handlers", "Sandboxes on the default, an explicit and the pass-through runtime handler", (s) => {
    runPod(s, "default", "default");
    runPod(s, "runc", "runc", {}, "runc");
    runPod(s, "passthrough", "passthrough", {}, passthroughHandler);
    sandboxStatus(s, "default");
    sandboxStatus(s, "runc");
    sandboxStatus(s, "passthrough");
    s.runtime.listPodSandbox({});
  }),

  defineScenario("sandbox-stop-with-containers", "StopPodSandbox stops its running containers; created ones stay created", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    createContainer(s, "pod", "pod", "running", commands.sleepForever, "running");
    startContainer(s, "running");
    createContainer(s, "pod", "pod", "created", commands.sleepForever, "created");
    createContainer(s, "pod", "pod", "done", commands.true, "done");
    startContainer(s, "done");
    waitExited(s, "done");
    s.runtime.stopPodSandbox({ podSandboxId: "$pod.podSandboxId" });
    containerStatus(s, "running");
    containerStatus(s, "created");
    containerStatus(s, "done");
    s.runtime.listContainers({});
    sandboxStatus(s, "pod");
    startContainer(s, "created");
    createContainer(s, "pod", "pod", "late", commands.sleepForever, "late");
  }),

  defineScenario("sandbox-remove-with-containers", "RemovePodSandbox removes its containers, whatever their state", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    createContainer(s, "pod", "pod", "running", commands.sleepForever, "running");
    startContainer(s, "running");
    createContainer(s, "pod", "pod", "created", commands.sleepForever, "created");
    createContainer(s, "pod", "pod", "exited", commands.false, "exited");
    startContainer(s, "exited");
    waitExited(s, "exited");
    s.runtime.removePodSandbox({ podSandboxId: "$pod.podSandboxId" });
    containerStatus(s, "running");
    containerStatus(s, "created");
    containerStatus(s, "exited");
    s.runtime.listContainers({});
    s.runtime.listPodSandbox({});
  }),

  defineScenario("sandbox-portforward", "PortForward URLs for a ready sandbox, and the errors once it is stopped", (s) => {
    runPod(s, "fwd", "fwd");
    s.runtime.portForward({ podSandboxId: "$fwd.podSandboxId", port: [80] });
    s.runtime.portForward({ podSandboxId: "$fwd.podSandboxId", port: [80, 443, 8080] });
    s.runtime.portForward({ podSandboxId: "$fwd.podSandboxId", port: [] });
    s.runtime.portForward({ podSandboxId: "$fwd.podSandboxId", port: [0, 70000, -1] });
    s.runtime.portForward({ podSandboxId: "$prefix(fwd.podSandboxId, 6)", port: [80] });
    s.runtime.stopPodSandbox({ podSandboxId: "$fwd.podSandboxId" });
    s.runtime.portForward({ podSandboxId: "$fwd.podSandboxId", port: [80] });
    s.runtime.removePodSandbox({ podSandboxId: "$fwd.podSandboxId" });
    s.runtime.portForward({ podSandboxId: "$fwd.podSandboxId", port: [80] });
  }),

  defineScenario("sandbox-stats", "PodSandboxStats and ListPodSandboxStats: with and without a cgroup parent, ready and stopped, filtered", (s) => {
    // Stats need the pod's cgroup; /k8s.io is where containerd puts pods that name none.
    const cgroup = { linux: { cgroupParent: "/k8s.io" } };
    runPod(s, "one", "one", { ...cgroup, labels: { app: "golden" } });
    runPod(s, "two", "two", { ...cgroup, labels: { app: "other" } });
    runPod(s, "nocgroup", "nocgroup");
    s.runtime.podSandboxStats({ podSandboxId: "$nocgroup.podSandboxId" });
    s.runtime.listPodSandboxStats({ filter: { id: "$nocgroup.podSandboxId" } });
    s.runtime.removePodSandbox({ podSandboxId: "$nocgroup.podSandboxId" });
    s.runtime.podSandboxStats({ podSandboxId: "$one.podSandboxId" });
    s.runtime.podSandboxStats({ podSandboxId: "$prefix(two.podSandboxId, 10)" });
    s.runtime.listPodSandboxStats({});
    s.runtime.listPodSandboxStats({ filter: { id: "$two.podSandboxId" } });
    s.runtime.listPodSandboxStats({ filter: { labelSelector: { app: "golden" } } });
    s.runtime.listPodSandboxStats({ filter: { labelSelector: { app: "none" } } });
    s.runtime.stopPodSandbox({ podSandboxId: "$two.podSandboxId" });
    s.runtime.podSandboxStats({ podSandboxId: "$two.podSandboxId" });
    s.runtime.listPodSandboxStats({});
    s.runtime.listPodSandboxStats({ filter: { id: "$two.podSandboxId" } });
  }),
];
