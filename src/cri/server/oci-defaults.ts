// The OCI runtime spec as containerd 1.6.20 builds it for a Linux container: the types (the
// runtime-spec Go module v1.0.3-0.20210326190908, the parts the CRI plugin sets), containerd's
// default Linux spec (oci.populateDefaultUnixSpec: mounts, masked and read-only paths,
// capabilities, rlimits, namespaces, the device cgroup), and the JSON text containerd stores and
// shows in verbose info (Go's encoding/json: struct field order, `omitempty`, map keys sorted).

import type { AnyValue } from "../../../fake-containerd/index.ts";
import { ociSpecTypeUrl } from "../../../fake-containerd/index.ts";
import { join } from "../../go/filepath.ts";
import { goJson, JsonNumberText, parseGoJson, type GoJsonValue, type ParsedJson } from "../go-json.ts";

/** specs.Version of the runtime-spec module containerd 1.6.20 is built with. */
export const ociVersion = "1.0.2-dev";

export interface RuntimeSpec {
  ociVersion: string;
  process?: Process;
  root?: Root;
  hostname?: string;
  mounts?: Mount[];
  hooks?: Hooks;
  annotations?: Record<string, string>;
  linux?: Linux;
}

export interface Process {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: User;
  args?: string[];
  env?: string[];
  cwd: string;
  capabilities?: LinuxCapabilities;
  rlimits?: PosixRlimit[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  oomScoreAdj?: number;
  selinuxLabel?: string;
}

export interface User {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
}

export interface LinuxCapabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

export interface PosixRlimit {
  type: string;
  hard: bigint;
  soft: bigint;
}

export interface Root {
  path: string;
  readonly?: boolean;
}

export interface Mount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface Hook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

export interface Hooks {
  prestart?: Hook[];
  createRuntime?: Hook[];
  createContainer?: Hook[];
  startContainer?: Hook[];
  poststart?: Hook[];
  poststop?: Hook[];
}

export interface Linux {
  uidMappings?: IdMapping[];
  gidMappings?: IdMapping[];
  sysctl?: Record<string, string>;
  resources?: LinuxResources;
  cgroupsPath?: string;
  namespaces?: LinuxNamespace[];
  devices?: LinuxDevice[];
  seccomp?: LinuxSeccomp;
  rootfsPropagation?: string;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  mountLabel?: string;
}

export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export type LinuxNamespaceType = "pid" | "network" | "mount" | "ipc" | "uts" | "user" | "cgroup";

export interface LinuxNamespace {
  type: LinuxNamespaceType;
  path?: string;
}

export interface LinuxDevice {
  path: string;
  type: string;
  major: bigint;
  minor: bigint;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface LinuxDeviceCgroup {
  allow: boolean;
  type?: string;
  major?: bigint;
  minor?: bigint;
  access?: string;
}

export interface LinuxResources {
  devices?: LinuxDeviceCgroup[];
  memory?: {
    limit?: bigint;
    reservation?: bigint;
    swap?: bigint;
    kernel?: bigint;
    kernelTCP?: bigint;
    swappiness?: bigint;
    disableOOMKiller?: boolean;
    useHierarchy?: boolean;
  };
  cpu?: {
    shares?: bigint;
    quota?: bigint;
    period?: bigint;
    realtimeRuntime?: bigint;
    realtimePeriod?: bigint;
    cpus?: string;
    mems?: string;
  };
  pids?: { limit: bigint };
  hugepageLimits?: Array<{ pageSize: string; limit: bigint }>;
  unified?: Record<string, string>;
}

export interface LinuxSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: LinuxSyscall[];
}

export interface LinuxSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: Array<{ index: number; value: bigint; valueTwo?: bigint; op: string }>;
}

/** The capabilities containerd's default spec grants (bounding, permitted and effective). */
function defaultUnixCaps(): string[] {
  return [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
  ];
}

/** The mounts containerd's default spec has (oci.defaultMounts), in its order. */
function defaultMounts(): Mount[] {
  const m = (destination: string, type: string, source: string, options: string[]): Mount => ({ destination, type, source, options });
  return [
    m("/proc", "proc", "proc", ["nosuid", "noexec", "nodev"]),
    m("/dev", "tmpfs", "tmpfs", ["nosuid", "strictatime", "mode=755", "size=65536k"]),
    m("/dev/pts", "devpts", "devpts", ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
    m("/dev/shm", "tmpfs", "shm", ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
    m("/dev/mqueue", "mqueue", "mqueue", ["nosuid", "noexec", "nodev"]),
    m("/sys", "sysfs", "sysfs", ["nosuid", "noexec", "nodev", "ro"]),
    m("/run", "tmpfs", "tmpfs", ["nosuid", "strictatime", "mode=755", "size=65536k"]),
  ];
}

/**
 * containerd's default Linux spec for container `id` in containerd namespace `namespace`
 * (the CRI plugin's is "k8s.io"): a fresh object, free to modify.
 */
export function defaultUnixSpec(id: string, namespace = "k8s.io"): RuntimeSpec {
  return {
    ociVersion,
    process: {
      user: { uid: 0, gid: 0 },
      cwd: "/",
      capabilities: { bounding: defaultUnixCaps(), effective: defaultUnixCaps(), permitted: defaultUnixCaps() },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024n, soft: 1024n }],
      noNewPrivileges: true,
    },
    root: { path: "rootfs" },
    mounts: defaultMounts(),
    linux: {
      resources: { devices: [{ allow: false, access: "rwm" }] },
      cgroupsPath: join("/", namespace, id),
      namespaces: [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }, { type: "network" }],
      maskedPaths: [
        "/proc/acpi",
        "/proc/asound",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/proc/sched_debug",
        "/sys/firmware",
        "/proc/scsi",
      ],
      readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
  };
}

