import { describe, expect, test } from "vitest";
import { ContentStore } from "../content/store.ts";
import { rejection, testContext, text } from "../content/test-support.ts";
import { buildImage, buildImageBlobs, writeBlob, type BuiltImage } from "./build.ts";
import { encodeIndex, encodeManifest, type Descriptor } from "./documents.ts";
import { mediaTypes } from "./mediatypes.ts";
import { allPlatforms, normalizePlatform, onlyPlatform, formatPlatform, type Platform } from "./platforms.ts";
import { chainId, chainIds, children, imageSize, resolveManifest } from "./resolve.ts";
import { ImageStore } from "./store.ts";
import { computeDigest } from "../content/store.ts";

function setup() {
  const { ctx } = testContext();
  return new ImageStore(ctx, "k8s.io", new ContentStore(ctx, "k8s.io"));
}

function platformImage(platform: Platform, marker: string): BuiltImage {
  return buildImageBlobs({ name: "multi", platform, layers: [{ "/arch": marker }] });
}

/** A multi-platform index over images built for each platform; returns the index descriptor. */
async function multiPlatform(images: ImageStore, entries: Array<{ built: BuiltImage; platform?: Platform }>): Promise<Descriptor> {
  for (const { built } of entries) for (const b of built.blobs) await writeBlob(images.content, b);
  const manifests = entries.map(({ built, platform }) => (platform ? { ...built.manifest, platform } : built.manifest));
  const bytes = encodeIndex({ schemaVersion: 2, mediaType: mediaTypes.ociIndex, manifests });
  const index = { mediaType: mediaTypes.ociIndex, digest: computeDigest(bytes), size: bytes.length };
  await images.content.write(bytes, index);
  await images.create({ name: "multi", target: index });
  return index;
}

const amd64 = { os: "linux", architecture: "amd64" };
const arm64 = { os: "linux", architecture: "arm64" };
const i386 = { os: "linux", architecture: "386" };
const armv7 = { os: "linux", architecture: "arm", variant: "v7" };

describe("platforms", () => {
  test("normalise like containerd", () => {
    expect(normalizePlatform({ os: "Linux", architecture: "x86_64" })).toEqual(amd64);
    expect(normalizePlatform({ os: "linux", architecture: "aarch64", variant: "8" })).toEqual(arm64);
    expect(normalizePlatform({ os: "linux", architecture: "armhf" })).toEqual(armv7);
    expect(normalizePlatform({ os: "linux", architecture: "arm" })).toEqual(armv7);
    expect(normalizePlatform({ os: "linux", architecture: "i386", variant: "x" })).toEqual(i386);
    expect(normalizePlatform({ os: "", architecture: "amd64", variant: "v1" })).toEqual(amd64);
    expect(normalizePlatform({ os: "macos", architecture: "armel" })).toEqual({ os: "darwin", architecture: "arm", variant: "v6" });
    expect(formatPlatform(armv7)).toBe("linux/arm/v7");
    expect(formatPlatform({ os: "", architecture: "amd64" })).toBe("unknown");
  });

  test("Only matches the platform and what it can run, preferring itself", () => {
    const m = onlyPlatform(amd64);
    expect(m.match(amd64)).toBe(true);
    expect(m.match(i386)).toBe(true);
    expect(m.match(arm64)).toBe(false);
    expect(m.less(amd64, i386)).toBe(true);
    expect(m.less(i386, amd64)).toBe(false);
    const arm = onlyPlatform(arm64);
    expect(arm.match({ os: "linux", architecture: "arm", variant: "v5" })).toBe(true);
    expect(arm.match(armv7)).toBe(true);
    const v3 = onlyPlatform({ os: "linux", architecture: "amd64", variant: "v3" });
    expect(v3.match({ os: "linux", architecture: "amd64", variant: "v2" })).toBe(true);
    expect(v3.match(amd64)).toBe(true);
    expect(onlyPlatform(armv7).match({ os: "linux", architecture: "arm", variant: "v8" })).toBe(false);
  });
});

