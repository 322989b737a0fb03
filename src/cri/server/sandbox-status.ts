// PodSandboxStatus (containerd 1.6.20 sandbox_status.go): the status from the sandbox's metadata
// and state (no address for a host-network pod or once the network namespace is gone), and with
// `verbose` the `info` map containerd builds: {"info": <JSON of its SandboxInfo>}, the config and
// the CNI result as encoding/json writes containerd's Go structs.

import { isNotFound } from "../../../fake-containerd/index.ts";
import { wrap } from "../../go/errors.ts";
import type { RuntimeOptions } from "../../go/toml-options.ts";
import { structOf } from "../../go/toml-options.ts";
import { getRuntimeOptions } from "../helpers/runtime-options.ts";
import {
  type LinuxContainerResources,
  NamespaceMode,
  type PodSandboxConfig,
  type PodSandboxStatus,
  PodSandboxState,
  type PodSandboxStatusRequest,
  type PodSandboxStatusResponse,
} from "../api/v1.ts";
import { goJson, GoJsonText, type GoJsonValue } from "../../go/json.ts";
import type { CallContext } from "../service-types.ts";
import type { CniResult, Sandbox, SandboxMetadata } from "../store/sandbox-store.ts";
import { SandboxState, type SandboxStatus } from "../store/sandbox-status.ts";
import { parseSpec, specJson } from "../oci/oci-defaults.ts";
import type { CriService } from "./service.ts";

export async function podSandboxStatus(c: CriService, r: PodSandboxStatusRequest, _call: CallContext): Promise<PodSandboxStatusResponse> {
  let sandbox: Sandbox;
  try {
    sandbox = c.sandboxStore.get(r.podSandboxId);
  } catch (err) {
    throw wrap(err, "an error occurred when try to find sandbox");
  }
  const response = (await podSandboxStatusLater(c, sandbox)).response();
  if (!r.verbose) return response;
  const { status } = response;
  const always = c.profile.sandboxStatusInfo === "always";
  let info: Record<string, GoJsonValue | undefined>;
  try {
    info = await sandboxInfo(sandbox);
  } catch (err) {
    throw wrap(err, "failed to get verbose sandbox container info");
  }
  if (always) {
    // 2.x re-reads the controller's JSON into its SandboxInfo struct: runtimeHandler is not a field
    // there, the metadata is, and runtimeOptions (any) comes back as a map.
    const { runtimeOptions } = info;
    info = {
      ...info,
      runtimeHandler: undefined,
      runtimeOptions:
        runtimeOptions && typeof runtimeOptions === "object"
          ? new Map(Object.entries(runtimeOptions).filter((entry): entry is [string, GoJsonValue] => entry[1] !== undefined))
          : null,
      sandboxMetadata: sandboxMetadataJson(sandbox.metadata),
      ...updatedResourcesJson(sandbox.updatedResources),
    };
  }
  return { status, info: { info: goJson(info) }, containersStatuses: [], timestamp: 0n };
}

/**
 * PodSandboxStatus without verbose as it is now, made into the response when read: what it reads
 * is taken now (the status and resources are replaced on change, never changed), the response is
 * made only if someone reads it (a container event may be held minutes for nobody).
 */
export async function podSandboxStatusLater(c: CriService, sandbox: Sandbox): Promise<PodSandboxStatusLater> {
  const current = sandbox.status.current();
  let createdAt = current.createdAt;
  if (createdAt === 0n && c.profile.sandboxController && sandbox.recordCreatedAt !== 0n) {
    // 2.x: the controller no longer knows it (removed); the sandbox record's time.
    createdAt = sandbox.recordCreatedAt;
  } else if (createdAt === 0n) {
    // The CRI does not allow a zero creation time.
    try {
      createdAt = (await sandbox.container!.info()).createdAt;
    } catch (err) {
      throw wrap(err, `failed to get CreatedAt for sandbox container in ${podSandboxStateName(criSandboxState(current.state))} state`);
    }
  }
  return new PodSandboxStatusLater(c.profile, sandbox, current, createdAt);
}

/** What podSandboxStatusLater took: a small object rather than a closure and its context. */
export class PodSandboxStatusLater {
  private readonly profile: CriService["profile"];
  private readonly shown: StatusMetadata;
  private readonly current: SandboxStatus;
  private readonly createdAt: bigint;
  private readonly ip: string;
  private readonly additionalIps: readonly string[];
  private readonly updatedResources: Sandbox["updatedResources"];

  constructor(profile: CriService["profile"], sandbox: Sandbox, current: SandboxStatus, createdAt: bigint) {
    this.profile = profile;
    this.shown = statusMetadata(sandbox.metadata);
    this.current = current;
    this.createdAt = createdAt;
    const { ip, additionalIps } = getIps(sandbox);
    this.ip = ip;
    this.additionalIps = additionalIps;
    this.updatedResources = sandbox.updatedResources;
  }

