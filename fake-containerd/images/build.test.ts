import { describe, expect, test } from "vitest";
import { ContentStore, computeDigest } from "../content/store.ts";
import { rejection, testContext, text, untext } from "../content/test-support.ts";
import { buildImage, buildImageBlobs, layerEntries, type ImageDescription } from "./build.ts";
import { parseImageConfig, parseIndex, parseManifest } from "./documents.ts";
import { gunzip } from "./gzip.ts";
import { mediaTypes } from "./mediatypes.ts";
import { chainId } from "./resolve.ts";
import { ImageStore } from "./store.ts";
import { readTar } from "./tar.ts";

const busybox: ImageDescription = {
  name: "docker.io/library/busybox:latest",
  config: {
    entrypoint: ["/bin/sh"],
    cmd: ["-c", "sleep 3600"],
    env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    user: "1000:1000",
    workingDir: "/home",
    labels: { maintainer: "fake" },
    exposedPorts: ["8080/tcp", "53/udp"],
    volumes: ["/data"],
    stopSignal: "SIGQUIT",
  },
  layers: [
    { "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\n", "/bin/busybox": { content: "ELF", mode: 0o755 }, "/bin/sh": { type: "symlink", target: "busybox" } },
    { "/home/": { type: "dir", mode: 0o700 }, "/etc/.wh.motd": "" },
  ],
};

function setup() {
  const { ctx, events } = testContext();
  return { images: new ImageStore(ctx, "k8s.io", new ContentStore(ctx, "k8s.io")), events };
}

