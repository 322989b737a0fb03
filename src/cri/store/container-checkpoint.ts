// A container's status checkpoint, `<container root dir>/status`, in containerd's JSON shape
// (versionedStatus: {"Version":"v1","Pid":..,"CreatedAt":..,...,"Resources":..}), written and
// read through the host filesystem. It is what lets a restarted CRI plugin know that a container
// had started or exited, and with which code.

import { type ContainerResources, HugepageLimit, LinuxContainerResources, WindowsContainerResources } from "../api/v1.ts";
import { goJson, goJsonString, type GoJsonValue, JsonNumberText, parseGoJson, type ParsedJson } from "../../go/json.ts";
import type { FileText, HostFs } from "../../node/host-fs.ts";
import { quote } from "../../go/strconv.ts";
import { join } from "../../go/filepath.ts";
import { type ContainerStatus, emptyContainerStatus } from "./container-status.ts";

const statusVersion = "v1";
const decoder = new TextDecoder();

/** The checkpoint's path for a container root dir. */
export function statusPath(containerRootDir: string): string {
  return join(containerRootDir, "status");
}

const omitZero = (v: bigint): bigint | undefined => (v === 0n ? undefined : v);
const omitEmpty = (v: string): string | undefined => (v === "" ? undefined : v);

function linuxJson(r: LinuxContainerResources): GoJsonValue {
  const unified = Object.entries(r.unified ?? {});
  return {
    cpu_period: omitZero(r.cpuPeriod),
    cpu_quota: omitZero(r.cpuQuota),
    cpu_shares: omitZero(r.cpuShares),
    memory_limit_in_bytes: omitZero(r.memoryLimitInBytes),
    oom_score_adj: omitZero(r.oomScoreAdj),
    cpuset_cpus: omitEmpty(r.cpusetCpus),
    cpuset_mems: omitEmpty(r.cpusetMems),
    hugepage_limits:
      r.hugepageLimits.length === 0
        ? undefined
        : r.hugepageLimits.map((l: HugepageLimit) => ({ page_size: omitEmpty(l.pageSize), limit: omitZero(l.limit) })),
    unified: unified.length === 0 ? undefined : new Map(unified),
    memory_swap_limit_in_bytes: omitZero(r.memorySwapLimitInBytes),
  };
}

function windowsJson(r: WindowsContainerResources): GoJsonValue {
  return {
    cpu_shares: omitZero(r.cpuShares),
    cpu_count: omitZero(r.cpuCount),
    cpu_maximum: omitZero(r.cpuMaximum),
    memory_limit_in_bytes: omitZero(r.memoryLimitInBytes),
    rootfs_size_in_bytes: omitZero(r.rootfsSizeInBytes),
  };
}

/**
 * json.Marshal(&versionedStatus{...}): the fields containerd does not tag `json:"-"`. Written out
 * field by field: a container's status is checkpointed on every state change.
 */
export function encodeContainerStatus(status: ContainerStatus): string {
  const resources = status.resources;
  const resourcesJson = resources === undefined ? "null" : resourcesText(resources);
  return (
    `{"Version":"${statusVersion}","Pid":${status.pid},"CreatedAt":${status.createdAt},"StartedAt":${status.startedAt},` +
    `"FinishedAt":${status.finishedAt},"ExitCode":${status.exitCode},"Reason":${goJsonString(status.reason)},` +
    `"Message":${goJsonString(status.message)},"Resources":${resourcesJson}}`
  );
}

/**
 * A status's resources are replaced, never changed (ContainerStatusUpdate), and one container's
 * checkpoints write the same resources on create, start and exit: written once.
 */
const resourcesTexts = new WeakMap<ContainerResources, string>();

function resourcesText(resources: ContainerResources): string {
  let text = resourcesTexts.get(resources);
  if (text === undefined) {
    text = goJson({
      linux: resources.linux ? linuxJson(resources.linux) : undefined,
      windows: resources.windows ? windowsJson(resources.windows) : undefined,
    });
    resourcesTexts.set(resources, text);
  }
  return text;
}

/** What json.Unmarshal calls a JSON value when it cannot store it; a number's literal only for numeric targets. */
function jsonKind(value: ParsedJson, numericTarget: boolean): string {
  if (value instanceof JsonNumberText) return numericTarget ? `number ${value.text}` : "number";
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value)) return "array";
  return "object";
}

