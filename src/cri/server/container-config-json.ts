// A container's CRI config written the way verbose ContainerStatus writes it: json.Marshal of the
// generated struct (proto field names, `omitempty`, 64-bit integers and enums as numbers). The
// fields newer than 1.6.20's CRI API are written too: its decoded config never has them
// (src/cri/versions/cri-api-v0.25.ts), and 2.4.2's writes them.

import {
  type Capability,
  type ContainerConfig,
  type Device,
  type IDMapping,
  type ImageSpec,
  type KeyValue,
  type LinuxContainerConfig,
  type LinuxContainerResources,
  type LinuxContainerSecurityContext,
  type Mount,
  type NamespaceOption,
  type SecurityProfile,
  type WindowsContainerConfig,
} from "../api/v1.ts";
import type { GoJsonValue } from "../../go/json.ts";

const decoder = new TextDecoder();

/** KeyValue.value is bytes in today's API and a (byte) string in v0.25. */
export function keyValueText(kv: KeyValue): string {
  return decoder.decode(kv.value);
}

type Fields = Record<string, GoJsonValue | undefined>;

const str = (s: string): string | undefined => (s === "" ? undefined : s);
const int = (n: bigint | number): bigint | number | undefined => (n === 0 || n === 0n ? undefined : n);
const bool = (b: boolean): true | undefined => (b ? true : undefined);
const list = <T>(items: readonly T[], each: (item: T) => GoJsonValue): GoJsonValue[] | undefined =>
  items.length === 0 ? undefined : items.map(each);
const strings = (items: readonly string[]): string[] | undefined => (items.length === 0 ? undefined : [...items]);
const map = (m: Record<string, string>): Map<string, string> | undefined => {
  const entries = Object.entries(m);
  return entries.length === 0 ? undefined : new Map(entries);
};

function securityProfileJson(p: SecurityProfile | undefined): Fields | undefined {
  return p && { profile_type: int(p.profileType), localhost_ref: str(p.localhostRef) };
}

function imageJson(i: ImageSpec | undefined): Fields | undefined {
  return (
    i && {
      image: str(i.image),
      annotations: map(i.annotations),
      user_specified_image: str(i.userSpecifiedImage),
      runtime_handler: str(i.runtimeHandler),
      image_ref: str(i.imageRef),
    }
  );
}

function idMappingJson(m: IDMapping): Fields {
  return { host_id: int(m.hostId), container_id: int(m.containerId), length: int(m.length) };
}

function resourcesJson(r: LinuxContainerResources | undefined): Fields | undefined {
  return (
    r && {
      cpu_period: int(r.cpuPeriod),
      cpu_quota: int(r.cpuQuota),
      cpu_shares: int(r.cpuShares),
      memory_limit_in_bytes: int(r.memoryLimitInBytes),
      oom_score_adj: int(r.oomScoreAdj),
      cpuset_cpus: str(r.cpusetCpus),
      cpuset_mems: str(r.cpusetMems),
      hugepage_limits: list(r.hugepageLimits, (l) => ({ page_size: str(l.pageSize), limit: int(l.limit) })),
      unified: map(r.unified),
      memory_swap_limit_in_bytes: int(r.memorySwapLimitInBytes),
    }
  );
}

function namespaceOptionsJson(n: NamespaceOption | undefined): Fields | undefined {
  const userns = n?.usernsOptions;
  return (
    n && {
      network: int(n.network),
      pid: int(n.pid),
      ipc: int(n.ipc),
      target_id: str(n.targetId),
      userns_options: userns && { mode: int(userns.mode), uids: list(userns.uids, idMappingJson), gids: list(userns.gids, idMappingJson) },
    }
  );
}

function capabilitiesJson(c: Capability | undefined): Fields | undefined {
  return (
    c && {
      add_capabilities: strings(c.addCapabilities),
      drop_capabilities: strings(c.dropCapabilities),
      add_ambient_capabilities: strings(c.addAmbientCapabilities),
    }
  );
}