// How each spec struct is written: its fields in Go declaration order with their JSON kind. "opt"
// kinds are Go's `omitempty` on a value (left out when zero); pointers are left out when unset.
type Kind =
  | "string" | "optString" | "number" | "optNumber" | "bool" | "optBool" | "int64" | "optInt64" | "ptrNumber" | "ptrBool"
  | "ptrInt64" | "strings" | "numbers" | "map" | { struct: Schema } | { list: Schema } | { ptr: Schema };
type Schema = ReadonlyArray<readonly [field: string, kind: Kind]>;

const userSchema: Schema = [["uid", "number"], ["gid", "number"], ["umask", "ptrNumber"], ["additionalGids", "numbers"]];
const capsSchema: Schema = [["bounding", "strings"], ["effective", "strings"], ["inheritable", "strings"], ["permitted", "strings"], ["ambient", "strings"]];
const processSchema: Schema = [
  ["terminal", "optBool"],
  ["consoleSize", { ptr: [["height", "number"], ["width", "number"]] }],
  ["user", { struct: userSchema }],
  ["args", "strings"],
  ["env", "strings"],
  ["cwd", "string"],
  ["capabilities", { ptr: capsSchema }],
  ["rlimits", { list: [["type", "string"], ["hard", "int64"], ["soft", "int64"]] }],
  ["noNewPrivileges", "optBool"],
  ["apparmorProfile", "optString"],
  ["oomScoreAdj", "ptrNumber"],
  ["selinuxLabel", "optString"],
];
const hookSchema: Schema = [["path", "string"], ["args", "strings"], ["env", "strings"], ["timeout", "ptrNumber"]];
const hooksSchema: Schema = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"].map(
  (name) => [name, { list: hookSchema }] as const,
);
const idMappingSchema: Schema = [["containerID", "number"], ["hostID", "number"], ["size", "number"]];
const resourcesSchema: Schema = [
  ["devices", { list: [["allow", "bool"], ["type", "optString"], ["major", "ptrInt64"], ["minor", "ptrInt64"], ["access", "optString"]] }],
  [
    "memory",
    {
      ptr: [
        ["limit", "ptrInt64"], ["reservation", "ptrInt64"], ["swap", "ptrInt64"], ["kernel", "ptrInt64"], ["kernelTCP", "ptrInt64"],
        ["swappiness", "ptrInt64"], ["disableOOMKiller", "ptrBool"], ["useHierarchy", "ptrBool"],
      ],
    },
  ],
  [
    "cpu",
    {
      ptr: [
        ["shares", "ptrInt64"], ["quota", "ptrInt64"], ["period", "ptrInt64"], ["realtimeRuntime", "ptrInt64"],
        ["realtimePeriod", "ptrInt64"], ["cpus", "optString"], ["mems", "optString"],
      ],
    },
  ],
  ["pids", { ptr: [["limit", "int64"]] }],
  ["hugepageLimits", { list: [["pageSize", "string"], ["limit", "int64"]] }],
  ["unified", "map"],
];
const seccompSchema: Schema = [
  ["defaultAction", "string"],
  ["defaultErrnoRet", "ptrNumber"],
  ["architectures", "strings"],
  ["flags", "strings"],
  ["listenerPath", "optString"],
  ["listenerMetadata", "optString"],
  [
    "syscalls",
    {
      list: [
        ["names", "strings"], ["action", "string"], ["errnoRet", "ptrNumber"],
        ["args", { list: [["index", "number"], ["value", "int64"], ["valueTwo", "optInt64"], ["op", "string"]] }],
      ],
    },
  ],
];
const linuxSchema: Schema = [
  ["uidMappings", { list: idMappingSchema }],
  ["gidMappings", { list: idMappingSchema }],
  ["sysctl", "map"],
  ["resources", { ptr: resourcesSchema }],
  ["cgroupsPath", "optString"],
  ["namespaces", { list: [["type", "string"], ["path", "optString"]] }],
  [
    "devices",
    { list: [["path", "string"], ["type", "string"], ["major", "int64"], ["minor", "int64"], ["fileMode", "ptrNumber"], ["uid", "ptrNumber"], ["gid", "ptrNumber"]] },
  ],
  ["seccomp", { ptr: seccompSchema }],
  ["rootfsPropagation", "optString"],
  ["maskedPaths", "strings"],
  ["readonlyPaths", "strings"],
  ["mountLabel", "optString"],
];
const specSchema: Schema = [
  ["ociVersion", "string"],
  ["process", { ptr: processSchema }],
  ["root", { ptr: [["path", "string"], ["readonly", "optBool"]] }],
  ["hostname", "optString"],
  ["mounts", { list: [["destination", "string"], ["type", "optString"], ["source", "optString"], ["options", "strings"]] }],
  ["hooks", { ptr: hooksSchema }],
  ["annotations", "map"],
  ["linux", { ptr: linuxSchema }],
];

