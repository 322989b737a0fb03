// The CRI plugin's configuration as containerd 1.6.20 builds it: DefaultConfig, the plugin's table of
// config.toml decoded onto it the way go-toml v1.9.5 does (structs keep the defaults of keys left
// out, maps are replaced whole, an embedded table left out is read from its parent), then
// ValidatePluginConfig with its error texts. Also the config as json.Marshal writes it (Status
// verbose info). Portable: smol-toml only.

import { parse, TomlDate, type TomlTable, type TomlValue } from "smol-toml";
import { join } from "../go/filepath.ts";
import { parseDuration } from "../go/duration.ts";
import { quote } from "../go/strconv.ts";
import type {
  CriConfig,
  CriContainerdConfig,
  CriPluginConfig,
  CriRegistryAuth,
  CriRegistryTls,
  CriRuntime,
} from "./helpers/config-types.ts";
import { RUNTIME_LINUX_V1, RUNTIME_RUNC_V2 } from "./helpers/runtime-options.ts";
import { goJson, type GoJsonValue } from "../go/json.ts";

export type {
  CriCniConfig,
  CriConfig,
  CriContainerdConfig,
  CriPluginConfig,
  CriRegistryAuth,
  CriRegistryConfig,
  CriRegistryTls,
  CriRuntime,
} from "./helpers/config-types.ts";

/** The CRI plugin's ID in a version-2 config (its URI) and in a version-1 config. */
export const criPluginUri = "io.containerd.grpc.v1.cri";
export const criPluginId = "cri";

/** containerd's defaults for the paths the plugin's own dirs derive from. */
export const defaultContainerdRoot = "/var/lib/containerd";
export const defaultContainerdState = "/run/containerd";
export const defaultContainerdAddress = "/run/containerd/containerd.sock";

/** A config error: a TOML value of the wrong type, or what ValidatePluginConfig refuses. */
export class CriConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CriConfigError";
  }
}

/**
 * Slices and maps that Go leaves nil (absent from the TOML, or nil in DefaultConfig): json.Marshal
 * writes them as null where an empty one is [] or {}. Only the encoder looks at this.
 */
const goNil = new WeakSet<object>();

function nilArray<T>(): T[] {
  const a: T[] = [];
  goNil.add(a);
  return a;
}

function nilMap<T>(): Record<string, T> {
  const m: Record<string, T> = {};
  goNil.add(m);
  return m;
}

/** The runc v2 options DefaultConfig sets: its TOML document, loaded into a map. */
function defaultRuncOptions(): TomlTable {
  return {
    NoPivotRoot: false,
    NoNewKeyring: false,
    ShimCgroup: "",
    IoUid: 0n,
    IoGid: 0n,
    BinaryName: "",
    Root: "",
    CriuPath: "",
    SystemdCgroup: false,
    CriuImagePath: "",
    CriuWorkPath: "",
  };
}

/** A runtime entry with Go's zero values, as a TOML table decodes into a fresh criconfig.Runtime. */
export function zeroRuntime(): CriRuntime {
  return {
    type: "",
    path: "",
    engine: "",
    podAnnotations: nilArray(),
    containerAnnotations: nilArray(),
    root: "",
    privilegedWithoutHostDevices: false,
    baseRuntimeSpec: "",
    networkPluginConfDir: "",
    networkPluginMaxConfNum: 0,
  };
}

/**
 * containerd 1.6.20's DefaultConfig (Linux) with the paths a default containerd gives the plugin;
 * with a version profile's `defaultConfigChanges` laid over it, that version's.
 */
export function defaultCriConfig(changes: Partial<CriPluginConfig> = {}): CriConfig {
  return { ...defaultCriConfig16(), ...changes };
}

function defaultCriConfig16(): CriConfig {
  return {
    containerd: {
      snapshotter: "overlayfs",
      defaultRuntimeName: "runc",
      defaultRuntime: zeroRuntime(),
      untrustedWorkloadRuntime: zeroRuntime(),
      runtimes: { runc: { ...zeroRuntime(), type: RUNTIME_RUNC_V2, options: defaultRuncOptions() } },
      noPivot: false,
      disableSnapshotAnnotations: true,
      discardUnpackedLayers: false,
      ignoreRdtNotEnabledErrors: false,
    },
    cni: {
      networkPluginBinDir: "/opt/cni/bin",
      networkPluginConfDir: "/etc/cni/net.d",
      networkPluginMaxConfNum: 1,
      networkPluginConfTemplate: "",
      ipPreference: "",
    },
    registry: { configPath: "", mirrors: nilMap(), configs: nilMap(), auths: nilMap(), headers: nilMap() },
    imageDecryption: { keyModel: "node" },
    disableTcpService: true,
    streamServerAddress: "127.0.0.1",
    streamServerPort: "0",
    streamIdleTimeout: "4h0m0s",
    enableSelinux: false,
    selinuxCategoryRange: 1024,
    sandboxImage: "registry.k8s.io/pause:3.6",
    statsCollectPeriod: 10,
    systemdCgroup: false,
    enableTlsStreaming: false,
    x509KeyPairStreaming: { tlsCertFile: "", tlsKeyFile: "" },
    maxContainerLogLineSize: 16 * 1024,
    disableCgroup: false,
    disableApparmor: false,
    restrictOomScoreAdj: false,
    maxConcurrentDownloads: 3,
    disableProcMount: false,
    unsetSeccompProfile: "",
    tolerateMissingHugetlbController: true,
    disableHugetlbController: true,
    deviceOwnershipFromSecurityContext: false,
    ignoreImageDefinedVolumes: false,
    netnsMountsUnderStateDir: false,
    enableUnprivilegedPorts: false,
    enableUnprivilegedIcmp: false,
    cdiSpecDirs: ["/etc/cdi", "/var/run/cdi"],
    imagePullProgressTimeout: "5m0s",
    useLocalImagePull: false,
    ...pluginPaths(defaultContainerdRoot, defaultContainerdState, defaultContainerdAddress),
  };
}

