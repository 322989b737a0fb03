// The public testing API: createFakeCri() builds a fake node (a fake-containerd, the node's
// filesystem) and a CRI plugin over it, and hands out typed in-process clients for both CRI
// services and both API versions, the fake-containerd (to script processes, inject faults, hold
// gates), restart() (a new CRI plugin over the same node, as after a containerd restart), serve()
// (the same plugin over gRPC), exec() and attach() (streams without HTTP; the streaming server
// itself starts with the first Exec, Attach or PortForward URL), saveState(), and CRI-level
// controls: the call log, failNext and onCall.

import {
  bindMounts,
  ContainerdError,
  createFakeContainerd,
  VirtualClock,
  type Clock,
  type FakeContainerd,
  type FakeContainerdState,
} from "../../fake-containerd/index.ts";
import * as v1 from "../cri/api/v1.ts";
import * as v1alpha2 from "../cri/api/v1alpha2.ts";
import {
  containerdVersions,
  defaultContainerdVersion,
  profileOf,
  type ContainerdProfile,
  type ContainerdVersion,
} from "../cri/versions/index.ts";
import { criConfigFromObject, parseCriConfig, type CriConfig, type CriConfigInput } from "../cri/config.ts";
import type { CriServer } from "../cri/transport/grpc.ts";
import type { StreamingServer } from "../cri/transport/streaming-server.ts";
import { MemoryHostFs, type HostFs, type MemoryHostFsState } from "../node/host-fs.ts";
import { memoryNodeFiles, type NodeFiles } from "../node/node-files.ts";
import { createCriServices, CriService, k8sNamespace, type CriServiceHandlers } from "../cri/server/service.ts";
import type { CallContext, CriServices } from "../cri/service-types.ts";
import { CallControls, type CallHandler, type InjectedError } from "./call-controls.ts";
import { CallLog } from "./calls.ts";
import type { UnaryCriMethod } from "./cri-methods.ts";
import { inProcessClient, type InProcessClient } from "./client.ts";
import { addImages, type ImageSeed } from "./images.ts";
import { attachSession, execSession, type AttachSession, type ExecSession, type StreamOptions } from "./streams.ts";
import { checkName } from "../../fake-containerd/names.ts";

export type { InProcessCallOptions, InProcessClient, InProcessMethod } from "./client.ts";
export type { ImageDescription, ImageSeed } from "./images.ts";
export type { AttachSession, ExecSession, StreamOptions, StreamSession } from "./streams.ts";
export { synthesizeImage } from "../cri/images/synthesize.ts";
export type {
  CriCniConfig,
  CriConfig,
  CriConfigInput,
  CriContainerdConfig,
  CriPluginConfig,
  CriRegistryAuth,
  CriRegistryConfig,
  CriRegistryTls,
  CriRuntime,
} from "../cri/config.ts";
export type { CriService, CriServiceOptions } from "../cri/server/service.ts";
export { containerdVersions, type ContainerdProfile, type ContainerdVersion, type RpcSupport } from "../cri/versions/index.ts";
export {
  HostFsError,
  MemoryHostFs,
  type AppendHandle,
  type FileText,
  type HostFs,
  type HostFsErrorCode,
  type HostFsStat,
  type MemoryHostFsChange,
  type MemoryHostFsEntry,
  type MemoryHostFsState,
} from "../node/host-fs.ts";
export { HostBoundaryError, memoryNodeFiles, type NodeFileChange, type NodeFiles, type PreparedPaths } from "../node/node-files.ts";
export type { CallExpectation, CallLog, CriCall, CriCallOf } from "./calls.ts";
export type { CallHandler, InjectedError } from "./call-controls.ts";
export { criMethods, unaryCriMethods, type CriMethod, type CriRequest, type CriResponse, type UnaryCriMethod } from "./cri-methods.ts";

