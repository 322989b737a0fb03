import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ContentStore, computeDigest } from "../content/store.ts";
import { rejection, testContext, text, untext } from "../content/test-support.ts";
import { SnapshotterBackend } from "../snapshots/backend.ts";
import { SnapshotStore } from "../snapshots/store.ts";
import { buildImage, type ImageDescription } from "./build.ts";
import { parseIndex } from "./documents.ts";
import { exportImages } from "./export.ts";
import { gzip } from "./gzip.ts";
import { archiveFiles, importImages, type ArchiveFile } from "./import.ts";
import { readLayoutDirectory } from "./layout-dir.ts";
import { mediaTypes } from "./mediatypes.ts";
import { ociReferenceName } from "./names.ts";
import { ImageStore } from "./store.ts";
import { readTar, writeTar, type TarEntry } from "./tar.ts";
import { unpackImage } from "./unpack.ts";

const app: ImageDescription = {
  name: "registry.example.com/team/app:v1",
  config: { entrypoint: ["/app"], env: ["MODE=test"] },
  layers: [{ "/app": { content: "binary", mode: 0o755 } }, { "/etc/app.conf": "a=1" }],
};

function store(namespace = "k8s.io") {
  const { ctx, events } = testContext();
  return { images: new ImageStore(ctx, namespace, new ContentStore(ctx, namespace)), events, ctx };
}

