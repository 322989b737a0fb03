// What differs between two runs of the same scenario and is therefore written as a marker, applied
// identically on record and replay. Each rule below is one function with the reason it exists;
// nothing else is ever rewritten. Image IDs, digests and sizes stay literal (the fake serves the same
// image bytes), and so does every error text.
//
// A Normaliser lives for one scenario run: markers are numbered by first appearance, so the same
// value gets the same marker throughout a transcript and equal values stay visibly equal.

import type { Json, JsonObject } from "./calls.ts";

/**
 * A request value computed from the run's own IDs (an ID prefix, an ID made too long) and the
 * expression that computed it, which the transcript stores in its place.
 */
export interface DerivedValue {
  value: string;
  expression: string;
}

/** A gRPC status as a transcript writes it: the code's name (`NotFound`) and the message. */
export interface Status {
  code: string;
  message: string;
}

/**
 * What a call produced: a response, an error status, or for a server stream its messages and how it
 * ended: with a status, at its end, or still open (`open`: it sent nothing more for the target's idle
 * time, and the run cancelled it).
 */
export type Outcome = { response: Json } | { error: Status } | { stream: Json[]; error?: Status; open?: true };

const hex64 = /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/g;
const digestHex = /sha256:([0-9a-f]{64})/g;

/** What to do with two items of an unordered list that sort alike (their order would depend on the run). */
export type ListTies = "refuse" | "keep-received-order";

export class Normaliser {
  private readonly logRoot: string | undefined;
  private readonly ties: ListTies;
  private readonly ids = new Map<string, string>();
  private readonly digests = new Set<string>();
  private readonly times = new Map<string, string>();
  private readonly ips = new Map<string, string>();
  private readonly tokens = new Map<string, string>();
  private readonly networkNames = new Map<string, string>();
  /** Each container's CPU counter at its last sample (by its normalised ID). */
  private readonly cpuSamples = new Map<string, string>();

  /**
   * `logRoot`: the run's log root, written `$logRoot` (a scenario's; a trace has none). `ties`:
   * a scenario must not depend on the run (refuse); a trace records what it was given.
   */
  constructor(logRoot?: string, ties: ListTies = "refuse") {
    this.logRoot = logRoot;
    this.ties = ties;
  }

  /** The runtime IDs seen so far with their markers (`$id1`...), in order of first appearance. */
  runtimeIds(): ReadonlyMap<string, string> {
    return this.ids;
  }

  /** The runtime ID a marker (`$id3`) stands for in this run, if it has appeared. */
  runtimeIdOf(marker: string): string | undefined {
    for (const [id, m] of this.ids) if (m === marker) return id;
    return undefined;
  }

  request(request: JsonObject, derived: readonly DerivedValue[]): JsonObject {
    this.noteDigests(request);
    return mapStrings(request, (s) => derivedRequestValue(s, derived) ?? this.text(s, true)) as JsonObject;
  }

  outcome(method: string, outcome: Outcome, derived: readonly DerivedValue[]): Outcome {
    const status = (error: Status): Status => ({
      code: error.code,
      message: derivedValuesInMessage(this.text(error.message, true), derived),
    });
    if ("stream" in outcome) {
      this.noteDigests(outcome.stream);
      const stream = outcome.stream.map((message) => this.message(method, message));
      if (outcome.error) return { stream, error: status(outcome.error) };
      return outcome.open ? { stream, open: true } : { stream };
    }
    if ("error" in outcome) return { error: status(outcome.error) };
    this.noteDigests(outcome.response);
    return { response: this.message(method, outcome.response) };
  }

  private message(method: string, message: Json): Json {
    let result = unorderedLists(method, message, this.ties, (item) =>
      canonicalJson(mapStrings(withoutTimes(item), (s) => this.text(s, false))),
    );
    result = mapKeys(result, (key) => (vethName.test(key) ? networkNames(key, this.networkNames, true) : key));
    result = mapStrings(result, (s) => this.text(s, true));
    result = lifecycleTimestamps(result, this.times);
    result = sampleTimestamps(result);
    result = idleCpu(method, result, this.cpuSamples);
    result = usageCounters(method, result);
    result = cpuRates(method, result);
    result = podIps(method, result, this.ips);
    result = streamingUrls(method, result, this.tokens);
    result = pids(result);
    return sortKeys(result);
  }

