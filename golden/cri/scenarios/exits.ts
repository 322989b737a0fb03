// How containers end: every exit reason (Completed, Error with its code, OOMKilled, StartError).

import { defineScenario, type Scenario } from "../scenario.ts";
import { commands, containerStatus, createContainer, memoryLimit, pause, pullBusybox, runPod, startContainer, waitExited } from "./common.ts";

export const exits: Scenario[] = [
  defineScenario("exit-completed", "Commands that exit 0: reason Completed", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    const completing = { true: commands.true, echo: commands.echoExit("done", 0), sleep: commands.sleep(1) };
    for (const [name, command] of Object.entries(completing)) {
      createContainer(s, "pod", "pod", name, command, name);
      startContainer(s, name);
      waitExited(s, name);
      containerStatus(s, name);
    }
    s.runtime.listContainers({});
  }),

  defineScenario("exit-error-codes", "Commands that exit non-zero: reason Error with the exit code", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    const failing = {
      false: commands.false,
      exit3: commands.echoExit("three", 3),
      exit42: commands.echoExit("forty-two", 42),
      exit255: commands.echoExit("max", 255),
      exit256: commands.echoExit("wraps", 256),
    };
    for (const [name, command] of Object.entries(failing)) {
      createContainer(s, "pod", "pod", name, command, name);
      startContainer(s, name);
      waitExited(s, name);
      containerStatus(s, name);
    }
  }),

  defineScenario("exit-oom-killed", "A memory hog under a 32 MiB limit: reason OOMKilled, exit code 137", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    createContainer(s, "pod", "pod", "hog", commands.memoryHog, "hog", { linux: { resources: { memoryLimitInBytes: memoryLimit } } });
    containerStatus(s, "hog");
    startContainer(s, "hog");
    waitExited(s, "hog");
    containerStatus(s, "hog");
    s.runtime.listContainers({});
    startContainer(s, "hog");
  }),

  defineScenario(
    "exit-oom-killed-dd",
    "critest's OOM container: dd from /dev/zero with a 20M block under a 15 MiB memory and swap limit, and a 1M block that stays below it",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod");
      const limit = { linux: { resources: { memoryLimitInBytes: 15n * 1024n * 1024n, memorySwapLimitInBytes: 15n * 1024n * 1024n } } };
      createContainer(s, "pod", "pod", "dd", ["sh", "-c", "dd if=/dev/zero of=/dev/null bs=20M"], "dd", limit);
      startContainer(s, "dd");
      waitExited(s, "dd");
      containerStatus(s, "dd");
      createContainer(s, "pod", "pod", "small", ["dd", "if=/dev/zero", "of=/dev/null", "bs=1M"], "small", limit);
      startContainer(s, "small");
      containerStatus(s, "small");
    },
  ),

  defineScenario("exit-start-error", "A missing executable: StartContainer fails, reason StartError, exit code 128", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    createContainer(s, "pod", "pod", "missing", commands.missing, "missing");
    startContainer(s, "missing");
    containerStatus(s, "missing");
    startContainer(s, "missing");
    s.runtime.listContainers({});
    createContainer(s, "pod", "pod", "relative", ["no-such-command"], "relative");
    startContainer(s, "relative");
    containerStatus(s, "relative");
    s.runtime.removeContainer({ containerId: "$missing.containerId" });
    containerStatus(s, "missing");
  }),

  defineScenario("exit-start-error-no-shell", "The pause image has no shell: a shell command in it fails to start (StartError)", (s) => {
    runPod(s, "pod", "pod");
    // Only pause is present, so an empty image name resolves to it too.
    for (const [name, image] of [["inpause", pause], ["unnamed", ""]] as const) {
      createContainer(s, "pod", "pod", name, commands.echoExit("never", 0), name, { image: { image } });
      startContainer(s, name);
      containerStatus(s, name);
    }
  }),

  defineScenario("exit-after-stop", "Exit codes and reasons of containers ended by StopContainer and by StopPodSandbox", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    createContainer(s, "pod", "pod", "stopped", commands.sleepForever, "stopped");
    startContainer(s, "stopped");
    s.runtime.stopContainer({ containerId: "$stopped.containerId", timeout: 0n });
    containerStatus(s, "stopped");
    createContainer(s, "pod", "pod", "bypod", commands.tailForever, "bypod");
    startContainer(s, "bypod");
    createContainer(s, "pod", "pod", "finished", commands.echoExit("bye", 7), "finished");
    startContainer(s, "finished");
    waitExited(s, "finished");
    s.runtime.stopPodSandbox({ podSandboxId: "$pod.podSandboxId" });
    containerStatus(s, "bypod");
    containerStatus(s, "finished");
    containerStatus(s, "stopped");
  }),
];