function securityContextJson(s: LinuxContainerSecurityContext | undefined): Fields | undefined {
  return (
    s && {
      capabilities: capabilitiesJson(s.capabilities),
      privileged: bool(s.privileged),
      namespace_options: namespaceOptionsJson(s.namespaceOptions),
      selinux_options: s.selinuxOptions && {
        user: str(s.selinuxOptions.user),
        role: str(s.selinuxOptions.role),
        type: str(s.selinuxOptions.type),
        level: str(s.selinuxOptions.level),
      },
      run_as_user: s.runAsUser && { value: int(s.runAsUser.value) },
      run_as_group: s.runAsGroup && { value: int(s.runAsGroup.value) },
      run_as_username: str(s.runAsUsername),
      readonly_rootfs: bool(s.readonlyRootfs),
      supplemental_groups: list(s.supplementalGroups, (g) => g),
      supplemental_groups_policy: int(s.supplementalGroupsPolicy),
      no_new_privs: bool(s.noNewPrivs),
      masked_paths: strings(s.maskedPaths),
      readonly_paths: strings(s.readonlyPaths),
      seccomp: securityProfileJson(s.seccomp),
      apparmor: securityProfileJson(s.apparmor),
      apparmor_profile: str(s.apparmorProfile),
      seccomp_profile_path: str(s.seccompProfilePath),
    }
  );
}

function linuxJson(l: LinuxContainerConfig | undefined): Fields | undefined {
  return l && { resources: resourcesJson(l.resources), security_context: securityContextJson(l.securityContext) };
}

function windowsJson(w: WindowsContainerConfig | undefined): Fields | undefined {
  const r = w?.resources;
  const s = w?.securityContext;
  return (
    w && {
      resources: r && {
        cpu_shares: int(r.cpuShares),
        cpu_count: int(r.cpuCount),
        cpu_maximum: int(r.cpuMaximum),
        memory_limit_in_bytes: int(r.memoryLimitInBytes),
        rootfs_size_in_bytes: int(r.rootfsSizeInBytes),
      },
      security_context: s && {
        run_as_username: str(s.runAsUsername),
        credential_spec: str(s.credentialSpec),
        host_process: bool(s.hostProcess),
      },
    }
  );
}

function mountJson(m: Mount): Fields {
  return {
    container_path: str(m.containerPath),
    host_path: str(m.hostPath),
    readonly: bool(m.readonly),
    selinux_relabel: bool(m.selinuxRelabel),
    propagation: int(m.propagation),
    uidMappings: list(m.uidMappings, idMappingJson),
    gidMappings: list(m.gidMappings, idMappingJson),
    recursive_read_only: bool(m.recursiveReadOnly),
    image: imageJson(m.image),
    image_sub_path: str(m.imageSubPath),
    mount_options: strings(m.mountOptions),
  };
}

function deviceJson(d: Device): Fields {
  return { container_path: str(d.containerPath), host_path: str(d.hostPath), permissions: str(d.permissions) };
}

/** json.Marshal of runtime.ContainerConfig, cri-api v0.37's fields (1.6.20's decoded config leaves the newer ones zero: omitted). */
export function containerConfigGoJson(c: ContainerConfig): GoJsonValue {
  return {
    metadata: c.metadata && { name: str(c.metadata.name), attempt: int(c.metadata.attempt) },
    image: imageJson(c.image),
    command: strings(c.command),
    args: strings(c.args),
    working_dir: str(c.workingDir),
    envs: list(c.envs, (kv) => ({ key: str(kv.key), value: str(keyValueText(kv)) })),
    mounts: list(c.mounts, mountJson),
    devices: list(c.devices, deviceJson),
    labels: map(c.labels),
    annotations: map(c.annotations),
    log_path: str(c.logPath),
    stdin: bool(c.stdin),
    stdin_once: bool(c.stdinOnce),
    tty: bool(c.tty),
    linux: linuxJson(c.linux),
    windows: windowsJson(c.windows),
    CDI_devices: list(c.CDIDevices, (d) => ({ name: str(d.name) })),
    stop_signal: int(c.stopSignal),
  };
}
