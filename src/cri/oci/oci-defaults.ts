// The OCI runtime spec as containerd 1.6.20 builds it for a Linux container: the types (the
// runtime-spec Go module v1.0.3-0.20210326190908, the parts the CRI plugin sets), containerd's
// default Linux spec (oci.populateDefaultUnixSpec: mounts, masked and read-only paths,
// capabilities, rlimits, namespaces, the device cgroup), and the JSON text containerd stores and
// shows in verbose info (Go's encoding/json: struct field order, `omitempty`, map keys sorted).

import type { AnyValue, JsonAnyValue, JsonPick } from "../../../fake-containerd/index.ts";
import { ociSpecTypeUrl } from "../../../fake-containerd/index.ts";
import { join } from "../../go/filepath.ts";
import { encodedOnRead } from "../encoded-any.ts";
import { compareUtf8, goJson, goJsonString, JsonNumberText, parseGoJson, type GoJsonValue, type ParsedJson } from "../../go/json.ts";

/** specs.Version of the runtime-spec module containerd 1.6.20 is built with. */
export const ociVersion = "1.0.2-dev";

export interface RuntimeSpec {
  ociVersion: string;
  process?: Process;
  root?: Root;
  hostname?: string;
  /** The spec's own list; its entries may be shared with other specs: replace an entry to change it. */
  mounts?: Readonly<Mount>[];
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
  rlimits?: readonly Readonly<PosixRlimit>[];
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

/** Its lists may be shared with other specs (the default's): replace a list to change it. */
export interface LinuxCapabilities {
  bounding?: readonly string[];
  effective?: readonly string[];
  inheritable?: readonly string[];
  permitted?: readonly string[];
  ambient?: readonly string[];
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
  options?: readonly string[];
  uidMappings?: IdMapping[];
  gidMappings?: IdMapping[];
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
  /** The spec's own list; its entries may be shared with other specs. */
  namespaces?: Readonly<LinuxNamespace>[];
  devices?: LinuxDevice[];
  seccomp?: LinuxSeccomp;
  rootfsPropagation?: string;
  maskedPaths?: readonly string[];
  readonlyPaths?: readonly string[];
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
  devices?: readonly Readonly<LinuxDeviceCgroup>[];
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

/**
 * A part every default spec shares, frozen all the way down: a spec that changes it replaces it
 * (copy on write), so thousands of containers hold one copy rather than one each.
 */
function shared<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const member of Object.values(value)) shared(member);
    Object.freeze(value);
  }
  return value;
}

/** The capabilities containerd's default spec grants (bounding, permitted and effective). */
const defaultUnixCaps: readonly string[] = shared([
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
]);

function defaultMount(destination: string, type: string, source: string, options: string[]): Mount {
  return { destination, type, source, options };
}