describe("export and import round trip", () => {
  test("an exported image imports elsewhere with the same digests and name", async () => {
    const source = store();
    const { built } = await buildImage(source.images, app);
    await buildImage(source.images, { name: "docker.io/library/busybox:latest", index: true, layers: [{ "/bin/sh": "sh" }] });
    const tarball = await exportImages(source.images, [app.name, "docker.io/library/busybox:latest"]);

    const entries = readTar(tarball).map((e) => e.name);
    expect(entries).toEqual([...entries].sort());
    expect(entries.slice(0, 2)).toEqual(["blobs/", "blobs/sha256/"]);
    expect(entries).toContain("oci-layout");
    expect(entries).toContain("index.json");
    expect(entries).toContain("manifest.json");
    expect(entries).toContain(`blobs/sha256/${built.layers[1]!.digest.slice(7)}`);
    await expect(exportImages(source.images, [app.name])).resolves.toEqual(await exportImages(source.images, [app.name]));

    const target = store("default");
    const imported = await importImages(target.images, tarball);
    expect(imported.map((i) => i.name)).toEqual([app.name, "docker.io/library/busybox:latest"]);
    expect(imported[0]!.target).toEqual({
      ...built.target,
      annotations: { "io.containerd.image.name": app.name, "org.opencontainers.image.ref.name": "v1" },
    });
    expect(await target.images.config(app.name)).toEqual(await source.images.config(app.name));
    expect(await target.images.size(app.name)).toBe(await source.images.size(app.name));
    expect((await target.images.content.info(built.manifest.digest)).labels).toEqual({
      "containerd.io/gc.ref.content.config": built.config.digest,
      "containerd.io/gc.ref.content.l.0": built.layers[0]!.digest,
      "containerd.io/gc.ref.content.l.1": built.layers[1]!.digest,
    });
    expect(target.events.map((e) => e.topic)).toEqual(["/images/create", "/images/create"]);

    // Importing again retargets the existing records.
    await importImages(target.images, tarball);
    expect(target.events.map((e) => e.topic).slice(2)).toEqual(["/images/update", "/images/update"]);

    const snapshots = new SnapshotStore(target.ctx, "default", new SnapshotterBackend("overlayfs"));
    const { chainId } = await unpackImage(target.images, snapshots, app.name);
    expect(chainId).toBe(built.chainId);
    expect(untext(snapshots.readFile(chainId, "/etc/app.conf"))).toBe("a=1");
  });

  test("manifest.json names the platform's manifest with familiar tags", async () => {
    const source = store();
    const { built } = await buildImage(source.images, { ...app, name: "docker.io/library/app:1", index: true });
    const tarball = await exportImages(source.images, ["docker.io/library/app:1"], { platform: { os: "linux", architecture: "amd64" } });
    const manifestJson = readTar(tarball).find((e) => e.name === "manifest.json")!;
    expect(untext(manifestJson.data!)).toBe(
      JSON.stringify([
        {
          Config: `blobs/sha256/${built.config.digest.slice(7)}`,
          RepoTags: ["app:1"],
          Layers: built.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
        },
      ]),
    );
    const err = await rejection(exportImages(source.images, ["docker.io/library/app:1"], { platform: { os: "linux", architecture: "s390x" } }));
    expect(err.message).toBe("no manifest found for platform: not found");
  });

  test("a gzipped tarball and a layout directory import the same", async () => {
    const source = store();
    const { built } = await buildImage(source.images, app);
    const tarball = await exportImages(source.images, [app.name]);
    const fromGzip = store();
    expect((await importImages(fromGzip.images, gzip(tarball)))[0]!.target.digest).toBe(built.target.digest);

    const dir = await mkdtemp(join(tmpdir(), "oci-layout-"));
    try {
      for (const entry of readTar(tarball)) {
        if (entry.type === "dir") await mkdir(join(dir, entry.name), { recursive: true });
        else await writeFile(join(dir, entry.name), entry.data!);
      }
      await symlink("index.json", join(dir, "index-link.json"));
      const files = await readLayoutDirectory(dir);
      expect(files.find((f) => f.name === "index-link.json")).toEqual({ name: "index-link.json", type: "symlink", linkname: "index.json" });
      const fromDir = store();
      const [image] = await importImages(fromDir.images, files);
      expect(image!.name).toBe(app.name);
      expect(image!.target.digest).toBe(built.target.digest);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("index name, ref translation and digest refs", async () => {
    const source = store();
    const { built } = await buildImage(source.images, app);
    const files = await archiveFiles(await exportImages(source.images, [app.name]));
    // An OCI layout naming its manifest only by tag, as other tools write them.
    const indexFile = files.find((f) => f.name === "index.json")!;
    const index = parseIndex(indexFile.data!);
    const tagOnly = { ...index.manifests[0]!, annotations: { "org.opencontainers.image.ref.name": "v1" } };
    const retagged = files.map((f) =>
      f.name === "index.json" ? { ...f, data: text(JSON.stringify({ schemaVersion: 2, manifests: [tagOnly] })) } : f,
    );
    const target = store();
    const imported = await importImages(target.images, retagged, {
      indexName: "import-index",
      translateRef: (ref) => `example.com/app:${ref}`,
      digestRef: (digest) => `example.com/app@${digest}`,
    });
    expect(imported.map((i) => i.name)).toEqual(["import-index", "example.com/app:v1", `example.com/app@${built.manifest.digest}`]);
    expect(imported[0]!.target.mediaType).toBe(mediaTypes.ociIndex);
  });
});

describe("import errors", () => {
  const layout = (version: string, extra: ArchiveFile[] = []): ArchiveFile[] => [
    { name: "oci-layout", type: "file", data: text(JSON.stringify({ imageLayoutVersion: version })) },
    ...extra,
  ];

  test("layout problems", async () => {
    const { images } = store();
    expect((await rejection(importImages(images, layout("2.0.0")))).message).toBe("unsupported OCI version 2.0.0");
    expect((await rejection(importImages(images, layout("1.0.0")))).message).toBe("missing index.json in OCI layout 1.0.0");
    expect((await rejection(importImages(images, [{ name: "x", type: "file", data: text("?") }]))).message).toBe(
      "unrecognized image format",
    );
    expect((await rejection(importImages(images, [{ name: "./oci-layout", type: "file", data: text("{") }]))).message).toBe(
      'untar oci layout "./oci-layout": unexpected end of JSON input',
    );
    expect((await rejection(importImages(images, writeTar([{ name: "x", type: "file", mode: 0o644, data: text("?") }]).subarray(0, 100)))).message).toBe(
      "unexpected EOF",
    );
  });

  test("nothing for the platform", async () => {
    const source = store();
    const { built } = await buildImage(source.images, { ...app, index: true, platform: { os: "linux", architecture: "arm64" } });
    const files = await archiveFiles(await exportImages(source.images, [app.name]));
    // A layout whose own index.json lists the arm64 manifest with its platform.
    const armIndex = await source.images.content.read(built.target.digest);
    const layoutFiles = files.map((f) => (f.name === "index.json" ? { ...f, data: armIndex } : f));
    const { images } = store();
    expect((await rejection(importImages(images, layoutFiles))).message).toBe("image might be filtered out");
    expect(await importImages(images, layoutFiles, { allPlatforms: true })).toEqual([]);
    // Through the image's own index (no platform on the outer entry) the record is still created.
    expect((await importImages(images, files)).map((i) => i.name)).toEqual([app.name]);
  });
});

describe("docker save archives", () => {
  function dockerArchive(repoTags: string[] | undefined, layerFiles: Record<string, TarEntry[]>, config: object, layers = Object.keys(layerFiles)) {
    const entries: TarEntry[] = [
      { name: "config.json", type: "file", mode: 0o644, data: text(JSON.stringify(config)) },
      { name: "manifest.json", type: "file", mode: 0o644, data: text(JSON.stringify([{ Config: "config.json", RepoTags: repoTags, Layers: layers }])) },
    ];
    for (const [name, files] of Object.entries(layerFiles)) {
      const tar = writeTar(files);
      entries.push({ name, type: "file", mode: 0o644, data: name.endsWith(".gz") ? gzip(tar) : tar });
    }
    return writeTar(entries);
  }

  test("become an index of Docker manifests named by normalised tags", async () => {
    const l1: TarEntry[] = [{ name: "etc/", type: "dir", mode: 0o755 }, { name: "etc/hostname", type: "file", mode: 0o644, data: text("box") }];
    const l2: TarEntry[] = [{ name: "bin/", type: "dir", mode: 0o755 }];
    const diffIds = [computeDigest(writeTar(l1)), computeDigest(writeTar(l2))];
    const archive = dockerArchive(["busybox:1.36", "example.com/x/y:2"], { "l1/layer.tar": l1, "l2.tar.gz": l2 }, {
      architecture: "amd64",
      os: "linux",
      config: {},
      rootfs: { type: "layers", diff_ids: diffIds },
    });
    const { images, ctx } = store();
    const imported = await importImages(images, archive);
    expect(imported.map((i) => [i.name, i.target.annotations])).toEqual([
      ["docker.io/library/busybox:1.36", { "io.containerd.image.name": "docker.io/library/busybox:1.36", "org.opencontainers.image.ref.name": "1.36" }],
      ["example.com/x/y:2", { "io.containerd.image.name": "example.com/x/y:2", "org.opencontainers.image.ref.name": "2" }],
    ]);
    const manifest = await images.manifest("docker.io/library/busybox:1.36");
    expect(manifest.mediaType).toBe(mediaTypes.dockerManifest);
    expect(manifest.config.mediaType).toBe(mediaTypes.dockerConfig);
    expect(manifest.layers.map((l) => l.mediaType)).toEqual([mediaTypes.dockerLayer, mediaTypes.dockerLayerGzip]);
    const snapshots = new SnapshotStore(ctx, "k8s.io", new SnapshotterBackend("overlayfs"));
    const { chainId } = await unpackImage(images, snapshots, "example.com/x/y:2");
    expect(untext(snapshots.readFile(chainId, "/etc/hostname"))).toBe("box");
  });

  test("archive problems", async () => {
    const { images } = store();
    const config = { architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } };
    const noConfig = writeTar([{ name: "manifest.json", type: "file", mode: 0o644, data: text('[{"Config":"c.json","Layers":[]}]') }]);
    expect((await rejection(importImages(images, noConfig))).message).toBe('image config "c.json" not found');
    expect((await rejection(importImages(images, dockerArchive(undefined, {}, config, ["missing.tar"])))).message).toBe(
      'failed to resolve layers: layer "missing.tar" not found',
    );
    expect((await rejection(importImages(images, dockerArchive(["Bad:Tag!"], {}, config)))).message).toMatch(/^normalize image ref "Bad:Tag!": /);
    const badLink = writeTar([
      { name: "manifest.json", type: "file", mode: 0o644, data: text("[]") },
      { name: "l/layer.tar", type: "symlink", mode: 0o777, linkname: "../nowhere/layer.tar" },
    ]);
    expect((await rejection(importImages(images, badLink))).message).toBe('no target for symlink layer from "l/layer.tar" to "nowhere/layer.tar"');
  });
});

describe("OCI reference names", () => {
  test("are the tag or digest part of a full name", () => {
    expect(ociReferenceName("docker.io/library/busybox:1.36")).toBe("1.36");
    expect(ociReferenceName("example.com:5000/app@sha256:abc")).toBe("@sha256:abc");
    expect(ociReferenceName("example.com/app")).toBe("");
    expect(ociReferenceName("busybox")).toBe("");
    expect(ociReferenceName("/abs/path:1")).toBe("/abs/path:1");
    expect(ociReferenceName("http://x/y:1")).toBe("http://x/y:1");
  });
});
