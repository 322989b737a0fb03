// Turns the octets the recording proxy kept into a trace: each call's gRPC messages decoded with the
// generated CRI types, written as JSON and normalised by the golden transcripts' rules (runtime IDs,
// times, addresses, PIDs), one Normaliser for the whole trace, calls in the order they started, so
// that replaying the trace call by call meets the same markers in the same order. Portable.

import { codeName } from "../cri/errors.ts";
import type { MethodDefinition } from "../cri/service-types.ts";
import {
  definitions,
  parsedJsonText,
  type Api,
  type Json,
  type JsonMessageType,
  type JsonObject,
  type ServiceName,
} from "../transcript/calls.ts";
import { Normaliser, type DerivedValue, type Outcome } from "../transcript/normalise.ts";
import { traceFormat, type Trace, type TraceCall } from "./format.ts";
import type { Exchange } from "./proxy.ts";

type Method = MethodDefinition & { requestType: JsonMessageType; responseType: JsonMessageType };

interface Route {
  api: Api;
  service: ServiceName;
  key: string;
  method: Method;
}

/** Every CRI method by its HTTP/2 path (`/runtime.v1.RuntimeService/Version`). */
const routes = new Map<string, Route>();
for (const api of ["v1", "v1alpha2"] as const) {
  for (const service of ["runtime", "image"] as const) {
    const definition = definitions[api][service];
    for (const [key, method] of Object.entries(definition.methods)) {
      routes.set(`/${definition.fullName}/${method.name}`, { api, service, key, method: method as unknown as Method });
    }
  }
}

/** The gRPC messages in a call's DATA octets (5-octet prefix: compressed flag, big-endian length). */
function grpcMessages(chunks: readonly Uint8Array[]): Uint8Array[] {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const octets = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    octets.set(chunk, offset);
    offset += chunk.length;
  }
  const messages: Uint8Array[] = [];
  for (let pos = 0; pos < octets.length; ) {
    if (octets.length - pos < 5) throw new Error(`a gRPC message prefix is cut short (${octets.length - pos} octets)`);
    if (octets[pos] !== 0) throw new Error("a compressed gRPC message (grpc-encoding); the recorder reads uncompressed ones only");
    const length = new DataView(octets.buffer, pos + 1, 4).getUint32(0);
    if (pos + 5 + length > octets.length) throw new Error(`a gRPC message is cut short (${octets.length - pos - 5} of ${length} octets)`);
    messages.push(octets.subarray(pos + 5, pos + 5 + length));
    pos += 5 + length;
  }
  return messages;
}

/**
 * Verbose `info` values are JSON texts; parsed, the normalisation rules reach inside them (PIDs,
 * IDs, times). A trace and its replay read every answer through this before normalising it.
 */
export function withParsedInfo(message: Json): Json {
  if (message === null || typeof message !== "object" || Array.isArray(message)) return message;
  const info = message.info;
  if (info === null || typeof info !== "object" || Array.isArray(info)) return message;
  return { ...message, info: Object.fromEntries(Object.entries(info).map(([key, value]) => [key, parsedJsonText(value) ?? null])) };
}

/** Request fields that hold a sandbox or container ID (or, from a person at crictl, a prefix of one). */
const runtimeIdFields = new Set(["id", "podSandboxId", "containerId", "targetId"]);

/**
 * A request's ID prefixes, as derived values: a value of an ID field that is shorter than an ID but
 * begins one already seen is written `$prefix($idN, length)`, so the replay sends the same prefix
 * of the ID it got in that place.
 */
export function idPrefixes(request: Json, known: ReadonlyMap<string, string>): DerivedValue[] {
  const derived: DerivedValue[] = [];
  const visit = (value: Json, key: string | undefined): void => {
    if (typeof value === "string") {
      if (key === undefined || !runtimeIdFields.has(key) || !/^[0-9a-f]{1,63}$/.test(value)) return;
      for (const [id, marker] of known) {
        if (id.startsWith(value)) {
          derived.push({ value, expression: `$prefix(${marker}, ${value.length})` });
          return;
        }
      }
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item, key);
    } else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    }
  };
  visit(request, undefined);
  return derived;
}