/** What createFakeCri() takes; every field is optional. */
export interface FakeCriOptions {
  /**
   * containerd's CRI config: an object laid over the defaults, or config.toml text (version 1 or 2;
   * under 2.4 also 3 or 4).
   */
  config?: CriConfigInput | string;
  /**
   * Seeded IDs and, unless `clock` is given, a virtual clock that only `advance()` moves (see
   * createFakeContainerd). Without a seed: random IDs and real time.
   */
  seed?: number | bigint;
  /** The fake's clock (default: virtual with a seed, else real). */
  clock?: Clock;
  /**
   * Images the node has before the plugin starts: references (a small image is made up for each) or
   * image descriptions. The configured sandbox image is added too, unless `withoutSandboxImage`.
   */
  images?: ImageSeed[];
  /**
   * Start without the sandbox image (by default it is there, as on a node that has run pods):
   * RunPodSandbox then pulls it first, as the golden transcripts' containerd did.
   */
  withoutSandboxImage?: boolean;
  /**
   * Which containerd: the version the fake answers as, `"2.4"` (containerd 2.4.2, the default) or
   * `"1.6"` (1.6.20); or a fake-containerd to sit on instead of a new one (answered as 2.4; `seed`
   * and `clock` are then its business).
   */
  containerd?: ContainerdVersion | FakeContainerd;
  /**
   * The node's own files, where the plugin keeps status checkpoints, pod files (hostname, hosts,
   * resolv.conf), IPAM reservations and, in a node with no host behind it, container logs.
   * Default: a new MemoryHostFs, saved with saveState().
   */
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
  /** What Version reports as runtimeVersion (default: the containerd version's, `v2.4.2` or Debian's `1.6.20~ds1`). */
  runtimeVersion?: string;
  /** Whether the node has a CNI network config (default true): Status reports NetworkReady false without. */
  networkReady?: boolean;
  /**
   * Where Exec, Attach and PortForward URLs point (`http://host:port`), for a streaming server of
   * your own. By default the fake serves them itself: its streaming server (Node) starts, on the
   * configured stream_server_address and port, when the first URL is asked for.
   */
  streamBaseUrl?: string;
  /**
   * A directory you made for ImageFsInfo and ContainerStats to name as the image filesystem. By
   * default they name containerd's (`/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs`),
   * which exists only in the node's in-memory files; `fake-cri serve` gives one in its data dir,
   * since a kubelet reads the filesystem's figures there (statfs).
   */
  imageFsPath?: string;
  /**
   * Whether `calls` keeps every CRI call (default true). A long-running fake (`fake-cri serve`)
   * turns it off; `calls.subscribe()` listeners hear of calls either way.
   */
  recordCalls?: boolean;
  /**
   * What close() does about test setup left over: faults and failNext/onCall injections that never
   * fired, gates still open (their held calls are failed). "warn" (the default) prints them with
   * console.warn, "error" makes close() reject with them, "ignore" says nothing. close() returns
   * them in every case.
   */
  leftovers?: "warn" | "error" | "ignore";
}

/** A fake node saved as JSON-serialisable data (FakeCri.saveState()). */
export interface FakeCriState {
  /** Which layout this is. */
  format: "fake-cri/1";
  /** The fake containerd: namespaces, containers, tasks, images, snapshots, faults, scripts, clock, IDs. */
  containerd: FakeContainerdState;
  /** The in-memory node filesystem; null when the fake used another one. */
  hostFs: MemoryHostFsState | null;
}

/** An in-process client of CRI v1's RuntimeService. */
export type RuntimeClient = InProcessClient<typeof v1.RuntimeServiceDefinition>;
/** An in-process client of CRI v1's ImageService. */
export type ImageClient = InProcessClient<typeof v1.ImageServiceDefinition>;
/** An in-process client of CRI v1alpha2's RuntimeService. */
export type V1alpha2RuntimeClient = InProcessClient<typeof v1alpha2.RuntimeServiceDefinition>;
/** An in-process client of CRI v1alpha2's ImageService. */
export type V1alpha2ImageClient = InProcessClient<typeof v1alpha2.ImageServiceDefinition>;

