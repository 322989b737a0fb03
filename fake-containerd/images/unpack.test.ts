import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ContentStore, computeDigest } from "../content/store.ts";
import { rejection, testContext, untext } from "../content/test-support.ts";
import { SnapshotterBackend } from "../snapshots/backend.ts";
import { SnapshotStore } from "../snapshots/store.ts";
import { buildImage, buildImageBlobs, writeBlob, type ImageDescription } from "./build.ts";
import { encodeImageConfig, encodeManifest, parseImageConfig } from "./documents.ts";
import { exportImages } from "./export.ts";
import { mediaTypes } from "./mediatypes.ts";
import { chainIds } from "./resolve.ts";
import { ImageStore } from "./store.ts";
import { unpackImage } from "./unpack.ts";

const base: ImageDescription = {
  name: "base",
  layers: [
    { "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\n", "/etc/motd": "welcome\n", "/bin/busybox": { content: "ELF", mode: 0o755 } },
    { "/etc/.wh.motd": "", "/bin/sh": { type: "symlink", target: "busybox" }, "/home/app/config": "x=1" },
  ],
};

function setup() {
  const { ctx, events } = testContext();
  const content = new ContentStore(ctx, "k8s.io");
  const images = new ImageStore(ctx, "k8s.io", content);
  const snapshots = new SnapshotStore(ctx, "k8s.io", new SnapshotterBackend("overlayfs"));
  return { images, snapshots, events, ctx };
}

