// Makes one call of a transcript against a target and captures what came back as JSON: the
// response, the status of a failed call, or a server stream's messages and how it ended. The golden
// scenario runner and the trace replayer both call through here, so a call means the same in both.
// Portable.

import { codeName, statusOf } from "../cri/errors.ts";
import { methodOf, type Api, type Json, type JsonObject, type ServiceName } from "./calls.ts";
import type { Outcome, Status } from "./normalise.ts";
import type { CriTarget, TargetCallOptions } from "./target.ts";

/** How long a server stream may send nothing before the run takes it as open and idle, by default. */
export const defaultStreamIdleMs = 2_000;
/** How long a cancelled stream may take to end before the run gives up on the target. */
const cancelGraceMs = 5_000;

type Invoke = (request: unknown, options?: TargetCallOptions) => unknown;

/** The clients a call can be made on, and how long their streams may idle: a target's, without its reset. */
export type TargetClients = Pick<CriTarget, "runtime" | "image" | "v1alpha2" | "streamIdleMs">;

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

/** Settles with the promise, or with `undefined` once `ms` pass first. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const elapsed = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, elapsed]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads a server stream into `messages` until it ends or stays idle for `idleMs` (for at least
 * defaultStreamIdleMs while fewer than `awaited` messages came). An idle stream is cancelled through
 * its signal and the pending read awaited to its end: awaiting the iterator's `return()` instead
 * would wait behind that read for good on a stream that never sends again.
 */
async function readStream(open: (signal: AbortSignal) => AsyncIterable<unknown>, idleMs: number, awaited: number, messages: unknown[]): Promise<{ open: boolean }> {
  const controller = new AbortController();
  const iterator = open(controller.signal)[Symbol.asyncIterator]();
  for (;;) {
    const pending = iterator.next();
    const next = await within(pending, messages.length < awaited ? Math.max(idleMs, defaultStreamIdleMs) : idleMs);
    if (next === undefined) {
      controller.abort();
      const ended = await within(pending.then(() => true, () => true), cancelGraceMs);
      if (ended === undefined) throw new Error(`a server stream did not end within ${cancelGraceMs} ms of being cancelled`);
      return { open: true };
    }
    if (next.done) return { open: false };
    messages.push(next.value);
  }
}

export interface Invoked {
  /** The response as JSON (a stream's messages as a list), or null when the call failed. */
  raw: Json;
  /** The outcome before normalisation. */
  outcome: Outcome;
}

/**
 * Makes one call; returns the raw response JSON (for saving) and the outcome before normalisation.
 * A server stream is read until it ends or idles for `streamIdleMs` (the target's by default; the
 * real runtime's defaultStreamIdleMs until `awaitedMessages` came).
 */
export async function invoke(
  target: TargetClients,
  step: { api: Api; service: ServiceName; method: string },
  request: JsonObject,
  options?: TargetCallOptions,
  streamIdleMs = target.streamIdleMs ?? defaultStreamIdleMs,
  awaitedMessages = 0,
): Promise<Invoked> {
  const method = methodOf(step.api, step.service, step.method);
  const message = method.requestType.fromJSON(request);
  const call = methodFor(target, step.api, step.service, step.method);
  const toJson = (response: unknown): Json => method.responseType.toJSON(response as never) as Json;
  if (method.responseStream) {
    const received: unknown[] = [];
    try {
      const open = (signal: AbortSignal) => call(message, { ...options, signal }) as AsyncIterable<unknown>;
      const { open: stillOpen } = await readStream(open, streamIdleMs, awaitedMessages, received);
      const stream = received.map(toJson);
      return { raw: stream, outcome: stillOpen ? { stream, open: true } : { stream } };
    } catch (err) {
      return { raw: null, outcome: { stream: received.map(toJson), error: statusJson(err) } };
    }
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