/** A fake node with containerd's CRI plugin on it; see createFakeCri(). */
export interface FakeCri {
  /** RuntimeService (v1), called in process: `await fake.runtime.runPodSandbox({ config })`. */
  readonly runtime: RuntimeClient;
  /** ImageService (v1), called in process. */
  readonly image: ImageClient;
  /** Both services in CRI v1alpha2, answered as containerd answers the old API. */
  readonly v1alpha2: { readonly runtime: V1alpha2RuntimeClient; readonly image: V1alpha2ImageClient };
  /** The fake containerd daemon under the plugin: script processes, inject faults, hold gates. */
  readonly containerd: FakeContainerd;
  /** The node's filesystem (logs, pod files, status checkpoints). */
  readonly hostFs: HostFs;
  /** The fake's clock (containerd's). */
  readonly clock: Clock;
  /**
   * Moves the fake's virtual clock (the default with a seed) forward by `ms`: scripted exits, stop
   * grace periods and client deadlines fall due. Fails on a real clock, where time passes by itself.
   */
  advance(ms: number): Promise<void>;
  /** The CRI config the plugin runs with. */
  readonly config: CriConfig;
  /** The running CRI plugin (a new one after restart()). */
  readonly service: CriService;
  /**
   * Every CRI call the fake answered, in process or over a socket from serve(), in the order they
   * arrived: method, request, response or error, timing. `calls.assertCalled(method, { times, request })`
   * checks it.
   */
  readonly calls: CallLog;
  /**
   * Fails the next call of `method` (a unary RPC, named as on the wire: "RunPodSandbox") with
   * `error` (default: Unknown) before it reaches the plugin, in process and over the socket alike.
   * Several queue up.
   */
  failNext(method: UnaryCriMethod, error?: InjectedError): void;
  /**
   * Lets `handler` answer calls of `method` first: it returns a response (or its fields), throws to
   * fail the call, or calls `next(request)` to pass it on. Returns the function that removes it.
   */
  onCall<M extends UnaryCriMethod>(method: M, handler: CallHandler<M>): () => void;
  /** Stops the plugin and starts a new one over the same fake-containerd and filesystem. */
  restart(): Promise<void>;
  /** Serves the plugin over gRPC (v1 and v1alpha2); `listen` as serveCri takes it (default: a new socket in the temp dir). */
  serve(listen?: string): Promise<CriServer>;
  /**
   * Runs a command in a running container with interactive streams, as `crictl exec -i [-t]`
   * does, without HTTP: write to stdin, read the output as it comes, resize the terminal, await the
   * exit code.
   */
  exec(containerId: string, cmd: string[], options?: StreamOptions): ExecSession;
  /** Attaches to a running container's process, as `crictl attach` does, without HTTP. */
  attach(containerId: string, options?: StreamOptions): AttachSession;
  /** The node as JSON-serialisable data; createFakeCri({ state }) continues from it. */
  saveState(): FakeCriState;
  /**
   * Stops the plugin and every server started with serve(). Gates still open are failed (their
   * held calls reject); faults and failNext/onCall injections that never fired are reported as the
   * `leftovers` option says. Resolves with what was left over, one line each.
   */
  close(): Promise<string[]>;
}

function configFrom(input: CriConfigInput | string | undefined, profile: ContainerdProfile): CriConfig {
  if (typeof input === "string") return parseCriConfig(input, { defaults: profile.defaultConfigChanges, maxVersion: profile.configVersion });
  return criConfigFromObject(input ?? {}, profile.defaultConfigChanges);
}

/**
 * A fake node with containerd's CRI plugin (2.4.2's, or 1.6.20's with `containerd: "1.6"`) over a
 * fake containerd, ready to be called in
 * process (`fake.runtime`, `fake.image`) or served over gRPC (`fake.serve()`).
 *
 * @example
 * const fake = await createFakeCri({ seed: 1, images: ["busybox:1.36"] });
 * const { podSandboxId } = await fake.runtime.runPodSandbox({ config: { metadata: { name: "web", namespace: "default", uid: "1" } } });
 * await fake.close();
 */
