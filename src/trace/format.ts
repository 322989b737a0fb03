// A trace: the CRI calls a client made through `fake-cri record`, in the transcript format of
// golden/cri (each call's API version, service, method, normalised request and outcome), plus when
// each call started, how long it took, which client connection made it and the client's deadline.
// parseTrace() refuses anything else, naming the file and the field. Portable.

import { codeName } from "../cri/errors.ts";
import { definitions, findMethod, type Json, type JsonObject, type RecordedCall } from "../transcript/calls.ts";
import { firstDifference, show, valueAtPath } from "../transcript/compare.ts";

/** The value of a trace's `format` field. */
export const traceFormat = "fake-cri-trace/1";

/** A call of a trace. */
export type TraceCall = RecordedCall & {
  /** When the call started: milliseconds from the start of the recording. */
  at: number;
  /** How long the call took, in milliseconds: until its status (or, unfinished, the recording's end). */
  durationMs: number;
  /** The client connection that made it: 1 for the first connection to the proxy, 2 for the next... */
  connection: number;
  /** The client's deadline in milliseconds from the call's start (its grpc-timeout), if it sent one. */
  timeoutMs?: number;
  /** The recording ended while the call was in flight: its outcome is what had come back by then. */
  unfinished?: true;
};

/** A trace file's contents: a golden transcript of recorded calls with what the recording knew of them. */
export interface Trace {
  format: typeof traceFormat;
  /** The trace's name (its file name without `.json`). */
  scenario: string;
  description: string;
  /**
   * The upstream runtime's Version answer (v1): the first a client got, else the one `fake-cri
   * record` asked for at start; absent when neither came. A replay answers as the containerd
   * version it names.
   */
  runtime?: { runtimeName: string; runtimeVersion: string; runtimeApiVersion: string };
  /** Where the calls went: the runtime the proxy forwarded to. */
  upstream: string;
  /** When the recording started (ISO 8601). */
  recordedAt: string;
  durationMs: number;
  connections: number;
  calls: number;
  /** The calls in the order they started. */
  steps: TraceCall[];
}

/** A trace file that is not a valid trace: the message names the file and the field. */
export class TraceFormatError extends Error {
  constructor(file: string, field: string, problem: string) {
    super(`${file}: ${field}: ${problem}`);
    this.name = "TraceFormatError";
  }
}

const codeNames = new Set(Array.from({ length: 17 }, (_, code) => codeName(code)));

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Checks one field after another; the first that fails throws, naming itself. */
class Checker {
  readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  fail(field: string, problem: string): never {
    throw new TraceFormatError(this.file, field, problem);
  }

  object(value: unknown, field: string): JsonObject {
    if (!isObject(value)) this.fail(field, `expected an object, found ${describe(value)}`);
    return value;
  }

  string(value: unknown, field: string): string {
    if (typeof value !== "string") this.fail(field, `expected a string, found ${describe(value)}`);
    return value;
  }

  number(value: unknown, field: string, options: { integer?: boolean; min: number }): number {
    if (typeof value !== "number" || !Number.isFinite(value) || (options.integer && !Number.isInteger(value))) {
      this.fail(field, `expected ${options.integer ? "an integer" : "a number"}, found ${describe(value)}`);
    }
    if (value < options.min) this.fail(field, `expected at least ${options.min}, found ${value}`);
    return value;
  }

