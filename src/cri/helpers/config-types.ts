// The CRI plugin's configuration (containerd 1.6.20 pkg/cri/config) as TypeScript shapes. Field
// names are containerd's Go field names in camelCase; the TOML key each comes from is noted where it
// differs. Defaults and parsing live in src/cri/config.ts.
import type { TomlTable } from "smol-toml";

/** criconfig.Runtime: one entry of [plugins."io.containerd.grpc.v1.cri".containerd.runtimes]. */
export interface CriRuntime {
  /** runtime_type, e.g. io.containerd.runc.v2. */
  type: string;
  /** runtime_path: a shim binary to use instead of resolving `type` (absent reads as ""). */
  path?: string;
  /** runtime_engine; only io.containerd.runtime.v1.linux reads it. */
  engine: string;
  /** pod_annotations: patterns of pod annotations passed through to the OCI spec. */
  podAnnotations: string[];
  /** container_annotations: patterns of container annotations passed through to the OCI spec. */
  containerAnnotations: string[];
  /** runtime_root; only io.containerd.runtime.v1.linux reads it. */
  root: string;
  /**
   * options: the table as smol-toml parses it with `integersAsBigInt: true`, so integers and floats
   * stay apart as they do in go-toml. Absent is Go's nil map, which is not the same as an empty table.
   */
  options?: TomlTable;
  /** privileged_without_host_devices. */
  privilegedWithoutHostDevices: boolean;
  /** base_runtime_spec: path of a JSON OCI spec that containers start from. */
  baseRuntimeSpec: string;
  /** cni_conf_dir: a CNI conf dir of this runtime class's own (absent reads as ""). */
  networkPluginConfDir?: string;
  /** cni_max_conf_num (absent reads as 0). */
  networkPluginMaxConfNum?: number;
}

/** criconfig.ContainerdConfig: [plugins."io.containerd.grpc.v1.cri".containerd]. */
export interface CriContainerdConfig {
  snapshotter: string;
  /** default_runtime_name: the runtime used when a sandbox names no runtime handler. */
  defaultRuntimeName: string;
  /** default_runtime (deprecated): when its type is set it becomes the runtime "default". */
  defaultRuntime: CriRuntime;
  /** untrusted_workload_runtime (deprecated): when its type is set it becomes the runtime "untrusted". */
  untrustedWorkloadRuntime: CriRuntime;
  runtimes: Record<string, CriRuntime>;
  noPivot: boolean;
  disableSnapshotAnnotations: boolean;
  discardUnpackedLayers: boolean;
  ignoreRdtNotEnabledErrors: boolean;
}

/** criconfig.CniConfig: [plugins."io.containerd.grpc.v1.cri".cni]. */
export interface CriCniConfig {
  /** bin_dir */
  networkPluginBinDir: string;
  /** conf_dir */
  networkPluginConfDir: string;
  /** max_conf_num */
  networkPluginMaxConfNum: number;
  /** conf_template: a Go template UpdateRuntimeConfig renders into conf_dir with the pod CIDR. */
  networkPluginConfTemplate: string;
  /** ip_pref */
  ipPreference: string;
}

/** Credentials for a registry (the config's registry.configs.<host>.auth). */
export interface CriRegistryAuth {
  username: string;
  password: string;
  auth: string;
  /** identitytoken */
  identityToken: string;
}

/** TLS settings for a registry (the config's registry.configs.<host>.tls). */
export interface CriRegistryTls {
  insecureSkipVerify: boolean;
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** criconfig.Registry: [plugins."io.containerd.grpc.v1.cri".registry]. */
export interface CriRegistryConfig {
  configPath: string;
  /** mirrors.<host>.endpoint */
  mirrors: Record<string, { endpoints: string[] }>;
  configs: Record<string, { auth?: CriRegistryAuth; tls?: CriRegistryTls }>;
  auths: Record<string, CriRegistryAuth>;
  headers: Record<string, string[]>;
}

/** criconfig.PluginConfig: the [plugins."io.containerd.grpc.v1.cri"] table. */
export interface CriPluginConfig {
  containerd: CriContainerdConfig;
  cni: CriCniConfig;
  registry: CriRegistryConfig;
  imageDecryption: { keyModel: string };
  disableTcpService: boolean;
  streamServerAddress: string;
  streamServerPort: string;
  /** A Go duration ("4h0m0s"). */
  streamIdleTimeout: string;
  enableSelinux: boolean;
  selinuxCategoryRange: number;
  sandboxImage: string;
  /** Seconds between snapshot usage collections (ImageFsInfo). */
  statsCollectPeriod: number;
  /** systemd_cgroup: used for io.containerd.runtime.v1.linux runtimes configured without options. */
  systemdCgroup: boolean;
  enableTlsStreaming: boolean;
  x509KeyPairStreaming: { tlsCertFile: string; tlsKeyFile: string };
  /** max_container_log_line_size: longer log lines are split; not positive means no limit. */
  maxContainerLogLineSize: number;
  disableCgroup: boolean;
  disableApparmor: boolean;
  /** restrict_oom_score_adj */
  restrictOomScoreAdj: boolean;
  maxConcurrentDownloads: number;
  disableProcMount: boolean;
  unsetSeccompProfile: string;
  tolerateMissingHugetlbController: boolean;
  disableHugetlbController: boolean;
  deviceOwnershipFromSecurityContext: boolean;
  ignoreImageDefinedVolumes: boolean;
  /** netns_mounts_under_state_dir */
  netnsMountsUnderStateDir: boolean;
  enableUnprivilegedPorts: boolean;
  /** enable_unprivileged_icmp */
  enableUnprivilegedIcmp: boolean;
  /** cdi_spec_dirs: where 2.x's runtime plugin finds CDI specs (1.6.20 has no CDI; a v3 file's only). */
  cdiSpecDirs: string[];
  /**
   * image_pull_progress_timeout (2.x's images plugin; 1.6.20 has no such setting): a Go duration
   * ("5m0s"); "0s" turns the watchdog off. Honoured only by the local pull (useLocalImagePull).
   */
  imagePullProgressTimeout: string;
  /** use_local_image_pull (2.x): pull with the client's Pull instead of the transfer service. */
  useLocalImagePull: boolean;
}

/** criconfig.Config: the plugin config plus the paths containerd adds (PluginConfig is embedded). */
export interface CriConfig extends CriPluginConfig {
  containerdRootDir: string;
  containerdEndpoint: string;
  /** The plugin's root dir: `<containerd root>/io.containerd.grpc.v1.cri`. */
  rootDir: string;
  /** The plugin's state dir: `<containerd state>/io.containerd.grpc.v1.cri`. */
  stateDir: string;
}