function pluginPaths(root: string, state: string, address: string) {
  return {
    containerdRootDir: root,
    containerdEndpoint: address,
    rootDir: join(root, criPluginUri),
    stateDir: join(state, criPluginUri),
  };
}

// ---- the schema: Go field <-> TOML key <-> JSON key, in Go's declaration order ----

type FieldType =
  | "string"
  | "bool"
  | "int"
  | "strings"
  | "options"
  | "stringLists"
  | { struct: Schema; goType: string; embedded?: boolean; pointer?: boolean; zero: () => object }
  | { map: FieldType; goType: string };

interface Field {
  /** The TS property. */
  name: string;
  toml: string;
  json: string;
  type: FieldType;
}

type Schema = readonly Field[];

const f = (name: string, toml: string, json: string, type: FieldType): Field => ({ name, toml, json, type });

const runtimeSchema: Schema = [
  f("type", "runtime_type", "runtimeType", "string"),
  f("path", "runtime_path", "runtimePath", "string"),
  f("engine", "runtime_engine", "runtimeEngine", "string"),
  f("podAnnotations", "pod_annotations", "PodAnnotations", "strings"),
  f("containerAnnotations", "container_annotations", "ContainerAnnotations", "strings"),
  f("root", "runtime_root", "runtimeRoot", "string"),
  f("options", "options", "options", "options"),
  f("privilegedWithoutHostDevices", "privileged_without_host_devices", "privileged_without_host_devices", "bool"),
  f("baseRuntimeSpec", "base_runtime_spec", "baseRuntimeSpec", "string"),
  f("networkPluginConfDir", "cni_conf_dir", "cniConfDir", "string"),
  f("networkPluginMaxConfNum", "cni_max_conf_num", "cniMaxConfNum", "int"),
];

const runtimeType: FieldType = { struct: runtimeSchema, goType: "config.Runtime", zero: zeroRuntime };

const containerdSchema: Schema = [
  f("snapshotter", "snapshotter", "snapshotter", "string"),
  f("defaultRuntimeName", "default_runtime_name", "defaultRuntimeName", "string"),
  f("defaultRuntime", "default_runtime", "defaultRuntime", runtimeType),
  f("untrustedWorkloadRuntime", "untrusted_workload_runtime", "untrustedWorkloadRuntime", runtimeType),
  f("runtimes", "runtimes", "runtimes", { map: runtimeType, goType: "map[string]config.Runtime" }),
  f("noPivot", "no_pivot", "noPivot", "bool"),
  f("disableSnapshotAnnotations", "disable_snapshot_annotations", "disableSnapshotAnnotations", "bool"),
  f("discardUnpackedLayers", "discard_unpacked_layers", "discardUnpackedLayers", "bool"),
  f("ignoreRdtNotEnabledErrors", "ignore_rdt_not_enabled_errors", "ignoreRdtNotEnabledErrors", "bool"),
];

const cniSchema: Schema = [
  f("networkPluginBinDir", "bin_dir", "binDir", "string"),
  f("networkPluginConfDir", "conf_dir", "confDir", "string"),
  f("networkPluginMaxConfNum", "max_conf_num", "maxConfNum", "int"),
  f("networkPluginConfTemplate", "conf_template", "confTemplate", "string"),
  f("ipPreference", "ip_pref", "ipPref", "string"),
];

const authSchema: Schema = [
  f("username", "username", "username", "string"),
  f("password", "password", "password", "string"),
  f("auth", "auth", "auth", "string"),
  f("identityToken", "identitytoken", "identitytoken", "string"),
];

const zeroAuth = (): CriRegistryAuth => ({ username: "", password: "", auth: "", identityToken: "" });

const tlsSchema: Schema = [
  f("insecureSkipVerify", "insecure_skip_verify", "insecure_skip_verify", "bool"),
  f("caFile", "ca_file", "caFile", "string"),
  f("certFile", "cert_file", "certFile", "string"),
  f("keyFile", "key_file", "keyFile", "string"),
];

