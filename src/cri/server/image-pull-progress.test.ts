import { afterEach, describe, expect, test } from "vitest";
import { referenceConfigToml } from "../../../golden/cri/reference-runtime.ts";
import type { FakeCri } from "../../harness/index.ts";
import { Code } from "../errors.ts";
import { golden, referenceRegistryFake, rejection } from "../testing/image-fixtures.ts";

let fake: FakeCri | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** The 2.4 reference config with these lines in its images plugin's table instead of its image_pull_progress_timeout. */
function config24(...lines: string[]): string {
  const timeout = '  image_pull_progress_timeout = "2s"\n';
  if (!referenceConfigToml["2.4"].includes(timeout)) throw new Error("the 2.4 reference config has no 2 s image_pull_progress_timeout");
  return referenceConfigToml["2.4"].replace(timeout, lines.map((l) => `  ${l}\n`).join(""));
}

/** A 2.4 fake that pulls through the local pull with a 2 s image_pull_progress_timeout (measured: 2.4.2 cancels such a pull). */
const localPull2s = () => referenceRegistryFake({ containerd: "2.4", config: config24('image_pull_progress_timeout = "2s"', "use_local_image_pull = true") });

/** Settles `p` while the fake's clock moves on in `stepMs` steps, up to `limitMs`. */
async function withTime<T>(f: FakeCri, p: Promise<T>, limitMs: number, stepMs = 100): Promise<{ settled: boolean; movedMs: number }> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  let moved = 0;
  for (; !settled && moved < limitMs; moved += stepMs) await f.advance(stepMs);
  return { settled, movedMs: moved };
}

/** The busybox image's one layer blob (its manifest's). */
const busyboxLayer = "sha256:5b7ab235824eec2d52860f7d13f8671dbe609eafe92a2d5294a14cf4dbfb5369";
const canceledText = `failed to pull and unpack image "${golden.busybox.ref}": context canceled`;

describe("image_pull_progress_timeout", () => {
  test("a registry that stops sending a layer cancels the pull after the timeout: Canceled, and no image is left", async () => {
    fake = await localPull2s();
    fake.containerd.faults.inject({ op: "registry.fetch", subject: busyboxLayer, latencyMs: 600_000 });
    const pull = fake.image.pullImage({ image: { image: golden.busybox.ref } });
    const failure = rejection(pull);
    const { settled, movedMs } = await withTime(fake, pull, 10_000);
    expect(settled).toBe(true);
    // Ticks every half timeout: the first tick with the layer in flight starts the period, the one that ends it comes 2.5 s later.
    expect(movedMs).toBeGreaterThan(2_000);
    expect(movedMs).toBeLessThanOrEqual(3_100);
    const err = await failure;
    expect([err.code, err.message]).toEqual([Code.Canceled, canceledText]);
    expect((await fake.image.listImages({})).images).toEqual([]);
    expect(await fake.containerd.namespace("k8s.io").images.list()).toEqual([]);
    fake.containerd.faults.clear();
  });

  test("a slow registry whose every blob arrives within the timeout succeeds, however long the whole pull takes", async () => {
    fake = await localPull2s();
    fake.containerd.faults.inject({ op: "registry.fetch", latencyMs: 1_500 });
    const pull = fake.image.pullImage({ image: { image: golden.busybox.ref } });
    const { settled, movedMs } = await withTime(fake, pull, 20_000);
    expect(settled).toBe(true);
    expect(movedMs).toBeGreaterThan(2_000);
    expect(await pull).toEqual({ imageRef: golden.busybox.id });
  });

  test("under the transfer service (2.4's default) a stalled layer is not seen: the pull waits", async () => {
    fake = await referenceRegistryFake({ containerd: "2.4", config: config24('image_pull_progress_timeout = "2s"') });
    fake.containerd.faults.inject({ op: "registry.fetch", subject: busyboxLayer, latencyMs: 30_000 });
    const pull = fake.image.pullImage({ image: { image: golden.busybox.ref } });
    const { settled } = await withTime(fake, pull, 20_000, 1_000);
    expect(settled).toBe(false);
    await withTime(fake, pull, 20_000, 1_000);
    expect(await pull).toEqual({ imageRef: golden.busybox.id });
  });

  test("a setting the transfer service lacks (discard_unpacked_layers) takes the local pull, and the timeout with it", async () => {
    fake = await referenceRegistryFake({ containerd: "2.4", config: config24('image_pull_progress_timeout = "2s"', "discard_unpacked_layers = true") });
    fake.containerd.faults.inject({ op: "registry.fetch", subject: busyboxLayer, latencyMs: 600_000 });
    const failure = rejection(fake.image.pullImage({ image: { image: golden.busybox.ref } }));
    await withTime(fake, failure, 10_000);
    expect((await failure).code).toBe(Code.Canceled);
    fake.containerd.faults.clear();
  });

  test('"0s" turns it off', async () => {
    fake = await referenceRegistryFake({ containerd: "2.4", config: config24('image_pull_progress_timeout = "0s"', "use_local_image_pull = true") });
    fake.containerd.faults.inject({ op: "registry.fetch", subject: busyboxLayer, latencyMs: 30_000 });
    const pull = fake.image.pullImage({ image: { image: golden.busybox.ref } });
    await withTime(fake, pull, 31_000, 1_000);
    expect(await pull).toEqual({ imageRef: golden.busybox.id });
  });

  test("1.6.20 has no such setting: it ignores the key and waits", async () => {
    const config = referenceConfigToml["1.6"].replace("  restrict_oom_score_adj = true\n", '  restrict_oom_score_adj = true\n  image_pull_progress_timeout = "2s"\n');
    fake = await referenceRegistryFake({ containerd: "1.6", config });
    fake.containerd.faults.inject({ op: "registry.fetch", subject: busyboxLayer, latencyMs: 30_000 });
    const pull = fake.image.pullImage({ image: { image: golden.busybox.ref } });
    await withTime(fake, pull, 31_000, 1_000);
    expect(await pull).toEqual({ imageRef: golden.busybox.id });
  });

  test("2.x refuses a config whose timeout is not a Go duration", async () => {
    await expect(referenceRegistryFake({ containerd: "2.4", config: config24('image_pull_progress_timeout = "soon"') })).rejects.toThrow(
      'invalid image pull progress timeout: time: invalid duration "soon"',
    );
  });
});