  /** The string rules every string goes through. With `assign` false, unseen IDs read as `$new` and get no number. */
  private text(s: string, assign: boolean): string {
    let out = this.logRoot === undefined ? s : logRoot(s, this.logRoot);
    out = instanceDirs(out);
    out = runtimeIds(out, this.ids, this.digests, assign);
    out = networkNames(out, this.networkNames, assign);
    return out;
  }

  private noteDigests(value: Json): void {
    mapStrings(value, (s) => {
      for (const m of s.matchAll(digestHex)) this.digests.add(m[1]!);
      return s;
    });
  }
}

// ---- string rules: applied to every string of requests, responses and error messages ----

/** Log directories live under a fresh temp dir per run (`$logRoot` in the scenarios). */
function logRoot(s: string, root: string): string {
  return s.split(root).join("$logRoot");
}

/** containerd's root and state dirs (`.../io.containerd.<plugin>...`) are wherever the instance was started. */
function instanceDirs(s: string): string {
  if (!s.includes("/io.containerd.")) return s;
  return s.replace(/(?<![\w.\-/$])\/[\w.\-/]*?(?=\/io\.containerd\.[a-z])/g, "$root");
}

/**
 * Sandbox, container and exec IDs are random 64-hex strings: `$id1`, `$id2`... by first appearance.
 * The hex of an image ID or digest seen as `sha256:<hex>` is not one of them and stays literal.
 */
function runtimeIds(s: string, ids: Map<string, string>, digests: ReadonlySet<string>, assign: boolean): string {
  if (s.length < 64) return s;
  return s.replace(hex64, (id) => {
    if (digests.has(id)) return id;
    let marker = ids.get(id);
    if (marker === undefined) {
      if (!assign) return "$new";
      marker = `$id${ids.size + 1}`;
      ids.set(id, marker);
    }
    return marker;
  });
}

const netnsName = /(?<=cni-)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-f])/g;
const vethName = /^veth[0-9a-f]{8}$/;
const vethNames = /(?<![\w-])veth[0-9a-f]{8}(?![\w-])/g;
const macAddress = /(?<![0-9a-f:])(?!00:00:00:00:00:00)[0-9a-f]{2}(?::[0-9a-f]{2}){5}(?![0-9a-f:])/g;

/**
 * A pod's network gets random names on every run: containerd names its network namespace file
 * `cni-<random UUID>`, the bridge plugin names the host's end of the pod's veth pair `veth<8 random
 * hex>` and the kernel gives the interfaces random MAC addresses (all in verbose PodSandboxStatus
 * info). They become `cni-$netns1`, `$veth1`, `$mac1`... by first appearance (loopback's all-zero
 * MAC stays). With `assign` false, unseen names read as `$new`.
 */
function networkNames(s: string, names: Map<string, string>, assign: boolean): string {
  if (!s.includes("cni-") && !s.includes("veth") && !s.includes(":")) return s;
  const rename = (kind: string) => (name: string): string => {
    let marker = names.get(name);
    if (marker === undefined) {
      if (!assign) return "$new";
      marker = `$${kind}${[...names.values()].filter((m) => m.startsWith(`$${kind}`)).length + 1}`;
      names.set(name, marker);
    }
    return marker;
  };
  return s.replace(netnsName, rename("netns")).replace(vethNames, rename("veth")).replace(macAddress, rename("mac"));
}

/**
 * A value a scenario computed from the run's IDs (`$prefix(...)`, `$commonPrefix(...)`,
 * `$append(...)`) is written as that expression: in the request where a string is exactly that
 * value, and in the error message of that call where it stands as a word (after a quote, a space or
 * the start; before a quote, a space, a colon or the end). A one-digit prefix must not hit the "1"
 * of "busybox:1.36".
 */