const zeroTls = (): CriRegistryTls => ({ insecureSkipVerify: false, caFile: "", certFile: "", keyFile: "" });

const registrySchema: Schema = [
  f("configPath", "config_path", "configPath", "string"),
  f("mirrors", "mirrors", "mirrors", {
    map: {
      struct: [f("endpoints", "endpoint", "endpoint", "strings")],
      goType: "config.Mirror",
      zero: () => ({ endpoints: nilArray<string>() }),
    },
    goType: "map[string]config.Mirror",
  }),
  f("configs", "configs", "configs", {
    map: {
      struct: [
        f("auth", "auth", "auth", { struct: authSchema, goType: "config.AuthConfig", pointer: true, zero: zeroAuth }),
        f("tls", "tls", "tls", { struct: tlsSchema, goType: "config.TLSConfig", pointer: true, zero: zeroTls }),
      ],
      goType: "config.RegistryConfig",
      zero: () => ({}),
    },
    goType: "map[string]config.RegistryConfig",
  }),
  f("auths", "auths", "auths", {
    map: { struct: authSchema, goType: "config.AuthConfig", zero: zeroAuth },
    goType: "map[string]config.AuthConfig",
  }),
  f("headers", "headers", "headers", "stringLists"),
];

const pluginSchema: Schema = [
  f("containerd", "containerd", "containerd", {
    struct: containerdSchema,
    goType: "config.ContainerdConfig",
    embedded: true,
    zero: () => ({}),
  }),
  f("cni", "cni", "cni", { struct: cniSchema, goType: "config.CniConfig", embedded: true, zero: () => ({}) }),
  f("registry", "registry", "registry", { struct: registrySchema, goType: "config.Registry", zero: () => ({}) }),
  f("imageDecryption", "image_decryption", "imageDecryption", {
    struct: [f("keyModel", "key_model", "keyModel", "string")],
    goType: "config.ImageDecryption",
    embedded: true,
    zero: () => ({}),
  }),
  f("disableTcpService", "disable_tcp_service", "disableTCPService", "bool"),
  f("streamServerAddress", "stream_server_address", "streamServerAddress", "string"),
  f("streamServerPort", "stream_server_port", "streamServerPort", "string"),
  f("streamIdleTimeout", "stream_idle_timeout", "streamIdleTimeout", "string"),
  f("enableSelinux", "enable_selinux", "enableSelinux", "bool"),
  f("selinuxCategoryRange", "selinux_category_range", "selinuxCategoryRange", "int"),
  f("sandboxImage", "sandbox_image", "sandboxImage", "string"),
  f("statsCollectPeriod", "stats_collect_period", "statsCollectPeriod", "int"),
  f("systemdCgroup", "systemd_cgroup", "systemdCgroup", "bool"),
  f("enableTlsStreaming", "enable_tls_streaming", "enableTLSStreaming", "bool"),
  f("x509KeyPairStreaming", "x509_key_pair_streaming", "x509KeyPairStreaming", {
    struct: [f("tlsCertFile", "tls_cert_file", "tlsCertFile", "string"), f("tlsKeyFile", "tls_key_file", "tlsKeyFile", "string")],
    goType: "config.X509KeyPairStreaming",
    embedded: true,
    zero: () => ({}),
  }),
  f("maxContainerLogLineSize", "max_container_log_line_size", "maxContainerLogSize", "int"),
  f("disableCgroup", "disable_cgroup", "disableCgroup", "bool"),
  f("disableApparmor", "disable_apparmor", "disableApparmor", "bool"),
  f("restrictOomScoreAdj", "restrict_oom_score_adj", "restrictOOMScoreAdj", "bool"),
  f("maxConcurrentDownloads", "max_concurrent_downloads", "maxConcurrentDownloads", "int"),
  f("disableProcMount", "disable_proc_mount", "disableProcMount", "bool"),
  f("unsetSeccompProfile", "unset_seccomp_profile", "unsetSeccompProfile", "string"),
  f("tolerateMissingHugetlbController", "tolerate_missing_hugetlb_controller", "tolerateMissingHugetlbController", "bool"),
  f("disableHugetlbController", "disable_hugetlb_controller", "disableHugetlbController", "bool"),
  f(
    "deviceOwnershipFromSecurityContext",
    "device_ownership_from_security_context",
    "device_ownership_from_security_context",
    "bool",
  ),
  f("ignoreImageDefinedVolumes", "ignore_image_defined_volumes", "ignoreImageDefinedVolumes", "bool"),
  f("netnsMountsUnderStateDir", "netns_mounts_under_state_dir", "netnsMountsUnderStateDir", "bool"),
  f("enableUnprivilegedPorts", "enable_unprivileged_ports", "enableUnprivilegedPorts", "bool"),
  f("enableUnprivilegedIcmp", "enable_unprivileged_icmp", "enableUnprivilegedICMP", "bool"),
];

// ---- decoding TOML onto a config ----

type Obj = Record<string, unknown>;

function isTable(v: unknown): v is TomlTable {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof TomlDate);
}