type Loose = Record<string, unknown>;

function encodeStruct(value: Loose, schema: Schema): GoJsonValue {
  const out: Record<string, GoJsonValue | undefined> = {};
  for (const [field, kind] of schema) out[field] = encodeField(value[field], kind);
  return out;
}

function encodeField(v: unknown, kind: Kind): GoJsonValue | undefined {
  switch (kind) {
    case "string":
      return (v as string | undefined) ?? "";
    case "number":
      return (v as number | undefined) ?? 0;
    case "bool":
      return (v as boolean | undefined) ?? false;
    case "int64":
      return (v as bigint | number | undefined) ?? 0;
    case "optString":
    case "optNumber":
    case "optBool":
    case "optInt64":
      return v ? (v as GoJsonValue) : undefined;
    case "ptrNumber":
    case "ptrBool":
    case "ptrInt64":
      return v === undefined ? undefined : (v as GoJsonValue);
    case "strings":
    case "numbers":
      return Array.isArray(v) && v.length > 0 ? (v as GoJsonValue[]) : undefined;
    case "map": {
      const entries = Object.entries((v as Record<string, string> | undefined) ?? {});
      return entries.length > 0 ? new Map(entries) : undefined;
    }
  }
  if ("struct" in kind) return encodeStruct((v as Loose | undefined) ?? {}, kind.struct);
  if ("ptr" in kind) return v === undefined ? undefined : encodeStruct(v as Loose, kind.ptr);
  return Array.isArray(v) && v.length > 0 ? v.map((item: Loose) => encodeStruct(item, kind.list)) : undefined;
}

/** The spec as a value for goJson, for JSON documents that embed it (verbose info). */
export function specJsonValue(spec: RuntimeSpec): GoJsonValue {
  return encodeStruct(spec as unknown as Loose, specSchema);
}

/** The spec as containerd's json.Marshal writes it. */
export function specJson(spec: RuntimeSpec): string {
  return goJson(specJsonValue(spec));
}

/** The spec as containerd stores it in a container record (typeurl of the runtime-spec type). */
export function specAny(spec: RuntimeSpec): AnyValue {
  return { typeUrl: ociSpecTypeUrl, value: new TextEncoder().encode(specJson(spec)) };
}

function decodeStruct(value: ParsedJson | undefined, schema: Schema): Loose {
  const out: Loose = {};
  if (value === null || typeof value !== "object" || Array.isArray(value) || value instanceof JsonNumberText) return out;
  for (const [field, kind] of schema) {
    const v = value[field];
    if (v === undefined || v === null) continue;
    out[field] = decodeField(v, kind);
  }
  return out;
}

// Values of the wrong JSON type read as Go's zero value, so a hand-written profile cannot crash the
// encoder later.
function decodeField(v: ParsedJson, kind: Kind): unknown {
  switch (kind) {
    case "int64":
    case "optInt64":
    case "ptrInt64":
      return typeof v === "bigint" ? v : typeof v === "number" && Number.isInteger(v) ? BigInt(v) : 0n;
    case "number":
    case "optNumber":
    case "ptrNumber":
      return typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : 0;
    case "string":
    case "optString":
      return typeof v === "string" ? v : "";
    case "bool":
    case "optBool":
    case "ptrBool":
      return v === true;
    case "strings":
      return Array.isArray(v) ? v.filter((x) => typeof x === "string") : [];
    case "numbers":
      return Array.isArray(v) ? v.filter((x) => typeof x === "number") : [];
    case "map":
      return v !== null && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x === "string"))
        : {};
  }
  if ("struct" in kind) return decodeStruct(v, kind.struct);
  if ("ptr" in kind) return decodeStruct(v, kind.ptr);
  return Array.isArray(v) ? v.map((item) => decodeStruct(item, kind.list)) : [];
}

/** A seccomp profile's JSON (seccomp.WithProfile decodes a file into specs.LinuxSeccomp). */
export function decodeSeccomp(value: ParsedJson): LinuxSeccomp {
  const decoded = decodeStruct(value, seccompSchema);
  return { ...decoded, defaultAction: (decoded.defaultAction as string | undefined) ?? "" } as LinuxSeccomp;
}

/** Reads a stored spec back (json.Unmarshal into specs.Spec); fields it does not know are dropped. */
export function parseSpec(any: AnyValue): RuntimeSpec {
  const decoded = decodeStruct(parseGoJson(new TextDecoder().decode(any.value)), specSchema);
  return { ...decoded, ociVersion: (decoded.ociVersion as string | undefined) ?? "" } as RuntimeSpec;
}
