import { describe, expect, test } from "vitest";
import { ContainerState, PodSandboxState } from "../../src/cri/api/v1.ts";
import { Code, CriError } from "../../src/cri/errors.ts";
import { createFakeCri } from "../../src/harness/index.ts";
import { appConfig, busybox, podConfig, runPod } from "./pod.ts";

describe("a pod's lifecycle", () => {
  test("run, create, start, status, stop and remove, as containerd answers", async () => {
    const fake = await createFakeCri({ seed: 1, images: [busybox] });
    const { podSandboxId } = await fake.runtime.runPodSandbox({ config: podConfig });
    expect(podSandboxId).toMatch(/^[0-9a-f]{64}$/);
    expect((await fake.runtime.podSandboxStatus({ podSandboxId })).status).toMatchObject({
      id: podSandboxId,
      metadata: { ...podConfig.metadata, attempt: 0 },
      state: PodSandboxState.SANDBOX_READY,
    });

    const { containerId } = await fake.runtime.createContainer({ podSandboxId, config: appConfig, sandboxConfig: podConfig });
    expect((await fake.runtime.containerStatus({ containerId })).status).toMatchObject({
      id: containerId,
      metadata: { name: "app", attempt: 0 },
      state: ContainerState.CONTAINER_CREATED,
      image: { image: busybox },
      logPath: `${podConfig.logDirectory}/app.log`,
    });

    await fake.runtime.startContainer({ containerId });
    expect((await fake.runtime.containerStatus({ containerId })).status).toMatchObject({ state: ContainerState.CONTAINER_RUNNING, exitCode: 0 });

    await fake.runtime.stopContainer({ containerId, timeout: 0n });
    expect((await fake.runtime.containerStatus({ containerId })).status).toMatchObject({
      state: ContainerState.CONTAINER_EXITED,
      exitCode: 137,
      reason: "Error",
    });

    await fake.runtime.removeContainer({ containerId });
    await expect(fake.runtime.containerStatus({ containerId })).rejects.toEqual(
      new CriError(Code.NotFound, `an error occurred when try to find container "${containerId}": not found`),
    );
    await fake.runtime.stopPodSandbox({ podSandboxId });
    expect((await fake.runtime.podSandboxStatus({ podSandboxId })).status?.state).toBe(PodSandboxState.SANDBOX_NOTREADY);
    await fake.runtime.removePodSandbox({ podSandboxId });
    expect(await fake.runtime.listPodSandbox({})).toEqual({ items: [] });
    await fake.close();
  });

  test("the same pod twice: the second name reservation fails with containerd's text", async () => {
    const fake = await createFakeCri({ seed: 1, images: [busybox] });
    const { podSandboxId } = await runPod(fake.runtime);
    await expect(fake.runtime.runPodSandbox({ config: podConfig })).rejects.toEqual(
      new CriError(
        Code.FailedPrecondition,
        `failed to reserve sandbox name "web_shared_web-uid_0": name "web_shared_web-uid_0" is reserved for "${podSandboxId}"`,
      ),
    );
    await fake.close();
  });
});

describe("images", () => {
  test("pull, list, status and remove; the sandbox image is always there", async () => {
    const fake = await createFakeCri({ seed: 1 });
    const { imageRef } = await fake.image.pullImage({ image: { image: "busybox:1.36" } });
    expect(imageRef).toMatch(/^sha256:[0-9a-f]{64}$/);
    const tags = (await fake.image.listImages({})).images.flatMap((image) => image.repoTags).sort();
    expect(tags).toEqual([busybox, "registry.k8s.io/pause:3.6"]);
    expect((await fake.image.imageStatus({ image: { image: "busybox:1.36" } })).image).toMatchObject({ id: imageRef, repoTags: [busybox] });
    await fake.image.removeImage({ image: { image: imageRef } });
    expect(await fake.image.imageStatus({ image: { image: "busybox:1.36" } })).toMatchObject({ image: undefined });
    await fake.close();
  });

  test("with strictImages, an image nobody registered fails to pull as in containerd", async () => {
    const fake = await createFakeCri({ seed: 1, strictImages: true });
    await expect(fake.image.pullImage({ image: { image: "nosuch:1" } })).rejects.toEqual(
      new CriError(
        Code.NotFound,
        'failed to pull and unpack image "docker.io/library/nosuch:1": failed to resolve image: docker.io/library/nosuch:1: not found',
      ),
    );
    await fake.close();
  });
});