/** A TOML value as Go's %v prints it, with its go-toml Go type, for conversion errors. */
function describe(v: TomlValue): string {
  if (typeof v === "bigint") return `${v}(int64)`;
  if (typeof v === "number") return `${goFloat(v)}(float64)`;
  if (typeof v === "boolean") return `${v}(bool)`;
  if (typeof v === "string") return `${v}(string)`;
  if (v instanceof TomlDate) return `${v.toISOString()}(time.Time)`;
  if (Array.isArray(v)) return `[${v.map((x) => describe(x).replace(/\([^()]*\)$/, "")).join(" ")}]([]interface {})`;
  return `${JSON.stringify(v)}(*toml.Tree)`;
}

function goFloat(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
  const s = String(v);
  return /e[+-]\d$/.test(s) ? s.replace(/e([+-])(\d)$/, "e$10$2") : s;
}

function cannotConvert(path: string, v: TomlValue, goType: string): CriConfigError {
  return new CriConfigError(`${path}: Can't convert ${describe(v)} to ${goType}`);
}

/** The key go-toml finds a field under: the tag, its lower case, upper case, or first letter lowered. */
function findKey(table: TomlTable, key: string): string | undefined {
  for (const k of [key, key.toLowerCase(), key.toUpperCase(), key[0]!.toLowerCase() + key.slice(1)]) {
    if (Object.hasOwn(table, k)) return k;
  }
  return undefined;
}

function decodeStruct(table: TomlTable | undefined, schema: Schema, target: Obj, path: string): void {
  for (const field of schema) {
    const key = table === undefined ? undefined : findKey(table, field.toml);
    if (key !== undefined) {
      target[field.name] = decodeValue(table![key]!, field.type, target[field.name], `${path}.${key}`);
      continue;
    }
    if (typeof field.type === "object" && "struct" in field.type && !field.type.pointer) {
      // A struct left out keeps its values; an embedded one is read from the table that holds it.
      const existing = (target[field.name] as Obj | undefined) ?? field.type.zero();
      decodeStruct(field.type.embedded ? table : undefined, field.type.struct, existing as Obj, path);
      target[field.name] = existing;
    }
  }
}

function decodeValue(v: TomlValue, type: FieldType, existing: unknown, path: string): unknown {
  // go-toml reads an array only into a slice (or interface) field.
  if (Array.isArray(v) && type !== "strings" && type !== "options") {
    throw new CriConfigError(`${path}: Can't convert ${describe(v)} to a slice`);
  }
  switch (type) {
    case "string":
      if (typeof v !== "string") throw cannotConvert(path, v, "string");
      return v;
    case "bool":
      if (typeof v !== "boolean") throw cannotConvert(path, v, "bool");
      return v;
    case "int":
      if (typeof v !== "bigint") throw cannotConvert(path, v, "int");
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new CriConfigError(`${path}: ${v}(int64) is beyond what fake-cri keeps exactly`);
      }
      return Number(v);
    case "strings":
      if (!Array.isArray(v)) throw cannotConvert(path, v, "[]string(slice)");
      return v.map((item, i) => decodeValue(item, "string", undefined, `${path}[${i}]`));
    case "options":
      if (!isTable(v)) throw cannotConvert(path, v, "map[string]interface {}(map)");
      return v;
    case "stringLists": {
      if (!isTable(v)) throw cannotConvert(path, v, "map[string][]string(map)");
      const out: Record<string, string[]> = {};
      for (const [k, item] of Object.entries(v)) out[k] = decodeValue(item, "strings", undefined, `${path}.${k}`) as string[];
      return out;
    }
  }
  if ("map" in type) {
    if (!isTable(v)) throw cannotConvert(path, v, `${type.goType}(map)`);
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v)) out[k] = decodeValue(item, type.map, undefined, `${path}.${quoteKey(k)}`);
    return out;
  }
  if (!isTable(v)) throw cannotConvert(path, v, type.goType);
  const target = (existing as Obj | undefined) ?? (type.zero() as Obj);
  decodeStruct(v, type.struct, target, path);
  return target;
}

function quoteKey(k: string): string {
  return /^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k);
}

export interface ParseCriConfigOptions {
  /** The file's path, for error texts (default "config.toml"). */
  path?: string;
  /** How the version's DefaultConfig differs from 1.6.20's (ContainerdProfile.defaultConfigChanges). */
  defaults?: Partial<CriPluginConfig>;
  /** The newest config version the daemon reads (ContainerdProfile.configVersion; default 2, 1.6's). */
  maxVersion?: number;
}

/**
 * The CRI config a containerd started with this config.toml runs with: DefaultConfig, the plugin's
 * table decoded onto it (`[plugins."io.containerd.grpc.v1.cri"]` in a version-2 file,
 * `[plugins.cri]` in a version-1 or unversioned one), top-level `root`, `state` and `grpc.address`
 * for the plugin's paths, then validation. Throws CriConfigError.
 */
