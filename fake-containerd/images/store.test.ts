import { describe, expect, test } from "vitest";
import { ContentStore } from "../content/store.ts";
import { rejection, testContext } from "../content/test-support.ts";
import { ImageStore, imageFields } from "./store.ts";
import { parseFilters } from "../filters.ts";

const digest = `sha256:${"a".repeat(64)}`;
const target = { mediaType: "application/vnd.oci.image.manifest.v1+json", digest, size: 100 };

function setup() {
  const { ctx, events, clock } = testContext();
  const images = new ImageStore(ctx, "k8s.io", new ContentStore(ctx, "k8s.io"));
  return { images, events, clock, ctx };
}

describe("image store", () => {
  test("create records the image with times and publishes /images/create", async () => {
    const { images, events, clock } = setup();
    const now = clock.peek();
    const image = await images.create({ name: "docker.io/library/busybox:latest", labels: { a: "1", gone: "" }, target });
    expect(image).toEqual({
      name: "docker.io/library/busybox:latest",
      labels: { a: "1" },
      target,
      createdAt: now,
      updatedAt: now,
    });
    expect(await images.get(image.name)).toEqual(image);
    expect(events).toEqual([
      { namespace: "k8s.io", topic: "/images/create", event: { name: image.name, labels: { a: "1" } } },
    ]);
  });

  test("the record keeps only media type, digest, size and annotations of the target", async () => {
    const { images } = setup();
    const image = await images.create({
      name: "x",
      target: { ...target, urls: ["http://x"], platform: { os: "linux", architecture: "amd64" }, annotations: { k: "v", e: "" } },
    });
    expect(image.target).toEqual({ ...target, annotations: { k: "v" } });
  });

  test("create validates like containerd", async () => {
    const { images } = setup();
    const cases: Array<[Parameters<ImageStore["create"]>[0], string]> = [
      [{ name: "", target }, "Image.Name required: invalid argument"],
      [{ name: "x", target: { ...target, digest: "sha256:abc" } }, 'Target.Digest "sha256:abc" invalid: invalid checksum digest length: invalid argument'],
      [{ name: "x", target: { ...target, digest: "nodigest" } }, 'Target.Digest "nodigest" invalid: invalid checksum digest format: invalid argument'],
      [{ name: "x", target: { ...target, digest: "md5:abc" } }, 'Target.Digest "md5:abc" invalid: unsupported digest algorithm: invalid argument'],
      [{ name: "x", target: { ...target, size: 0 } }, "Target.Size must be greater than zero: invalid argument"],
      [{ name: "x", target: { ...target, mediaType: "" } }, "Target.MediaType must be set: invalid argument"],
      [
        { name: "x", labels: { ["k".repeat(4000)]: "v".repeat(100) }, target },
        "image.Labels: label key and value greater than maximum size (4096 bytes), key: kkkkkkkkkk: invalid argument",
      ],
    ];
    for (const [input, message] of cases) {
      const err = await rejection(images.create(input));
      expect(err.kind).toBe("invalid argument");
      expect(err.message).toBe(message);
    }
    expect(await images.list()).toEqual([]);
  });

  test("a second create of the same name already exists", async () => {
    const { images } = setup();
    await images.create({ name: "x", target });
    const err = await rejection(images.create({ name: "x", target }));
    expect(err.kind).toBe("already exists");
    expect(err.message).toBe('image "x": already exists');
  });

  test("get, update and delete of a missing image are not found", async () => {
    const { images } = setup();
    for (const call of [images.get("nope"), images.update({ name: "nope", target }), images.delete("nope")]) {
      const err = await rejection(call);
      expect(err.kind).toBe("not found");
      expect(err.message).toBe('image "nope": not found');
    }
    expect((await rejection(images.update({ name: "", target }))).message).toBe("Image.Name required: invalid argument");
  });

  test("update by field paths", async () => {
    const { images, events } = setup();
    const created = await images.create({ name: "x", labels: { a: "1", b: "2" }, target: { ...target, annotations: { n: "1" } } });
    const other = { mediaType: "application/vnd.oci.image.index.v1+json", digest: `sha256:${"b".repeat(64)}`, size: 7 };
    let image = await images.update({ name: "x", labels: { a: "9" }, target: other }, "labels.a", "labels.b");
    expect(image.labels).toEqual({ a: "9" });
    expect(image.target).toEqual({ ...target, annotations: { n: "1" } });
    expect(image.createdAt).toBe(created.createdAt);
    expect(image.updatedAt).toBeGreaterThan(created.updatedAt);
    image = await images.update({ name: "x", target: { ...other, annotations: { m: "2" } } }, "annotations.m");
    expect(image.target.annotations).toEqual({ n: "1", m: "2" });
    image = await images.update({ name: "x", target: other }, "target");
    expect(image.target).toEqual(other);
    image = await images.update({ name: "x", target: { ...other, annotations: { q: "1" } } }, "annotations");
    expect(image.target.annotations).toEqual({ q: "1" });
    image = await images.update({ name: "x", labels: { z: "1" }, target: other }, "labels");
    expect(image.labels).toEqual({ z: "1" });
    image = await images.update({ name: "x", labels: { all: "new" }, target });
    expect(image).toMatchObject({ labels: { all: "new" }, target });
    const err = await rejection(images.update({ name: "x", target }, "name"));
    expect(err.message).toBe('cannot update "name" field on image "x": invalid argument');
    const invalid = await rejection(images.update({ name: "x", target: { ...target, size: -1 } }, "target"));
    expect(invalid.message).toBe("Target.Size must be greater than zero: invalid argument");
    expect(events.filter((e) => e.topic === "/images/update").map((e) => e.event)).toEqual([
      { name: "x", labels: { a: "9" } },
      { name: "x", labels: { a: "9" } },
      { name: "x", labels: { a: "9" } },
      { name: "x", labels: { a: "9" } },
      { name: "x", labels: { z: "1" } },
      { name: "x", labels: { all: "new" } },
    ]);
  });

  test("delete removes the record and publishes /images/delete", async () => {
    const { images, events } = setup();
    await images.create({ name: "x", target });
    await images.delete("x");
    expect(await images.list()).toEqual([]);
    expect(events.at(-1)).toEqual({ namespace: "k8s.io", topic: "/images/delete", event: { name: "x" } });
  });

  test("list is in name order and filters on containerd's image fields", async () => {
    const { images } = setup();
    await images.create({ name: "b", labels: { env: "prod" }, target: { ...target, annotations: { k: "v" } } });
    await images.create({ name: "a", labels: { env: "dev" }, target });
    await images.create({ name: "c", target: { ...target, mediaType: "application/vnd.oci.image.index.v1+json" } });
    expect((await images.list()).map((i) => i.name)).toEqual(["a", "b", "c"]);
    const names = async (...filters: string[]) => (await images.list(parseFilters(filters))).map((i) => i.name);
    expect(await names("name==b")).toEqual(["b"]);
    expect(await names('labels."env"==dev')).toEqual(["a"]);
    expect(await names("labels.env", "name==c")).toEqual(["a", "b", "c"]);
    expect(await names('annotations."k"==v')).toEqual(["b"]);
    expect(await names('target.mediatype=="application/vnd.oci.image.index.v1+json"')).toEqual(["c"]);
    const a = imageFields(await images.get("a"));
    expect(a.field(["target", "digest"])).toBe(digest);
    expect(a.field(["target"])).toBeUndefined();
    expect(a.field(["labels", "missing"])).toBeUndefined();
  });

  test("namespaces are separate stores", async () => {
    const { ctx } = testContext();
    const one = new ImageStore(ctx, "one", new ContentStore(ctx, "one"));
    const two = new ImageStore(ctx, "two", new ContentStore(ctx, "two"));
    await one.create({ name: "x", target });
    expect(await two.list()).toEqual([]);
  });

  test("gates hold a create in flight", async () => {
    const { images, ctx } = setup();
    const gate = ctx.operations.hold("images.create", "x");
    const pending = images.create({ name: "x", target });
    await gate.arrived;
    expect(await images.list()).toEqual([]);
    gate.release();
    await pending;
    expect((await images.list()).map((i) => i.name)).toEqual(["x"]);
  });

  test("state round-trips", async () => {
    const { images, ctx } = setup();
    await images.create({ name: "x", labels: { a: "1" }, target: { ...target, annotations: { k: "v" } } });
    const restored = ImageStore.fromState(ctx, "k8s.io", images.content, JSON.parse(JSON.stringify(images.toState())));
    expect(await restored.list()).toEqual(await images.list());
  });
});