describe("image builder", () => {
  test("the same description always gives the same digests", () => {
    const a = buildImageBlobs(busybox);
    const b = buildImageBlobs(structuredClone(busybox));
    expect(b.target).toEqual(a.target);
    expect(b.blobs.map((x) => x.bytes)).toEqual(a.blobs.map((x) => x.bytes));
  });

  test("layers are sorted tars with parents, fixed times and root ownership", () => {
    const entries = layerEntries(busybox.layers![0]!);
    expect(entries.map((e) => [e.name, e.type, e.mode.toString(8)])).toEqual([
      ["bin/", "dir", "755"],
      ["bin/busybox", "file", "755"],
      ["bin/sh", "symlink", "777"],
      ["etc/", "dir", "755"],
      ["etc/passwd", "file", "644"],
    ]);
    expect(entries.every((e) => (e.mtime ?? 0) === 0 && (e.uid ?? 0) === 0)).toBe(true);
    expect(() => layerEntries({ "../x": "" })).toThrow('invalid layer path "../x": invalid argument');
    expect(() => layerEntries({ "/": "" })).toThrow('invalid layer path "/": invalid argument');
    expect(() => layerEntries({ a: "file", "a/b": "below a file" })).toThrow(
      'layer path "a/b" is below non-directory "a": invalid argument',
    );
  });

  test("sizes, digests and diff IDs are computed from the bytes", async () => {
    const built = buildImageBlobs(busybox);
    for (const blob of built.blobs) {
      expect(blob.descriptor.digest).toBe(computeDigest(blob.bytes));
      expect(blob.descriptor.size).toBe(blob.bytes.length);
    }
    const [layer0] = built.blobs;
    const tar = await gunzip(layer0!.bytes);
    expect(built.diffIds[0]).toBe(computeDigest(tar));
    expect(readTar(tar).map((e) => e.name)).toContain("etc/passwd");
    expect(built.chainId).toBe(chainId(built.diffIds));
    expect(built.chainId).toBe(computeDigest(text(`${built.diffIds[0]} ${built.diffIds[1]}`)));
  });

  test("the config carries the runtime settings and rootfs", () => {
    const built = buildImageBlobs(busybox);
    const configBlob = built.blobs.find((b) => b.descriptor.digest === built.config.digest)!;
    const config = parseImageConfig(configBlob.bytes);
    expect(config).toMatchObject({
      architecture: "amd64",
      os: "linux",
      created: "1970-01-01T00:00:00Z",
      config: {
        Entrypoint: ["/bin/sh"],
        Cmd: ["-c", "sleep 3600"],
        User: "1000:1000",
        WorkingDir: "/home",
        Labels: { maintainer: "fake" },
        ExposedPorts: { "53/udp": {}, "8080/tcp": {} },
        Volumes: { "/data": {} },
        StopSignal: "SIGQUIT",
      },
      rootfs: { type: "layers", diff_ids: built.diffIds },
    });
    expect(config.history).toHaveLength(2);
    expect(untext(configBlob.bytes)).toContain('"ExposedPorts":{"53/udp":{},"8080/tcp":{}}');
  });

  test("OCI and Docker media types, gzip or not, with an optional index", () => {
    const oci = buildImageBlobs({ ...busybox, index: true });
    expect(oci.target.mediaType).toBe(mediaTypes.ociIndex);
    expect(oci.manifest.mediaType).toBe(mediaTypes.ociManifest);
    expect(oci.config.mediaType).toBe(mediaTypes.ociConfig);
    expect(oci.layers.map((l) => l.mediaType)).toEqual([mediaTypes.ociLayerGzip, mediaTypes.ociLayerGzip]);
    const index = parseIndex(oci.blobs.at(-1)!.bytes);
    expect(index.manifests).toEqual([{ ...oci.manifest, platform: { os: "linux", architecture: "amd64" } }]);

    const docker = buildImageBlobs({ ...busybox, mediaTypes: "docker", gzip: false, index: true, platform: { os: "linux", architecture: "arm64", variant: "v8" } });
    expect(docker.target.mediaType).toBe(mediaTypes.dockerManifestList);
    expect(docker.manifest.mediaType).toBe(mediaTypes.dockerManifest);
    expect(docker.config.mediaType).toBe(mediaTypes.dockerConfig);
    expect(docker.layers.map((l) => l.mediaType)).toEqual([mediaTypes.dockerLayer, mediaTypes.dockerLayer]);
    expect(docker.diffIds).toEqual(oci.diffIds);
    expect(docker.layers.map((l) => l.digest)).toEqual(docker.diffIds);
    const manifest = parseManifest(docker.blobs.find((b) => b.descriptor.digest === docker.manifest.digest)!.bytes);
    expect(manifest.mediaType).toBe(mediaTypes.dockerManifest);
    expect(parseImageConfig(docker.blobs.find((b) => b.descriptor.digest === docker.config.digest)!.bytes)).toMatchObject({ architecture: "arm64", variant: "v8" });
  });

  test("an image without layers", () => {
    const built = buildImageBlobs({ name: "scratch" });
    expect(built.layers).toEqual([]);
    expect(built.chainId).toBe("");
  });

  test("buildImage writes the blobs with GC labels and records the image", async () => {
    const { images, events } = setup();
    const { built, image } = await buildImage(images, { ...busybox, index: true });
    expect(image.target).toEqual(built.target);
    const manifestInfo = await images.content.info(built.manifest.digest);
    expect(manifestInfo.labels).toEqual({
      "containerd.io/gc.ref.content.config": built.config.digest,
      "containerd.io/gc.ref.content.l.0": built.layers[0]!.digest,
      "containerd.io/gc.ref.content.l.1": built.layers[1]!.digest,
    });
    expect((await images.content.info(built.target.digest)).labels).toEqual({ "containerd.io/gc.ref.content.m.0": built.manifest.digest });
    expect((await images.content.list()).length).toBe(5);
    expect(events.map((e) => e.topic)).toEqual(["/images/create"]);

    // Building again retargets the record; shared blobs are kept.
    const again = await buildImage(images, { ...busybox, config: { cmd: ["true"] } });
    expect(again.image.target).toEqual(again.built.target);
    expect(events.map((e) => e.topic)).toEqual(["/images/create", "/images/update"]);
    expect((await images.get(busybox.name)).target.digest).toBe(again.built.manifest.digest);
  });

  test("content faults surface from buildImage", async () => {
    const { images } = setup();
    images.ctx.operations.injectFault({ op: "content.write", nth: 2, error: { kind: "unavailable" } });
    const err = await rejection(buildImage(images, busybox));
    expect(err.kind).toBe("unavailable");
  });
});
