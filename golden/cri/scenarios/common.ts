// Shared configs and step sequences for the scenarios. Container commands stay inside the set a
// fake can emulate (README.md, "Container commands"): `commands` below is that set.

import type * as v1 from "../../../src/cri/api/v1.ts";
import { defineScenario, type Scenario, type ScenarioBuilder } from "../scenario.ts";

type Fields<T> = v1.DeepPartial<T>;

export const busybox = "docker.io/library/busybox:1.36";
export const pause = "registry.k8s.io/pause:3.6";
/** The runtime handler of the reference config that passes annotations through (scripts/reference). */
export const passthroughHandler = "passthrough";

/** The emulatable container commands. */
export const commands = {
  sleep: (seconds: number) => ["sleep", String(seconds)],
  sleepForever: ["sleep", "infinity"],
  tailForever: ["tail", "-f", "/dev/null"],
  echoExit: (text: string, code: number) => ["sh", "-c", `echo ${text}; exit ${code}`],
  echoSleep: (text: string, seconds: number) => ["sh", "-c", `echo ${text}; sleep ${seconds}`],
  true: ["true"],
  false: ["false"],
  /** Runs until the memory cgroup kills it: use with memoryLimit. */
  memoryHog: ["tail", "/dev/zero"],
  /** Start fails: runc cannot find it. */
  missing: ["/no/such/binary"],
} as const;

/** A small memory limit for commands.memoryHog (32 MiB). */
export const memoryLimit = 33_554_432n;

/** The emulatable ExecSync commands. */
export const execCommands = {
  echo: (text: string) => ["echo", text],
  true: ["true"],
  false: ["false"],
  exit: (code: number) => ["sh", "-c", `exit ${code}`],
  hostname: ["cat", "/etc/hostname"],
  passwd: ["cat", "/etc/passwd"],
} as const;

export function podConfig(name: string, extra: Fields<v1.PodSandboxConfig> = {}): Fields<v1.PodSandboxConfig> {
  return {
    metadata: { name, namespace: "golden", uid: `${name}-uid`, attempt: 0 },
    hostname: name,
    logDirectory: `$logRoot/${name}`,
    linux: {},
    ...extra,
  };
}

export function containerConfig(
  name: string,
  command: readonly string[],
  extra: Fields<v1.ContainerConfig> = {},
): Fields<v1.ContainerConfig> {
  return {
    metadata: { name, attempt: 0 },
    image: { image: busybox },
    command: [...command],
    logPath: `${name}.log`,
    linux: {},
    ...extra,
  };
}

export function pullBusybox(s: ScenarioBuilder, save?: string): void {
  s.image.pullImage({ image: { image: busybox } }, save === undefined ? {} : { save });
}

/** RunPodSandbox for podConfig(name), saved as `save`. */
export function runPod(s: ScenarioBuilder, name: string, save: string, extra: Fields<v1.PodSandboxConfig> = {}, runtimeHandler = ""): void {
  s.runtime.runPodSandbox({ config: podConfig(name, extra), runtimeHandler }, { save });
}

/** CreateContainer in the pod saved as `pod` (made from podConfig(podName)), saved as `save`. */
export function createContainer(
  s: ScenarioBuilder,
  pod: string,
  podName: string,
  name: string,
  command: readonly string[],
  save: string,
  extra: Fields<v1.ContainerConfig> = {},
  podExtra: Fields<v1.PodSandboxConfig> = {},
): void {
  s.runtime.createContainer(
    { podSandboxId: `$${pod}.podSandboxId`, config: containerConfig(name, command, extra), sandboxConfig: podConfig(podName, podExtra) },
    { save },
  );
}

export function startContainer(s: ScenarioBuilder, container: string): void {
  s.runtime.startContainer({ containerId: `$${container}.containerId` });
}

export function containerStatus(s: ScenarioBuilder, container: string): void {
  s.runtime.containerStatus({ containerId: `$${container}.containerId` });
}

export function sandboxStatus(s: ScenarioBuilder, pod: string): void {
  s.runtime.podSandboxStatus({ podSandboxId: `$${pod}.podSandboxId` });
}

/** Waits (unrecorded) until the container saved as `container` has exited. */
export function waitExited(s: ScenarioBuilder, container: string): void {
  s.waitUntil.runtime.containerStatus(
    { containerId: `$${container}.containerId` },
    { path: "status.state", equals: "CONTAINER_EXITED" },
  );
}

/** A running busybox container that runs each of `scripts` with `sh -c` in an ExecSync. */
export function shellScriptsScenario(name: string, description: string, scripts: readonly string[]): Scenario {
  return defineScenario(name, description, (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    createContainer(s, "pod", "pod", "app", commands.sleepForever, "app");
    startContainer(s, "app");
    for (const script of scripts) s.runtime.execSync({ containerId: "$app.containerId", cmd: ["sh", "-c", script], timeout: 10n });
  });
}
