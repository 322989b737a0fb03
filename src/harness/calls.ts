// The log of the CRI calls a fake answered (in process and over its sockets): which RPC, with what
// request, what it answered or failed with, and when. Tests read it (`fake.calls.list()`), assert
// on it (`fake.calls.assertCalled("RunPodSandbox", { times: 2 })`) or listen to it (`fake-cri serve
// --verbose`).

import type { DeepPartial } from "../cri/api/v1.ts";
import type { CriError } from "../cri/errors.ts";
import { checkName } from "../../fake-containerd/names.ts";
import { criMethods, type CriMethod, type CriRequest, type CriResponse } from "./cri-methods.ts";

/** One CRI call of method `M`. */
export interface CriCallOf<M extends CriMethod> {
  readonly method: M;
  /** The API version the client spoke; a v1alpha2 call's request and response are shown as v1 messages. */
  readonly apiVersion: "v1" | "v1alpha2";
  readonly request: CriRequest<M>;
  /** What it answered; absent while the call is in flight, when it failed, and for streaming RPCs. */
  response?: CriResponse<M>;
  /** The status it failed with. */
  error?: CriError;
  /** When it arrived, on the fake's clock (ns since the epoch). */
  readonly startNs: bigint;
  /** When it ended, on the fake's clock; absent while in flight. */
  endNs?: bigint;
  /** How long it took in real time (ms); absent while in flight. */
  durationMs?: number;
}

/** One CRI call; `method` tells which, and narrows the request and response types. */
export type CriCall = { [M in CriMethod]: CriCallOf<M> }[CriMethod];

/** What assertCalled checks beyond the method. */
export interface CallExpectation<M extends CriMethod> {
  /** Exactly this many matching calls (default: at least one). */
  times?: number;
  /** Only calls whose request has these fields with these values (nested objects compared the same way). */
  request?: DeepPartial<CriRequest<M>>;
}

/**
 * The calls in the order they arrived, each completed when it ends. Every fake keeps one
 * (`fake.calls`) unless created with `recordCalls: false`; listeners hear of every ended call either way.
 */
export class CallLog {
  private calls: CriCall[] = [];
  private readonly listeners = new Set<(call: CriCall) => void>();
  private readonly recording: boolean;

  /** @param recording Whether calls are kept (listeners are told of them regardless). */
  constructor(recording: boolean) {
    this.recording = recording;
  }

  /** Whether anyone will look at a call: it is kept or someone listens. */
  get observed(): boolean {
    return this.recording || this.listeners.size > 0;
  }

  /** Every call so far, or only those of `method`. */
  list(): CriCall[];
  list<M extends CriMethod>(method: M): CriCallOf<M>[];
  list(method?: CriMethod): CriCall[] {
    if (method !== undefined) checkName("CRI method", method, criMethods);
    return method === undefined ? [...this.calls] : this.calls.filter((c) => c.method === method);
  }

  /** The methods called, in order: `["Version", "RunPodSandbox", ...]`. */
  methods(): CriMethod[] {
    return this.calls.map((c) => c.method);
  }

  /** Forgets the calls so far. */
  clear(): void {
    this.calls = [];
  }

  /** Calls `listener` with every call as it ends; returns the function that stops that. */
  subscribe(listener: (call: CriCall) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Throws unless `method` was called (exactly `times` times, when given) with a request matching
   * `request`; the message lists the calls there were. Returns the matching calls.
   */
  assertCalled<M extends CriMethod>(method: M, expected: CallExpectation<M> = {}): CriCallOf<M>[] {
    const ofMethod = this.list(method);
    const matching = ofMethod.filter((c) => expected.request === undefined || matchesPartial(c.request, expected.request));
    const ok = expected.times === undefined ? matching.length > 0 : matching.length === expected.times;
    if (ok) return matching;
    const wanted = expected.times === undefined ? "at least once" : `${expected.times} time(s)`;
    const filter = expected.request === undefined ? "" : ` with a request matching ${show(expected.request)}`;
    const seen = this.calls.length === 0 ? "no calls" : this.calls.map((c) => `  ${c.method} ${show(c.request)}`).join("\n");
    throw new Error(`expected ${method} to be called ${wanted}${filter}; ${matching.length} matching call(s) of ${ofMethod.length}. Calls:\n${seen}`);
  }

  /** Adds a call as it arrives (when calls are kept); `ended` completes it. */
  begin(call: CriCall): void {
    if (this.recording) this.calls.push(call);
  }

  /** Completes a call begun with begin() and tells the listeners. */
  ended(call: CriCall): void {
    for (const listener of this.listeners) listener(call);
  }
}

/** Whether every field given in `expected` has that value in `actual`; arrays must match element by element. */
export function matchesPartial(actual: unknown, expected: unknown): boolean {
  if (typeof actual === "bigint" && (typeof expected === "number" || typeof expected === "string")) {
    return actual === BigInt(expected);
  }
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matchesPartial(actual[i], e));
  }
  if (expected instanceof Uint8Array) {
    return actual instanceof Uint8Array && actual.length === expected.length && expected.every((b, i) => actual[i] === b);
  }
  if (typeof expected === "object" && expected !== null) {
    if (typeof actual !== "object" || actual === null) return false;
    return Object.entries(expected).every(([k, v]) => matchesPartial((actual as Record<string, unknown>)[k], v));
  }
  return Object.is(actual, expected);
}

function show(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? `<${v.length} bytes>` : v));
}