export function parseCriConfig(tomlText: string, options: ParseCriConfigOptions = {}): CriConfig {
  const path = options.path ?? "config.toml";
  let doc: TomlTable;
  try {
    doc = parse(tomlText, { integersAsBigInt: true });
  } catch (err) {
    throw new CriConfigError(`failed to load TOML: ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const version = doc.version === undefined ? 1n : doc.version;
  if (typeof version !== "bigint") throw unmarshalError(cannotConvert("version", version, "int"));
  const maxVersion = options.maxVersion ?? 2;
  if (version > BigInt(maxVersion)) {
    throw new CriConfigError(`expected containerd config version equal to or less than \`${maxVersion}\`, got \`${version}\``);
  }
  const plugins = doc.plugins === undefined ? {} : doc.plugins;
  if (!isTable(plugins)) throw unmarshalError(cannotConvert("plugins", plugins, "map[string]toml.Tree(map)"));
  if (version >= 2n) {
    for (const key of ["disabled_plugins", "required_plugins"] as const) {
      const list = doc[key];
      if (!Array.isArray(list)) continue;
      for (const p of list) {
        if (typeof p === "string" && p.split(".").length < 4) {
          throw new CriConfigError(`failed to load TOML from ${path}: invalid ${key === "disabled_plugins" ? "disabled" : "required"} plugin URI ${quote(p)} expect io.containerd.x.vx`);
        }
      }
    }
    for (const key of Object.keys(plugins)) {
      if (key.split(".").length < 4) {
        throw new CriConfigError(`failed to load TOML from ${path}: invalid plugin key URI ${quote(key)} expect io.containerd.x.vx`);
      }
    }
  }
  let root: string;
  let state: string;
  let address: string;
  try {
    root = stringAt(doc, "root", defaultContainerdRoot);
    state = stringAt(doc, "state", defaultContainerdState);
    address = stringAt(isTable(doc.grpc) ? doc.grpc : {}, "grpc.address", defaultContainerdAddress);
  } catch (err) {
    throw unmarshalError(err as CriConfigError);
  }

  const config = defaultCriConfig(options.defaults);
  const pluginKey = version === 1n ? criPluginId : criPluginUri;
  const table = version >= 3n ? splitCriTables(plugins) : plugins[pluginKey];
  if (table !== undefined) {
    if (!isTable(table)) throw cannotConvert(`plugins.${quoteKey(pluginKey)}`, table, "a tree");
    decodeStruct(table, pluginSchema, config as unknown as Obj, `plugins.${quoteKey(pluginKey)}`);
    config.cdiSpecDirs = cdiSpecDirsOf(table, `plugins.${quoteKey(version >= 3n ? criRuntimePluginUri : pluginKey)}`, config.cdiSpecDirs);
    // 2.x's settings: a 1.6 daemon (which reads version 2 at most) knows neither and ignores them.
    if (maxVersion >= 3) decodeImagePullSettings(table, config, `plugins.${quoteKey(version >= 3n ? criImagesPluginUri : pluginKey)}`);
  }
  Object.assign(config, pluginPaths(root, state, address));
  return validateCriConfig(config);
}

/** containerd 2.x's CRI plugins in a version-3 file: the runtime's, the images' and the server's. */
const criRuntimePluginUri = "io.containerd.cri.v1.runtime";
const criImagesPluginUri = "io.containerd.cri.v1.images";

/**
 * A version-3 file's CRI settings as the one table of a version-2 file: 2.x split the plugin into the
 * runtime plugin (runtimes, CNI, security settings), the images plugin (snapshotter, the sandbox image
 * as a pinned image, registry, downloads) and the gRPC server's (stream server), in the same words,
 * except that CNI takes a list of binary dirs (the first is the one a version-2 file names).
 */
function splitCriTables(plugins: TomlTable): TomlTable | undefined {
  const part = (key: string): TomlTable => {
    const value = plugins[key];
    if (value === undefined) return {};
    if (!isTable(value)) throw cannotConvert(`plugins.${quoteKey(key)}`, value, "a tree");
    return value;
  };
  const runtime = part(criRuntimePluginUri);
  const images = part(criImagesPluginUri);
  const server = part(criPluginUri);
  if ([runtime, images, server].every((t) => Object.keys(t).length === 0)) return undefined;
  const merged: TomlTable = { ...server, ...runtime };
  const containerd = isTable(runtime.containerd) ? { ...runtime.containerd } : {};
  if (images.snapshotter !== undefined) containerd.snapshotter = images.snapshotter;
  for (const key of ["disable_snapshot_annotations", "discard_unpacked_layers"]) {
    if (images[key] !== undefined) containerd[key] = images[key]!;
  }
  merged.containerd = containerd;
  if (isTable(runtime.cni)) {
    const { bin_dirs: binDirs, ...cni } = runtime.cni;
    merged.cni = Array.isArray(binDirs) && binDirs.length > 0 ? { ...cni, bin_dir: binDirs[0]! } : cni;
  }
  for (const key of ["registry", "image_decryption", "max_concurrent_downloads", "stats_collect_period", "image_pull_progress_timeout", "use_local_image_pull"]) {
    if (images[key] !== undefined) merged[key] = images[key]!;
  }
  if (isTable(images.pinned_images) && images.pinned_images.sandbox !== undefined) merged.sandbox_image = images.pinned_images.sandbox;
  return merged;
}

