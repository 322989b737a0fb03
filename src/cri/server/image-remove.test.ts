import { afterEach, describe, expect, test } from "vitest";
import { ociSpec } from "../../../fake-containerd/index.ts";
import { Code } from "../errors.ts";
import { createFakeCri, type FakeCri } from "../../harness/index.ts";
import { golden, referenceRegistryFake, rejection } from "../testing/image-fixtures.ts";

let fake: FakeCri | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const busyboxHex = golden.busybox.id.slice("sha256:".length);
const busyboxLayer = "sha256:5b7ab235824eec2d52860f7d13f8671dbe609eafe92a2d5294a14cf4dbfb5369";
const k8s = (f: FakeCri) => f.containerd.namespace("k8s.io");
const recordNames = async (f: FakeCri) => (await k8s(f).images.list()).map((i) => i.name);
const contentDigests = async (f: FakeCri) => (await k8s(f).content.list()).map((i) => i.digest).sort();
const snapshotKeys = async (f: FakeCri) => (await k8s(f).snapshots.get("overlayfs").list()).map((s) => s.name).sort();

/** busybox under two tags and pause, as pulled from the reference registry. */
async function pulled(): Promise<FakeCri> {
  const f = await referenceRegistryFake();
  await f.image.pullImage({ image: { image: golden.busybox.ref } });
  await f.image.pullImage({ image: { image: "docker.io/library/busybox:stable" } });
  await f.image.pullImage({ image: { image: golden.pause.ref } });
  return f;
}

describe("RemoveImage by any one name removes the whole image", () => {
  const names: Record<string, string> = {
    tag: golden.busybox.ref,
    "second tag": "docker.io/library/busybox:stable",
    "short name": "busybox:1.36",
    "repo digest": `docker.io/library/busybox@${golden.busybox.manifest}`,
    "image ID": golden.busybox.id,
    "bare hex ID": busyboxHex,
    "12-character ID prefix": busyboxHex.slice(0, 12),
    "1-character ID prefix": busyboxHex.slice(0, 1),
  };
  for (const [kind, name] of Object.entries(names)) {
    test(`by ${kind}: every record goes, its content and snapshot are collected, pause stays`, async () => {
      fake = await pulled();
      const pauseContent = (await contentDigests(fake)).filter((d) => ![golden.busybox.manifest, golden.busybox.id, busyboxLayer].includes(d));
      expect(await fake.image.removeImage({ image: { image: name } })).toEqual({});
      expect(await recordNames(fake)).toEqual([golden.pause.ref, `registry.k8s.io/pause@${golden.pause.manifest}`, golden.pause.id]);
      for (const other of Object.values(names)) expect(await fake.image.imageStatus({ image: { image: other } })).toEqual({ image: undefined, info: {} });
      expect((await fake.image.listImages({})).images.map((i) => i.id)).toEqual([golden.pause.id]);
      expect(await contentDigests(fake)).toEqual(pauseContent);
      expect(await snapshotKeys(fake)).toEqual([golden.pause.chainId]);
    });
  }

  test("v1alpha2 removes the same way", async () => {
    fake = await pulled();
    expect(await fake.v1alpha2.image.removeImage({ image: { image: "busybox:stable" } })).toEqual({});
    expect((await fake.image.listImages({})).images.map((i) => i.id)).toEqual([golden.pause.id]);
  });

  test("the removed image can be pulled again, the same image", async () => {
    fake = await pulled();
    await fake.image.removeImage({ image: { image: golden.busybox.id } });
    expect(await fake.image.pullImage({ image: { image: golden.busybox.ref } })).toEqual({ imageRef: golden.busybox.id });
    expect(await snapshotKeys(fake)).toEqual([golden.busybox.chainId, golden.pause.chainId].sort());
  });
});

describe("RemoveImage of what is not there succeeds and changes nothing", () => {
  const absent = [
    "docker.io/library/nosuch:1",
    "busybox",
    `sha256:${"0".repeat(64)}`,
    "0123456789ab",
    "Busybox:1.36",
    "busybox:1.36:extra",
    "busybox@sha256:abc",
    `busybox@sha256:${"0".repeat(64)}`,
  ];
  for (const name of absent) {
    test(JSON.stringify(name), async () => {
      fake = await pulled();
      const [records, content] = [await recordNames(fake), await contentDigests(fake)];
      expect(await fake.image.removeImage({ image: { image: name } })).toEqual({});
      expect(await recordNames(fake)).toEqual(records);
      expect(await contentDigests(fake)).toEqual(content);
    });
  }

  test("a second tag of the same repository that was never pulled is not the image", async () => {
    fake = await referenceRegistryFake();
    await fake.image.pullImage({ image: { image: golden.busybox.ref } });
    expect(await fake.image.removeImage({ image: { image: "docker.io/library/busybox:stable" } })).toEqual({});
    expect((await fake.image.listImages({})).images.map((i) => i.repoTags)).toEqual([[golden.busybox.ref]]);
  });

  test("removing twice: the second succeeds too", async () => {
    fake = await pulled();
    await fake.image.removeImage({ image: { image: golden.busybox.ref } });
    expect(await fake.image.removeImage({ image: { image: golden.busybox.ref } })).toEqual({});
    expect(await fake.v1alpha2.image.removeImage({ image: { image: golden.busybox.ref } })).toEqual({});
  });

  test("an empty request with no image present", async () => {
    fake = await referenceRegistryFake();
    expect(await fake.image.removeImage({})).toEqual({});
  });
});

