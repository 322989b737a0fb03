// The CRI plugin's service object (containerd 1.6.20 pkg/cri/server/service.go): the version profile, the config, the
// stores and name indexes, the fake-containerd it drives (through the k8s.io namespace), the node's
// files (its own in memory, and those requests name), clock and IDs. Every RPC function takes it as its first argument. createCriServices
// assembles the RuntimeService and ImageService handler maps from the RPC table in rpcs.ts, each
// wrapped as containerd's instrumented service wraps its methods.

import type { Clock, FakeContainerd, IdGenerator, NamespaceView } from "../../../fake-containerd/index.ts";
import { wrap } from "../../go/errors.ts";
import { join } from "../../go/filepath.ts";
import type { CriConfig } from "../config.ts";
import type { HostFs } from "../../node/host-fs.ts";
import { memoryNodeFiles, type NodeFiles } from "../../node/node-files.ts";
import type {
  CriImageService,
  CriRuntimeService,
  V1alpha2ImageService,
  V1alpha2RuntimeService,
} from "../service-types.ts";
import { ContainerdContainer } from "../store/containerd-container.ts";
import { ContainerStore } from "../store/container-store.ts";
import { ImageStore } from "../store/image-store.ts";
import { NameRegistrar } from "../store/name-registrar.ts";
import { SandboxStore } from "../store/sandbox-store.ts";
import { ContainerEventQueue } from "./container-events.ts";
import { EventMonitor } from "./events.ts";
import { buildServices } from "./instrumented.ts";
import { CniNetwork } from "./network.ts";
import { recover, type RecoveryProblem } from "./restart.ts";
import { SnapshotStore } from "./snapshots.ts";
import { StreamingRequests } from "./streaming-requests.ts";
import { defaultContainerdVersion, profileOf, type ContainerdProfile, type ContainerdVersion } from "../versions/index.ts";

/** The containerd namespace the CRI plugin keeps everything in (constants.K8sContainerdNamespace). */
export const k8sNamespace = "k8s.io";

/** What a CRI plugin is built from: its config, the fake containerd, the node's filesystem, and what createFakeCri passes on. */
export interface CriServiceOptions {
  config: CriConfig;
  containerd: FakeContainerd;
  /** The node's own files (checkpoints, pod files, IPAM), in memory. */
  hostFs: HostFs;
  /**
   * The files requests name (log paths, mounts' host paths, seccomp profiles). Default: the same
   * in-memory filesystem, a node with no host behind it.
   */
  nodeFiles?: NodeFiles;
  /**
   * Called when a unary call succeeded, before it is answered; the answer waits for it, and fails
   * with its error. `fake-cri serve --state` journals the node's changes here.
   */
  commit?: () => Promise<void>;
  /** The containerd version the plugin answers as (default defaultContainerdVersion). */
  containerdVersion?: ContainerdVersion;
  /** Version's runtimeVersion (default: the version profile's). */
  runtimeVersion?: string;
  /** Whether the node has a CNI network config installed (default true): Status' NetworkReady. */
  networkReady?: boolean;
  /** PullImage of an image no registry has fails, instead of synthesising one. */
  strictImages?: boolean;
  /**
   * Where the streaming server listens (`http://host:port`), for the URLs Exec, Attach and
   * PortForward return, or how to learn it (the harness starts its server on the first request).
   * Default: the configured stream_server_address and stream_server_port.
   */
  streamBaseUrl?: string | (() => Promise<string>);
  /**
   * A host directory for ImageFsInfo and ContainerStats to name as the image filesystem, made by
   * whoever passes it. Default: `<containerd root>/io.containerd.snapshotter.v1.<snapshotter>`,
   * made at start in the node's in-memory files.
   */
  imageFsPath?: string;
}