export async function createFakeCri(options: FakeCriOptions = {}): Promise<FakeCri> {
  const leftovers = options.leftovers ?? "warn";
  checkName("leftovers mode", leftovers, ["warn", "error", "ignore"]);
  const containerdVersion = typeof options.containerd === "string" ? options.containerd : defaultContainerdVersion;
  checkName("containerd version", containerdVersion, containerdVersions);
  const profile = profileOf(containerdVersion);
  const config = configFrom(options.config, profile);
  const shimUnknownSuffix = profile.shimUnknownErrorsEndUnknown;
  const saved = options.state;
  const hostFs = options.hostFs ?? (saved?.hostFs ? MemoryHostFs.fromState(saved.hostFs) : new MemoryHostFs());
  const nodeFiles = options.nodeFiles ?? memoryNodeFiles(hostFs);
  let containerd: FakeContainerd;
  if (saved) {
    containerd = createFakeContainerd({ state: saved.containerd, nodeFiles, shimUnknownSuffix, ...(options.clock ? { clock: options.clock } : {}) });
  } else if (typeof options.containerd === "object") {
    containerd = options.containerd;
    containerd.processes.setFilesystem(bindMounts(nodeFiles, containerd.mountedSnapshots));
  } else {
    containerd = createFakeContainerd({
      nodeFiles,
      shimUnknownSuffix,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
  }
  const seeds: ImageSeed[] = [...(options.images ?? [])];
  const sandboxImageListed = seeds.some((s) => (typeof s === "string" ? s : s.name) === config.sandboxImage);
  if (!sandboxImageListed && !options.withoutSandboxImage) seeds.unshift(config.sandboxImage);
  await addImages(containerd, k8sNamespace, config.containerd.snapshotter, seeds, config.sandboxImage);

  // The streaming server starts with the first URL asked for, so a fake that streams nothing
  // listens on nothing; it serves whichever plugin is current.
  let streaming: Promise<StreamingServer> | undefined;
  const streamingServer = (): Promise<StreamingServer> =>
    (streaming ??= import("../cri/transport/streaming-server.ts").then(async (m) =>
      m.startStreamingServer({ ...(await m.streamingServerSettings(config)), service: () => current.service }),
    ));
  const serviceOptions = {
    config,
    containerd,
    hostFs,
    nodeFiles,
    ...(options.commit ? { commit: options.commit } : {}),
    containerdVersion,
    streamBaseUrl: options.streamBaseUrl ?? (async () => (await streamingServer()).baseUrl),
    ...(options.runtimeVersion !== undefined ? { runtimeVersion: options.runtimeVersion } : {}),
    ...(options.networkReady !== undefined ? { networkReady: options.networkReady } : {}),
    ...(options.strictImages !== undefined ? { strictImages: options.strictImages } : {}),
    ...(options.imageFsPath !== undefined ? { imageFsPath: options.imageFsPath } : {}),
  };
  const clock = containerd.clock;
  const calls = new CallLog(options.recordCalls ?? true);
  const controls = new CallControls(calls, clock);
  const start = async (): Promise<{ service: CriService; handlers: CriServiceHandlers }> => {
    const service = new CriService(serviceOptions);
    const handlers = controls.wrap(createCriServices(service));
    await service.start();
    return { service, handlers };
  };
  let current = await start();
  const servers = new Set<CriServer>();

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
    calls,
    failNext: (method, error) => controls.failNext(method, error),
    onCall: (method, handler) => controls.onCall(method, handler),
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
    exec(containerId, cmd, streamOptions = {}) {
      return execSession(current.service, containerId, cmd, streamOptions);
    },
    attach(containerId, streamOptions = {}) {
      return attachSession(current.service, containerId, streamOptions);
    },
    saveState() {
      return {
        format: "fake-cri/1",
        containerd: containerd.saveState(),
        hostFs: hostFs instanceof MemoryHostFs ? hostFs.toState() : null,
      };
    },
    async close() {
      const found = [...failOpenGates(containerd), ...unfiredFaults(containerd), ...controls.unfired()];
      for (const server of [...servers]) await server.close();
      servers.clear();
      if (streaming) await (await streaming.catch(() => undefined))?.close();
      await current.service.stop();
      return reportLeftovers(found, leftovers);
    },
  };
}

/** Fails the calls open gates hold (so nothing waits forever) and says what each gate was doing. */
function failOpenGates(containerd: FakeContainerd): string[] {
  return containerd.operations.openGates().map((gate) => {
    const name = `gate on ${gate.op}${gate.subject === undefined ? "" : ` (${gate.subject})`}`;
    const held = gate.held;
    gate.fail(new ContainerdError("unavailable", `fake-cri closed while a ${name} held this call`));
    return held === 0 ? `${name} was never reached` : `${name} still held ${held} call(s) at close(); they were failed`;
  });
}

function unfiredFaults(containerd: FakeContainerd): string[] {
  return containerd.faults
    .list()
    .filter((f) => f.fired === 0)
    .map((f) => `fault ${JSON.stringify(f.spec)} never fired (${f.matched} matching call(s))`);
}

function reportLeftovers(leftovers: string[], mode: "warn" | "error" | "ignore"): string[] {
  if (leftovers.length === 0 || mode === "ignore") return leftovers;
  const text = `fake-cri: close() found test setup left over:\n${leftovers.map((l) => `  - ${l}`).join("\n")}`;
  if (mode === "error") throw new Error(text);
  console.warn(text);
  return leftovers;
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
