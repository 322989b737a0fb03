import { afterEach, describe, expect, test } from "vitest";
import { createFakeCri, type FakeCri } from "../../harness/index.ts";
import { golden, referenceRegistryFake } from "../testing/image-fixtures.ts";

let fake: FakeCri | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe("ListImages", () => {
  test("lists every image; the filter is ignored, as containerd 1.6 ignores it", async () => {
    fake = await referenceRegistryFake();
    expect(await fake.image.listImages({})).toEqual({ images: [] });
    await fake.image.pullImage({ image: { image: golden.busybox.ref } });
    await fake.image.pullImage({ image: { image: golden.pause.ref } });
    const all = (await fake.image.listImages({})).images;
    expect(all.map((i) => i.id).sort()).toEqual([golden.busybox.id, golden.pause.id].sort());
    expect(all.find((i) => i.id === golden.busybox.id)).toEqual({
      id: golden.busybox.id,
      repoTags: [golden.busybox.ref],
      repoDigests: [`docker.io/library/busybox@${golden.busybox.manifest}`],
      size: golden.busybox.size,
      uid: undefined,
      username: "",
      spec: undefined,
      pinned: false,
    });
    for (const filter of [{ image: { image: golden.busybox.ref } }, { image: { image: "docker.io/library/nosuch:1" } }, {}]) {
      expect((await fake.image.listImages({ filter })).images).toEqual(all);
    }
    expect((await fake.v1alpha2.image.listImages({ filter: { image: { image: "nothing" } } })).images.map((i) => i.id)).toEqual(all.map((i) => i.id));
  });

  test("the node's own images are listed from the start, imported ones without repo digests", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1, images: ["busybox:1.36"] });
    const images = (await fake.image.listImages({})).images;
    expect(images.map((i) => [i.repoTags, i.repoDigests]).sort()).toEqual([
      [["docker.io/library/busybox:1.36"], []],
      [["registry.k8s.io/pause:3.6"], []],
    ]);
  });
});