describe("manifest resolution", () => {
  test("picks the platform's manifest from an index, preferring an exact match", async () => {
    const images = setup();
    const x86 = platformImage(i386, "386");
    const x64 = platformImage(amd64, "amd64");
    const arm = platformImage(arm64, "arm64");
    const index = await multiPlatform(images, [{ built: x86, platform: i386 }, { built: arm, platform: arm64 }, { built: x64, platform: amd64 }]);
    expect((await resolveManifest(images.content, index, onlyPlatform(amd64))).config).toEqual(x64.config);
    expect((await resolveManifest(images.content, index, onlyPlatform(arm64))).config).toEqual(arm.config);
    expect((await images.manifest("multi")).config).toEqual(x64.config);
    expect(await images.rootFS("multi", arm64)).toEqual(arm.diffIds);
    expect(await images.chainId("multi", i386)).toBe(x86.chainId);
    expect((await images.config("multi", arm64)).architecture).toBe("arm64");
    const none = await rejection(images.manifest("multi", { os: "windows", architecture: "amd64" }));
    expect(none.kind).toBe("not found");
    expect(none.message).toBe(`no match for platform in manifest ${index.digest}: not found`);
  });

  test("an index entry without a platform is matched on its config, and only the first is tried", async () => {
    const images = setup();
    const x64 = platformImage(amd64, "amd64");
    const arm = platformImage(arm64, "arm64");
    const index = await multiPlatform(images, [{ built: x64 }, { built: arm }]);
    expect((await resolveManifest(images.content, index, onlyPlatform(amd64))).config).toEqual(x64.config);
    // containerd limits an index to its best entry before looking at configs.
    expect((await rejection(resolveManifest(images.content, index, onlyPlatform(arm64)))).message).toBe(
      `no match for platform in manifest ${index.digest}: not found`,
    );
    expect((await resolveManifest(images.content, index, null)).config).toEqual(x64.config);
  });

  test("a plain manifest is returned whatever its platform", async () => {
    const images = setup();
    const { built } = await buildImage(images, { name: "arm", platform: arm64 });
    expect((await images.manifest("arm", amd64)).config).toEqual(built.config);
  });

  test("unknown media types and missing blobs are not found", async () => {
    const images = setup();
    const odd = { mediaType: "text/plain", digest: `sha256:${"c".repeat(64)}`, size: 3 };
    const err = await rejection(resolveManifest(images.content, odd, onlyPlatform(amd64)));
    expect(err.message).toBe(`unexpected media type text/plain for ${odd.digest}: not found`);
    const missing = { ...odd, mediaType: mediaTypes.ociManifest };
    expect((await rejection(resolveManifest(images.content, missing, null))).message).toBe(`content digest ${odd.digest}: not found`);
  });

  test("a manifest that is really an index is refused", async () => {
    const images = setup();
    const bytes = encodeIndex({ schemaVersion: 2, manifests: [] });
    const desc = { mediaType: mediaTypes.ociManifest, digest: computeDigest(bytes), size: bytes.length };
    await images.content.write(bytes);
    const err = await rejection(resolveManifest(images.content, desc, null));
    expect(err.message).toBe(`manifest: invalid desc ${desc.digest}: media-type: expected manifest but found index (${mediaTypes.ociManifest})`);
    const asIndex = encodeManifest({ schemaVersion: 2, config: desc, layers: [] });
    const indexDesc = { mediaType: mediaTypes.ociIndex, digest: computeDigest(asIndex), size: asIndex.length };
    await images.content.write(asIndex);
    expect((await rejection(children(images.content, indexDesc))).message).toBe(
      `children: invalid desc ${indexDesc.digest}: media-type: expected index but found manifest (${mediaTypes.ociIndex})`,
    );
    const schema1 = text('{"fsLayers":[{}]}');
    const s1 = { mediaType: mediaTypes.ociManifest, digest: computeDigest(schema1), size: schema1.length };
    await images.content.write(schema1);
    expect((await rejection(children(images.content, s1))).message).toBe(`children: invalid desc ${s1.digest}: media-type: schema 1 not supported`);
  });
});

describe("image size", () => {
  test("sums the target, the platform's manifest, its config and layers", async () => {
    const images = setup();
    const x64 = platformImage(amd64, "amd64");
    const arm = platformImage(arm64, "arm64-bigger-content");
    const index = await multiPlatform(images, [{ built: x64, platform: amd64 }, { built: arm, platform: arm64 }]);
    const sum = (b: BuiltImage) => BigInt(b.manifest.size + b.config.size + b.layers.reduce((n, l) => n + l.size, 0));
    expect(await images.size("multi")).toBe(BigInt(index.size) + sum(x64));
    expect(await imageSize(images.content, index, onlyPlatform(arm64))).toBe(BigInt(index.size) + sum(arm));
    expect(await imageSize(images.content, index, allPlatforms)).toBe(BigInt(index.size) + sum(x64));
    const err = await rejection(images.size("multi", { os: "linux", architecture: "s390x" }));
    expect(err.message).toBe("no match for platform in manifest: not found");
  });

  test("does not need the layers to be present", async () => {
    const images = setup();
    const built = buildImageBlobs({ name: "x", layers: [{ a: "1" }] });
    for (const b of built.blobs.filter((b) => b.descriptor.mediaType !== mediaTypes.ociLayerGzip)) await writeBlob(images.content, b);
    await images.create({ name: "x", target: built.target });
    expect(await images.size("x")).toBe(BigInt(built.manifest.size + built.config.size + built.layers[0]!.size));
  });

  test("negative sizes are refused", async () => {
    const images = setup();
    const bytes = encodeManifest({ schemaVersion: 2, config: { mediaType: mediaTypes.ociConfig, digest: `sha256:${"d".repeat(64)}`, size: -5 }, layers: [] });
    const desc = { mediaType: mediaTypes.ociManifest, digest: computeDigest(bytes), size: bytes.length };
    await images.content.write(bytes);
    const err = await rejection(imageSize(images.content, desc, allPlatforms));
    expect(err.message).toBe(`invalid size -5 in sha256:${"d".repeat(64)} (${mediaTypes.ociConfig})`);
  });
});

describe("chain IDs", () => {
  test("follow image-spec's identity.ChainID", () => {
    const a = `sha256:${"1".repeat(64)}`;
    const b = `sha256:${"2".repeat(64)}`;
    const c = `sha256:${"3".repeat(64)}`;
    expect(chainId([])).toBe("");
    expect(chainId([a])).toBe(a);
    const ab = computeDigest(text(`${a} ${b}`));
    expect(chainId([a, b])).toBe(ab);
    expect(chainId([a, b, c])).toBe(computeDigest(text(`${ab} ${c}`)));
    expect(chainIds([a, b, c])).toEqual([a, ab, chainId([a, b, c])]);
  });
});
