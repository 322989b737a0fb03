// What the shared harness tests have in common: a pod and a container as a test author writes them.

import type { RuntimeClient } from "../../src/harness/index.ts";

export const busybox = "docker.io/library/busybox:1.36";

export const podConfig = {
  metadata: { name: "web", namespace: "shared", uid: "web-uid" },
  logDirectory: "/var/log/pods/shared_web_web-uid",
};

export const appConfig = {
  metadata: { name: "app" },
  image: { image: busybox },
  command: ["sleep", "infinity"],
  logPath: "app.log",
};

/** The runtime calls runPod makes, as both the in-process and the gRPC client offer them. */
export interface PodRuntime {
  runPodSandbox(request: Parameters<RuntimeClient["runPodSandbox"]>[0]): Promise<{ podSandboxId: string }>;
  createContainer(request: Parameters<RuntimeClient["createContainer"]>[0]): Promise<{ containerId: string }>;
  startContainer(request: Parameters<RuntimeClient["startContainer"]>[0]): Promise<unknown>;
}

/** Runs the pod and its app container; `start: false` leaves the container created. */
export async function runPod(runtime: PodRuntime, { start = true } = {}): Promise<{ podSandboxId: string; containerId: string }> {
  const { podSandboxId } = await runtime.runPodSandbox({ config: podConfig });
  const { containerId } = await runtime.createContainer({ podSandboxId, config: appConfig, sandboxConfig: podConfig });
  if (start) await runtime.startContainer({ containerId });
  return { podSandboxId, containerId };
}

