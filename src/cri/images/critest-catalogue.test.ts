import { afterEach, describe, expect, test } from "vitest";
import { buildImageBlobs } from "../../../fake-containerd/images/build.ts";
import { parseDockerRef, referenceString } from "../../go/reference.ts";
import { Code } from "../errors.ts";
import { createFakeCri, type FakeCri } from "../../harness/index.ts";
import { createAndStart, runPod } from "../testing/container-fixtures.ts";
import { rejection } from "../testing/image-fixtures.ts";
import { critestCatalogue } from "./critest-catalogue.ts";
import { catalogueImage, synthesizeImage } from "./synthesize.ts";

let fake: FakeCri | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const criTools = "gcr.io/k8s-staging-cri-tools/";
const pinned = `${criTools}test-image-digest@sha256:9700f9a2f5bf2c45f2f605a0bd3bce7cf37420ec9d3ed50ac2758413308766bf`;
const pull = (f: FakeCri, image: string) => f.image.pullImage({ image: { image } }).then((r) => r.imageRef);
const status = (f: FakeCri, image: string) => f.image.imageStatus({ image: { image } }).then((r) => r.image);

describe("critest's image catalogue", () => {
  test("references are normalised, each names one entry, and every entry is an image of its own", () => {
    const references = critestCatalogue.flatMap((entry) => entry.references);
    expect(references.filter((ref) => referenceString(parseDockerRef(ref)) !== ref)).toEqual([]);
    expect(new Set(references).size).toBe(references.length);
    const ids = critestCatalogue.map((entry) => buildImageBlobs(catalogueImage(entry.references[0]!)!).config.digest);
    expect(new Set(ids).size).toBe(critestCatalogue.length);
  });

  test("an entry's stand-in is the same image under each of its names, and no made-up image is one of them", () => {
    const tags = [1, 2, 3].map((n) => buildImageBlobs(catalogueImage(`${criTools}test-image-tags:${n}`)!).target.digest);
    expect(new Set(tags).size).toBe(1);
    expect(catalogueImage("gcr.io/k8s-staging-cri-tools/test-image-tags:4")).toBeUndefined();
    const sandbox = "registry.k8s.io/pause:3.6";
    expect(buildImageBlobs(synthesizeImage("registry.k8s.io/pause:3.9", sandbox)).config.digest).not.toBe(
      buildImageBlobs(synthesizeImage(sandbox, sandbox)).config.digest,
    );
  });

  test("one image under three tags: one ID, three repo tags, all gone when it is removed by one of them", async () => {
    fake = await createFakeCri({ seed: 1 });
    const names = [1, 2, 3].map((n) => `${criTools}test-image-tags:${n}`);
    const ids = new Set<string>();
    for (const name of names) ids.add(await pull(fake, name));
    expect(ids.size).toBe(1);
    const [id] = ids;
    const image = (await fake.image.listImages({})).images.find((i) => i.id === id)!;
    expect(image.repoTags.sort()).toEqual(names);
    expect(image.repoDigests).toEqual([`${criTools}test-image-tags@${buildImageBlobs(catalogueImage(names[0]!)!).target.digest}`]);
    await fake.image.removeImage({ image: { image: id! } });
    for (const name of [...names, id!]) expect(await status(fake, name)).toBeUndefined();
  });

  test("pause:3.9 from two registries is one image, apart from the sandbox image, and a container runs its /pause", async () => {
    fake = await createFakeCri({ seed: 1 });
    const first = await pull(fake, "registry.k8s.io/pause:3.9");
    expect(await pull(fake, "k8s.gcr.io/pause:3.9")).toBe(first);
    expect((await status(fake, first))!.repoTags).toEqual(["k8s.gcr.io/pause:3.9", "registry.k8s.io/pause:3.9"]);
    expect((await status(fake, fake.config.sandboxImage))!.id).not.toBe(first);
    const pod = await runPod(fake);
    const id = await createAndStart(fake, pod, "pause", [], { image: { image: first, userSpecifiedImage: "k8s.gcr.io/pause:3.9" } });
    const { status: container } = await fake.runtime.containerStatus({ containerId: id });
    const digest = buildImageBlobs(catalogueImage("k8s.gcr.io/pause:3.9")!).target.digest;
    expect([container!.state, container!.imageRef]).toEqual([1, `k8s.gcr.io/pause@${digest}`]);
  });

  test("the digest critest pins: pulled by it, the image has no repo tag and that reference as its one repo digest", async () => {
    fake = await createFakeCri({ seed: 1 });
    const id = await pull(fake, pinned);
    const image = await status(fake, pinned);
    expect([image!.id, image!.repoTags, image!.repoDigests]).toEqual([id, [], [pinned]]);
    expect(await status(fake, id)).toEqual(image);
    const pod = await runPod(fake);
    const container = await createAndStart(fake, pod, "digest", ["sleep", "60"], { image: { image: pinned } });
    expect((await fake.runtime.containerStatus({ containerId: container })).status!.imageRef).toBe(pinned);
  });

  test("any other digest is still not made up, and strict pulls make up nothing", async () => {
    fake = await createFakeCri({ seed: 1 });
    const other = `${criTools}test-image-digest@sha256:${"0".repeat(64)}`;
    expect((await rejection(pull(fake, other))).code).toBe(Code.NotFound);
    const strict = await createFakeCri({ seed: 1, strictImages: true });
    try {
      expect((await rejection(pull(strict, pinned))).code).toBe(Code.NotFound);
      expect((await rejection(pull(strict, `${criTools}test-image-tags:1`))).code).toBe(Code.NotFound);
    } finally {
      await strict.close();
    }
  });

  test("the user images: ImageStatus's uid or username as critest expects them", async () => {
    fake = await createFakeCri({ seed: 1 });
    const users: Array<[string, bigint | undefined, string]> = [
      ["test-image-user-uid", 1002n, ""],
      ["test-image-user-username", undefined, "www-data"],
      ["test-image-user-uid-group", 1003n, ""],
      ["test-image-user-username-group", undefined, "www-data"],
      ["test-image-predefined-group", 1000n, ""],
    ];
    for (const [name, uid, username] of users) {
      await pull(fake, `${criTools}${name}`);
      const image = await status(fake, `${criTools}${name}:latest`);
      expect([name, image!.uid?.value, image!.username]).toEqual([name, uid, username]);
    }
  });

  test("a container of a user image runs as its user; supplementary groups are root's, as containerd 1.6.20 looks them up", async () => {
    // 1.6.20 looks the groups up for the request's runAsUser, 0 when unset, not for the image's user.
    fake = await createFakeCri({ seed: 1 });
    const pod = await runPod(fake);
    const id = async (name: string) => {
      await pull(fake!, `${criTools}${name}`);
      const container = await createAndStart(fake!, pod, name, ["sleep", "60"], { image: { image: `${criTools}${name}` } });
      return new TextDecoder().decode((await fake!.runtime.execSync({ containerId: container, cmd: ["id"], timeout: 0n })).stdout);
    };
    expect(await id("test-image-user-username")).toBe("uid=33(www-data) gid=33(www-data) groups=10(wheel),33(www-data)\n");
    expect(await id("test-image-user-uid-group")).toBe("uid=1003 gid=1004 groups=10(wheel),1004\n");
    expect(await id("test-image-predefined-group")).toBe("uid=1000(default-user) gid=1000(default-user) groups=10(wheel),1000(default-user)\n");
  });
});
