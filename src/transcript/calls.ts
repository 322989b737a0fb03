// A CRI call as a transcript stores it, shared by the golden transcripts (golden/cri, recorded from
// a real containerd through scenarios) and the traces `fake-cri record` writes: API version,
// service, method, the request as the JSON of the generated request type (camelCase, int64 as
// decimal strings, enums by name, defaults left out) and what came back. Portable.

import * as v1 from "../cri/api/v1.ts";
import * as v1alpha2 from "../cri/api/v1alpha2.ts";
import type { ServiceDefinition } from "../cri/service-types.ts";
import type { Outcome } from "./normalise.ts";

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/** The CRI API version a call uses. */
export type Api = "v1" | "v1alpha2";
/** The CRI service a call goes to: RuntimeService or ImageService. */
export type ServiceName = "runtime" | "image";

/** Which RPC a call makes, and with what request. */
export interface CallTarget {
  api: Api;
  service: ServiceName;
  /** The method's key in the generated definition: `runPodSandbox`, `imageStatus`, ... */
  method: string;
  /** The request (JSON of the generated request type); in a scenario, a template (see golden/cri/resolve.ts). */
  request: JsonObject;
}

/** A recorded CRI call. */
export interface CallStep extends CallTarget {
  kind: "call";
  /** Name the raw response is saved under, for references in later steps (`$sandbox1.podSandboxId`). */
  save?: string;
  /**
   * Records only these paths of the response instead of all of it (verbose `info`, whose values
   * are JSON texts that the path descends into). Paths are dot-separated field names.
   */
  select?: string[];
}

/** A call with its normalised outcome, as a transcript stores it. */
export type RecordedCall = CallStep & {
  /** The request as sent, normalised; left out where it equals the template. */
  sent?: JsonObject;
} & Outcome;

/** The outcome part of a recorded call. */
export function outcomeOf(call: RecordedCall): Outcome {
  if ("stream" in call) {
    if (call.error) return { stream: call.stream, error: call.error };
    return call.open ? { stream: call.stream, open: true } : { stream: call.stream };
  }
  if ("error" in call) return { error: call.error };
  return { response: call.response };
}

/** Verbose info values are JSON texts, except some plain ones ("OK"): those stay strings. */
export function parsedJsonText(value: Json | undefined): Json | undefined {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as Json;
  } catch {
    return value;
  }
}

export const definitions = {
  v1: { runtime: v1.RuntimeServiceDefinition, image: v1.ImageServiceDefinition },
  v1alpha2: { runtime: v1alpha2.RuntimeServiceDefinition, image: v1alpha2.ImageServiceDefinition },
} as const satisfies Record<Api, Record<ServiceName, ServiceDefinition>>;

/** The generated message type's JSON and partial constructors, as every request/response type has them. */
export interface JsonMessageType {
  fromJSON(object: unknown): unknown;
  toJSON(message: never): unknown;
  fromPartial(object: never): unknown;
}

export interface CallMethod {
  name: string;
  requestType: JsonMessageType;
  responseType: JsonMessageType;
  responseStream: boolean;
}

/** The method's definition, or undefined when the API's service has no such method. */
export function findMethod(api: Api, service: ServiceName, method: string): CallMethod | undefined {
  const methods = definitions[api][service].methods as Record<string, unknown>;
  return Object.hasOwn(methods, method) ? (methods[method] as CallMethod) : undefined;
}

export function methodOf(api: Api, service: ServiceName, method: string): CallMethod {
  const found = findMethod(api, service, method);
  if (!found) throw new Error(`no method ${api} ${service}.${method}`);
  return found;
}
