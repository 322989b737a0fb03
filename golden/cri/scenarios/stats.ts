// ContainerStats and ListContainerStats. Counters and sample times are normalised away
// (normalise.ts: usageCounters, sampleTimestamps); which fields are present, and the errors, are not.

import { defineScenario, type Scenario } from "../scenario.ts";
import { commands, createContainer, pullBusybox, runPod, startContainer, waitExited } from "./common.ts";

const cgroup = { linux: { cgroupParent: "/k8s.io" } };

export const stats: Scenario[] = [
  defineScenario("container-stats", "ContainerStats for created, running and exited containers, with and without a pod cgroup parent", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod", cgroup);
    runPod(s, "nocgroup", "nocgroup");
    createContainer(s, "pod", "pod", "created", commands.sleepForever, "created", {}, cgroup);
    s.runtime.containerStats({ containerId: "$created.containerId" });
    createContainer(s, "pod", "pod", "running", commands.sleepForever, "running", {}, cgroup);
    startContainer(s, "running");
    s.runtime.containerStats({ containerId: "$running.containerId" });
    s.runtime.containerStats({ containerId: "$prefix(running.containerId, 6)" });
    createContainer(s, "pod", "pod", "exited", commands.true, "exited", {}, cgroup);
    startContainer(s, "exited");
    waitExited(s, "exited");
    s.runtime.containerStats({ containerId: "$exited.containerId" });
    createContainer(s, "nocgroup", "nocgroup", "plain", commands.sleepForever, "plain");
    startContainer(s, "plain");
    s.runtime.containerStats({ containerId: "$plain.containerId" });
  }),

  defineScenario("container-stats-list", "ListContainerStats with every filter", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod", cgroup);
    runPod(s, "other", "other", cgroup);
    createContainer(s, "pod", "pod", "web", commands.sleepForever, "web", { labels: { role: "web" } }, cgroup);
    startContainer(s, "web");
    createContainer(s, "pod", "pod", "idle", commands.sleepForever, "idle", { labels: { role: "idle" } }, cgroup);
    createContainer(s, "other", "other", "db", commands.sleepForever, "db", { labels: { role: "db" } }, cgroup);
    startContainer(s, "db");
    s.runtime.listContainerStats({});
    s.runtime.listContainerStats({ filter: {} });
    s.runtime.listContainerStats({ filter: { id: "$web.containerId" } });
    s.runtime.listContainerStats({ filter: { id: "$idle.containerId" } });
    s.runtime.listContainerStats({ filter: { podSandboxId: "$other.podSandboxId" } });
    s.runtime.listContainerStats({ filter: { podSandboxId: "$prefix(pod.podSandboxId, 12)" } });
    s.runtime.listContainerStats({ filter: { labelSelector: { role: "db" } } });
    s.runtime.listContainerStats({ filter: { labelSelector: { role: "none" } } });
    s.runtime.listContainerStats({ filter: { id: "$web.containerId", podSandboxId: "$other.podSandboxId" } });
    s.runtime.stopContainer({ containerId: "$web.containerId", timeout: 0n });
    s.runtime.listContainerStats({ filter: { podSandboxId: "$pod.podSandboxId" } });
    s.runtime.listPodSandboxStats({ filter: { id: "$pod.podSandboxId" } });
  }),

  // The CPU counter of an idle container does not move (normalise.ts: idleCpu reads it
  // `$unchanged`); one whose process works, or that runs an exec, moves.
  defineScenario("container-stats-cpu-follows-work", "ContainerStats' CPU counter stays put while a container sleeps, moves with an exec and while a shell loop spins", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod", cgroup);
    createContainer(s, "pod", "pod", "idle", commands.sleepForever, "idle", {}, cgroup);
    startContainer(s, "idle");
    createContainer(s, "pod", "pod", "busy", ["sh", "-c", "while :; do :; done"], "busy", {}, cgroup);
    startContainer(s, "busy");
    s.sleep(500);
    s.runtime.containerStats({ containerId: "$idle.containerId" });
    s.runtime.containerStats({ containerId: "$busy.containerId" });
    s.sleep(1000);
    s.runtime.containerStats({ containerId: "$idle.containerId" });
    s.runtime.containerStats({ containerId: "$busy.containerId" });
    s.sleep(500);
    s.runtime.listContainerStats({ filter: { podSandboxId: "$pod.podSandboxId" } });
    s.runtime.execSync({ containerId: "$idle.containerId", cmd: ["true"], timeout: 10n });
    s.runtime.containerStats({ containerId: "$idle.containerId" });
    s.sleep(1000);
    s.runtime.listContainerStats({ filter: { id: "$idle.containerId" } });
    s.runtime.stopContainer({ containerId: "$busy.containerId", timeout: 0n });
    s.runtime.containerStats({ containerId: "$busy.containerId" });
    s.runtime.containerStats({ containerId: "$busy.containerId" });
  }),
];
