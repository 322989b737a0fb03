// The CRI plugin's sandboxes (containerd's pkg/cri/store/sandbox): metadata fixed at creation (it is
// also stored in the pause container's extension, which is how a restart finds it again), a status
// kept in memory only, the pause container, the network namespace and the stop signal.

import type { LinuxContainerResources, PodSandboxConfig } from "../api/v1.ts";
import type { ContainerdContainer } from "./containerd-container.ts";
import { IdIndexStore } from "./id-index-store.ts";
import { SandboxState, type SandboxStatus } from "./sandbox-status.ts";
import { StopSignal } from "./stop-signal.ts";
import type { HostFs } from "../../node/host-fs.ts";
import type { ContainerStats } from "./container-store.ts";

/** One interface of a CNI result (go-cni's Config). */
export interface CniInterface {
  ipConfigs: Array<{ ip: string; gateway: string }>;
  mac: string;
  sandbox: string;
}

/** go-cni's Result, as the plugin keeps it in sandbox metadata (verbose info shows it). */
export interface CniResult {
  interfaces: Record<string, CniInterface>;
  dns: Array<{ nameservers?: string[]; domain?: string; search?: string[]; options?: string[] }>;
  routes: Array<{ dst: string; gw?: string }>;
}

/** sandboxstore.Metadata. */
export interface SandboxMetadata {
  id: string;
  name: string;
  config: PodSandboxConfig;
  /** The network namespace's path ("" for host network). */
  netnsPath: string;
  ip: string;
  additionalIps: string[];
  runtimeHandler: string;
  cniResult?: CniResult;
  processLabel: string;
}

/**
 * A pod's network namespace as the plugin holds it (pkg/netns.NetNS). Nothing is mounted: the mount
 * point is a file on the node, and the namespace is open exactly while that file exists, so a
 * namespace removed before a restart reads as closed to the restarted plugin too.
 */
export class NetNs {
  readonly path: string;
  private readonly fs: HostFs;

  constructor(path: string, fs: HostFs) {
    this.path = path;
    this.fs = fs;
  }

  /** NetNS.Remove: unmounts and deletes the mount point; removing twice is fine. */
  remove(): void {
    this.fs.removeAll(this.path);
  }

  /** NetNS.Closed: whether the namespace is gone. */
  closed(): boolean {
    return !this.fs.exists(this.path);
  }
}

/** How a sandbox status update is told: a pure function of the old status, which may throw to refuse. */
export type SandboxStatusUpdate = (status: SandboxStatus) => SandboxStatus;

/** sandboxstore.StatusStorage: in memory only (a restart reads the state from the task). */
export class SandboxStatusStorage {
  private status: SandboxStatus;

  constructor(status: SandboxStatus) {
    this.status = status;
  }

  get(): SandboxStatus {
    return { ...this.status };
  }

  /** The status itself, not a copy: an update replaces it, so it stays as it is now (not to be changed). */
  current(): Readonly<SandboxStatus> {
    return this.status;
  }

  update(update: SandboxStatusUpdate): void {
    this.status = update({ ...this.status });
  }
}

/** A CRI sandbox: sandboxstore.Sandbox. */
export class Sandbox {
  readonly metadata: SandboxMetadata;
  readonly status: SandboxStatusStorage;
  /** The pause container. */
  container: ContainerdContainer | undefined;
  netns: NetNs | undefined;
  /** Closed once the sandbox has stopped (containerd's StopCh). */
  readonly stopCh: StopSignal = new StopSignal();
  stats: ContainerStats | undefined;
  /**
   * When 2.x's sandbox record was made (RunPodSandbox's start): what PodSandboxStatus reports once
   * the sandbox controller no longer knows the sandbox. 0 where unknown (a recovered sandbox).
   */
  recordCreatedAt = 0n;
  /** What UpdatePodSandboxResources last set (2.x's status.Overhead and status.Resources). */
  updatedResources: { overhead: LinuxContainerResources | undefined; resources: LinuxContainerResources | undefined } | undefined;

  /** NewSandbox; a status that is not ready closes the stop signal. */
  constructor(metadata: SandboxMetadata, status: SandboxStatus, container?: ContainerdContainer) {
    this.metadata = metadata;
    this.status = new SandboxStatusStorage(status);
    this.container = container;
    if (status.state === SandboxState.NotReady) this.stopCh.stop();
  }

  get id(): string {
    return this.metadata.id;
  }
}

export class SandboxStore {
  private readonly byId: IdIndexStore<Sandbox>;

  /** `emptyPrefixText`: the error for an empty ID, as the containerd version words it. */
  constructor(emptyPrefixText?: string) {
    this.byId = new IdIndexStore<Sandbox>(emptyPrefixText);
  }

  /** Add: already exists when the ID is taken. */
  add(sandbox: Sandbox): void {
    this.byId.add(sandbox);
  }

  /** Get by ID or unique ID prefix: not found, or the index's error for an ambiguous or empty prefix. */
  get(idOrPrefix: string): Sandbox {
    return this.byId.get(idOrPrefix);
  }

  getExact(id: string): Sandbox | undefined {
    return this.byId.getExact(id);
  }

  list(): Sandbox[] {
    return this.byId.list();
  }

  get size(): number {
    return this.byId.size;
  }

  updateContainerStats(idOrPrefix: string, stats: ContainerStats): void {
    this.byId.get(idOrPrefix).stats = stats;
  }

  /** Delete: forgets the sandbox; nothing happens for an unknown ID. */
  delete(idOrPrefix: string): void {
    this.byId.delete(idOrPrefix);
  }
}
