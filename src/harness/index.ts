// The public testing API: createFakeCri() builds a fake node (a fake-containerd, the node's
// filesystem) and a CRI plugin over it, and hands out typed in-process clients for both CRI
// services and both API versions, the fake-containerd (to script processes, inject faults, hold
// gates), restart() (a new CRI plugin over the same node, as after a containerd restart), serve()
// (the same plugin over gRPC) and saveState().

import { bindMounts, createFakeContainerd, VirtualClock, type Clock, type FakeContainerd, type FakeContainerdState } from "../../fake-containerd/index.ts";
import * as v1 from "../cri/api/v1.ts";
import * as v1alpha2 from "../cri/api/v1alpha2.ts";
import { criConfigFromObject, parseCriConfig, type CriConfig, type CriConfigInput } from "../cri/config.ts";
import type { CriServer } from "../cri/transport/grpc.ts";
import { MemoryHostFs, type HostFs, type MemoryHostFsState } from "../node/host-fs.ts";
import { memoryNodeFiles, type NodeFiles } from "../node/node-files.ts";
import { createCriServices, CriService, k8sNamespace, type CriServiceHandlers } from "../cri/server/service.ts";
import type { CallContext, CriServices } from "../cri/service-types.ts";
import { inProcessClient, type InProcessClient } from "./client.ts";
import { addImages, type ImageSeed } from "./images.ts";

export type { InProcessCallOptions, InProcessClient, InProcessMethod } from "./client.ts";
export { type ImageDescription, type ImageSeed } from "./images.ts";
export { synthesizeImage } from "../cri/synthetic-images.ts";

export interface FakeCriOptions {
  /** containerd's CRI config: an object laid over the defaults, or config.toml text. */
  config?: CriConfigInput | string;
  /** Seeded IDs and a virtual clock for a new fake-containerd (see createFakeContainerd). */
  seed?: number | bigint;
  clock?: Clock;
  /**
   * Images the node has before the plugin starts (references get a small made-up image). The
   * configured sandbox image is added too, unless `withoutSandboxImage`.
   */
  images?: ImageSeed[];
  /** Start with no sandbox image (as the golden transcripts' runtime did: RunPodSandbox pulls it). */
  withoutSandboxImage?: boolean;
  /** Sit on this fake-containerd instead of a new one. */
  containerd?: FakeContainerd;
  /** The node's own files: checkpoints, pod files, IPAM (default: a new in-memory filesystem). */
  hostFs?: HostFs;
  /**
   * The files requests name: log paths, the host paths of mounts, seccomp profiles (default: the
   * node's in-memory files, so the node has no host behind it). `fake-cri serve` gives the host's
   * files under the roots it may touch.
   */
  nodeFiles?: NodeFiles;
  /**
   * Called when a call succeeded, before it is answered; the answer waits for it (and fails with
   * its error). `fake-cri serve --state` makes the node's changes durable here.
   */
  commit?: () => Promise<void>;
  /** Continue from a saveState() result (its fake-containerd and in-memory filesystem). */
  state?: FakeCriState;
  /** PullImage of an image nobody registered fails as an unknown image does, instead of being made up. */
  strictImages?: boolean;
  /** What Version reports as runtimeVersion. */
  runtimeVersion?: string;
  /** Whether the node has a CNI network config (default true); see CriService.network. */
  networkReady?: boolean;
  /** The streaming server's `http://host:port` for Exec/Attach/PortForward URLs (see CriServiceOptions). */
  streamBaseUrl?: string;
}

export interface FakeCriState {
  format: "fake-cri/1";
  containerd: FakeContainerdState;
  /** The in-memory node filesystem; null when the fake used another one. */
  hostFs: MemoryHostFsState | null;
}

export type RuntimeClient = InProcessClient<typeof v1.RuntimeServiceDefinition>;
export type ImageClient = InProcessClient<typeof v1.ImageServiceDefinition>;
export type V1alpha2RuntimeClient = InProcessClient<typeof v1alpha2.RuntimeServiceDefinition>;
export type V1alpha2ImageClient = InProcessClient<typeof v1alpha2.ImageServiceDefinition>;

export interface FakeCri {
  readonly runtime: RuntimeClient;
  readonly image: ImageClient;
  readonly v1alpha2: { readonly runtime: V1alpha2RuntimeClient; readonly image: V1alpha2ImageClient };
  /** The fake containerd daemon under the plugin. */
  readonly containerd: FakeContainerd;
  readonly hostFs: HostFs;
  readonly clock: Clock;
  /**
   * Moves the fake's virtual clock (the default with a seed) forward by `ms`: scripted exits, stop
   * grace periods and client deadlines fall due. Fails on a real clock, where time passes by itself.
   */
  advance(ms: number): Promise<void>;
  readonly config: CriConfig;
  /** The running CRI plugin (a new one after restart()). */
  readonly service: CriService;
  /** Stops the plugin and starts a new one over the same fake-containerd and filesystem. */
  restart(): Promise<void>;
  /** Serves the plugin over gRPC (v1 and v1alpha2); `listen` as serveCri takes it. */
  serve(listen?: string): Promise<CriServer>;
  /** The node as JSON-serialisable data; createFakeCri({ state }) continues from it. */
  saveState(): FakeCriState;
  /** Stops the plugin and every server started with serve(). */
  close(): Promise<void>;
}

