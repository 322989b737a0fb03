// Runs a scenario's steps against a target, the same way for recording and for replay: resolves
// each request against earlier results, makes the call, and yields the normalised request and
// outcome of every recorded call. Control steps (wait, sleep) run but yield nothing.

import { codeName, statusOf } from "../../src/cri/errors.ts";
import { Normaliser, type Outcome } from "./normalise.ts";
import { resolveRequest, valueAt } from "./resolve.ts";
import { methodOf, type Api, type Json, type JsonObject, type ServiceName, type Step } from "./scenario.ts";
import type { CriTarget } from "./target.ts";

export interface CallResult {
  /** Index of the step in the scenario. */
  index: number;
  /** The resolved request, normalised. */
  sent: JsonObject;
  outcome: Outcome;
}

/** How long a server stream may send nothing before the run takes it as open and idle, by default. */
const defaultStreamIdleMs = 2_000;
/** How long a cancelled stream may take to end before the run gives up on the target. */
const cancelGraceMs = 5_000;
const pollIntervalMs = 50;

type Invoke = (request: unknown, options?: { signal: AbortSignal }) => unknown;

function methodFor(target: CriTarget, api: Api, service: ServiceName, method: string): Invoke {
  const clients = api === "v1" ? target : target.v1alpha2;
  if (!clients) throw new Error(`the target has no ${api} clients`);
  const fn = (clients[service] as unknown as Record<string, Invoke | undefined>)[method];
  if (typeof fn !== "function") throw new Error(`the target's ${api} ${service} client has no method ${method}`);
  return (request, options) => fn.call(clients[service], request, options);
}

function statusJson(err: unknown): { code: string; message: string } {
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
 * Reads a server stream into `messages` until it ends or stays idle for `idleMs`. An idle stream is cancelled
 * through its signal and the pending read awaited to its end: awaiting the iterator's `return()`
 * instead would wait behind that read for good on a stream that never sends again.
 */
export async function readStream(open: (signal: AbortSignal) => AsyncIterable<unknown>, idleMs: number, messages: unknown[]): Promise<{ open: boolean }> {
  const controller = new AbortController();
  const iterator = open(controller.signal)[Symbol.asyncIterator]();
  for (;;) {
    const pending = iterator.next();
    const next = await within(pending, idleMs);
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

/** Makes one call; returns the raw response JSON (for saving) and the outcome before normalisation. */
async function invoke(target: CriTarget, step: { api: Api; service: ServiceName; method: string }, request: JsonObject) {
  const method = methodOf(step.api, step.service, step.method);
  const message = method.requestType.fromJSON(request);
  const call = methodFor(target, step.api, step.service, step.method);
  const toJson = (response: unknown): Json => method.responseType.toJSON(response as never) as Json;
  if (method.responseStream) {
    const received: unknown[] = [];
    try {
      const open = (signal: AbortSignal) => call(message, { signal }) as AsyncIterable<unknown>;
      const { open: stillOpen } = await readStream(open, target.streamIdleMs ?? defaultStreamIdleMs, received);
      const stream = received.map(toJson);
      return { raw: stream as Json, outcome: (stillOpen ? { stream, open: true } : { stream }) as Outcome };
    } catch (err) {
      return { raw: null, outcome: { stream: received.map(toJson), error: statusJson(err) } as Outcome };
    }
  }
  let response: unknown;
  try {
    response = await (call(message) as Promise<unknown>);
  } catch (err) {
    return { raw: null, outcome: { error: statusJson(err) } as Outcome };
  }
  // Outside the try: an answer that is not a valid message is the target's bug, not an RPC error.
  const raw = toJson(response);
  return { raw, outcome: { response: raw } as Outcome };
}

/** Verbose info values are JSON texts, except some plain ones ("OK"): those stay strings. */
function parsedJsonText(value: Json | undefined): Json | undefined {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as Json;
  } catch {
    return value;
  }
}

/** The parts of a response a step selects, by path; JSON texts on the way (verbose info) are parsed. */
export function selectPaths(response: Json, paths: readonly string[]): JsonObject {
  const selected: JsonObject = {};
  for (const path of paths) {
    let current: Json | undefined = response;
    for (const key of path.split(".")) current = valueAt(parsedJsonText(current), key);
    selected[path] = parsedJsonText(current) ?? null;
  }
  return selected;
}

/** resolveRequest, with the reason when a reference names a response that a failed call never gave. */
function resolveOrExplain(template: JsonObject, saved: Map<string, Json>, failedSaves: Map<string, string>, logRoot: string) {
  try {
    return resolveRequest(template, saved, logRoot);
  } catch (err) {
    const reasons = [...failedSaves].filter(([name]) => JSON.stringify(template).includes(`${name}.`)).map(([, why]) => why);
    if (reasons.length === 0) throw err;
    throw new Error(`${err instanceof Error ? err.message : String(err)}: ${reasons.join("; ")}`);
  }
}

async function elapse(target: CriTarget, ms: number): Promise<void> {
  if (target.elapse) await target.elapse(ms);
  else await new Promise((resolve) => setTimeout(resolve, ms));
}

export async function* runSteps(steps: readonly Step[], target: CriTarget, logRoot: string): AsyncGenerator<CallResult> {
  const saved = new Map<string, Json>();
  const failedSaves = new Map<string, string>();
  const normaliser = new Normaliser(logRoot);
  for (const [index, step] of steps.entries()) {
    if (step.kind === "sleep") {
      await elapse(target, step.ms);
      continue;
    }
    const { request, derived } = resolveOrExplain(step.request, saved, failedSaves, logRoot);
    if (step.kind === "wait") {
      let waited = 0;
      for (;;) {
        const { raw } = await invoke(target, step, request);
        if (JSON.stringify(valueAt(raw ?? undefined, step.until.path) ?? null) === JSON.stringify(step.until.equals)) break;
        if (waited >= step.timeoutMs) {
          throw new Error(
            `step ${index}: ${step.method} did not reach ${step.until.path} = ${JSON.stringify(step.until.equals)} ` +
              `within ${step.timeoutMs} ms; last answer: ${JSON.stringify(raw)}`,
          );
        }
        await elapse(target, pollIntervalMs);
        waited += pollIntervalMs;
      }
      continue;
    }
    const sent = normaliser.request(request, derived);
    const { raw, outcome } = await invoke(target, step, request);
    if (step.save !== undefined) {
      if (raw !== null) saved.set(step.save, raw);
      else failedSaves.set(step.save, `step ${index} (${step.method}) failed: ${JSON.stringify(outcome)}`);
    }
    const selected = step.select && "response" in outcome ? { response: selectPaths(outcome.response, step.select) } : outcome;
    yield { index, sent, outcome: normaliser.outcome(step.method, selected, derived) };
  }
}