  /** The response, made now from what was taken. */
  response(): PodSandboxStatusResponse {
    const { profile, shown, updatedResources } = this;
    const status = toCriSandboxStatus(shown, this.current, this.ip, this.additionalIps);
    if (profile.sandboxStatusNamespaceOptions === "as-given") status.linux = { namespaces: { options: shown.config.linux?.securityContext?.namespaceOptions } };
    status.createdAt = this.createdAt;
    const always = profile.sandboxStatusInfo === "always";
    const info: Record<string, string> = !always ? {} : { info: updatedResources ? goJson({ ...zeroSandboxInfo, ...updatedResourcesJson(updatedResources) }) : zeroSandboxInfoJson };
    return { status, info, containersStatuses: [], timestamp: 0n };
  }
}

/**
 * What a status shows of a sandbox's metadata, made once per sandbox (every status taken shares
 * it): a held event keeps this much of a removed pod, not its whole metadata (the CNI result).
 */
function statusMetadata(metadata: SandboxMetadata): StatusMetadata {
  let shown = statusMetadataOf.get(metadata);
  if (!shown) {
    const { id, runtimeHandler, config } = metadata;
    shown = { id, runtimeHandler, config: { metadata: config.metadata, labels: config.labels, annotations: config.annotations, linux: config.linux } };
    statusMetadataOf.set(metadata, shown);
  }
  return shown;
}

const statusMetadataOf = new WeakMap<SandboxMetadata, StatusMetadata>();

/** SandboxInfo's overhead and resources (omitempty): what UpdatePodSandboxResources last set. */
function updatedResourcesJson(updated: Sandbox["updatedResources"]): { overhead?: GoJsonValue; resources?: GoJsonValue } {
  if (!updated) return {};
  return { overhead: { linux: resourcesJson(updated.overhead) }, resources: { linux: resourcesJson(updated.resources) } };
}

/** containerd 2.x's SandboxInfo with Go's zero values: PodSandboxStatus' info without verbose. */
const zeroSandboxInfo: { [field: string]: GoJsonValue } = {
  pid: 0,
  processStatus: "",
  netNamespaceClosed: false,
  image: "",
  snapshotKey: "",
  snapshotter: "",
  runtimeType: "",
  runtimeOptions: null,
  config: null,
  runtimeSpec: null,
  cniResult: null,
  sandboxMetadata: null,
};

/** Its JSON, the same for every sandbox whose resources were never updated. */
const zeroSandboxInfoJson = goJson(zeroSandboxInfo);

/** sandboxstore.Metadata as its MarshalJSON writes it: versioned, Go field names. */
function sandboxMetadataJson(meta: SandboxMetadata): GoJsonValue {
  return {
    Version: "v1",
    Metadata: {
      ID: meta.id,
      Name: meta.name,
      Config: podSandboxConfigJson(meta.config),
      NetNSPath: meta.netnsPath,
      IP: meta.ip,
      AdditionalIPs: meta.additionalIps.length > 0 ? meta.additionalIps : null,
      RuntimeHandler: meta.runtimeHandler,
      CNIResult: meta.cniResult ? cniResultJson(meta.cniResult) : null,
      ProcessLabel: meta.processLabel,
    },
  };
}

function podSandboxStateName(state: PodSandboxState): string {
  return state === PodSandboxState.SANDBOX_READY ? "SANDBOX_READY" : "SANDBOX_NOTREADY";
}

/** getIPs: none for a host-network pod or a closed network namespace. */
function getIps(sandbox: Sandbox): { ip: string; additionalIps: readonly string[] } {
  const config = sandbox.metadata.config;
  if (config.linux?.securityContext?.namespaceOptions?.network === NamespaceMode.NODE) return noIps;
  if (!sandbox.netns || sandbox.netns.closed()) return noIps;
  return { ip: sandbox.metadata.ip, additionalIps: sandbox.metadata.additionalIps };
}

const noIps = { ip: "", additionalIps: [] } as const;

/** The CRI state of a sandbox: ready, or not ready for anything else (unknown included). */
export function criSandboxState(state: SandboxState): PodSandboxState {
  return state === SandboxState.Ready ? PodSandboxState.SANDBOX_READY : PodSandboxState.SANDBOX_NOTREADY;
}

/** toCRISandboxStatus. */
/** What a status shows of the sandbox's metadata. */
interface StatusMetadata {
  id: string;
  runtimeHandler: string;
  config: Pick<PodSandboxConfig, "metadata" | "labels" | "annotations" | "linux">;
}