function configFrom(input: CriConfigInput | string | undefined): CriConfig {
  if (typeof input === "string") return parseCriConfig(input);
  return criConfigFromObject(input ?? {});
}

export async function createFakeCri(options: FakeCriOptions = {}): Promise<FakeCri> {
  const config = configFrom(options.config);
  const saved = options.state;
  const hostFs = options.hostFs ?? (saved?.hostFs ? MemoryHostFs.fromState(saved.hostFs) : new MemoryHostFs());
  const nodeFiles = options.nodeFiles ?? memoryNodeFiles(hostFs);
  let containerd: FakeContainerd;
  if (saved) {
    containerd = createFakeContainerd({ state: saved.containerd, nodeFiles, ...(options.clock ? { clock: options.clock } : {}) });
  } else if (options.containerd) {
    containerd = options.containerd;
    containerd.processes.setFilesystem(bindMounts(nodeFiles));
  } else {
    containerd = createFakeContainerd({
      nodeFiles,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
  }
  const seeds: ImageSeed[] = [...(options.images ?? [])];
  const sandboxImageListed = seeds.some((s) => (typeof s === "string" ? s : s.name) === config.sandboxImage);
  if (!sandboxImageListed && !options.withoutSandboxImage) seeds.unshift(config.sandboxImage);
  await addImages(containerd, k8sNamespace, config.containerd.snapshotter, seeds, config.sandboxImage);

  const serviceOptions = {
    config,
    containerd,
    hostFs,
    nodeFiles,
    ...(options.commit ? { commit: options.commit } : {}),
    ...(options.runtimeVersion !== undefined ? { runtimeVersion: options.runtimeVersion } : {}),
    ...(options.networkReady !== undefined ? { networkReady: options.networkReady } : {}),
    ...(options.strictImages !== undefined ? { strictImages: options.strictImages } : {}),
    ...(options.streamBaseUrl !== undefined ? { streamBaseUrl: options.streamBaseUrl } : {}),
  };
  const start = async (): Promise<{ service: CriService; handlers: CriServiceHandlers }> => {
    const service = new CriService(serviceOptions);
    const handlers = createCriServices(service);
    await service.start();
    return { service, handlers };
  };
  let current = await start();
  const servers = new Set<CriServer>();
  const clock = containerd.clock;

  return {
    runtime: inProcessClient(v1.RuntimeServiceDefinition, () => current.handlers.runtime, clock),
    image: inProcessClient(v1.ImageServiceDefinition, () => current.handlers.image, clock),
    v1alpha2: {
      runtime: inProcessClient(v1alpha2.RuntimeServiceDefinition, () => current.handlers.v1alpha2.runtime, clock),
      image: inProcessClient(v1alpha2.ImageServiceDefinition, () => current.handlers.v1alpha2.image, clock),
    },
    containerd,
    hostFs,
    clock,
    async advance(ms: number) {
      if (!(clock instanceof VirtualClock)) throw new Error("advance() needs a virtual clock: pass a seed or a VirtualClock");
      await clock.advance(ms);
    },
    config,
    get service() {
      return current.service;
    },
    async restart() {
      await current.service.stop();
      current = await start();
    },
    async serve(listen?: string) {
      const { serveCri } = await import("../cri/transport/grpc.ts");
      const server = await serveCri(forwardingServices(() => current.handlers), listen === undefined ? {} : { listen });
      servers.add(server);
      return {
        endpoint: server.endpoint,
        close: async () => {
          servers.delete(server);
          await server.close();
        },
      };
    },
    saveState() {
      return {
        format: "fake-cri/1",
        containerd: containerd.saveState(),
        hostFs: hostFs instanceof MemoryHostFs ? hostFs.toState() : null,
      };
    },
    async close() {
      for (const server of [...servers]) await server.close();
      servers.clear();
      await current.service.stop();
    },
  };
}

/**
 * Handlers that call whichever plugin is current, so a server started before restart() answers
 * from the new plugin afterwards. The v1alpha2 services ride along for servers that take them.
 */
function forwardingServices(current: () => CriServiceHandlers): CriServices & { v1alpha2: CriServiceHandlers["v1alpha2"] } {
  const forward = <T extends object>(pick: (h: CriServiceHandlers) => T): T => {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(pick(current()))) {
      out[key] = (request: unknown, call: CallContext) =>
        (pick(current()) as Record<string, (request: unknown, call: CallContext) => unknown>)[key]!(request, call);
    }
    return out as T;
  };
  return {
    runtime: forward((h) => h.runtime),
    image: forward((h) => h.image),
    v1alpha2: { runtime: forward((h) => h.v1alpha2.runtime), image: forward((h) => h.v1alpha2.image) },
  };
}
