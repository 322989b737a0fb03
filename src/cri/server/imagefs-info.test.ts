import { afterEach, describe, expect, test } from "vitest";
import { readClock, type VirtualClock } from "../../../fake-containerd/clock.ts";
import type { ImageFsInfoResponse } from "../api/v1.ts";
import { createFakeCri, type FakeCri } from "../../harness/index.ts";
import { golden, referenceConfig, referenceRegistryFake } from "../testing/image-fixtures.ts";

let fake: FakeCri | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const mountpoint = "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs";

/** The snapshotter's own figures for what it holds now: what the next sync will report. */
async function snapshotterUsage(f: FakeCri, snapshotter = "overlayfs"): Promise<{ size: bigint; inodes: bigint }> {
  const store = f.containerd.namespace("k8s.io").snapshots.get(snapshotter);
  let size = 0n;
  let inodes = 0n;
  for (const info of await store.list()) {
    const usage = await store.usage(info.name);
    size += usage.size;
    inodes += usage.inodes;
  }
  return { size, inodes };
}

function answer(timestamp: bigint, usage: { size: bigint; inodes: bigint }, mount = mountpoint): ImageFsInfoResponse {
  return {
    imageFilesystems: [{ timestamp, fsId: { mountpoint: mount }, usedBytes: { value: usage.size }, inodesUsed: { value: usage.inodes } }],
    containerFilesystems: [],
  };
}

const advance = (f: FakeCri, ms: number) => (f.clock as VirtualClock).advance(ms);
const period = 10_000_000_000n;

/**
 * When the snapshot syncer started: the stamp of the snapshots its first pass saw (the sandbox
 * image's, which a fresh node has; removals show only at the next pass).
 */
async function syncerStart(f: FakeCri): Promise<bigint> {
  return (await f.image.imageFsInfo({})).imageFilesystems[0]!.timestamp;
}

describe("ImageFsInfo", () => {
  test("the sandbox image's snapshot at start, stamped with the syncer's first pass", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const started = readClock(fake.clock);
    const usage = await snapshotterUsage(fake);
    expect(usage.size).toBeGreaterThan(0n);
    const info = await fake.image.imageFsInfo({});
    expect(info).toEqual(answer(info.imageFilesystems[0]!.timestamp, usage));
    expect(info.imageFilesystems[0]!.timestamp).toBeLessThanOrEqual(started);
  });

  test("after pulls and removals: the figures change at the next sync (stats_collect_period, 10 s), not before", async () => {
    fake = await referenceRegistryFake();
    const started = await syncerStart(fake);
    await advance(fake, 10_000);
    const empty = await fake.image.imageFsInfo({});
    expect(empty).toEqual(answer(readClock(fake.clock), { size: 0n, inodes: 0n }));

    await fake.image.pullImage({ image: { image: golden.busybox.ref } });
    const withBusybox = await snapshotterUsage(fake);
    expect(withBusybox.size).toBeGreaterThan(1_000_000n);
    expect((await fake.image.imageFsInfo({})).imageFilesystems[0]!.usedBytes).toEqual({ value: 0n });
    await advance(fake, 10_000);
    expect(await fake.image.imageFsInfo({})).toEqual(answer(started + 2n * period, withBusybox));

    await fake.image.pullImage({ image: { image: golden.pause.ref } });
    await advance(fake, 10_000);
    const both = await snapshotterUsage(fake);
    expect(both.size).toBeGreaterThan(withBusybox.size);
    expect(await fake.image.imageFsInfo({})).toEqual(answer(started + 3n * period, both));

    await fake.image.removeImage({ image: { image: golden.busybox.id } });
    expect((await fake.image.imageFsInfo({})).imageFilesystems[0]!.usedBytes).toEqual({ value: both.size });
    await advance(fake, 10_000);
    const pauseOnly = await snapshotterUsage(fake);
    expect(pauseOnly.size).toBe(both.size - withBusybox.size);
    expect(await fake.image.imageFsInfo({})).toEqual(answer(started + 4n * period, pauseOnly));
  });

  test("the timestamp is the sync time of the snapshots, now when there are none", async () => {
    fake = await referenceRegistryFake();
    const started = await syncerStart(fake);
    await advance(fake, 13_000);
    const now = readClock(fake.clock);
    expect((await fake.image.imageFsInfo({})).imageFilesystems[0]!.timestamp).toBe(now);
    await fake.image.pullImage({ image: { image: golden.busybox.ref } });
    await advance(fake, 7_000);
    expect((await fake.image.imageFsInfo({})).imageFilesystems[0]!.timestamp).toBe(started + 2n * period);
    await advance(fake, 25_000);
    expect((await fake.image.imageFsInfo({})).imageFilesystems[0]!.timestamp).toBe(started + 4n * period);
  });

  test("the mountpoint is the configured snapshotter's directory under containerd's root", async () => {
    fake = await referenceRegistryFake({ config: referenceConfig.replace('snapshotter = "overlayfs"', 'snapshotter = "native"') });
    const started = await syncerStart(fake);
    await fake.image.pullImage({ image: { image: golden.busybox.ref } });
    await advance(fake, 10_000);
    expect(await fake.image.imageFsInfo({})).toEqual(
      answer(started + period, await snapshotterUsage(fake, "native"), "/var/lib/containerd/io.containerd.snapshotter.v1.native"),
    );
  });

  test("the mountpoint exists on the node from the start, as the snapshotter makes it (a kubelet stats it)", async () => {
    fake = await createFakeCri({ seed: 1 });
    const { mountpoint: path } = (await fake.image.imageFsInfo({})).imageFilesystems[0]!.fsId!;
    expect(fake.hostFs.stat(path)).toMatchObject({ isDirectory: true, mode: 0o700 });
  });

  test("v1alpha2 answers the same", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const v1 = await fake.image.imageFsInfo({});
    expect(await fake.v1alpha2.image.imageFsInfo({})).toEqual({ imageFilesystems: v1.imageFilesystems });
  });
});