function toCriSandboxStatus(meta: StatusMetadata, status: SandboxStatus, ip: string, additionalIps: readonly string[]): PodSandboxStatus {
  const nsOptions = meta.config.linux?.securityContext?.namespaceOptions;
  return {
    id: meta.id,
    metadata: meta.config.metadata,
    state: criSandboxState(status.state),
    createdAt: status.createdAt,
    network: { ip, additionalIps: additionalIps.map((a) => ({ ip: a })) },
    linux: {
      namespaces: {
        options: {
          network: nsOptions?.network ?? NamespaceMode.POD,
          pid: nsOptions?.pid ?? NamespaceMode.POD,
          ipc: nsOptions?.ipc ?? NamespaceMode.POD,
          targetId: "",
          usernsOptions: undefined,
        },
      },
    },
    labels: meta.config.labels,
    annotations: meta.config.annotations,
    runtimeHandler: meta.runtimeHandler,
  };
}

/** toCRISandboxInfo: containerd's SandboxInfo, to be written as JSON. */
async function sandboxInfo(sandbox: Sandbox): Promise<Record<string, GoJsonValue | undefined>> {
  const container = sandbox.container!;
  let task;
  try {
    task = await container.task();
  } catch (err) {
    if (!isNotFound(err)) throw wrap(err, "failed to get sandbox container task");
  }
  // A task that is gone shows as "deleted", a status containerd itself does not have.
  let processStatus = "deleted";
  if (task) {
    try {
      processStatus = (await task.status()).status;
    } catch (err) {
      if (!isNotFound(err)) throw wrap(err, "failed to get task status");
      processStatus = "unknown";
    }
  }
  const netNamespaceClosed = sandbox.netns ? sandbox.netns.closed() : false;

  let spec;
  try {
    const record = await container.info();
    spec = parseSpec(record.spec ?? { typeUrl: "", value: new Uint8Array() });
  } catch (err) {
    throw wrap(err, "failed to get sandbox container runtime spec");
  }

  let info;
  try {
    info = await container.info();
  } catch (err) {
    throw wrap(err, "failed to get sandbox container info");
  }
  let runtimeOptions: RuntimeOptions | undefined;
  try {
    runtimeOptions = getRuntimeOptions(info);
  } catch (err) {
    throw wrap(err, "failed to get runtime options");
  }

  const meta = sandbox.metadata;
  return {
    pid: sandbox.status.get().pid,
    processStatus,
    netNamespaceClosed,
    image: info.image,
    snapshotKey: info.snapshotKey,
    snapshotter: info.snapshotter,
    runtimeHandler: meta.runtimeHandler,
    runtimeType: info.runtime.name,
    runtimeOptions: runtimeOptions ? runtimeOptionsJson(runtimeOptions) : null,
    config: podSandboxConfigJson(meta.config),
    runtimeSpec: new GoJsonText(specJson(spec)),
    cniResult: meta.cniResult ? cniResultJson(meta.cniResult) : null,
  };
}

/** A runtime options message as encoding/json writes the generated Go struct (proto names, omitempty). */
export function runtimeOptionsJson(options: RuntimeOptions): GoJsonValue {
  const message = options.message as unknown as Record<string, GoJsonValue>;
  const out: Record<string, GoJsonValue | undefined> = {};
  for (const field of structOf(options).fields) {
    if (typeof field.target !== "object") continue;
    const value = message[field.target.prop];
    const name = field.name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
    out[name] = value === "" || value === false || value === 0 || value === undefined ? undefined : value;
  }
  return out;
}

const omitZero = <T extends GoJsonValue>(v: T, zero: unknown): T | undefined => (v === zero ? undefined : v);
const omitEmpty = (v: readonly GoJsonValue[] | undefined): readonly GoJsonValue[] | undefined => (v && v.length > 0 ? v : undefined);
const omitEmptyMap = (v: Record<string, string> | undefined): Map<string, string> | undefined =>
  v && Object.keys(v).length > 0 ? new Map(Object.entries(v)) : undefined;

function resourcesJson(r: LinuxContainerResources | undefined): GoJsonValue | undefined {
  if (!r) return undefined;
  return {
    cpu_period: omitZero(r.cpuPeriod, 0n),
    cpu_quota: omitZero(r.cpuQuota, 0n),
    cpu_shares: omitZero(r.cpuShares, 0n),
    memory_limit_in_bytes: omitZero(r.memoryLimitInBytes, 0n),
    oom_score_adj: omitZero(r.oomScoreAdj, 0n),
    cpuset_cpus: omitZero(r.cpusetCpus, ""),
    cpuset_mems: omitZero(r.cpusetMems, ""),
    hugepage_limits: omitEmpty(r.hugepageLimits.map((h) => ({ page_size: omitZero(h.pageSize, ""), limit: omitZero(h.limit, 0n) }))),
    unified: omitEmptyMap(r.unified),
    memory_swap_limit_in_bytes: omitZero(r.memorySwapLimitInBytes, 0n),
  };
}