/** 2.x's image_pull_progress_timeout and use_local_image_pull (a version-3 file's images plugin's). */
function decodeImagePullSettings(table: TomlTable, config: CriConfig, tablePath: string): void {
  const { image_pull_progress_timeout: timeout, use_local_image_pull: local } = table;
  if (timeout !== undefined) {
    if (typeof timeout !== "string") throw cannotConvert(`${tablePath}.image_pull_progress_timeout`, timeout, "string");
    config.imagePullProgressTimeout = timeout;
  }
  if (local !== undefined) {
    if (typeof local !== "boolean") throw cannotConvert(`${tablePath}.use_local_image_pull`, local, "bool");
    config.useLocalImagePull = local;
  }
}

/**
 * The plugin table's `cdi_spec_dirs`, else `fallback`: 2.x's setting (the runtime plugin's in a
 * version-3 file), which 1.6.20 does not have (its profile reads no CDI spec).
 */
function cdiSpecDirsOf(table: TomlTable, tablePath: string, fallback: string[]): string[] {
  const dirs = table.cdi_spec_dirs;
  if (dirs === undefined) return fallback;
  if (!Array.isArray(dirs) || !dirs.every((d) => typeof d === "string")) throw cannotConvert(`${tablePath}.cdi_spec_dirs`, dirs, "[]string");
  return dirs;
}

/** A top-level string setting; the daemon's default stays when it is absent or empty (mergo). */
function stringAt(table: TomlTable, path: string, fallback: string): string {
  const v = table[path.slice(path.lastIndexOf(".") + 1)];
  if (v === undefined || v === "") return fallback;
  if (typeof v !== "string") throw cannotConvert(path, v, "string");
  return v;
}

/** loadConfigFile's wrapping of a decode error of the daemon's own config. */
function unmarshalError(err: CriConfigError): CriConfigError {
  return new CriConfigError(`failed to unmarshal TOML: ${err.message}`);
}

/** A config object with parts left out; maps (runtimes, registry maps) replace the default whole. */
export type CriConfigInput = Partial<
  Omit<CriConfig, "containerd" | "cni" | "registry" | "imageDecryption" | "x509KeyPairStreaming">
> & {
  containerd?: Partial<Omit<CriContainerdConfig, "runtimes" | "defaultRuntime" | "untrustedWorkloadRuntime">> & {
    runtimes?: Record<string, Partial<CriRuntime>>;
    defaultRuntime?: Partial<CriRuntime>;
    untrustedWorkloadRuntime?: Partial<CriRuntime>;
  };
  cni?: Partial<CriConfig["cni"]>;
  registry?: Partial<CriConfig["registry"]>;
  imageDecryption?: Partial<CriConfig["imageDecryption"]>;
  x509KeyPairStreaming?: Partial<CriConfig["x509KeyPairStreaming"]>;
};

/**
 * A config from an object: DefaultConfig with the given parts laid over it the way config.toml's
 * are (nested structs merge, maps replace, a runtime entry starts from zero values), validated.
 */
export function criConfigFromObject(input: CriConfigInput, defaults: Partial<CriPluginConfig> = {}): CriConfig {
  const config = defaultCriConfig(defaults);
  mergeStruct(config as unknown as Obj, input as Obj, pluginSchema);
  for (const key of ["containerdRootDir", "containerdEndpoint", "rootDir", "stateDir", "imagePullProgressTimeout"] as const) {
    if (input[key] !== undefined) config[key] = input[key];
  }
  if (input.useLocalImagePull !== undefined) config.useLocalImagePull = input.useLocalImagePull;
  return validateCriConfig(config);
}

function mergeStruct(target: Obj, input: Obj, schema: Schema): void {
  for (const field of schema) {
    const v = input[field.name];
    if (v === undefined) continue;
    const type = field.type;
    if (typeof type === "object" && "struct" in type) {
      const base = (type.pointer ? type.zero() : (target[field.name] as Obj | undefined) ?? type.zero()) as Obj;
      mergeStruct(base, v as Obj, type.struct);
      target[field.name] = base;
    } else if (typeof type === "object" && "map" in type && typeof type.map === "object" && "struct" in type.map) {
      const out: Obj = {};
      if (goNil.has(v as object)) goNil.add(out);
      for (const [k, item] of Object.entries(v as Obj)) {
        const entry = type.map.zero() as Obj;
        mergeStruct(entry, item as Obj, type.map.struct);
        out[k] = entry;
      }
      target[field.name] = out;
    } else {
      target[field.name] = v;
    }
  }
}

/** ValidatePluginConfig, with containerd's "invalid plugin config: " in front of its texts. */
export function validateCriConfig(config: CriConfig): CriConfig {
  try {
    validatePluginConfig(config);
  } catch (err) {
    if (err instanceof CriConfigError) throw new CriConfigError(`invalid plugin config: ${err.message}`);
    throw err;
  }
  return config;
}