function derivedRequestValue(s: string, derived: readonly DerivedValue[]): string | undefined {
  return derived.find((d) => d.value === s)?.expression;
}

function derivedValuesInMessage(s: string, derived: readonly DerivedValue[]): string {
  let out = s;
  for (const { value, expression } of derived) {
    const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    out = out.replace(new RegExp(`(?<=^|["\\s])${escaped}(?=$|["\\s:])`, "g"), () => expression);
  }
  return out;
}

// ---- field rules: applied to response messages ----

/** Where each answer holds lists built from Go maps: field paths, `[]` stepping into every item. */
const unorderedListPaths: Record<string, string[][]> = {
  listPodSandbox: [["items"]],
  listContainers: [["containers"]],
  listImages: [["images"]],
  listContainerStats: [["stats"]],
  listPodSandboxStats: [["stats"], ["stats", "[]", "linux", "containers"]],
  podSandboxStats: [["stats", "linux", "containers"]],
  getContainerEvents: [["containersStatuses"]],
  listMetricDescriptors: [["descriptors"]],
  listPodSandboxMetrics: [["podMetrics"], ...podMetricsLists(["podMetrics", "[]"])],
  streamPodSandboxes: [["podSandboxes"]],
  streamContainers: [["containers"]],
  streamImages: [["images"]],
  streamContainerStats: [["containerStats"]],
  streamPodSandboxStats: [["podSandboxStats"], ["podSandboxStats", "[]", "linux", "containers"]],
  streamPodSandboxMetrics: [["podSandboxMetrics"], ...podMetricsLists(["podSandboxMetrics", "[]"])],
};

/** The lists inside one PodSandboxMetrics: its metrics, its containers, each container's metrics. */
function podMetricsLists(pod: string[]): string[][] {
  return [[...pod, "metrics"], [...pod, "containerMetrics"], [...pod, "containerMetrics", "[]", "metrics"]];
}

/**
 * containerd lists sandboxes, containers, images and stats by ranging over Go maps, so their order
 * is random: such lists are sorted by their normalised content. Items that sort alike keep the
 * order they came in when `ties` allows it (sort is stable).
 */
function unorderedLists(method: string, message: Json, ties: ListTies, sortKey: (item: Json) => string): Json {
  let result = message;
  for (const path of unorderedListPaths[method] ?? []) result = sortListAt(result, path, method, ties, sortKey);
  return result;
}

function sortListAt(value: Json, path: readonly string[], method: string, ties: ListTies, sortKey: (item: Json) => string): Json {
  if (path.length === 0) {
    if (!Array.isArray(value)) return value;
    const keyed = value.map((item) => ({ item, key: sortKey(item) }));
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (let i = 1; i < keyed.length && ties === "refuse"; i++) {
      if (keyed[i]!.key === keyed[i - 1]!.key) {
        throw new Error(`${method}: two list items sort alike (${keyed[i]!.key}); their order would depend on the run`);
      }
    }
    return keyed.map((k) => k.item);
  }
  const [head, ...rest] = path;
  if (head === "[]") return Array.isArray(value) ? value.map((item) => sortListAt(item, rest, method, ties, sortKey)) : value;
  if (!isObject(value) || !(head! in value)) return value;
  return { ...value, [head!]: sortListAt(value[head!]!, rest, method, ties, sortKey) };
}

const lifecycleFields = ["createdAt", "startedAt", "finishedAt"] as const;

/**
 * Creation, start and finish times are wall-clock nanoseconds: `$t1`, `$t2`... by first appearance
 * (within an object in the order created, started, finished), so the same instant keeps its marker
 * and 0 (left out of the JSON) stays 0. Of their order only what causality fixes is kept: a start or
 * finish before the creation would read `$tN (before createdAt)`. A start after the finish is
 * normal (a process can exit before containerd notes that it started), so that order is not kept.
 */
