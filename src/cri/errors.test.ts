import { describe, expect, test } from "vitest";
import { ContainerdError, containerdError } from "../../fake-containerd/errdefs.ts";
import * as v1 from "./api/v1.ts";
import * as v1alpha2 from "./api/v1alpha2.ts";
import {
  canceled,
  clientContextError,
  Code,
  codeName,
  ContextError,
  CriError,
  deadlineExceeded,
  statusOf,
} from "./errors.ts";
import { bindService, missingMethodError, type ServiceDefinition } from "./service-types.ts";

describe("status codes", () => {
  test("have grpc-go's numbers and names", () => {
    expect(Object.values(Code)).toEqual([...Array(17).keys()]);
    expect(codeName(Code.NotFound)).toBe("NotFound");
    expect(codeName(Code.DeadlineExceeded)).toBe("DeadlineExceeded");
    expect(codeName(42)).toBe("Code(42)");
  });

  test("a CriError prints as a Go client prints the status error", () => {
    expect(new CriError(Code.AlreadyExists, 'failed to reserve sandbox name "x"').goString()).toBe(
      'rpc error: code = AlreadyExists desc = failed to reserve sandbox name "x"',
    );
  });

  test("context errors read as Go's", () => {
    expect(deadlineExceeded().message).toBe("context deadline exceeded");
    expect(canceled().message).toBe("context canceled");
    expect(clientContextError(Code.DeadlineExceeded).goString()).toBe(
      "rpc error: code = DeadlineExceeded desc = context deadline exceeded",
    );
    expect(clientContextError(Code.Canceled).goString()).toBe("rpc error: code = Canceled desc = context canceled");
  });
});

describe("statusOf (errdefs.ToGRPC, then grpc-go for errors without a status)", () => {
  const wrap = (message: string, cause: unknown): Error => new Error(message, { cause });
  const withCause = <E extends Error>(err: E, cause: unknown): E => Object.assign(err, { cause });

  test.each<[string, unknown, Code, string]>([
    ["a CriError keeps its status", new CriError(Code.InvalidArgument, "bad"), Code.InvalidArgument, "bad"],
    ["a plain Error is Unknown", new Error("boom"), Code.Unknown, "boom"],
    ["a thrown string is Unknown", "just text", Code.Unknown, "just text"],
    ["a containerd kind maps", containerdError("not found", 'image "x"'), Code.NotFound, 'image "x": not found'],
    ["a wrapped kind maps with the outer text", wrap("failed to get image", containerdError("not found")), Code.NotFound, "failed to get image"],
    ["already exists", containerdError("already exists"), Code.AlreadyExists, "already exists"],
    ["failed precondition", containerdError("failed precondition"), Code.FailedPrecondition, "failed precondition"],
    ["unavailable", containerdError("unavailable"), Code.Unavailable, "unavailable"],
    ["not implemented", containerdError("not implemented"), Code.Unimplemented, "not implemented"],
    ["canceled", containerdError("canceled"), Code.Canceled, "canceled"],
    ["deadline exceeded", containerdError("deadline exceeded"), Code.DeadlineExceeded, "deadline exceeded"],
    ["the unknown kind stays Unknown", containerdError("unknown", "x"), Code.Unknown, "x: unknown"],
    ["a context error", deadlineExceeded(), Code.DeadlineExceeded, "context deadline exceeded"],
    ["a wrapped context error", wrap("failed to stop container: context canceled", canceled()), Code.Canceled, "failed to stop container: context canceled"],
    [
      "the first kind in ToGRPC's order wins, wherever it is in the chain",
      withCause(containerdError("unavailable", "outer"), containerdError("not found", "inner")),
      Code.NotFound,
      "outer: unavailable",
    ],
    [
      "invalid argument comes before everything",
      wrap("x", withCause(new ContextError(Code.Canceled), containerdError("invalid argument"))),
      Code.InvalidArgument,
      "x",
    ],
    [
      "a status error inside the chain is not unwrapped (grpc-go 1.47)",
      wrap("outer", new CriError(Code.NotFound, "inner", { cause: containerdError("not found") })),
      Code.Unknown,
      "outer",
    ],
  ])("%s", (_name, err, code, message) => {
    expect(statusOf(err)).toEqual({ code, message });
  });

  test("ContainerdError is fake-containerd's", () => {
    expect(containerdError("not found")).toBeInstanceOf(ContainerdError);
  });
});

describe("RPCs an implementation leaves out", () => {
  const unknownTo = (service: ServiceDefinition): string[] =>
    Object.values(service.methods)
      .filter((m) => missingMethodError(service, m).message.startsWith("unknown method"))
      .map((m) => m.name);

  test("v1 RPCs newer than containerd 1.6.20's cri-api v0.25.0 answer as unknown methods", () => {
    expect(unknownTo(v1.RuntimeServiceDefinition)).toEqual([
      "StreamPodSandboxes",
      "StreamContainers",
      "StreamContainerStats",
      "StreamPodSandboxStats",
      "CheckpointPod",
      "RestorePod",
      "ListMetricDescriptors",
      "ListPodSandboxMetrics",
      "StreamPodSandboxMetrics",
      "RuntimeConfig",
      "UpdatePodSandboxResources",
    ]);
    expect(unknownTo(v1.ImageServiceDefinition)).toEqual(["StreamImages"]);
    expect(missingMethodError(v1.RuntimeServiceDefinition, v1.RuntimeServiceDefinition.methods.runtimeConfig)).toEqual(
      new CriError(Code.Unimplemented, "unknown method RuntimeConfig for service runtime.v1.RuntimeService"),
    );
  });

  test("the others, and every v1alpha2 RPC, answer as grpc-go's Unimplemented server", () => {
    expect(unknownTo(v1alpha2.RuntimeServiceDefinition)).toEqual([]);
    expect(unknownTo(v1alpha2.ImageServiceDefinition)).toEqual([]);
    expect(missingMethodError(v1.RuntimeServiceDefinition, v1.RuntimeServiceDefinition.methods.getContainerEvents)).toEqual(
      new CriError(Code.Unimplemented, "method GetContainerEvents not implemented"),
    );
  });

  test("bindService binds every method under its gRPC path", async () => {
    const bound = bindService(v1.RuntimeServiceDefinition, { version: async () => v1.VersionResponse.fromPartial({}) });
    expect(bound.size).toBe(Object.keys(v1.RuntimeServiceDefinition.methods).length);
    expect(bound.get("version")!.path).toBe("/runtime.v1.RuntimeService/Version");
    expect(bound.get("version")!.handler.kind).toBe("unary");
    expect(bound.get("getContainerEvents")!.handler.kind).toBe("stream");
    expect(bound.get("runtimeConfig")!.handler.kind).toBe("unknown-method");
    const status = bound.get("status")!.handler;
    if (status.kind !== "unary") throw new Error("Status is unary");
    await expect(status.call({}, { signal: new AbortController().signal })).rejects.toEqual(
      new CriError(Code.Unimplemented, "method Status not implemented"),
    );
  });
});
