// ID prefixes: every RPC that takes a sandbox or container ID accepts a unique prefix. Seventeen IDs
// over sixteen hex digits guarantee two share a first digit: $commonPrefix picks it at run time, so
// the ambiguous case is certain on any runtime.

import { defineScenario, type Scenario } from "../scenario.ts";
import { commands, createContainer, pullBusybox, runPod, startContainer } from "./common.ts";

const count = 17;

export const prefixes: Scenario[] = [
  defineScenario("sandbox-prefixes", "Sandbox RPCs with an ambiguous, a unique, an unknown and an over-long ID prefix", (s) => {
    pullBusybox(s);
    for (let i = 1; i <= count; i++) runPod(s, `pod${i}`, `pod${i}`);
    const ambiguous = "$commonPrefix(pod*.podSandboxId)";
    const unique = "$prefix(pod1.podSandboxId, 12)";
    for (const id of [ambiguous, unique, "zzzz", "$append(pod2.podSandboxId, 0)"]) {
      s.runtime.podSandboxStatus({ podSandboxId: id });
      s.runtime.portForward({ podSandboxId: id, port: [80] });
      s.runtime.listPodSandbox({ filter: { id } });
      s.runtime.listContainers({ filter: { podSandboxId: id } });
      s.runtime.createContainer({
        podSandboxId: id,
        config: { metadata: { name: "c" }, image: { image: "docker.io/library/busybox:1.36" }, command: ["true"] },
        sandboxConfig: { metadata: { name: "pod1", namespace: "golden", uid: "pod1-uid" } },
      });
    }
    s.runtime.stopPodSandbox({ podSandboxId: ambiguous });
    s.runtime.removePodSandbox({ podSandboxId: ambiguous });
    s.runtime.stopPodSandbox({ podSandboxId: unique });
    s.runtime.podSandboxStatus({ podSandboxId: unique });
    s.runtime.removePodSandbox({ podSandboxId: unique });
    s.runtime.podSandboxStatus({ podSandboxId: "$pod1.podSandboxId" });
    s.runtime.stopPodSandbox({ podSandboxId: "zzzz" });
    s.runtime.removePodSandbox({ podSandboxId: "zzzz" });
  }),

  defineScenario("container-prefixes", "Container RPCs with an ambiguous, a unique, an unknown and an over-long ID prefix", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    for (let i = 1; i <= count; i++) createContainer(s, "pod", "pod", `c${i}`, commands.sleepForever, `dup${i}`);
    startContainer(s, "dup1");
    const ambiguous = "$commonPrefix(dup*.containerId)";
    const unique = "$prefix(dup1.containerId, 12)";
    for (const id of [ambiguous, unique, "zzzz", "$append(dup2.containerId, 0)"]) {
      s.runtime.containerStatus({ containerId: id });
      s.runtime.updateContainerResources({ containerId: id, linux: { cpuShares: 512n } });
      s.runtime.reopenContainerLog({ containerId: id });
      s.runtime.execSync({ containerId: id, cmd: ["echo", "hi"], timeout: 10n });
      s.runtime.exec({ containerId: id, cmd: ["sh"], stdout: true });
      s.runtime.attach({ containerId: id, stdout: true });
      s.runtime.listContainers({ filter: { id } });
      s.runtime.listContainerStats({ filter: { id } });
    }
    s.runtime.startContainer({ containerId: ambiguous });
    s.runtime.stopContainer({ containerId: ambiguous, timeout: 0n });
    s.runtime.removeContainer({ containerId: ambiguous });
    s.runtime.containerStats({ containerId: ambiguous });
    s.runtime.stopContainer({ containerId: unique, timeout: 0n });
    s.runtime.containerStatus({ containerId: unique });
    s.runtime.removeContainer({ containerId: unique });
    s.runtime.containerStatus({ containerId: "$dup1.containerId" });
    s.runtime.startContainer({ containerId: "zzzz" });
    s.runtime.stopContainer({ containerId: "zzzz", timeout: 0n });
    s.runtime.removeContainer({ containerId: "zzzz" });
  }),
];
