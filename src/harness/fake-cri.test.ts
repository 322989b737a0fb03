import { describe, expect, test } from "vitest";
import { ContainerState } from "../cri/api/v1.ts";
import { Code, CriError } from "../cri/errors.ts";
import { createFakeCri } from "./index.ts";

describe("createFakeCri", () => {
  test("by default it answers as containerd 2.4.2: its Version, v1 only", async () => {
    const fake = await createFakeCri({ seed: 1 });
    expect(await fake.runtime.version({})).toEqual({
      version: "0.1.0",
      runtimeName: "containerd",
      runtimeVersion: "v2.4.2",
      runtimeApiVersion: "v1",
    });
    await expect(fake.v1alpha2.runtime.version({ version: "v1alpha2" })).rejects.toEqual(
      new CriError(Code.Unimplemented, "unknown service runtime.v1alpha2.RuntimeService"),
    );
    await fake.close();
  });

  test('containerd: "1.6" answers as containerd 1.6.20, on v1 and v1alpha2', async () => {
    const fake = await createFakeCri({ seed: 1, containerd: "1.6" });
    expect(await fake.runtime.version({})).toEqual({
      version: "0.1.0",
      runtimeName: "containerd",
      runtimeVersion: "1.6.20~ds1",
      runtimeApiVersion: "v1",
    });
    expect(await fake.v1alpha2.runtime.version({ version: "v1alpha2" })).toEqual({
      version: "0.1.0",
      runtimeName: "containerd",
      runtimeVersion: "1.6.20~ds1",
      runtimeApiVersion: "v1alpha2",
    });
    await fake.close();
  });

  test("a method containerd 1.6.20 does not know answers as an unknown method; 2.4.2 serves it", async () => {
    const old = await createFakeCri({ seed: 1, containerd: "1.6" });
    await expect(old.runtime.streamContainers({})[Symbol.asyncIterator]().next()).rejects.toEqual(
      new CriError(Code.Unimplemented, "unknown method StreamContainers for service runtime.v1.RuntimeService"),
    );
    await old.close();
    const current = await createFakeCri({ seed: 1 });
    await expect(current.runtime.streamContainers({})[Symbol.asyncIterator]().next()).resolves.toEqual({ value: undefined, done: true });
    await current.close();
  });
});

describe("images present at start", () => {
  test("the sandbox image is there unless asked not to be; listed images come with it", async () => {
    const fake = await createFakeCri({ seed: 1, images: ["busybox:1.36"] });
    expect(fake.service.imageStore.list().map((i) => i.references[0]).sort()).toEqual([
      "docker.io/library/busybox:1.36",
      "registry.k8s.io/pause:3.6",
    ]);
    await fake.close();
    const bare = await createFakeCri({ seed: 1, withoutSandboxImage: true });
    expect(bare.service.imageStore.size).toBe(0);
    await bare.close();
  });
});

describe("a real clock under load", () => {
  test("a call answers with what the timers that fell due while the loop was busy did (a process's exit)", async () => {
    const fake = await createFakeCri({ images: ["busybox:1.36"] });
    const config = { metadata: { name: "busy", namespace: "default", uid: "busy-uid", attempt: 0 } };
    const { podSandboxId } = await fake.runtime.runPodSandbox({ config });
    const { containerId } = await fake.runtime.createContainer({
      podSandboxId,
      config: { metadata: { name: "nap", attempt: 0 }, image: { image: "busybox:1.36" }, command: ["sleep", "0.02"] },
      sandboxConfig: config,
    });
    await fake.runtime.startContainer({ containerId });
    // The loop is busy past the sleep's end, so its timer has not run when the next call arrives.
    const until = performance.now() + 100;
    while (performance.now() < until);
    const { status } = await fake.runtime.containerStatus({ containerId });
    expect(status).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 0, reason: "Completed" });
    await fake.close();
  });
});
