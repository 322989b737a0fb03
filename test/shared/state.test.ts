import { describe, expect, test } from "vitest";
import type { VirtualClock } from "../../fake-containerd/index.ts";
import { ContainerState, PodSandboxState } from "../../src/cri/api/v1.ts";
import { createFakeCri, type FakeCriState } from "../../src/harness/index.ts";
import { busybox, runPod } from "./pod.ts";

/** A saved state as a file would carry it: through JSON text. */
const throughJson = (state: FakeCriState): FakeCriState => JSON.parse(JSON.stringify(state)) as FakeCriState;

describe("saveState and createFakeCri({ state })", () => {
  test("the pod and its running container are there in the new fake, and still behave", async () => {
    const before = await createFakeCri({ seed: 1, images: [busybox] });
    before.containerd.processes.onContainer({ image: busybox }, { exit: { code: 3, afterMs: 5_000 } });
    const { podSandboxId, containerId } = await runPod(before.runtime);
    await (before.clock as VirtualClock).advance(1_000);
    const saved = throughJson(before.saveState());
    await before.close();

    const after = await createFakeCri({ state: saved });
    expect((await after.runtime.listPodSandbox({})).items).toEqual([
      expect.objectContaining({ id: podSandboxId, state: PodSandboxState.SANDBOX_READY }),
    ]);
    // The script resumes where it was: 4 s of its 5 s are left.
    await (after.clock as VirtualClock).advance(3_999);
    expect((await after.runtime.containerStatus({ containerId })).status).toMatchObject({ state: ContainerState.CONTAINER_RUNNING });
    await (after.clock as VirtualClock).advance(1);
    expect((await after.runtime.containerStatus({ containerId })).status).toMatchObject({
      state: ContainerState.CONTAINER_EXITED,
      exitCode: 3,
      reason: "Error",
    });
    await after.close();
  });

  test("a pulled image carries over, and two fakes from one state are the same fake", async () => {
    const before = await createFakeCri({ seed: 7 });
    const { imageRef } = await before.image.pullImage({ image: { image: "busybox:1.36" } });
    await (before.clock as VirtualClock).advance(60_000);
    const saved = throughJson(before.saveState());
    await before.close();

    const [first, second] = [await createFakeCri({ state: saved }), await createFakeCri({ state: saved })];
    expect((await first.image.imageStatus({ image: { image: "busybox:1.36" } })).image?.id).toBe(imageRef);
    await second.image.imageStatus({ image: { image: "busybox:1.36" } });
    expect(throughJson(second.saveState())).toEqual(throughJson(first.saveState()));
    await first.close();
    await second.close();
  });
});