function lifecycleTimestamps(message: Json, times: Map<string, string>): Json {
  const marker = (value: string): string => {
    if (!times.has(value)) times.set(value, `$t${times.size + 1}`);
    return times.get(value)!;
  };
  const visit = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(visit);
    if (!isObject(value)) return value;
    const out: JsonObject = {};
    for (const key of Object.keys(value).sort()) out[key] = visit(value[key]!);
    const created = value.createdAt;
    for (const field of lifecycleFields) {
      const time = value[field];
      if (typeof time !== "string") continue;
      const before = field !== "createdAt" && typeof created === "string" && BigInt(time) < BigInt(created);
      out[field] = before ? `${marker(time)} (before createdAt)` : marker(time);
    }
    return out;
  };
  return visit(message);
}

/**
 * Stats and image filesystem `timestamp`s are when containerd's collectors last sampled, so even
 * their equality depends on timing: non-zero becomes `$sampled`. A filesystem usage (one with an
 * `fsId`) has none until the snapshot syncer's first pass (every 10 s), so whether it has one is
 * timing too: it always reads `$sampled`.
 */
function sampleTimestamps(message: Json): Json {
  if (Array.isArray(message)) return message.map(sampleTimestamps);
  if (!isObject(message)) return message;
  const out = Object.fromEntries(Object.entries(message).map(([k, v]) => [k, sampleTimestamps(v)]));
  if (typeof out.timestamp === "string" || "fsId" in out) out.timestamp = "$sampled";
  return out;
}

const usageMethods = new Set([
  "imageFsInfo",
  "containerStats",
  "listContainerStats",
  "podSandboxStats",
  "listPodSandboxStats",
  "streamContainerStats",
  "streamPodSandboxStats",
  "listPodSandboxMetrics",
  "streamPodSandboxMetrics",
]);

/**
 * Byte, inode, CPU, memory and network counters come from the kernel and the filesystem and are
 * sampled periodically: in stats, metrics and image filesystem answers every UInt64Value becomes
 * `{"value":"$usage"}` (present or absent is kept).
 */
function usageCounters(method: string, message: Json): Json {
  if (!usageMethods.has(method)) return message;
  return mapFields(message, (key, value) =>
    key !== "fsId" && isObject(value) && Object.keys(value).every((k) => k === "value") && value.value !== idleMarker ? { value: "$usage" } : value,
  );
}

const idleMarker = "$unchanged";

/**
 * What the CPU counter does is kept where it can be compared: a container's cumulative CPU
 * (`usageCoreNanoSeconds` in ContainerStats and ListContainerStats) that has not moved since its
 * previous sample in the conversation reads `$unchanged` (a process that sleeps or waits uses
 * none); one that moved is a `$usage` like any counter.
 */
function idleCpu(method: string, message: Json, samples: Map<string, string>): Json {
  if ((method !== "containerStats" && method !== "listContainerStats") || !isObject(message) || message.stats === undefined) return message;
  const sample = (stats: Json): Json => {
    if (!isObject(stats) || !isObject(stats.attributes) || typeof stats.attributes.id !== "string") return stats;
    const cpu = stats.cpu;
    const counter = isObject(cpu) && isObject(cpu.usageCoreNanoSeconds) ? cpu.usageCoreNanoSeconds.value : undefined;
    if (typeof counter !== "string" || !isObject(cpu)) return stats;
    const id = stats.attributes.id;
    const unchanged = samples.get(id) === counter;
    samples.set(id, counter);
    return unchanged ? { ...stats, cpu: { ...cpu, usageCoreNanoSeconds: { value: idleMarker } } } : stats;
  };
  return { ...message, stats: Array.isArray(message.stats) ? message.stats.map(sample) : sample(message.stats) };
}

/**
 * A CPU rate (`usageNanoCores`) is left out of stats: containerd 2.x takes it from a collector that
 * samples every second of real time (else from the previous call), so whether an answer has one
 * depends on timing. (1.6 always has one; its value is a `$usage` counter either way.)
 */
