// Where the model's commands go: the fake in-process (default), the same fake over its gRPC socket
// (CRI_TARGET=socket), or any CRI endpoint (CRI_ENDPOINT=unix:///...), such as the real containerd
// of scripts/reference. Every target starts each command sequence from an empty runtime: no pods,
// no containers, no images (the sandbox image included), with a registry that serves what the
// reference registry serves (images.ts). Only the fake can be reached behind the CRI: faults and
// a look at its stores. Each target names the containerd version it answers as (the fake's profile,
// or what a live runtime's Version answer names), which the model then describes.

import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { VirtualClock } from "../../fake-containerd/index.ts";
import { registryOf } from "../../fake-containerd/registry.ts";
import type * as v1 from "../../src/cri/api/v1.ts";
import type * as v1alpha2 from "../../src/cri/api/v1alpha2.ts";
import type { CriV1alpha2Client, CriV1Client, ServiceClient } from "../../src/cri/transport/grpc.ts";
import type { CriTarget } from "../../src/transcript/target.ts";
import { createFakeCri, type FakeCri } from "../../src/harness/index.ts";
import { containerdVersionOf, containerdVersions, defaultContainerdVersion, isContainerdVersion, type ContainerdVersion } from "../../src/cri/versions/index.ts";
import { referenceConfigToml } from "../../golden/cri/reference-runtime.ts";

export type RuntimeClient = ServiceClient<typeof v1.RuntimeServiceDefinition>;
export type ImageClient = ServiceClient<typeof v1.ImageServiceDefinition>;
/** The same runtime over the v1alpha2 API (its messages have the same shapes as v1's). */
export type V1alpha2Clients = {
  runtime: ServiceClient<typeof v1alpha2.RuntimeServiceDefinition>;
  image: ServiceClient<typeof v1alpha2.ImageServiceDefinition>;
};

export interface ModelTarget {
  /** For reports: "fake in-process", "fake over its gRPC socket", "unix:///...". */
  readonly name: string;
  /** The environment that makes scripts/model-live.ts use the same target. */
  readonly environment: string;
  /** The containerd version the target answers as. */
  readonly containerd: ContainerdVersion;
  readonly runtime: RuntimeClient;
  readonly image: ImageClient;
  readonly v1alpha2: V1alpha2Clients;
  /** Absolute directory under which pods get their log directories. */
  readonly logRoot: string;
  /** Whether faults can be injected (the fake is behind the target). */
  readonly faults: boolean;
  /** The fake behind the target (faults, stores), once reset; undefined for another runtime. */
  readonly fake: FakeCri | undefined;
  /** The longest a single call may take before the run calls it hung (real milliseconds). */
  readonly callTimeoutMs: number;
  /** Lets the runtime's time pass: a virtual clock advances, real time is slept. */
  elapse(ms: number): Promise<void>;
  /** An empty runtime again, as described above. */
  reset(seed: number): Promise<void>;
  close(): Promise<void>;
}

const archives = ["pause-3.6.oci.tar", "busybox-1.36.oci.tar"].map(
  (name) => new Uint8Array(readFileSync(new URL(`../../golden/cri/images/${name}`, import.meta.url))),
);

/**
 * A fake set up like the reference runtime of a containerd version: its config, its registry
 * (strict: nothing else can be pulled) and no images. The programs run as fake-containerd emulates
 * busybox under runc. The model's random faults need not all fire, so close() keeps quiet about them.
 */
export async function referenceFake(seed: number, containerd: ContainerdVersion): Promise<FakeCri> {
  const fake = await createFakeCri({ seed, containerd, config: referenceConfigToml[containerd], strictImages: true, leftovers: "ignore" });
  const registry = registryOf(fake.containerd);
  for (const archive of archives) await registry.pushArchive(archive);
  await registry.tag("docker.io/library/busybox:stable", "docker.io/library/busybox:1.36");
  for (const image of (await fake.image.listImages({})).images) await fake.image.removeImage({ image: { image: image.id } });
  return fake;
}

/** The fake in-process: calls go straight to its handlers, on its virtual clock. */
export async function inProcessTarget(containerd: ContainerdVersion = defaultContainerdVersion): Promise<ModelTarget> {
  let fake: FakeCri | undefined;
  const current = () => {
    if (!fake) throw new Error("target used before reset()");
    return fake;
  };
  const route = <T extends object>(pick: (f: FakeCri) => T): T =>
    new Proxy({} as T, { get: (_, key) => (pick(current()) as Record<string | symbol, unknown>)[key] });
  return {
    name: `fake in-process answering as containerd ${containerd}`,
    environment: `CRI_TARGET=in-process CRI_CONTAINERD=${containerd}`,
    containerd,
    runtime: route((f) => f.runtime) as unknown as RuntimeClient,
    image: route((f) => f.image) as unknown as ImageClient,
    v1alpha2: {
      runtime: route((f) => f.v1alpha2.runtime) as unknown as V1alpha2Clients["runtime"],
      image: route((f) => f.v1alpha2.image) as unknown as V1alpha2Clients["image"],
    },
    logRoot: "/var/log/pods/model",
    faults: true,
    get fake() {
      return fake;
    },
    callTimeoutMs: 10_000,
    elapse: (ms) => (current().clock as VirtualClock).advance(ms),
    async reset(seed) {
      await fake?.close();
      fake = await referenceFake(seed, containerd);
    },
    async close() {
      await fake?.close();
      fake = undefined;
    },
  };
}

