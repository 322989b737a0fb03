import { describe, expect, test } from "vitest";
import { VirtualClock } from "../../fake-containerd/index.ts";
import * as v1 from "../cri/api/v1.ts";
import { Code, CriError } from "../cri/errors.ts";
import type { CallContext, CriRuntimeService } from "../cri/service-types.ts";
import { inProcessClient } from "./client.ts";
import { createFakeCri } from "./index.ts";

function slowVersion() {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const seen: CallContext[] = [];
  let finished = false;
  const impl: CriRuntimeService = {
    async version(request, call) {
      seen.push(call);
      await released;
      finished = true;
      return { version: request.version, runtimeName: "slow", runtimeVersion: "", runtimeApiVersion: "v1" };
    },
  };
  return { impl, release, seen, finished: () => finished };
}

describe("in-process clients", () => {
  test("requests may be partial: omitted fields get proto defaults, as on the wire", async () => {
    const seen: unknown[] = [];
    const impl: CriRuntimeService = {
      async runPodSandbox(request) {
        seen.push(request);
        return { podSandboxId: "x" };
      },
    };
    const client = inProcessClient(v1.RuntimeServiceDefinition, () => impl, new VirtualClock());
    await client.runPodSandbox({ config: { metadata: { name: "p" } } });
    expect(seen[0]).toEqual(v1.RunPodSandboxRequest.fromPartial({ config: { metadata: { name: "p" } } }));
    expect((seen[0] as v1.RunPodSandboxRequest).config!.metadata!.namespace).toBe("");
    expect((seen[0] as v1.RunPodSandboxRequest).runtimeHandler).toBe("");
  });

  test("a timeout gives the caller Go's DeadlineExceeded while the work goes on", async () => {
    const clock = new VirtualClock();
    const { impl, release, seen, finished } = slowVersion();
    const client = inProcessClient(v1.RuntimeServiceDefinition, () => impl, clock);
    const call = expect(client.version({ version: "a" }, { timeoutMs: 100 })).rejects.toEqual(
      new CriError(Code.DeadlineExceeded, "context deadline exceeded"),
    );
    await clock.advance(100);
    await call;
    expect(seen[0]!.signal.aborted).toBe(true);
    expect(finished()).toBe(false);
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(finished()).toBe(true);
  });

  test("aborting the caller's signal gives Canceled", async () => {
    const { impl } = slowVersion();
    const client = inProcessClient(v1.RuntimeServiceDefinition, () => impl, new VirtualClock());
    const controller = new AbortController();
    const call = client.version({}, { signal: controller.signal });
    controller.abort();
    await expect(call).rejects.toEqual(new CriError(Code.Canceled, "context canceled"));
  });

  test("a method the implementation leaves out answers as containerd does", async () => {
    const client = inProcessClient(v1.RuntimeServiceDefinition, () => ({}), new VirtualClock());
    await expect(client.checkpointContainer({})).rejects.toEqual(new CriError(Code.Unimplemented, "method CheckpointContainer not implemented"));
    await expect(client.runtimeConfig({})).rejects.toEqual(
      new CriError(Code.Unimplemented, "unknown method RuntimeConfig for service runtime.v1.RuntimeService"),
    );
  });

  test("clients survive restart() and answer from the new plugin", async () => {
    const fake = await createFakeCri({ seed: 1 });
    const before = fake.service;
    await fake.restart();
    expect(fake.service).not.toBe(before);
    expect((await fake.runtime.version({})).runtimeName).toBe("containerd");
    await fake.close();
  });

  test("serve() answers over gRPC from whichever plugin is current", async () => {
    const fake = await createFakeCri({ seed: 1 });
    const server = await fake.serve();
    const { connectCri } = await import("../cri/transport/grpc.ts");
    const client = connectCri(server.endpoint);
    try {
      expect((await client.runtime.version({})).runtimeVersion).toBe("v2.4.2");
      await fake.restart();
      expect((await client.runtime.status({})).status!.conditions.length).toBe(3);
    } finally {
      client.close();
      await fake.close();
    }
  });
});