function cpuRates(method: string, message: Json): Json {
  if (!usageMethods.has(method)) return message;
  return mapFields(message, (key, value) => (key === "cpu" && isObject(value) ? withoutKey(value, "usageNanoCores") : value));
}

function withoutKey(object: JsonObject, key: string): JsonObject {
  const { [key]: _dropped, ...rest } = object;
  return rest;
}

/** Pod IPs come from the CNI plugin's IPAM: `$ip1`, `$ip2`... by first appearance ("" stays ""). */
function podIps(method: string, message: Json, ips: Map<string, string>): Json {
  if (method !== "podSandboxStatus" || !isObject(message)) return message;
  const rename = (ip: Json): Json => {
    if (typeof ip !== "string" || ip === "") return ip;
    if (!ips.has(ip)) ips.set(ip, `$ip${ips.size + 1}`);
    return ips.get(ip)!;
  };
  return mapFields(message, (key, value) => {
    if (key !== "network" || !isObject(value)) return value;
    const network: JsonObject = { ...value };
    if ("ip" in network) network.ip = rename(network.ip!);
    if (Array.isArray(network.additionalIps)) {
      network.additionalIps = network.additionalIps.map((a) => (isObject(a) && "ip" in a ? { ...a, ip: rename(a.ip!) } : a));
    }
    return network;
  });
}

/** Streaming URLs carry the stream server's random port and a random one-time token. */
function streamingUrls(method: string, message: Json, tokens: Map<string, string>): Json {
  if (!["exec", "attach", "portForward"].includes(method) || !isObject(message) || typeof message.url !== "string") {
    return message;
  }
  const url = message.url.replace(/^(\w+:\/\/[^/:]+):\d+\/(\w+)\/([^/?#]+)$/, (_, host: string, kind: string, token: string) => {
    if (!tokens.has(token)) tokens.set(token, `$token${tokens.size + 1}`);
    return `${host}:$port/${kind}/${tokens.get(token)}`;
  });
  return { ...message, url };
}

/**
 * Process IDs (verbose info) are the kernel's: a non-zero `pid` becomes `$pid`, and so does the
 * PID in a `/proc/<pid>/...` path (a container's runtime spec joins its sandbox's namespaces there).
 */
function pids(message: Json): Json {
  const withPaths = mapStrings(message, (s) => s.replace(/(?<=\/proc\/)[1-9]\d*(?=\/)/g, "$$pid"));
  return mapFields(withPaths, (key, value) => (key === "pid" && typeof value === "number" && value !== 0 ? "$pid" : value));
}

// ---- JSON helpers ----

function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Rewrites every string value (not object keys). */
export function mapStrings(value: Json, fn: (s: string) => string): Json {
  if (typeof value === "string") return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)]));
  return value;
}

/** Renames object keys at every level. */
function mapKeys(value: Json, fn: (key: string) => string): Json {
  if (Array.isArray(value)) return value.map((v) => mapKeys(v, fn));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [fn(k), mapKeys(v, fn)]));
  return value;
}

/** Rewrites object fields bottom-up: `fn(key, value)` sees each field after its children. */
function mapFields(value: Json, fn: (key: string, value: Json) => Json): Json {
  if (Array.isArray(value)) return value.map((v) => mapFields(v, fn));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fn(k, mapFields(v, fn))]));
  return value;
}

/** A list item without its times, which sort it by the run's clock rather than by content. */
function withoutTimes(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutTimes);
  if (!isObject(value)) return value;
  const timeFields = new Set<string>([...lifecycleFields, "timestamp"]);
  return Object.fromEntries(Object.entries(value).filter(([k]) => !timeFields.has(k)).map(([k, v]) => [k, withoutTimes(v)]));
}

/** Object keys in sorted order at every level: protobuf maps arrive in Go's random order. */
export function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isObject(value)) {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys(value[k]!)]));
  }
  return value;
}

export function canonicalJson(value: Json): string {
  return JSON.stringify(sortKeys(value));
}
