// parseTrace takes what `fake-cri record` writes and refuses anything else, naming the file and the
// first field at fault.

import { describe, expect, test } from "vitest";
import { parseTrace, traceFormat, type Trace } from "./format.ts";

const trace: Trace = {
  format: traceFormat,
  scenario: "t",
  description: "CRI calls to unix:///run/containerd/containerd.sock, recorded by fake-cri record",
  runtime: { runtimeName: "containerd", runtimeVersion: "1.6.20", runtimeApiVersion: "v1" },
  upstream: "unix:///run/containerd/containerd.sock",
  recordedAt: "2026-12-07T16:00:00.000Z",
  durationMs: 12.5,
  connections: 1,
  calls: 2,
  steps: [
    { kind: "call", api: "v1", service: "runtime", method: "runPodSandbox", request: { config: { metadata: { name: "p" } } }, response: { podSandboxId: "$id1" }, at: 1, durationMs: 2, connection: 1, timeoutMs: 2000 },
    { kind: "call", api: "v1", service: "runtime", method: "getContainerEvents", request: {}, stream: [], error: { code: "Unimplemented", message: "no" }, at: 3, durationMs: 9, connection: 1, unfinished: true },
  ],
};

/** The trace with `change` applied to a copy, as the text of a file. */
function changed(change: (t: Record<string, any>) => void): string {
  const copy = structuredClone(trace) as unknown as Record<string, any>;
  change(copy);
  return JSON.stringify(copy);
}

describe("parseTrace", () => {
  test("reads a trace as written", () => {
    expect(parseTrace(JSON.stringify(trace), "t.json")).toEqual(trace);
  });

  test.each([
    ["not JSON", "{", "t.json: (file): not JSON: "],
    ["a golden transcript", JSON.stringify({ scenario: "x", steps: [] }), 't.json: format: expected "fake-cri-trace/1", found nothing: not a trace written by fake-cri record'],
    ["another format version", changed((t) => (t.format = "fake-cri-trace/2")), 't.json: format: expected "fake-cri-trace/1", found string "fake-cri-trace/2"'],
    ["a list", "[]", "t.json: (top): expected an object, found a list"],
    ["no steps", changed((t) => delete t.steps), "t.json: steps: expected a list, found nothing"],
    ["a wrong call count", changed((t) => (t.calls = 3)), "t.json: calls: says 3, but steps holds 2 calls"],
    ["an unknown method", changed((t) => (t.steps[0].method = "runPod")), 't.json: steps[0].method: "runPod" is not a method of runtime.v1.RuntimeService'],
    ["an image method on the runtime", changed((t) => (t.steps[0].method = "pullImage")), 't.json: steps[0].method: "pullImage" is not a method of runtime.v1.RuntimeService'],
    ["an unknown API", changed((t) => (t.steps[0].api = "v2")), 't.json: steps[0].api: expected "v1" or "v1alpha2", found "v2"'],
    [
      "a misspelt request field",
      changed((t) => (t.steps[0].request = { config: { metdata: { name: "p" } } })),
      "t.json: steps[0].request.config.metdata: {\"name\":\"p\"} reads back as (absent): not a field or value of RunPodSandboxRequest in CRI v1 (defaults are left out)",
    ],
    ["both response and error", changed((t) => (t.steps[0].error = { code: "NotFound", message: "x" })), "t.json: steps[0]: expected exactly one of response and error, found both"],
    ["no outcome", changed((t) => delete t.steps[0].response), "t.json: steps[0]: expected exactly one of response and error, found neither"],
    ["a stream for a unary method", changed((t) => (t.steps[1].method = "version")), "t.json: steps[1].stream: version is not a server stream; expected response or error"],
    ["an unknown status code", changed((t) => (t.steps[1].error.code = "Nope")), 't.json: steps[1].error.code: "Nope" is not a gRPC status code name (NotFound, Unknown, ...)'],
    ["a negative offset", changed((t) => (t.steps[0].at = -1)), "t.json: steps[0].at: expected at least 0, found -1"],
    ["calls out of order", changed((t) => (t.steps[1].at = 0.5)), "t.json: steps[1].at: 0.5 is before the call before it (1); calls are in the order they started"],
    ["a connection never made", changed((t) => (t.steps[1].connection = 2)), "t.json: steps[1].connection: 2, but the trace had 1 connections"],
    ["a fractional connection", changed((t) => (t.steps[1].connection = 1.5)), "t.json: steps[1].connection: expected an integer, found number 1.5"],
    ["a bad time", changed((t) => (t.recordedAt = "yesterday")), 't.json: recordedAt: not an ISO 8601 time: "yesterday"'],
  ])("refuses %s, naming the file and the field", (_what, text, message) => {
    expect(() => parseTrace(text, "t.json")).toThrow(message);
  });
});