/** The mounts containerd's default spec has (oci.defaultMounts), in its order. */
const defaultMounts: readonly Mount[] = shared([
  defaultMount("/proc", "proc", "proc", ["nosuid", "noexec", "nodev"]),
  defaultMount("/dev", "tmpfs", "tmpfs", ["nosuid", "strictatime", "mode=755", "size=65536k"]),
  defaultMount("/dev/pts", "devpts", "devpts", ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
  defaultMount("/dev/shm", "tmpfs", "shm", ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
  defaultMount("/dev/mqueue", "mqueue", "mqueue", ["nosuid", "noexec", "nodev"]),
  defaultMount("/sys", "sysfs", "sysfs", ["nosuid", "noexec", "nodev", "ro"]),
  defaultMount("/run", "tmpfs", "tmpfs", ["nosuid", "strictatime", "mode=755", "size=65536k"]),
]);

const defaultRlimits: readonly PosixRlimit[] = shared([{ type: "RLIMIT_NOFILE", hard: 1024n, soft: 1024n }]);
const defaultDevices: readonly LinuxDeviceCgroup[] = shared([{ allow: false, access: "rwm" }]);
const defaultNamespaces: readonly LinuxNamespace[] = shared([{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }, { type: "network" }]);
const defaultMaskedPaths: readonly string[] = shared([
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
]);
const defaultReadonlyPaths: readonly string[] = shared(["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]);

/**
 * containerd's default Linux spec for container `id` in containerd namespace `namespace`
 * (the CRI plugin's is "k8s.io"). Its objects and the lists of mounts and namespaces are its own;
 * the lists' entries and the other lists (capabilities, masked paths, ...) are shared and frozen:
 * replace them to change them.
 */
export function defaultUnixSpec(id: string, namespace = "k8s.io"): RuntimeSpec {
  return {
    ociVersion,
    process: {
      user: { uid: 0, gid: 0 },
      cwd: "/",
      capabilities: { bounding: defaultUnixCaps, effective: defaultUnixCaps, permitted: defaultUnixCaps },
      rlimits: defaultRlimits,
      noNewPrivileges: true,
    },
    root: { path: "rootfs" },
    mounts: [...defaultMounts],
    linux: {
      resources: { devices: defaultDevices },
      cgroupsPath: join("/", namespace, id),
      namespaces: [...defaultNamespaces],
      maskedPaths: defaultMaskedPaths,
      readonlyPaths: defaultReadonlyPaths,
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
  [
    "mounts",
    {
      list: [
        ["destination", "string"], ["type", "optString"], ["source", "optString"], ["options", "strings"],
        ["uidMappings", { list: idMappingSchema }], ["gidMappings", { list: idMappingSchema }],
      ],
    },
  ],
  ["hooks", { ptr: hooksSchema }],
  ["annotations", "map"],
  ["linux", { ptr: linuxSchema }],
];

type Loose = Record<string, unknown>;

/**
 * What encoding/json writes for a field of `kind` holding `v` (the zero value of a missing plain
 * field), or undefined where it leaves the field out (`omitempty`, nil pointers and slices).
 * Both the text and the document below follow these rules.
 */
function writtenRule(kind: Kind): (v: unknown) => unknown {
  switch (kind) {
    case "string":
      return (v) => v ?? "";
    case "number":
    case "int64":
      return (v) => v ?? 0;
    case "bool":
      return (v) => v ?? false;
    case "optString":
    case "optNumber":
    case "optBool":
    case "optInt64":
      return (v) => (v ? v : undefined);
    case "ptrNumber":
    case "ptrBool":
    case "ptrInt64":
      return (v) => v;
    case "map":
      return (v) => {
        const map = v ?? {};
        return Object.keys(map).length > 0 ? map : undefined;
      };
  }
  if (typeof kind === "object" && "struct" in kind) return (v) => v ?? {};
  if (typeof kind === "object" && "ptr" in kind) return (v) => v;
  return (v) => (Array.isArray(v) && v.length > 0 ? v : undefined);
}

/** How a compiled schema writes values: as JSON text, or as the value JSON.parse makes of that text. */
interface JsonOutput<T> {
  scalar(v: unknown): T;
  list(items: readonly unknown[], each: (item: unknown) => T): T;
  /** A Go map: keys in Go's order. */
  map(map: Record<string, unknown>): T;
  struct(fields: ReadonlyArray<CompiledField<T>>, value: Loose): T;
}

interface CompiledField<T> {
  name: string;
  /** The field's name as a JSON key, followed by a colon. */
  key: string;
  /** Whether a missing field is left out: most of a spec's fields are, so they cost one check. */
  omittedWhenMissing: boolean;
  written: (v: unknown) => unknown;
  write: (written: unknown) => T;
}

function compileStruct<T>(schema: Schema, out: JsonOutput<T>): (value: Loose) => T {
  const fields: CompiledField<T>[] = schema.map(([name, kind]) => {
    const written = writtenRule(kind);
    return { name, key: `${goJsonString(name)}:`, omittedWhenMissing: written(undefined) === undefined, written, write: fieldWriter(kind, out) };
  });
  return (value) => out.struct(fields, value);
}

function fieldWriter<T>(kind: Kind, out: JsonOutput<T>): (written: unknown) => T {
  if (kind === "strings" || kind === "numbers") return (v) => out.list(v as unknown[], (item) => out.scalar(item));
  if (kind === "map") return (v) => out.map(v as Record<string, unknown>);
  if (typeof kind === "string") return (v) => out.scalar(v);
  const struct = compileStruct("list" in kind ? kind.list : "ptr" in kind ? kind.ptr : kind.struct, out);
  if ("list" in kind) return (v) => out.list(v as unknown[], (item) => struct(item as Loose));
  return (v) => struct(v as Loose);
}

/** A scalar as goJson writes it (what the spec's typed fields hold). */
function scalarJson(v: unknown): string {
  switch (typeof v) {
    case "string":
      return goJsonString(v);
    case "bigint":
      return v.toString();
    default:
      return goJson(v as GoJsonValue);
  }
}

const textOutput: JsonOutput<string> = {
  scalar: scalarJson,
  list(items, each) {
    let text = "[";
    for (let i = 0; i < items.length; i++) text += (i === 0 ? "" : ",") + each(items[i]);
    return `${text}]`;
  },
  map(map) {
    const keys = Object.keys(map).sort(compareUtf8);
    let text = "{";
    for (let i = 0; i < keys.length; i++) text += `${i === 0 ? "" : ","}${goJsonString(keys[i]!)}:${scalarJson(map[keys[i]!])}`;
    return `${text}}`;
  },
  struct(fields, value) {
    let text = "";
    for (const field of fields) {
      const v = value[field.name];
      if (v === undefined && field.omittedWhenMissing) continue;
      const written = field.written(v);
      if (written !== undefined) text += (text === "" ? "" : ",") + field.key + field.write(written);
    }
    return `{${text}}`;
  },
};

const surrogate = /[\ud800-\udfff]/;

/** A string as it reads back from goJsonString's text: lone surrogates became U+FFFD. */
function wellFormed(s: string): string {
  if (!surrogate.test(s)) return s;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    let out = s.slice(0, i);
    for (; i < s.length; i++) {
      const d = s.charCodeAt(i);
      const next = s.charCodeAt(i + 1);
      if (d >= 0xd800 && d <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else {
        out += d >= 0xd800 && d <= 0xdfff ? "\ufffd" : s[i];
      }
    }
    return out;
  }
  return s;
}

const documentOutput: JsonOutput<unknown> = {
  scalar(v) {
    switch (typeof v) {
      case "string":
        return wellFormed(v);
      case "bigint":
        return Number(v);
      case "boolean":
        return v;
      default:
        // Numbers (goJson refuses NaN and infinities) and whatever a hand-written base spec holds.
        return JSON.parse(goJson(v as GoJsonValue));
    }
  },
  list(items, each) {
    return items.map(each);
  },
  map(map) {
    return Object.fromEntries(Object.keys(map).sort(compareUtf8).map((k) => [wellFormed(k), documentOutput.scalar(map[k])]));
  },
  struct(fields, value) {
    const document: Loose = {};
    for (const field of fields) {
      const v = value[field.name];
      if (v === undefined && field.omittedWhenMissing) continue;
      const written = field.written(v);
      if (written !== undefined) document[field.name] = field.write(written);
    }
    return document;
  },
};

const specText = compileStruct(specSchema, textOutput);
const specDocument = compileStruct(specSchema, documentOutput);

/** The spec as containerd's json.Marshal writes it. */
export function specJson(spec: RuntimeSpec): string {
  return specText(spec as unknown as Loose);
}

/**
 * The spec as containerd stores it in a container record (typeurl of the runtime-spec type),
 * written when first read; fake-containerd's task service takes its document without the text
 * (JsonAnyValue). The caller must not change `spec` afterwards.
 */
export function specAny(spec: RuntimeSpec): JsonAnyValue {
  return Object.assign(encodedOnRead(ociSpecTypeUrl, () => specJson(spec)), {
    json(pick?: JsonPick): unknown {
      return (pick === undefined ? specDocument : pickedSpecDocument(pick))(spec as unknown as Loose);
    },
  });
}

/** Compiled per pick: readers pass one constant pick each. */
const pickedSpecDocuments = new WeakMap<JsonPick, (value: Loose) => unknown>();

function pickedSpecDocument(pick: JsonPick): (value: Loose) => unknown {
  let document = pickedSpecDocuments.get(pick);
  if (document === undefined) {
    document = compileStruct(pickedSchema(specSchema, pick), documentOutput);
    pickedSpecDocuments.set(pick, document);
  }
  return document;
}

/**
 * The schema's picked fields, in the schema's order (the document's key order). A pick inside a
 * list or map keeps it whole.
 */
function pickedSchema(schema: Schema, pick: JsonPick): Schema {
  const picked: Array<readonly [string, Kind]> = [];
  for (const [name, kind] of schema) {
    const member = Object.hasOwn(pick, name) ? pick[name] : undefined;
    if (member === undefined) continue;
    if (member === true || typeof kind === "string" || "list" in kind) picked.push([name, kind]);
    else picked.push([name, "ptr" in kind ? { ptr: pickedSchema(kind.ptr, member) } : { struct: pickedSchema(kind.struct, member) }]);
  }
  return picked;
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