class StatusTypeError extends Error {
  constructor(value: ParsedJson, field: string, goType: string, numericTarget = false) {
    super(`json: cannot unmarshal ${jsonKind(value, numericTarget)} into Go struct field ${field} of type ${goType}`);
    this.name = "StatusTypeError";
  }
}

type JsonObject = { [key: string]: ParsedJson };

const isObject = (v: ParsedJson): v is JsonObject =>
  v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof JsonNumberText);

/**
 * Calls `set` for each key of `object` that names one of `fields` (exactly, else ignoring case, as
 * encoding/json matches), in document order, so a repeated field keeps its last value.
 */
function eachField(object: JsonObject, fields: readonly string[], set: (field: string, value: ParsedJson) => void): void {
  for (const [key, value] of Object.entries(object)) {
    const field = fields.includes(key) ? key : fields.find((f) => f.toLowerCase() === key.toLowerCase());
    if (field !== undefined) set(field, value);
  }
}

/** A JSON number into a Go integer type: integer syntax only, within range; null leaves it zero. */
function goInt(value: ParsedJson, field: string, goType: string, min: bigint, max: bigint): bigint | undefined {
  if (value === null) return undefined;
  if (!(value instanceof JsonNumberText) || !/^-?\d+$/.test(value.text)) throw new StatusTypeError(value, field, goType, true);
  const n = BigInt(value.text);
  if (n < min || n > max) throw new StatusTypeError(value, field, goType, true);
  return n;
}

function goString(value: ParsedJson, field: string): string | undefined {
  if (value === null) return undefined;
  if (typeof value !== "string") throw new StatusTypeError(value, field, "string");
  return value;
}

const int64Range = [-(1n << 63n), (1n << 63n) - 1n] as const;
const uint64Range = [0n, (1n << 64n) - 1n] as const;

const linuxFields = [
  "cpu_period",
  "cpu_quota",
  "cpu_shares",
  "memory_limit_in_bytes",
  "oom_score_adj",
  "cpuset_cpus",
  "cpuset_mems",
  "hugepage_limits",
  "unified",
  "memory_swap_limit_in_bytes",
];
const windowsFields = ["cpu_shares", "cpu_count", "cpu_maximum", "memory_limit_in_bytes", "rootfs_size_in_bytes"];

const camel = (field: string): string => field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function decodeLinux(value: JsonObject, path: string): LinuxContainerResources {
  const linux = LinuxContainerResources.fromPartial({}) as unknown as Record<string, unknown>;
  eachField(value, linuxFields, (field, v) => {
    const at = `${path}.${field}`;
    if (field === "cpuset_cpus" || field === "cpuset_mems") {
      linux[camel(field)] = goString(v, at) ?? "";
    } else if (field === "hugepage_limits") {
      if (v === null) return;
      if (!Array.isArray(v)) throw new StatusTypeError(v, at, "[]*v1.HugepageLimit");
      linux.hugepageLimits = v.map((item) => {
        const limit = HugepageLimit.fromPartial({});
        if (item === null) return limit;
        if (!isObject(item)) throw new StatusTypeError(item, at, "v1.HugepageLimit");
        eachField(item, ["page_size", "limit"], (f, x) => {
          if (f === "page_size") limit.pageSize = goString(x, `${at}.page_size`) ?? "";
          else limit.limit = goInt(x, `${at}.limit`, "uint64", ...uint64Range) ?? 0n;
        });
        return limit;
      });
    } else if (field === "unified") {
      if (v === null) return;
      if (!isObject(v)) throw new StatusTypeError(v, at, "map[string]string");
      const unified: Record<string, string> = {};
      for (const [k, x] of Object.entries(v)) unified[k] = goString(x, `${at}.${k}`) ?? "";
      linux.unified = unified;
    } else {
      linux[camel(field)] = goInt(v, at, "int64", ...int64Range) ?? 0n;
    }
  });
  return linux as unknown as LinuxContainerResources;
}

function decodeWindows(value: JsonObject, path: string): WindowsContainerResources {
  const windows = WindowsContainerResources.fromPartial({}) as unknown as Record<string, unknown>;
  eachField(value, windowsFields, (field, v) => {
    windows[camel(field)] = goInt(v, `${path}.${field}`, "int64", ...int64Range) ?? 0n;
  });
  return windows as unknown as WindowsContainerResources;
}