describe("unpacking images into snapshots", () => {
  test("commits one snapshot per layer, keyed by chain ID, and labels the blobs", async () => {
    const { images, snapshots, events } = setup();
    const { built } = await buildImage(images, base);
    events.length = 0;
    const result = await unpackImage(images, snapshots, "base");
    const [first, top] = chainIds(built.diffIds);
    expect(result).toEqual({ chainId: top, extracted: 2 });
    expect(await snapshots.stat(first!)).toMatchObject({ kind: "committed", parent: "", labels: { "containerd.io/snapshot.ref": first } });
    expect(await snapshots.stat(top!)).toMatchObject({ kind: "committed", parent: first, labels: { "containerd.io/snapshot.ref": top } });
    expect((await snapshots.list()).map((s) => s.name).sort()).toEqual([first, top].sort());
    for (const [i, layer] of built.layers.entries()) {
      expect((await images.content.info(layer.digest)).labels).toEqual({ "containerd.io/uncompressed": built.diffIds[i] });
    }
    expect((await images.content.info(built.config.digest)).labels).toEqual({ "containerd.io/gc.ref.snapshot.overlayfs": top });
    expect(events.map((e) => e.topic)).toEqual(["/snapshot/prepare", "/snapshot/commit", "/snapshot/prepare", "/snapshot/commit"]);
    const prepare = events[2]!.event as { key: string; parent: string };
    expect(prepare.parent).toBe(first);
    expect(prepare.key).toMatch(new RegExp(`^extract-\\d+-[A-Za-z0-9_-]{4} ${top}$`));
    expect(events[3]!.event).toEqual({ key: prepare.key, name: top });
  });

  test("the top snapshot reads as the merged root filesystem", async () => {
    const { images, snapshots } = setup();
    await buildImage(images, base);
    const { chainId } = await unpackImage(images, snapshots, "base");
    expect(untext(snapshots.readFile(chainId, "/etc/passwd"))).toBe("root:x:0:0:root:/root:/bin/sh\n");
    expect(untext(snapshots.readFile(chainId, "/bin/sh"))).toBe("ELF");
    expect(snapshots.statPath(chainId, "/etc/motd")).toBeUndefined();
    await snapshots.prepare("container-rootfs", chainId);
    snapshots.writeFile("container-rootfs", "/tmp/out", "hello");
    expect(untext(snapshots.readFile("container-rootfs", "/home/app/config"))).toBe("x=1");
    expect(await snapshots.usage("container-rootfs")).toEqual({ size: 4096n * 3n, inodes: 3n });
  });

  test("snapshot usage is the disk usage of each layer's own files", async () => {
    const { images, snapshots } = setup();
    const { built } = await buildImage(images, base);
    await unpackImage(images, snapshots, "base");
    const [first, top] = chainIds(built.diffIds);
    // root, etc/, etc/passwd, etc/motd, bin/, bin/busybox: 6 inodes, each 4 KiB
    expect(await snapshots.usage(first!)).toEqual({ size: 6n * 4096n, inodes: 6n });
    // root, bin/ (copied up), bin/sh (fast symlink), etc/ (copied up), etc/motd whiteout, home/, home/app/, home/app/config
    expect(await snapshots.usage(top!)).toEqual({ size: 6n * 4096n, inodes: 8n });
  });

  // Recorded from containerd v1.6.20's diff applier and overlayfs snapshotter on ext4 with 4 KiB
  // blocks (testdata/unpack-parity_test.go.txt): the same diff IDs, chain IDs and usage per layer.
  test("usage matches containerd's applier and overlayfs snapshotter on ext4", async () => {
    const { images, snapshots } = setup();
    const { built } = await buildImage(images, {
      name: "parity/unpack:1",
      layers: [
        {
          "/etc/passwd": "root:x:0:0::/root:/bin/sh\n",
          "/etc/motd": "",
          "/usr/lib/big": "x".repeat(10000),
          "/usr/lib/exact": "y".repeat(4096),
          "/usr/lib/plus": "z".repeat(4097),
          "/bin/sh": { type: "symlink", target: "busybox" },
          "/bin/long": { type: "symlink", target: `/${"t".repeat(70)}` },
          "/var/cache/a": "1",
          "/var/cache/b": "2",
          "/opt/": { type: "dir", mode: 0o700 },
        },
        { "/etc/.wh.motd": "", "/var/cache/.wh..wh..opq": "", "/var/cache/c": "3", "/opt/app/conf": "k=v", "/usr/lib/big": "small" },
        { "/new/deep/tree/file": "q".repeat(5000), "/etc/hosts": "127.0.0.1 localhost\n" },
      ],
    });
    const dir = globalThis.process?.env?.FAKE_CONTAINERD_PARITY_DIR;
    if (dir) writeFileSync(join(dir, "unpack.tar"), await exportImages(images, ["parity/unpack:1"]));
    await unpackImage(images, snapshots, "parity/unpack:1");
    const usage: Record<string, string> = {};
    for (const id of chainIds(built.diffIds)) {
      const u = await snapshots.usage(id);
      usage[id] = `{Inodes:${u.inodes} Size:${u.size}}`;
    }
    expect(usage).toEqual({
      "sha256:4437cc469d1d34c1385eb58b246d3cc4bd226c91ac020c4a745e57284ef51970": "{Inodes:17 Size:73728}",
      "sha256:ec1ecb38b4785dd82b819bdc624e9e3f4a9abc989528af6bbd8fc4949e71539f": "{Inodes:12 Size:45056}",
      "sha256:008b4325232c8dd7898f19b8c4a7b0a081a87e361621f047a2f9fd55a5c8d7ed": "{Inodes:7 Size:32768}",
    });
  });

  test("unpacking again does nothing; images sharing layers reuse them", async () => {
    const { images, snapshots, events } = setup();
    await buildImage(images, base);
    await unpackImage(images, snapshots, "base");
    events.length = 0;
    expect((await unpackImage(images, snapshots, "base")).extracted).toBe(0);
    expect(events).toEqual([]);
    await buildImage(images, { ...base, name: "child", layers: [...base.layers!, { "/app": "binary" }] });
    const child = await unpackImage(images, snapshots, "child");
    expect(child.extracted).toBe(1);
    expect((await snapshots.list()).length).toBe(3);
    expect(untext(snapshots.readFile(child.chainId, "/app"))).toBe("binary");
  });

  test("uncompressed Docker layers and indexes unpack the same", async () => {
    const { images, snapshots } = setup();
    const { built } = await buildImage(images, { ...base, mediaTypes: "docker", gzip: false, index: true });
    expect((await unpackImage(images, snapshots, "base")).chainId).toBe(built.chainId);
  });

  test("another snapshotter gets its own GC label", async () => {
    const { images, ctx } = setup();
    const native = new SnapshotStore(ctx, "k8s.io", new SnapshotterBackend("native"));
    const { built } = await buildImage(images, base);
    await unpackImage(images, native, "base");
    expect((await images.content.info(built.config.digest)).labels).toEqual({ "containerd.io/gc.ref.snapshot.native": built.chainId });
  });

  test("a layer whose content does not match its diff ID is refused and cleaned up", async () => {
    const { images, snapshots } = setup();
    const built = buildImageBlobs(base);
    for (const b of built.blobs) await writeBlob(images.content, b);
    const configBytes = built.blobs.find((b) => b.descriptor.digest === built.config.digest)!.bytes;
    const config = parseImageConfig(configBytes);
    const wrong = `sha256:${"0".repeat(64)}`;
    const badConfig = encodeImageConfig({ ...config, rootfs: { type: "layers", diff_ids: [built.diffIds[0]!, wrong] } });
    const configDesc = { mediaType: mediaTypes.ociConfig, digest: computeDigest(badConfig), size: badConfig.length };
    await images.content.write(badConfig, configDesc);
    const manifest = encodeManifest({ schemaVersion: 2, mediaType: mediaTypes.ociManifest, config: configDesc, layers: built.layers });
    const target = { mediaType: mediaTypes.ociManifest, digest: computeDigest(manifest), size: manifest.length };
    await images.content.write(manifest, target);
    await images.create({ name: "bad", target });
    const err = await rejection(unpackImage(images, snapshots, "bad"));
    expect(err.message).toBe(`wrong diff id calculated on extraction "${wrong}"`);
    expect((await snapshots.list()).map((s) => s.name)).toEqual([built.diffIds[0]]);
  });

  test("layer and diff ID counts must agree", async () => {
    const { images, snapshots } = setup();
    const built = buildImageBlobs(base);
    for (const b of built.blobs) await writeBlob(images.content, b);
    const manifest = encodeManifest({ schemaVersion: 2, config: built.config, layers: built.layers.slice(0, 1) });
    const target = { mediaType: mediaTypes.ociManifest, digest: computeDigest(manifest), size: manifest.length };
    await images.content.write(manifest);
    await images.create({ name: "short", target });
    expect((await rejection(unpackImage(images, snapshots, "short"))).message).toBe("number of layers and diffIDs don't match: 1 != 2");
  });

  test("a missing layer blob fails extraction and removes the extraction snapshot", async () => {
    const { images, snapshots } = setup();
    const { built } = await buildImage(images, base);
    await images.content.delete(built.layers[1]!.digest);
    const err = await rejection(unpackImage(images, snapshots, "base"));
    expect(err.kind).toBe("not found");
    expect(err.message).toBe(
      `failed to extract layer ${built.diffIds[1]}: failed to get reader from content store: content digest ${built.layers[1]!.digest}: not found`,
    );
    expect((await snapshots.list()).map((s) => s.name)).toEqual([built.diffIds[0]]);
  });

  test("a non-layer media type has no stream processor", async () => {
    const { images, snapshots } = setup();
    const built = buildImageBlobs({ name: "x", layers: [{ a: "1" }] });
    for (const b of built.blobs) await writeBlob(images.content, b);
    const layers = [{ ...built.layers[0]!, mediaType: "application/octet-stream" }];
    const manifest = encodeManifest({ schemaVersion: 2, config: built.config, layers });
    const target = { mediaType: mediaTypes.ociManifest, digest: computeDigest(manifest), size: manifest.length };
    await images.content.write(manifest);
    await images.create({ name: "x", target });
    expect((await rejection(unpackImage(images, snapshots, "x"))).message).toBe(
      `failed to extract layer ${built.diffIds[0]}: failed to get stream processor for application/octet-stream: no processor for media-type`,
    );
  });

  test("faults on the applier and on prepare", async () => {
    const { images, snapshots, ctx } = setup();
    const { built } = await buildImage(images, base);
    ctx.operations.injectFault({ op: "diff.apply", subject: built.layers[0]!.digest, error: { kind: "unavailable", message: "io error" } });
    expect((await rejection(unpackImage(images, snapshots, "base"))).message).toBe(`failed to extract layer ${built.diffIds[0]}: io error`);
    ctx.operations.clearFaults();
    ctx.operations.injectFault({ op: "snapshots.prepare", error: { kind: "unavailable", message: "busy" } });
    const err = await rejection(unpackImage(images, snapshots, "base"));
    expect(err.message).toMatch(/^failed to prepare extraction snapshot "extract-\d+-[\w-]{4} sha256:[0-9a-f]{64}": busy$/);
    ctx.operations.clearFaults();
    expect((await unpackImage(images, snapshots, "base")).extracted).toBe(2);
  });

  test("an image with no manifest for the platform", async () => {
    const { images, snapshots } = setup();
    await buildImage(images, { ...base, index: true, platform: { os: "linux", architecture: "arm64" } });
    const err = await rejection(unpackImage(images, snapshots, "base"));
    expect(err.kind).toBe("not found");
    expect((await unpackImage(images, snapshots, "base", { os: "linux", architecture: "arm64" })).extracted).toBe(2);
  });
});