function validatePluginConfig(c: CriPluginConfig): void {
  const cd: CriContainerdConfig = c.containerd;
  if (cd.untrustedWorkloadRuntime.type !== "") {
    if (Object.hasOwn(cd.runtimes, "untrusted")) {
      throw new CriConfigError(
        'conflicting definitions: configuration includes both `untrusted_workload_runtime` and `runtimes["untrusted"]`',
      );
    }
    cd.runtimes.untrusted = cd.untrustedWorkloadRuntime;
  }
  if (cd.defaultRuntime.type !== "") {
    cd.defaultRuntimeName = "default";
    cd.runtimes.default = cd.defaultRuntime;
  }
  if (cd.defaultRuntimeName === "") throw new CriConfigError("`default_runtime_name` is empty");
  const defaultRuntime = Object.hasOwn(cd.runtimes, cd.defaultRuntimeName) ? cd.runtimes[cd.defaultRuntimeName] : undefined;
  if (!defaultRuntime) {
    throw new CriConfigError(
      `no corresponding runtime configured in \`containerd.runtimes\` for \`containerd\` \`default_runtime_name = "${cd.defaultRuntimeName}"`,
    );
  }
  if (c.systemdCgroup && defaultRuntime.type !== RUNTIME_LINUX_V1) {
    throw new CriConfigError(`\`systemd_cgroup\` only works for runtime ${RUNTIME_LINUX_V1}`);
  }
  if (cd.noPivot && defaultRuntime.type !== RUNTIME_LINUX_V1) {
    throw new CriConfigError(`\`no_pivot\` only works for runtime ${RUNTIME_LINUX_V1}`);
  }
  for (const r of Object.values(cd.runtimes)) {
    if (r.engine !== "" && r.type !== RUNTIME_LINUX_V1) {
      throw new CriConfigError(`\`runtime_engine\` only works for runtime ${RUNTIME_LINUX_V1}`);
    }
    if (r.root !== "" && r.type !== RUNTIME_LINUX_V1) {
      throw new CriConfigError(`\`runtime_root\` only works for runtime ${RUNTIME_LINUX_V1}`);
    }
  }
  const useConfigPath = c.registry.configPath !== "";
  if (Object.keys(c.registry.mirrors).length > 0 && useConfigPath) {
    throw new CriConfigError("`mirrors` cannot be set when `config_path` is provided");
  }
  if (Object.values(c.registry.configs).some((r) => r.tls !== undefined) && useConfigPath) {
    throw new CriConfigError("`configs.tls` cannot be set when `config_path` is provided");
  }
  const auths = Object.entries(c.registry.auths);
  if (auths.length > 0) {
    if (goNil.has(c.registry.configs)) c.registry.configs = {};
    for (const [endpoint, auth] of auths) {
      const host = registryHost(endpoint);
      c.registry.configs[host] = { ...c.registry.configs[host], auth: { ...auth } };
    }
  }
  if (c.imagePullProgressTimeout !== "") {
    const problem = goDurationError(c.imagePullProgressTimeout);
    if (problem) throw new CriConfigError(`invalid image pull progress timeout: ${problem}`);
  }
  if (c.streamIdleTimeout !== "") {
    const problem = goDurationError(c.streamIdleTimeout);
    if (problem) throw new CriConfigError(`invalid stream idle timeout: ${problem}`);
  }
}