/** The running CRI plugin: config, stores and name indexes over a fake containerd. Tests may look inside; its shape follows containerd's and may change. */
export class CriService {
  readonly config: CriConfig;
  /** The whole fake daemon (faults, gates, processes, clock). */
  readonly containerd: FakeContainerd;
  /** The k8s.io namespace of the fake, which is what containerd's client gives the plugin. */
  readonly client: NamespaceView;
  readonly hostFs: HostFs;
  readonly nodeFiles: NodeFiles;
  /** What a successful unary call waits for before it is answered (CriServiceOptions.commit). */
  readonly commit: (() => Promise<void>) | undefined;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** What differs between the containerd versions, as the selected one does it. */
  readonly profile: ContainerdProfile;
  readonly runtimeVersion: string;
  readonly strictImages: boolean;
  /** The streaming server's request cache: Exec, Attach and PortForward put requests there. */
  readonly streaming: StreamingRequests;
  /** The image filesystem ImageFsInfo reports (see CriServiceOptions.imageFsPath). */
  readonly imageFsPath: string;
  /** Whether imageFsPath lives in the in-memory files, made at start as containerd's snapshotter makes it. */
  private readonly imageFsInMemory: boolean;
  readonly sandboxStore: SandboxStore;
  readonly sandboxNameIndex: NameRegistrar = new NameRegistrar();
  readonly containerStore: ContainerStore;
  readonly containerNameIndex: NameRegistrar = new NameRegistrar();
  readonly imageStore: ImageStore = new ImageStore();
  readonly snapshotStore: SnapshotStore;
  readonly network: CniNetwork;
  readonly eventMonitor: EventMonitor;
  /** The container events GetContainerEvents streams (profile.containerEvents). */
  readonly containerEvents: ContainerEventQueue = new ContainerEventQueue();
  /** What recovery could not load (containerd logs these and carries on). */
  readonly recoveryProblems: RecoveryProblem[] = [];
  /** Set once recovery is done; until then every RPC fails with "server is not initialized yet". */
  initialized = false;

  constructor(options: CriServiceOptions) {
    this.config = options.config;
    this.containerd = options.containerd;
    this.client = options.containerd.namespace(k8sNamespace);
    this.hostFs = options.hostFs;
    this.nodeFiles = options.nodeFiles ?? memoryNodeFiles(options.hostFs);
    this.commit = options.commit;
    this.clock = options.containerd.clock;
    this.ids = options.containerd.ids;
    this.profile = profileOf(options.containerdVersion ?? defaultContainerdVersion);
    this.runtimeVersion = options.runtimeVersion ?? this.profile.runtimeVersion;
    this.sandboxStore = new SandboxStore(this.profile.emptyIdPrefixText);
    this.containerStore = new ContainerStore(this.profile.emptyIdPrefixText);
    this.strictImages = options.strictImages ?? false;
    const base = options.streamBaseUrl ?? `http://${this.config.streamServerAddress}:${this.config.streamServerPort}`;
    this.streaming = new StreamingRequests(this.clock, this.ids, typeof base === "string" ? () => Promise.resolve(base) : base);
    this.imageFsInMemory = options.imageFsPath === undefined;
    this.imageFsPath =
      options.imageFsPath ?? join(this.config.containerdRootDir, `io.containerd.snapshotter.v1.${this.config.containerd.snapshotter}`);
    this.snapshotStore = new SnapshotStore(this);
    this.network = new CniNetwork(this.config, this.hostFs, options.networkReady ?? true);
    this.eventMonitor = new EventMonitor(this);
  }

  /** Run: subscribe to events, recover state from containerd, start the event monitor, serve. */
  async start(): Promise<void> {
    // The snapshotter's root, which containerd makes when the plugin loads: ImageFsInfo names it and
    // a kubelet reads the filesystem's figures there (statfs), failing while it does not exist.
    if (this.imageFsInMemory) this.hostFs.mkdirAll(join(this.imageFsPath, "snapshots"), 0o700);
    this.eventMonitor.subscribe();
    try {
      await recover(this);
    } catch (err) {
      throw wrap(err, "failed to recover state");
    }
    this.eventMonitor.start();
    await this.snapshotStore.start();
    this.initialized = true;
  }

  /** Close: stops the event monitor; exit monitors that fire later do nothing. */
  async stop(): Promise<void> {
    await this.eventMonitor.stop();
  }

  /** The plugin's handle on the containerd container `id` (which need not exist). */
  containerdContainer(id: string): ContainerdContainer {
    return new ContainerdContainer(this.client, id);
  }
}

/** The handlers a CRI service answers with: v1, and v1alpha2 converted to and from them. */
export interface CriServiceHandlers {
  runtime: CriRuntimeService;
  image: CriImageService;
  v1alpha2: { runtime: V1alpha2RuntimeService; image: V1alpha2ImageService };
}

/**
 * RuntimeService and ImageService of `c` (v1 and v1alpha2), every RPC of the table in rpcs.ts
 * instrumented.
 */
export function createCriServices(c: CriService): CriServiceHandlers {
  return buildServices(c);
}
