// PortForward: the streaming server's URL for a ready sandbox; containerd 1.6.20's errors otherwise.

import { afterEach, describe, expect, test } from "vitest";
import { Code } from "../errors.ts";
import { createFakeCri, type FakeCri } from "../../harness/index.ts";
import { podConfig, rejection } from "../testing/sandbox-fixtures.ts";

let fake: FakeCri;
afterEach(async () => {
  await fake?.close();
});

describe("PortForward", () => {
  test("a ready sandbox gets a one-time URL; a stopped one is refused; a removed one is not found", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1, streamBaseUrl: "http://127.0.0.1:10010" });
    const { podSandboxId } = await fake.runtime.runPodSandbox({ config: podConfig("fwd") });
    const first = (await fake.runtime.portForward({ podSandboxId, port: [80] })).url;
    const second = (await fake.runtime.portForward({ podSandboxId: podSandboxId.slice(0, 6), port: [0, 70000, -1] })).url;
    expect(first).toMatch(/^http:\/\/127\.0\.0\.1:10010\/portforward\/[A-Za-z0-9_-]{8}$/);
    expect(second).not.toBe(first);

    await fake.runtime.stopPodSandbox({ podSandboxId });
    const stopped = await rejection(fake.runtime.portForward({ podSandboxId, port: [80] }));
    expect([stopped.code, stopped.message]).toEqual([Code.Unknown, "sandbox container is not running"]);
    await fake.runtime.removePodSandbox({ podSandboxId });
    const gone = await rejection(fake.runtime.portForward({ podSandboxId, port: [80] }));
    expect([gone.code, gone.message]).toEqual([Code.NotFound, `failed to find sandbox "${podSandboxId}": not found`]);
    const empty = await rejection(fake.v1alpha2.runtime.portForward({ podSandboxId: "" }));
    expect([empty.code, empty.message]).toEqual([Code.Unknown, 'failed to find sandbox "": Prefix can\'t be empty']);
  });
});