describe("RemoveImage failures", () => {
  test("an ID prefix two images share: Unknown, can not resolve locally, nothing removed", async () => {
    fake = await pulled();
    const records = await recordNames(fake);
    const err = await rejection(fake.image.removeImage({ image: { image: "" } }));
    expect([err.code, err.message]).toEqual([Code.Unknown, 'can not resolve "" locally: ambiguous digest string']);
    expect(await recordNames(fake)).toEqual(records);
  });

  test("a record containerd cannot delete: the reference and image named, what was deleted stays deleted", async () => {
    fake = await pulled();
    const digestRef = `docker.io/library/busybox@${golden.busybox.manifest}`;
    fake.containerd.faults.inject({ op: "images.delete", subject: digestRef, error: { kind: "unknown", message: "database is locked" } });
    const err = await rejection(fake.image.removeImage({ image: { image: golden.busybox.ref } }));
    expect([err.code, err.message]).toEqual([
      Code.Unknown,
      `failed to delete image reference ${JSON.stringify(digestRef)} for ${JSON.stringify(golden.busybox.id)}: database is locked`,
    ]);
    const { image } = await fake.image.imageStatus({ image: { image: golden.busybox.id } });
    expect([image?.repoTags, image?.repoDigests]).toEqual([[], [digestRef]]);
    expect(await contentDigests(fake)).toContain(busyboxLayer);
  });

  test("a record someone else already deleted is skipped as containerd skips it", async () => {
    fake = await pulled();
    fake.containerd.faults.inject({ op: "images.delete", subject: "docker.io/library/busybox:stable", times: 1, error: { kind: "not found", message: "image \"docker.io/library/busybox:stable\": not found" } });
    expect(await fake.image.removeImage({ image: { image: golden.busybox.ref } })).toEqual({});
    // The CRI store follows containerd: the record the fault kept is still there, and still names the image.
    expect(await recordNames(fake)).toContain("docker.io/library/busybox:stable");
    expect((await fake.image.imageStatus({ image: { image: "busybox:stable" } })).image?.id).toBe(golden.busybox.id);
  });
});

describe("images in use", () => {
  test("removing an image a container's snapshot sits on keeps that snapshot and its parents; blobs go", async () => {
    fake = await pulled();
    const ns = k8s(fake);
    await ns.snapshots.get("overlayfs").prepare("app", golden.busybox.chainId);
    await ns.containers.create({ id: "app", image: golden.busybox.ref, spec: ociSpec({}), snapshotter: "overlayfs", snapshotKey: "app" });
    await fake.image.removeImage({ image: { image: golden.busybox.ref } });
    expect((await fake.image.listImages({})).images.map((i) => i.id)).toEqual([golden.pause.id]);
    expect(await snapshotKeys(fake)).toEqual(["app", golden.busybox.chainId, golden.pause.chainId].sort());
    expect(await contentDigests(fake)).not.toContain(busyboxLayer);
  });

  test("a pull in flight keeps what it has fetched and unpacked so far through another image's removal", async () => {
    fake = await referenceRegistryFake();
    await fake.image.pullImage({ image: { image: golden.pause.ref } });
    const gate = fake.containerd.gates.hold("diff.apply");
    const pulling = fake.image.pullImage({ image: { image: golden.busybox.ref } });
    await gate.arrived;
    expect((await snapshotKeys(fake)).some((key) => key.startsWith("extract-") && key.endsWith(` ${golden.busybox.chainId}`))).toBe(true);
    await fake.image.removeImage({ image: { image: golden.pause.ref } });
    gate.release();
    expect(await pulling).toEqual({ imageRef: golden.busybox.id });
    expect(await snapshotKeys(fake)).toEqual([golden.busybox.chainId]);
    expect(await contentDigests(fake)).toEqual([golden.busybox.manifest, golden.busybox.id, busyboxLayer].sort());
  });

  test("the sandbox image can be removed like any image", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const sandbox = fake.config.sandboxImage;
    expect(await fake.image.removeImage({ image: { image: sandbox } })).toEqual({});
    expect(await fake.image.listImages({})).toEqual({ images: [] });
    expect(await recordNames(fake)).toEqual([]);
    expect(await contentDigests(fake)).toEqual([]);
    expect(await snapshotKeys(fake)).toEqual([]);
  });
});
