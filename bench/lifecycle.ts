// One pod's whole life through the CRI, as a kubelet drives it, shared by the benchmarks that time
// it (cri-lifecycle.ts, cri-scale.ts): the pod and container configs and the eight calls.

import type * as v1 from "../src/cri/api/v1.ts";

export const busybox = "docker.io/library/busybox:1.36";

/** The eight calls, through whatever client: the in-process one, or connectCri's. */
export interface LifecycleClient {
  runPodSandbox(r: v1.DeepPartial<v1.RunPodSandboxRequest>): Promise<v1.RunPodSandboxResponse>;
  createContainer(r: v1.DeepPartial<v1.CreateContainerRequest>): Promise<v1.CreateContainerResponse>;
  startContainer(r: v1.DeepPartial<v1.StartContainerRequest>): Promise<v1.StartContainerResponse>;
  containerStatus(r: v1.DeepPartial<v1.ContainerStatusRequest>): Promise<v1.ContainerStatusResponse>;
  stopContainer(r: v1.DeepPartial<v1.StopContainerRequest>): Promise<v1.StopContainerResponse>;
  removeContainer(r: v1.DeepPartial<v1.RemoveContainerRequest>): Promise<v1.RemoveContainerResponse>;
  stopPodSandbox(r: v1.DeepPartial<v1.StopPodSandboxRequest>): Promise<v1.StopPodSandboxResponse>;
  removePodSandbox(r: v1.DeepPartial<v1.RemovePodSandboxRequest>): Promise<v1.RemovePodSandboxResponse>;
}

export const rpcNames = [
  "RunPodSandbox",
  "CreateContainer",
  "StartContainer",
  "ContainerStatus",
  "StopContainer",
  "RemoveContainer",
  "StopPodSandbox",
  "RemovePodSandbox",
] as const;

/** A kubelet's pod config: metadata, hostname, log directory, labels, an (empty) Linux part. */
export function podConfig(i: number): v1.DeepPartial<v1.PodSandboxConfig> {
  const name = `pod-${i}`;
  const uid = `uid-${i}`;
  return {
    metadata: { name, namespace: "default", uid, attempt: 0 },
    hostname: name,
    logDirectory: `/var/log/pods/default_${name}_${uid}`,
    labels: { "io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": "default", "io.kubernetes.pod.uid": uid },
    linux: { cgroupParent: `/kubepods/besteffort/pod${uid}` },
  };
}

export function containerConfig(name: string): v1.DeepPartial<v1.ContainerConfig> {
  return {
    metadata: { name, attempt: 0 },
    image: { image: busybox },
    command: ["sleep", "infinity"],
    logPath: `${name}/0.log`,
    labels: { "io.kubernetes.container.name": name },
    linux: {},
  };
}

/**
 * One lifecycle. StopContainer with timeout 0 kills at once (SIGKILL), so nothing waits on the
 * fake clock; `lap` is told after each call (the per-RPC breakdown).
 */
export async function lifecycle(client: LifecycleClient, i: number, lap?: (rpc: number) => void): Promise<void> {
  const config = podConfig(i);
  const { podSandboxId } = await client.runPodSandbox({ config });
  lap?.(0);
  const { containerId } = await client.createContainer({ podSandboxId, config: containerConfig("app"), sandboxConfig: config });
  lap?.(1);
  await client.startContainer({ containerId });
  lap?.(2);
  await client.containerStatus({ containerId });
  lap?.(3);
  await client.stopContainer({ containerId, timeout: 0n });
  lap?.(4);
  await client.removeContainer({ containerId });
  lap?.(5);
  await client.stopPodSandbox({ podSandboxId });
  lap?.(6);
  await client.removePodSandbox({ podSandboxId });
  lap?.(7);
}