export interface TraceSource {
  /** The trace's name. */
  name: string;
  upstream: string;
  /** When the recording started, as a date and as performance.now(). */
  recordedAt: Date;
  started: number;
  /** performance.now() when it ended. */
  ended: number;
  connections: number;
  /** The upstream's Version answer when the recording started, for a trace in which no client asked. */
  runtime?: Trace["runtime"];
}

export interface BuiltTrace {
  trace: Trace;
  /** Calls that are not in the trace, each with why. */
  leftOut: string[];
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

function outcomeOf(route: Route, exchange: Exchange): Outcome | undefined {
  const toJson = (bytes: Uint8Array): Json => withParsedInfo(route.method.responseType.toJSON(route.method.responseType.decode(bytes) as never) as Json);
  const messages = grpcMessages(exchange.response).map(toJson);
  const { status } = exchange;
  const error = status && status.code !== 0 ? { code: codeName(status.code), message: status.message } : undefined;
  if (route.method.responseStream) return error ? { stream: messages, error } : { stream: messages };
  if (error) return { error };
  if (!status) return undefined;
  if (messages.length !== 1) throw new Error(`an OK unary answer with ${messages.length} messages`);
  return { response: messages[0]! };
}

/** The trace of the exchanges (in the order they started), and what was left out of it and why. */
export function buildTrace(exchanges: readonly Exchange[], source: TraceSource): BuiltTrace {
  const normaliser = new Normaliser(undefined, "keep-received-order");
  const steps: TraceCall[] = [];
  const leftOut: string[] = [];
  let runtime: Trace["runtime"];
  for (const exchange of exchanges) {
    const where = `${exchange.path} at +${round(exchange.started - source.started)} ms`;
    const route = routes.get(exchange.path);
    if (!route) {
      leftOut.push(`${where}: not a method of the CRI API (cri-api v0.37.2 for v1, v0.25.16 for v1alpha2)`);
      continue;
    }
    let request: JsonObject;
    let outcome: Outcome | undefined;
    try {
      const [message, ...more] = grpcMessages(exchange.request);
      if (message === undefined || more.length > 0) throw new Error(`the request has ${more.length + (message ? 1 : 0)} messages, not one`);
      request = route.method.requestType.toJSON(route.method.requestType.decode(message) as never) as JsonObject;
      outcome = outcomeOf(route, exchange);
    } catch (err) {
      leftOut.push(`${where}: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    if (!outcome) {
      leftOut.push(`${where}: still in flight when the recording ended`);
      continue;
    }
    if (!runtime && route.api === "v1" && route.key === "version" && "response" in outcome) {
      const { runtimeName, runtimeVersion, runtimeApiVersion } = outcome.response as Record<string, string>;
      runtime = { runtimeName: runtimeName ?? "", runtimeVersion: runtimeVersion ?? "", runtimeApiVersion: runtimeApiVersion ?? "" };
    }
    const derived = idPrefixes(request, normaliser.runtimeIds());
    const call: TraceCall = {
      kind: "call",
      api: route.api,
      service: route.service,
      method: route.key,
      request: normaliser.request(request, derived),
      ...normaliser.outcome(route.key, outcome, derived),
      at: round(exchange.started - source.started),
      durationMs: round((exchange.ended ?? source.ended) - exchange.started),
      connection: exchange.connection,
    };
    if (exchange.timeoutMs !== undefined) call.timeoutMs = round(exchange.timeoutMs);
    if (!exchange.status) call.unfinished = true;
    steps.push(call);
  }
  const recordedRuntime = runtime ?? source.runtime;
  const trace: Trace = {
    format: traceFormat,
    scenario: source.name,
    description: `CRI calls to ${source.upstream}, recorded by fake-cri record`,
    ...(recordedRuntime ? { runtime: recordedRuntime } : {}),
    upstream: source.upstream,
    recordedAt: source.recordedAt.toISOString(),
    durationMs: round(source.ended - source.started),
    connections: source.connections,
    calls: steps.length,
    steps,
  };
  return { trace, leftOut };
}
