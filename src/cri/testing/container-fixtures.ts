// Shared by the container RPC tests: a fake node with a busybox-like image, a pod to put
// containers in, container configs, and helpers to look at what is left on the node.

import { expect } from "vitest";
import type { VirtualClock } from "../../../fake-containerd/index.ts";
import type { ContainerConfig, DeepPartial, PodSandboxConfig } from "../api/v1.ts";
import { CriError } from "../errors.ts";
import { createFakeCri, type FakeCri, type FakeCriOptions } from "../../harness/index.ts";

export const busybox = "docker.io/library/busybox:1.36";

/** A seeded fake with busybox, answering as containerd 1.6.20 (the container tests pin its words). */
export async function newFake(options: FakeCriOptions = {}): Promise<FakeCri> {
  return createFakeCri({ seed: 1, images: [busybox], containerd: "1.6", ...options });
}

export function podConfig(name = "pod", extra: DeepPartial<PodSandboxConfig> = {}): DeepPartial<PodSandboxConfig> {
  return {
    metadata: { name, namespace: "ns", uid: `${name}-uid`, attempt: 0 },
    hostname: name,
    logDirectory: `/var/log/pods/${name}`,
    linux: {},
    ...extra,
  };
}

export function containerConfig(name: string, command: string[], extra: DeepPartial<ContainerConfig> = {}): DeepPartial<ContainerConfig> {
  return { metadata: { name, attempt: 0 }, image: { image: busybox }, command, logPath: `${name}.log`, linux: {}, ...extra };
}

export interface Pod {
  id: string;
  config: DeepPartial<PodSandboxConfig>;
}

export async function runPod(fake: FakeCri, name = "pod", extra: DeepPartial<PodSandboxConfig> = {}): Promise<Pod> {
  const config = podConfig(name, extra);
  const { podSandboxId } = await fake.runtime.runPodSandbox({ config });
  return { id: podSandboxId, config };
}

export async function create(
  fake: FakeCri,
  pod: Pod,
  name: string,
  command: string[] = ["sleep", "infinity"],
  extra: DeepPartial<ContainerConfig> = {},
): Promise<string> {
  const { containerId } = await fake.runtime.createContainer({
    podSandboxId: pod.id,
    config: containerConfig(name, command, extra),
    sandboxConfig: pod.config,
  });
  return containerId;
}

export async function createAndStart(
  fake: FakeCri,
  pod: Pod,
  name: string,
  command: string[] = ["sleep", "infinity"],
  extra: DeepPartial<ContainerConfig> = {},
): Promise<string> {
  const id = await create(fake, pod, name, command, extra);
  await fake.runtime.startContainer({ containerId: id });
  return id;
}

export async function advance(fake: FakeCri, ms: number): Promise<void> {
  await (fake.clock as VirtualClock).advance(ms);
}

export async function status(fake: FakeCri, containerId: string) {
  return (await fake.runtime.containerStatus({ containerId })).status!;
}

/** The CriError a call fails with (a test failure if it succeeds). */
export async function rejection(p: Promise<unknown>): Promise<CriError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(CriError);
    return err as CriError;
  }
  throw new Error("expected the call to fail");
}

/** What the node holds for containers (not sandboxes): CRI records, names, containerd objects, files. */
export async function containerLeftovers(fake: FakeCri, podId: string) {
  const ns = fake.containerd.namespace("k8s.io");
  const containerdContainers = (await ns.containers.list()).map((c) => c.id).filter((id) => id !== podId);
  const snapshots = (await ns.snapshots.get("overlayfs").list()).filter((s) => s.kind === "active" && s.name !== podId).map((s) => s.name);
  const dirs = ["/var/lib/containerd/io.containerd.grpc.v1.cri/containers", "/run/containerd/io.containerd.grpc.v1.cri/containers"].flatMap(
    (dir) => (fake.hostFs.exists(dir) ? fake.hostFs.readDir(dir) : []),
  );
  return {
    store: fake.service.containerStore.size,
    names: fake.service.containerNameIndex.size,
    containerdContainers,
    snapshots,
    dirs,
  };
}

export const nothingLeft = { store: 0, names: 0, containerdContainers: [], snapshots: [], dirs: [] };

export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