/**
 * A PodSandboxConfig as encoding/json writes the CRI API's Go struct (k8s.io/cri-api v0.25.0, the
 * one containerd 1.6.20 has): proto field names, empty fields left out, enums as numbers. Fields
 * newer than that API are not there, as containerd never decoded them.
 */
function podSandboxConfigJson(config: PodSandboxConfig): GoJsonValue {
  const m = config.metadata;
  const dns = config.dnsConfig;
  const linux = config.linux;
  const sc = linux?.securityContext;
  const ns = sc?.namespaceOptions;
  const profile = (p: { profileType: number; localhostRef: string } | undefined) =>
    p && { profile_type: omitZero(p.profileType, 0), localhost_ref: omitZero(p.localhostRef, "") };
  const int64Value = (v: { value: bigint } | undefined) => v && { value: omitZero(v.value, 0n) };
  const idMappings = (ms: readonly { hostId: number; containerId: number; length: number }[]) =>
    omitEmpty(ms.map((x) => ({ host_id: omitZero(x.hostId, 0), container_id: omitZero(x.containerId, 0), length: omitZero(x.length, 0) })));
  const windows = config.windows?.securityContext;
  return {
    metadata: m && {
      name: omitZero(m.name, ""),
      uid: omitZero(m.uid, ""),
      namespace: omitZero(m.namespace, ""),
      attempt: omitZero(m.attempt, 0),
    },
    hostname: omitZero(config.hostname, ""),
    log_directory: omitZero(config.logDirectory, ""),
    dns_config: dns && { servers: omitEmpty(dns.servers), searches: omitEmpty(dns.searches), options: omitEmpty(dns.options) },
    port_mappings: omitEmpty(
      config.portMappings.map((p) => ({
        protocol: omitZero(p.protocol, 0),
        container_port: omitZero(p.containerPort, 0),
        host_port: omitZero(p.hostPort, 0),
        host_ip: omitZero(p.hostIp, ""),
      })),
    ),
    labels: omitEmptyMap(config.labels),
    annotations: omitEmptyMap(config.annotations),
    linux: linux && {
      cgroup_parent: omitZero(linux.cgroupParent, ""),
      security_context: sc && {
        namespace_options: ns && {
          network: omitZero(ns.network, 0),
          pid: omitZero(ns.pid, 0),
          ipc: omitZero(ns.ipc, 0),
          target_id: omitZero(ns.targetId, ""),
          userns_options: ns.usernsOptions && {
            mode: omitZero(ns.usernsOptions.mode, 0),
            uids: idMappings(ns.usernsOptions.uids),
            gids: idMappings(ns.usernsOptions.gids),
          },
        },
        selinux_options: sc.selinuxOptions && {
          user: omitZero(sc.selinuxOptions.user, ""),
          role: omitZero(sc.selinuxOptions.role, ""),
          type: omitZero(sc.selinuxOptions.type, ""),
          level: omitZero(sc.selinuxOptions.level, ""),
        },
        run_as_user: int64Value(sc.runAsUser),
        run_as_group: int64Value(sc.runAsGroup),
        readonly_rootfs: omitZero(sc.readonlyRootfs, false),
        supplemental_groups: omitEmpty(sc.supplementalGroups),
        privileged: omitZero(sc.privileged, false),
        seccomp: profile(sc.seccomp),
        apparmor: profile(sc.apparmor),
        seccomp_profile_path: omitZero(sc.seccompProfilePath, ""),
      },
      sysctls: omitEmptyMap(linux.sysctls),
      overhead: resourcesJson(linux.overhead),
      resources: resourcesJson(linux.resources),
    },
    windows: config.windows && {
      security_context: windows && {
        run_as_username: omitZero(windows.runAsUsername, ""),
        credential_spec: omitZero(windows.credentialSpec, ""),
        host_process: omitZero(windows.hostProcess, false),
      },
    },
  };
}

/** go-cni's Result as encoding/json writes it (Go field names; a nil gateway is null). */
function cniResultJson(result: CniResult): GoJsonValue {
  const interfaces = new Map<string, GoJsonValue>();
  for (const [name, config] of Object.entries(result.interfaces)) {
    interfaces.set(name, {
      IPConfigs: config.ipConfigs.length > 0 ? config.ipConfigs.map((ip) => ({ IP: ip.ip, Gateway: ip.gateway === "" ? null : ip.gateway })) : null,
      Mac: config.mac,
      Sandbox: config.sandbox,
    });
  }
  return {
    Interfaces: interfaces,
    DNS: result.dns.map((d) => ({ nameservers: omitEmpty(d.nameservers), domain: omitZero(d.domain ?? "", ""), search: omitEmpty(d.search), options: omitEmpty(d.options) })),
    Routes: result.routes.map((r) => ({ dst: r.dst, gw: r.gw })),
  };
}
