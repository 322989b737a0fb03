// The CRI plugin's configuration (containerd v1.5.7 pkg/cri/config) as TypeScript shapes. Field
// names are containerd's Go field names in camelCase; the TOML key each comes from is noted.
import type { TomlTable } from "smol-toml";

/** criconfig.Runtime: one entry of [plugins."io.containerd.grpc.v1.cri".containerd.runtimes]. */
export interface CriRuntime {
  /** runtime_type, e.g. io.containerd.runc.v2. */
  type: string;
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
}

/** criconfig.PluginConfig: the [plugins."io.containerd.grpc.v1.cri"] table. */
export interface CriPluginConfig {
  /** systemd_cgroup: used for io.containerd.runtime.v1.linux runtimes configured without options. */
  systemdCgroup: boolean;
}

/** criconfig.Config: the plugin config plus the paths containerd adds (PluginConfig is embedded). */
export interface CriConfig extends CriPluginConfig {}