/** The fake served over gRPC on a unix socket, called through the generated client. */
export async function socketTarget(containerd: ContainerdVersion = defaultContainerdVersion): Promise<ModelTarget> {
  const { connectCri } = await import("../../src/cri/transport/grpc.ts");
  const dir = await mkdtemp(join(tmpdir(), "fake-cri-model-"));
  let fake: FakeCri | undefined;
  let client: CriV1Client | undefined;
  let alpha: CriV1alpha2Client | undefined;
  let server: Awaited<ReturnType<FakeCri["serve"]>> | undefined;
  const current = () => {
    if (!client || !alpha) throw new Error("target used before reset()");
    return { v1: client, v1alpha2: alpha };
  };
  const forward = <T extends object>(pick: () => T): T => new Proxy({} as T, { get: (_, key) => (pick() as Record<string | symbol, unknown>)[key] });
  const stop = async () => {
    client?.close();
    alpha?.close();
    alpha = undefined;
    await server?.close();
    await fake?.close();
    client = undefined;
    server = undefined;
    fake = undefined;
  };
  return {
    name: `fake over its gRPC socket answering as containerd ${containerd}`,
    environment: `CRI_TARGET=socket CRI_CONTAINERD=${containerd}`,
    containerd,
    runtime: forward(() => current().v1.runtime),
    image: forward(() => current().v1.image),
    v1alpha2: { runtime: forward(() => current().v1alpha2.runtime), image: forward(() => current().v1alpha2.image) },
    logRoot: "/var/log/pods/model",
    faults: true,
    get fake() {
      return fake;
    },
    callTimeoutMs: 10_000,
    elapse: (ms) => (fake!.clock as VirtualClock).advance(ms),
    async reset(seed) {
      await stop();
      fake = await referenceFake(seed, containerd);
      server = await fake.serve(`unix://${join(dir, `cri-${seed}.sock`)}`);
      client = connectCri(server.endpoint);
      alpha = connectCri(server.endpoint, "v1alpha2");
    },
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Any CRI endpoint of a containerd version the fake has a profile for (its Version answer says
 * which). Reset goes through the CRI: every pod stopped and removed, any container left removed,
 * every image removed, then checked empty. Pods log under a fresh temp dir of this host (the
 * runtime writes container logs there, so it must run on this host).
 */
export async function endpointTarget(endpoint: string): Promise<ModelTarget> {
  const { connectCri } = await import("../../src/cri/transport/grpc.ts");
  const client = connectCri(endpoint);
  const alpha = connectCri(endpoint, "v1alpha2");
  const version = await client.runtime.version({ version: "v1" });
  const containerd = containerdVersionOf(version);
  if (!containerd) {
    client.close();
    alpha.close();
    throw new Error(`${endpoint} is ${version.runtimeName} ${version.runtimeVersion}, a runtime the model has no profile for`);
  }
  const logRoot = await mkdtemp(join(tmpdir(), "fake-cri-model-logs-"));
  const { runtime, image } = client;
  return {
    name: `${endpoint} (${version.runtimeName} ${version.runtimeVersion})`,
    environment: `CRI_ENDPOINT=${endpoint}`,
    containerd,
    runtime,
    image,
    v1alpha2: { runtime: alpha.runtime, image: alpha.image },
    logRoot,
    faults: false,
    fake: undefined,
    callTimeoutMs: 60_000,
    elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    async reset() {
      for (const sandbox of (await runtime.listPodSandbox({})).items) {
        await runtime.stopPodSandbox({ podSandboxId: sandbox.id });
        await runtime.removePodSandbox({ podSandboxId: sandbox.id });
      }
      for (const container of (await runtime.listContainers({})).containers) await runtime.removeContainer({ containerId: container.id });
      for (const found of (await image.listImages({})).images) await image.removeImage({ image: { image: found.id } });
      const left = [
        ...(await runtime.listPodSandbox({})).items.map((s) => `sandbox ${s.id}`),
        ...(await runtime.listContainers({})).containers.map((c) => `container ${c.id}`),
        ...(await image.listImages({})).images.map((i) => `image ${i.id}`),
      ];
      if (left.length > 0) throw new Error(`reset of ${endpoint} left ${left.join(", ")}`);
    },
    async close() {
      client.close();
      alpha.close();
      await rm(logRoot, { recursive: true, force: true });
    },
  };
}

/**
 * The target the environment asks for: CRI_ENDPOINT, else CRI_TARGET=socket, else in-process; the
 * fake answers as CRI_CONTAINERD (default: the fake's default version).
 */
export async function targetFromEnvironment(env: Record<string, string | undefined>): Promise<ModelTarget> {
  if (env.CRI_ENDPOINT) return endpointTarget(env.CRI_ENDPOINT);
  const containerd = env.CRI_CONTAINERD ?? defaultContainerdVersion;
  if (!isContainerdVersion(containerd)) throw new Error(`CRI_CONTAINERD=${containerd}: expected one of ${containerdVersions.join(", ")}`);
  if (env.CRI_TARGET === "socket") return socketTarget(containerd);
  if (env.CRI_TARGET && env.CRI_TARGET !== "in-process") throw new Error(`CRI_TARGET=${env.CRI_TARGET}: expected in-process or socket`);
  return inProcessTarget(containerd);
}

/** The target as the golden/cri scenario runner takes it, to run a rendered scenario. */
export function criTargetOf(target: ModelTarget): CriTarget {
  return {
    runtime: target.runtime as unknown as CriTarget["runtime"],
    image: target.image as unknown as CriTarget["image"],
    v1alpha2: target.v1alpha2 as unknown as NonNullable<CriTarget["v1alpha2"]>,
    reset: () => target.reset(1),
    elapse: (ms) => target.elapse(ms),
  };
}
