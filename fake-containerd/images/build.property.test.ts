// Laws of the image builder and its byte formats, for any layers: tar and gzip round-trip, the
// builder is deterministic whatever the order paths are given in, and an exported image imports
// into another store with identical digests and unpacks to the same chain.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { layerStack } from "../../properties/arbitraries/images.ts";
import { ContentStore } from "../content/store.ts";
import { testContext } from "../content/test-support.ts";
import { SnapshotterBackend } from "../snapshots/backend.ts";
import { SnapshotStore } from "../snapshots/store.ts";
import { buildImage, buildImageBlobs, type LayerDescription } from "./build.ts";
import { exportImages } from "./export.ts";
import { gunzip, gzip } from "./gzip.ts";
import { importImages } from "./import.ts";
import { ImageStore } from "./store.ts";
import { readTar, writeTar, type TarEntry } from "./tar.ts";
import { unpackImage } from "./unpack.ts";

function stores() {
  const { ctx } = testContext();
  const images = new ImageStore(ctx, "k8s.io", new ContentStore(ctx, "k8s.io"));
  return { images, snapshots: new SnapshotStore(ctx, "k8s.io", new SnapshotterBackend("overlayfs")) };
}

const tarEntry: fc.Arbitrary<TarEntry> = fc.oneof(
  fc.record({
    name: fc.string({ minLength: 1, maxLength: 160, unit: "grapheme" }).filter((n) => !n.endsWith("/") && !n.includes("\0")),
    type: fc.constant("file" as const),
    mode: fc.integer({ min: 0, max: 0o7777 }),
    data: fc.uint8Array({ maxLength: 1500 }),
    uid: fc.integer({ min: 0, max: 5_000_000 }),
    gid: fc.integer({ min: 0, max: 70_000 }),
    mtime: fc.integer({ min: 0, max: 2 ** 34 }),
  }),
  fc.record({
    name: fc.string({ minLength: 1, maxLength: 120 }).filter((n) => !n.includes("\0")).map((n) => `${n}/`),
    type: fc.constant("dir" as const),
    mode: fc.integer({ min: 0, max: 0o7777 }),
  }),
  fc.record({
    name: fc.string({ minLength: 1, maxLength: 40 }).filter((n) => !n.endsWith("/") && !n.includes("\0")),
    type: fc.constantFrom("symlink" as const, "hardlink" as const),
    mode: fc.constant(0o777),
    linkname: fc.string({ maxLength: 130 }).filter((n) => !n.includes("\0")),
  }),
);

describe("byte formats", () => {
  test("tar entries read back as written", () => {
    fc.assert(
      fc.property(fc.array(tarEntry, { maxLength: 5 }), (entries) => {
        const back = readTar(writeTar(entries));
        expect(back.map((e) => [e.name, e.type, e.mode, e.data, e.linkname, e.uid, e.gid, e.mtime])).toEqual(
          entries.map((e) => [e.name, e.type, e.mode, e.data ?? (e.type === "file" ? new Uint8Array(0) : undefined), e.linkname, e.uid ?? 0, e.gid ?? 0, e.mtime ?? 0]),
        );
      }),
      { numRuns: 1000 },
    );
  });

  test("gzip output decompresses to its input", async () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 5000 }),
      fc.array(fc.constantFrom(..."abcab cabc\n"), { maxLength: 20000 }).map((cs) => new TextEncoder().encode(cs.join(""))),
    );
    await fc.assert(
      fc.asyncProperty(bytes, async (input) => {
        expect(await gunzip(gzip(input))).toEqual(input);
      }),
      { numRuns: 500 },
    );
  });
});

describe("image builder", () => {
  test("is deterministic whatever order a layer's paths are given in", () => {
    fc.assert(
      fc.property(layerStack(), fc.boolean(), fc.constantFrom("oci" as const, "docker" as const), (layers, index, types) => {
        const reversed = layers.map((l): LayerDescription => Object.fromEntries(Object.entries(l).reverse()));
        const a = buildImageBlobs({ name: "x", layers, index, mediaTypes: types });
        const b = buildImageBlobs({ name: "x", layers: reversed, index, mediaTypes: types });
        expect(b.target).toEqual(a.target);
        expect(b.diffIds).toEqual(a.diffIds);
      }),
      { numRuns: 300 },
    );
  });

  test("export then import elsewhere keeps every digest and unpacks to the same chain", async () => {
    await fc.assert(
      fc.asyncProperty(layerStack(), fc.boolean(), fc.boolean(), async (layers, index, gzipped) => {
        const source = stores();
        const { built } = await buildImage(source.images, { name: "example.com/p:1", layers, index, gzip: gzipped });
        const target = stores();
        const [image] = await importImages(target.images, await exportImages(source.images, ["example.com/p:1"]));
        expect(image!.target.digest).toBe(built.target.digest);
        for (const blob of built.blobs) expect(await target.images.content.read(blob.descriptor.digest)).toEqual(blob.bytes);
        const { chainId } = await unpackImage(target.images, target.snapshots, "example.com/p:1");
        expect(chainId).toBe(built.chainId);
      }),
      { numRuns: 100 },
    );
  });
});
