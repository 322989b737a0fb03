// Verbose statuses, kept apart: only the parts of `info` a fake can know are selected. Annotation
// pass-through is only visible there, in the OCI spec's annotations: the `passthrough` runtime handler
// of the reference config passes pod annotations matching golden.pod/*, golden.exact/key and
// golden.class/[ab]? and container annotations matching golden.ctr/* and * (path.Match: * stops at /).

import { defineScenario, type Scenario } from "../scenario.ts";
import { commands, createContainer, passthroughHandler, pullBusybox, runPod, startContainer } from "./common.ts";

const podAnnotations = {
  "golden.pod/one": "1",
  "golden.pod/two": "2",
  "golden.pod/nested/deeper": "not matched: * stops at /",
  "golden.exact/key": "exact",
  "golden.exact/keys": "not matched",
  "golden.class/a1": "class a",
  "golden.class/c1": "not matched",
  "golden.ctr/from-pod": "pod annotations only pass by pod patterns",
  plain: "matches no pod pattern",
};

const containerAnnotations = {
  "golden.ctr/one": "1",
  "golden.ctr/nested/deeper": "not matched",
  "golden.pod/from-container": "container annotations only pass by container patterns",
  plain: "matched by *",
};

const sandboxInfo = [
  "status",
  "info.info.image",
  "info.info.runtimeHandler",
  "info.info.runtimeType",
  "info.info.processStatus",
  "info.info.netNamespaceClosed",
  "info.info.snapshotter",
  "info.info.config",
  "info.info.runtimeSpec.annotations",
  "info.info.runtimeSpec.process.args",
  "info.info.runtimeSpec.process.user",
  "info.info.runtimeSpec.hostname",
];

const containerInfo = [
  "status",
  "info.info.sandboxID",
  "info.info.removing",
  "info.info.runtimeType",
  "info.info.snapshotter",
  "info.info.config",
  "info.info.runtimeSpec.annotations",
  "info.info.runtimeSpec.process.args",
  "info.info.runtimeSpec.process.env",
  "info.info.runtimeSpec.process.cwd",
];

export const verbose: Scenario[] = [
  defineScenario("annotations-passthrough", "Pod and container annotations passed into the OCI spec by the pass-through handler's patterns", (s) => {
    pullBusybox(s);
    runPod(s, "annotated", "annotated", { annotations: podAnnotations }, passthroughHandler);
    s.runtime.podSandboxStatus({ podSandboxId: "$annotated.podSandboxId", verbose: true }, { select: ["status.annotations", "info.info.runtimeSpec.annotations"] });
    createContainer(s, "annotated", "annotated", "app", commands.sleepForever, "app", { annotations: containerAnnotations }, { annotations: podAnnotations });
    s.runtime.containerStatus({ containerId: "$app.containerId", verbose: true }, { select: ["status.annotations", "info.info.runtimeSpec.annotations"] });
  }),

  defineScenario("annotations-default-handler", "The default handler passes no annotations through", (s) => {
    pullBusybox(s);
    runPod(s, "plain", "plain", { annotations: podAnnotations });
    s.runtime.podSandboxStatus({ podSandboxId: "$plain.podSandboxId", verbose: true }, { select: ["status.annotations", "info.info.runtimeSpec.annotations"] });
    createContainer(s, "plain", "plain", "app", commands.sleepForever, "app", { annotations: containerAnnotations }, { annotations: podAnnotations });
    s.runtime.containerStatus({ containerId: "$app.containerId", verbose: true }, { select: ["status.annotations", "info.info.runtimeSpec.annotations"] });
  }),

  defineScenario("sandbox-status-verbose", "PodSandboxStatus verbose for a ready and a stopped sandbox", (s) => {
    runPod(s, "pod", "pod", { labels: { app: "golden" }, annotations: { note: "verbose" } });
    s.runtime.podSandboxStatus({ podSandboxId: "$pod.podSandboxId", verbose: true }, { select: sandboxInfo });
    s.runtime.stopPodSandbox({ podSandboxId: "$pod.podSandboxId" });
    s.runtime.podSandboxStatus({ podSandboxId: "$pod.podSandboxId", verbose: true }, { select: sandboxInfo });
  }),

  defineScenario("container-status-verbose", "ContainerStatus verbose for created, running and exited containers", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    createContainer(s, "pod", "pod", "app", commands.sleepForever, "app", {
      envs: [{ key: "GREETING", value: new TextEncoder().encode("hello") }],
      workingDir: "/tmp",
      labels: { app: "golden" },
    });
    s.runtime.containerStatus({ containerId: "$app.containerId", verbose: true }, { select: containerInfo });
    startContainer(s, "app");
    s.runtime.containerStatus({ containerId: "$app.containerId", verbose: true }, { select: containerInfo });
    s.runtime.stopContainer({ containerId: "$app.containerId", timeout: 0n });
    s.runtime.containerStatus({ containerId: "$app.containerId", verbose: true }, { select: containerInfo });
  }),
];
