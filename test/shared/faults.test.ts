import { describe, expect, test } from "vitest";
import type { VirtualClock } from "../../fake-containerd/index.ts";
import { ContainerState } from "../../src/cri/api/v1.ts";
import { Code, CriError } from "../../src/cri/errors.ts";
import { createFakeCri } from "../../src/harness/index.ts";
import { busybox, runPod } from "./pod.ts";

describe("faults from fake-containerd", () => {
  test("a task start the shim cannot answer fails StartContainer with containerd's error", async () => {
    const fake = await createFakeCri({ seed: 1, images: [busybox] });
    const { containerId } = await runPod(fake.runtime, { start: false });
    fake.containerd.faults.inject({ op: "tasks.start", subject: containerId, error: { kind: "unavailable", message: "ttrpc: closed: unavailable" } });
    const message = `failed to start containerd task "${containerId}": ttrpc: closed: unavailable`;
    await expect(fake.runtime.startContainer({ containerId })).rejects.toEqual(new CriError(Code.Unavailable, message));
    expect((await fake.runtime.containerStatus({ containerId })).status).toMatchObject({
      state: ContainerState.CONTAINER_EXITED,
      exitCode: 128,
      reason: "StartError",
      message,
    });
    await fake.close();
  });

  test("an image store that cannot write fails PullImage with containerd's error and code", async () => {
    const fake = await createFakeCri({ seed: 1 });
    fake.containerd.faults.inject({ op: "images.create", error: { kind: "unavailable", message: "bolt: database not open: unavailable" } });
    await expect(fake.image.pullImage({ image: { image: "busybox:1.36" } })).rejects.toEqual(
      new CriError(Code.Unavailable, 'failed to pull and unpack image "docker.io/library/busybox:1.36": bolt: database not open: unavailable'),
    );
    fake.containerd.faults.clear();
    expect(await fake.image.pullImage({ image: { image: "busybox:1.36" } })).toMatchObject({ imageRef: expect.stringMatching(/^sha256:/) });
    await fake.close();
  });
});

describe("scripted processes", () => {
  test("an OOM kill: reason OOMKilled, exit code 137", async () => {
    const fake = await createFakeCri({ seed: 1, images: [busybox] });
    fake.containerd.processes.onContainer({ image: busybox }, { oom: { afterMs: 250 } });
    const { containerId } = await runPod(fake.runtime);
    await (fake.clock as VirtualClock).advance(250);
    expect((await fake.runtime.containerStatus({ containerId })).status).toMatchObject({
      state: ContainerState.CONTAINER_EXITED,
      exitCode: 137,
      reason: "OOMKilled",
    });
    await fake.close();
  });

  test("a process that exits 0 on its own: reason Completed", async () => {
    const fake = await createFakeCri({ seed: 1, images: [busybox] });
    fake.containerd.processes.onContainer({ image: busybox }, { exit: { code: 0, afterMs: 1_000 } });
    const { containerId } = await runPod(fake.runtime);
    await (fake.clock as VirtualClock).advance(1_000);
    expect((await fake.runtime.containerStatus({ containerId })).status).toMatchObject({
      state: ContainerState.CONTAINER_EXITED,
      exitCode: 0,
      reason: "Completed",
    });
    await fake.close();
  });
});