/** What url.Parse makes of a `registry.auths` key: the host when it has a scheme, else itself. */
function registryHost(endpoint: string): string {
  if (/[\x00-\x1f\x7f]/.test(endpoint)) {
    throw new CriConfigError(
      `failed to parse registry url ${quote(endpoint)} from \`registry.auths\`: parse ${quote(endpoint)}: net/url: invalid control character in URL`,
    );
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(endpoint);
  if (endpoint.startsWith(":")) {
    throw new CriConfigError(
      `failed to parse registry url ${quote(endpoint)} from \`registry.auths\`: parse ${quote(endpoint)}: missing protocol scheme`,
    );
  }
  if (!scheme) return endpoint;
  const rest = endpoint.slice(scheme[0].length).split(/[?#]/)[0]!;
  if (!rest.startsWith("//")) return "";
  const authority = rest.slice(2).split("/")[0]!;
  const at = authority.lastIndexOf("@");
  return at < 0 ? authority : authority.slice(at + 1);
}

/** time.ParseDuration's error for `s`, or undefined when Go accepts it. */
export function goDurationError(s: string): string | undefined {
  try {
    parseDuration(s);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

// ---- json.Marshal(config) ----

function encodeStruct(value: Obj, schema: Schema): { [field: string]: GoJsonValue } {
  const out: { [field: string]: GoJsonValue } = {};
  for (const field of schema) out[field.json] = encodeValue(value[field.name], field.type);
  return out;
}

function encodeValue(v: unknown, type: FieldType): GoJsonValue {
  switch (type) {
    case "string":
      return (v as string | undefined) ?? "";
    case "bool":
      return (v as boolean | undefined) ?? false;
    case "int":
      return (v as number | undefined) ?? 0;
    case "strings":
      return v === undefined || (goNil.has(v as object) && (v as string[]).length === 0) ? null : (v as string[]);
    case "options":
      return v === undefined ? null : tomlJson(v as TomlTable);
    case "stringLists":
      return goNil.has(v as object) ? null : new Map(Object.entries(v as Record<string, string[]>));
  }
  if ("map" in type) {
    if (v === undefined || goNil.has(v as object)) return null;
    return new Map(Object.entries(v as Obj).map(([k, item]) => [k, encodeValue(item, type.map)]));
  }
  if (v === undefined) return null;
  return encodeStruct(v as Obj, type.struct);
}

/** A TOML value as Go holds it in map[string]interface{} (go-toml's ToMap), for json.Marshal. */
function tomlJson(v: TomlValue): GoJsonValue {
  if (v instanceof TomlDate) return v.toISOString();
  if (Array.isArray(v)) return v.map(tomlJson);
  if (isTable(v)) return new Map(Object.entries(v).map(([k, item]) => [k, tomlJson(item)]));
  return v as GoJsonValue;
}

/** The config as containerd's Status verbose info shows it: json.Marshal(criconfig.Config). */
export function criConfigJson(config: CriConfig): string {
  return goJson({
    ...encodeStruct(config as unknown as Obj, pluginSchema),
    containerdRootDir: config.containerdRootDir,
    containerdEndpoint: config.containerdEndpoint,
    rootDir: config.rootDir,
    stateDir: config.stateDir,
  });
}

/**
 * containerd 2.x's CRI runtime config as json.Marshal writes it (Status verbose `config`): its
 * RuntimeConfig's fields from this config, the settings 2.x has and the fake does not model at
 * 2.x's defaults (CRIU, I/O drain ...). The sandbox image, snapshotter, registry and
 * stream server are other plugins' in 2.x and not here.
 */
export function criRuntimeConfigJson(config: CriConfig): string {
  const runtimes = new Map<string, GoJsonValue>();
  for (const [name, r] of Object.entries(config.containerd.runtimes)) {
    runtimes.set(name, {
      runtimeType: r.type,
      runtimePath: r.path ?? "",
      PodAnnotations: goNil.has(r.podAnnotations) ? null : r.podAnnotations,
      ContainerAnnotations: goNil.has(r.containerAnnotations) ? null : r.containerAnnotations,
      options: r.options ? tomlJson(r.options) : null,
      privileged_without_host_devices: r.privilegedWithoutHostDevices,
      privileged_without_host_devices_all_devices_allowed: false,
      cgroupWritable: false,
      baseRuntimeSpec: r.baseRuntimeSpec,
      cniConfDir: r.networkPluginConfDir ?? "",
      cniMaxConfNum: r.networkPluginMaxConfNum ?? 0,
      snapshotter: "",
      sandboxer: "podsandbox",
      disablePauseImagePull: false,
      io_type: "",
    });
  }
  return goJson({
    containerd: {
      defaultRuntimeName: config.containerd.defaultRuntimeName,
      runtimes,
      ignoreBlockIONotEnabledErrors: false,
      ignoreRdtNotEnabledErrors: config.containerd.ignoreRdtNotEnabledErrors,
    },
    cni: {
      binDirs: [config.cni.networkPluginBinDir],
      confDir: config.cni.networkPluginConfDir,
      maxConfNum: config.cni.networkPluginMaxConfNum,
      setupSerially: false,
      confTemplate: config.cni.networkPluginConfTemplate,
      ipPref: config.cni.ipPreference,
      useInternalLoopback: false,
    },
    enableSelinux: config.enableSelinux,
    selinuxCategoryRange: config.selinuxCategoryRange,
    maxContainerLogLineSize: config.maxContainerLogLineSize,
    disableApparmor: config.disableApparmor,
    restrictOOMScoreAdj: config.restrictOomScoreAdj,
    disableProcMount: config.disableProcMount,
    unsetSeccompProfile: config.unsetSeccompProfile,
    tolerateMissingHugetlbController: config.tolerateMissingHugetlbController,
    disableHugetlbController: config.disableHugetlbController,
    device_ownership_from_security_context: config.deviceOwnershipFromSecurityContext,
    ignoreImageDefinedVolumes: config.ignoreImageDefinedVolumes,
    netnsMountsUnderStateDir: config.netnsMountsUnderStateDir,
    enableUnprivilegedPorts: config.enableUnprivilegedPorts,
    enableUnprivilegedICMP: config.enableUnprivilegedIcmp,
    cdiSpecDirs: config.cdiSpecDirs,
    drainExecSyncIOTimeout: "0s",
    ignoreDeprecationWarnings: null,
    statsCollectPeriod: "",
    statsRetentionPeriod: "",
    enableCRIU: true,
    containerdRootDir: config.containerdRootDir,
    containerdEndpoint: config.containerdEndpoint,
    rootDir: config.rootDir,
    stateDir: config.stateDir,
  });
}
