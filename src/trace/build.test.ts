// From the octets the proxy kept to a trace: decoding, normalising in start order, and what is left
// out and why.

import { describe, expect, test } from "vitest";
import * as v1 from "../cri/api/v1.ts";
import { Code } from "../cri/errors.ts";
import { buildTrace, idPrefixes } from "./build.ts";
import type { Exchange } from "./proxy.ts";

const sandboxId = "a1".repeat(32);

/** A gRPC length-prefixed message, split in two chunks as DATA frames may split it. */
function framed(bytes: Uint8Array, flag = 0): Uint8Array[] {
  const out = new Uint8Array(5 + bytes.length);
  out[0] = flag;
  new DataView(out.buffer).setUint32(1, bytes.length);
  out.set(bytes, 5);
  return [out.subarray(0, 3), out.subarray(3)];
}

function exchange(path: string, request: Uint8Array, response: Uint8Array[], status: Exchange["status"], started: number): Exchange {
  return { path, connection: 1, started, ended: started + 1, request: framed(request), response, ...(status ? { status } : {}) };
}

const ok = { code: Code.OK, message: "" };
const source = { name: "t", upstream: "unix:///u.sock", recordedAt: new Date(0), started: 100, ended: 200, connections: 1 };

describe("buildTrace", () => {
  test("decodes every call, normalises them in the order they started and takes the runtime from Version", () => {
    const exchanges = [
      exchange("/runtime.v1.RuntimeService/Version", v1.VersionRequest.encode({ version: "" }).finish(), framed(v1.VersionResponse.encode({ version: "0.1.0", runtimeName: "containerd", runtimeVersion: "1.6.20", runtimeApiVersion: "v1" }).finish()), ok, 101),
      exchange("/runtime.v1.RuntimeService/RunPodSandbox", v1.RunPodSandboxRequest.encode(v1.RunPodSandboxRequest.fromPartial({})).finish(), framed(v1.RunPodSandboxResponse.encode({ podSandboxId: sandboxId }).finish()), ok, 102.5),
      exchange("/runtime.v1.RuntimeService/StopPodSandbox", v1.StopPodSandboxRequest.encode({ podSandboxId: sandboxId.slice(0, 13) }).finish(), [], { code: Code.NotFound, message: `sandbox ${sandboxId.slice(0, 13)} not found` }, 104),
    ];
    const { trace, leftOut } = buildTrace(exchanges, source);
    expect(leftOut).toEqual([]);
    expect(trace).toMatchObject({ runtime: { runtimeName: "containerd", runtimeVersion: "1.6.20" }, durationMs: 100, calls: 3 });
    expect(trace.steps[1]).toEqual({
      kind: "call", api: "v1", service: "runtime", method: "runPodSandbox", request: {}, response: { podSandboxId: "$id1" }, at: 2.5, durationMs: 1, connection: 1,
    });
    expect(trace.steps[2]).toMatchObject({
      request: { podSandboxId: "$prefix($id1, 13)" },
      error: { code: "NotFound", message: "sandbox $prefix($id1, 13) not found" },
    });
  });

  test("without a client's Version answer it names the runtime fake-cri record asked at start; a client's answer comes first", () => {
    const atStart = { runtimeName: "containerd", runtimeVersion: "v2.4.2", runtimeApiVersion: "v1" };
    const status = exchange("/runtime.v1.RuntimeService/Status", v1.StatusRequest.encode({ verbose: false }).finish(), framed(v1.StatusResponse.encode(v1.StatusResponse.fromPartial({})).finish()), ok, 101);
    expect(buildTrace([status], { ...source, runtime: atStart }).trace.runtime).toEqual(atStart);
    const version = exchange("/runtime.v1.RuntimeService/Version", v1.VersionRequest.encode({ version: "" }).finish(), framed(v1.VersionResponse.encode({ version: "0.1.0", runtimeName: "containerd", runtimeVersion: "1.6.20", runtimeApiVersion: "v1" }).finish()), ok, 102);
    expect(buildTrace([status, version], { ...source, runtime: atStart }).trace.runtime).toMatchObject({ runtimeVersion: "1.6.20" });
  });

  test("leaves out, saying why, what it cannot read: an unknown method, a compressed message, a unary call cut off", () => {
    const exchanges = [
      exchange("/runtime.v1.RuntimeService/NoSuchThing", new Uint8Array(), [], ok, 110),
      exchange("/runtime.v1.RuntimeService/Version", new Uint8Array(), [], ok, 120),
      exchange("/runtime.v1.RuntimeService/Status", new Uint8Array(), [], undefined, 130),
      exchange("/runtime.v1.RuntimeService/GetContainerEvents", new Uint8Array(), framed(v1.ContainerEventResponse.encode(v1.ContainerEventResponse.fromPartial({ containerId: sandboxId })).finish()), undefined, 140),
    ];
    exchanges[1]!.request = framed(new Uint8Array([1]), 1);
    const { trace, leftOut } = buildTrace(exchanges, source);
    expect(leftOut).toEqual([
      "/runtime.v1.RuntimeService/NoSuchThing at +10 ms: not a method of the CRI API (cri-api v0.37.2 for v1, v0.25.16 for v1alpha2)",
      "/runtime.v1.RuntimeService/Version at +20 ms: a compressed gRPC message (grpc-encoding); the recorder reads uncompressed ones only",
      "/runtime.v1.RuntimeService/Status at +30 ms: still in flight when the recording ended",
    ]);
    // A stream still open when the recording ended: what came so far, marked unfinished.
    expect(trace.steps).toEqual([
      expect.objectContaining({ method: "getContainerEvents", stream: [{ containerId: "$id1" }], unfinished: true }),
    ]);
    expect(trace.runtime).toBeUndefined();
  });
});

describe("idPrefixes", () => {
  const known = new Map([[sandboxId, "$id1"]]);

  test("a shorter value of an ID field that begins a known ID is its prefix", () => {
    expect(idPrefixes({ filter: { id: "a1a", podSandboxId: sandboxId.slice(0, 20) } }, known)).toEqual([
      { value: "a1a", expression: "$prefix($id1, 3)" },
      { value: sandboxId.slice(0, 20), expression: `$prefix($id1, 20)` },
    ]);
  });

  test("other fields, whole IDs, unknown prefixes and non-hex values are not", () => {
    expect(idPrefixes({ name: "a1a", containerId: sandboxId, id: "b2", podSandboxId: "a1-x" }, known)).toEqual([]);
  });
});