  status(value: unknown, field: string): void {
    const status = this.object(value, field);
    const code = this.string(status.code, `${field}.code`);
    if (!codeNames.has(code)) this.fail(`${field}.code`, `${JSON.stringify(code)} is not a gRPC status code name (NotFound, Unknown, ...)`);
    this.string(status.message, `${field}.message`);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

function checkCall(check: Checker, value: unknown, field: string): TraceCall {
  const call = check.object(value, field);
  if (call.kind !== "call") check.fail(`${field}.kind`, `expected "call", found ${describe(call.kind)}`);
  const api = check.string(call.api, `${field}.api`);
  if (api !== "v1" && api !== "v1alpha2") check.fail(`${field}.api`, `expected "v1" or "v1alpha2", found ${JSON.stringify(api)}`);
  const service = check.string(call.service, `${field}.service`);
  if (service !== "runtime" && service !== "image") {
    check.fail(`${field}.service`, `expected "runtime" or "image", found ${JSON.stringify(service)}`);
  }
  const methodName = check.string(call.method, `${field}.method`);
  const method = findMethod(api, service, methodName);
  if (!method) check.fail(`${field}.method`, `${JSON.stringify(methodName)} is not a method of ${definitions[api][service].fullName}`);

  const request = check.object(call.request, `${field}.request`);
  // The request must read back as the generated type writes it: a misspelt field or a wrong type
  // would otherwise be dropped or defaulted without a word.
  const reread = method.requestType.toJSON(method.requestType.fromJSON(request) as never) as Json;
  const differs = firstDifference(request, reread);
  if (differs !== undefined) {
    const [given, reads] = [valueAtPath(request, differs), valueAtPath(reread, differs)];
    check.fail(
      `${field}.request.${differs}`,
      `${show(given)} reads back as ${show(reads)}: not a field or value of ${method.name}Request in CRI ${api} (defaults are left out)`,
    );
  }

  const outcomes = (["response", "error", "stream"] as const).filter((key) => key in call);
  if ("stream" in call) {
    if (!Array.isArray(call.stream)) check.fail(`${field}.stream`, `expected a list, found ${describe(call.stream)}`);
    if (!method.responseStream) check.fail(`${field}.stream`, `${methodName} is not a server stream; expected response or error`);
    if ("response" in call) check.fail(`${field}.response`, "a stream has no response; its messages are in stream");
    if ("error" in call) check.status(call.error, `${field}.error`);
  } else if (outcomes.length !== 1) {
    check.fail(field, `expected exactly one of response and error, found ${outcomes.length === 0 ? "neither" : "both"}`);
  } else if ("error" in call) {
    check.status(call.error, `${field}.error`);
  } else if (method.responseStream) {
    check.fail(`${field}.response`, `${methodName} is a server stream; expected stream`);
  } else {
    check.object(call.response, `${field}.response`);
  }

  check.number(call.at, `${field}.at`, { min: 0 });
  check.number(call.durationMs, `${field}.durationMs`, { min: 0 });
  check.number(call.connection, `${field}.connection`, { integer: true, min: 1 });
  if ("timeoutMs" in call) check.number(call.timeoutMs, `${field}.timeoutMs`, { min: 0 });
  if ("unfinished" in call && call.unfinished !== true) check.fail(`${field}.unfinished`, `expected true, found ${describe(call.unfinished)}`);
  return call as unknown as TraceCall;
}

/**
 * Reads a trace from the text of `file` (the name is only for messages). Anything that is not JSON,
 * not a trace (a golden transcript, another program's file) or a damaged trace throws a
 * TraceFormatError naming the file and the first field at fault.
 */
export function parseTrace(text: string, file: string): Trace {
  const check: Checker = new Checker(file);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    check.fail("(file)", `not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const trace = check.object(value, "(top)");
  if (trace.format !== traceFormat) {
    const found = "format" in trace ? describe(trace.format) : "nothing";
    check.fail("format", `expected ${JSON.stringify(traceFormat)}, found ${found}: not a trace written by fake-cri record`);
  }
  check.string(trace.scenario, "scenario");
  check.string(trace.description, "description");
  if ("runtime" in trace) {
    const runtime = check.object(trace.runtime, "runtime");
    for (const key of ["runtimeName", "runtimeVersion", "runtimeApiVersion"]) check.string(runtime[key], `runtime.${key}`);
  }
  check.string(trace.upstream, "upstream");
  const recordedAt = check.string(trace.recordedAt, "recordedAt");
  if (Number.isNaN(Date.parse(recordedAt))) check.fail("recordedAt", `not an ISO 8601 time: ${JSON.stringify(recordedAt)}`);
  check.number(trace.durationMs, "durationMs", { min: 0 });
  const connections = check.number(trace.connections, "connections", { integer: true, min: 0 });
  const calls = check.number(trace.calls, "calls", { integer: true, min: 0 });
  const listed = trace.steps;
  if (!Array.isArray(listed)) check.fail("steps", `expected a list, found ${describe(listed)}`);
  const steps = listed.map((step, i) => checkCall(check, step, `steps[${i}]`));
  if (calls !== steps.length) check.fail("calls", `says ${calls}, but steps holds ${steps.length} calls`);
  for (const [i, step] of steps.entries()) {
    if (step.connection > connections) check.fail(`steps[${i}].connection`, `${step.connection}, but the trace had ${connections} connections`);
    if (i > 0 && step.at < steps[i - 1]!.at) check.fail(`steps[${i}].at`, `${step.at} is before the call before it (${steps[i - 1]!.at}); calls are in the order they started`);
  }
  return trace as unknown as Trace;
}
