// Makes one call of a transcript against a target and captures what came back as JSON: the
// response, the status of a failed call, or a server stream's messages and how it ended. The golden
// scenario runner and the trace replayer both call through here, so a call means the same in both.
// Portable.

import { codeName, statusOf } from "../cri/errors.ts";
import { methodOf, type Api, type Json, type JsonObject, type ServiceName } from "./calls.ts";
import type { Outcome, Status } from "./normalise.ts";
import type { CriTarget, TargetCallOptions } from "./target.ts";

/** How long a server stream may stay open without a message before the run gives up on it. */
const streamIdleMs = 5_000;

type Invoke = (request: unknown, options?: TargetCallOptions) => unknown;

/** The clients a call can be made on: a target's, without its reset. */
export type TargetClients = Pick<CriTarget, "runtime" | "image" | "v1alpha2">;

function methodFor(target: TargetClients, api: Api, service: ServiceName, method: string): Invoke {
  const clients = api === "v1" ? target : target.v1alpha2;
  if (!clients) throw new Error(`the target has no ${api} clients`);
  const fn = (clients[service] as unknown as Record<string, Invoke | undefined>)[method];
  if (typeof fn !== "function") throw new Error(`the target's ${api} ${service} client has no method ${method}`);
  return (request, options) => fn.call(clients[service], request, options);
}

export function statusJson(err: unknown): Status {
  const { code, message } = statusOf(err);
  return { code: codeName(code), message };
}

async function nextWithin<T>(iterator: AsyncIterator<T>, ms: number): Promise<IteratorResult<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`server stream sent nothing and did not end within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([iterator.next(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface Invoked {
  /** The response as JSON (a stream's messages as a list), or null when the call failed. */
  raw: Json;
  /** The outcome before normalisation. */
  outcome: Outcome;
}

/** Makes one call; returns the raw response JSON (for saving) and the outcome before normalisation. */
export async function invoke(
  target: TargetClients,
  step: { api: Api; service: ServiceName; method: string },
  request: JsonObject,
  options?: TargetCallOptions,
): Promise<Invoked> {
  const method = methodOf(step.api, step.service, step.method);
  const message = method.requestType.fromJSON(request);
  const call = methodFor(target, step.api, step.service, step.method);
  const toJson = (response: unknown): Json => method.responseType.toJSON(response as never) as Json;
  if (method.responseStream) {
    const stream: Json[] = [];
    let iterator: AsyncIterator<unknown> | undefined;
    try {
      iterator = (call(message, options) as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      for (;;) {
        const next = await nextWithin(iterator, streamIdleMs);
        if (next.done) break;
        stream.push(next.value as Json);
      }
    } catch (err) {
      await iterator?.return?.();
      return { raw: null, outcome: { stream: stream.map(toJson), error: statusJson(err) } };
    }
    const messages = stream.map(toJson);
    return { raw: messages, outcome: { stream: messages } };
  }
  let response: unknown;
  try {
    response = await (call(message, options) as Promise<unknown>);
  } catch (err) {
    return { raw: null, outcome: { error: statusJson(err) } };
  }
  // Outside the try: an answer that is not a valid message is the target's bug, not an RPC error.
  const raw = toJson(response);
  return { raw, outcome: { response: raw } };
}