function decodeResources(value: ParsedJson, path: string): ContainerResources | undefined {
  if (value === null) return undefined;
  if (!isObject(value)) throw new StatusTypeError(value, path, "v1.ContainerResources");
  const resources: ContainerResources = { linux: undefined, windows: undefined };
  eachField(value, ["linux", "windows"], (field, v) => {
    if (v === null) return;
    if (field === "linux") {
      if (!isObject(v)) throw new StatusTypeError(v, `${path}.linux`, "v1.LinuxContainerResources");
      resources.linux = decodeLinux(v, `${path}.linux`);
    } else {
      if (!isObject(v)) throw new StatusTypeError(v, `${path}.windows`, "v1.WindowsContainerResources");
      resources.windows = decodeWindows(v, `${path}.windows`);
    }
  });
  return resources;
}

const statusFields = ["Version", "Pid", "CreatedAt", "StartedAt", "FinishedAt", "ExitCode", "Reason", "Message", "Resources"];

/**
 * Status.decode: the checkpoint's JSON as json.Unmarshal reads it into versionedStatus (keys
 * matched ignoring case, the last of a repeated key winning, fields tagged "-" ignored), with
 * its errors, then "unsupported version" unless the version is v1.
 */
export function decodeContainerStatus(text: string): ContainerStatus {
  const v = parseGoJson(text, { keepNumberText: true });
  const status = emptyContainerStatus();
  let version = "";
  if (v !== null) {
    if (!isObject(v)) throw new Error(`json: cannot unmarshal ${jsonKind(v, false)} into Go value of type container.versionedStatus`);
    eachField(v, statusFields, (field, value) => {
      const at = field === "Version" ? "versionedStatus.Version" : `versionedStatus.Status.${field}`;
      switch (field) {
        case "Version":
          version = goString(value, at) ?? version;
          break;
        case "Pid":
          status.pid = Number(goInt(value, at, "uint32", 0n, 0xffffffffn) ?? BigInt(status.pid));
          break;
        case "CreatedAt":
          status.createdAt = goInt(value, at, "int64", ...int64Range) ?? status.createdAt;
          break;
        case "StartedAt":
          status.startedAt = goInt(value, at, "int64", ...int64Range) ?? status.startedAt;
          break;
        case "FinishedAt":
          status.finishedAt = goInt(value, at, "int64", ...int64Range) ?? status.finishedAt;
          break;
        case "ExitCode":
          status.exitCode = Number(goInt(value, at, "int32", -(1n << 31n), (1n << 31n) - 1n) ?? BigInt(status.exitCode));
          break;
        case "Reason":
          status.reason = goString(value, at) ?? status.reason;
          break;
        case "Message":
          status.message = goString(value, at) ?? status.message;
          break;
        case "Resources": {
          const resources = decodeResources(value, at);
          if (resources) status.resources = resources;
          else delete status.resources;
          break;
        }
      }
    });
  }
  if (version !== statusVersion) throw new Error("unsupported version");
  return status;
}

/** StoreStatus's write: the checkpoint replaced atomically, mode 0600. */
export function writeStatusCheckpoint(fs: HostFs, path: string, status: ContainerStatus): void {
  try {
    fs.writeFile(path, new StatusCheckpointText(status), 0o600);
  } catch (err) {
    throw new Error(`failed to checkpoint status to ${quote(path)}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * A checkpoint's text, made when the file is read (a restart, a saved state, the journal): a status
 * is replaced on change, never changed, so the text is the one written now.
 */
class StatusCheckpointText implements FileText {
  private readonly status: ContainerStatus;

  constructor(status: ContainerStatus) {
    this.status = status;
  }

  text(): string {
    return encodeContainerStatus(this.status);
  }
}

/** LoadStatus: the status checkpointed under a container root dir. */
export function loadContainerStatus(fs: HostFs, containerRootDir: string): ContainerStatus {
  const path = statusPath(containerRootDir);
  let data: Uint8Array;
  try {
    data = fs.readFile(path);
  } catch (err) {
    throw new Error(`failed to read status from ${quote(path)}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return decodeContainerStatus(decoder.decode(data));
  } catch (err) {
    throw new Error(`failed to decode status ${quote(data)}: ${(err as Error).message}`, { cause: err });
  }
}

