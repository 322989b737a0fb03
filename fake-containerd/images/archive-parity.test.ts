// Values recorded from containerd v1.6.20's Go code (testdata/archive-parity_test.go.txt) for
// archives this fake writes: the index ImportIndex returns for a `docker save` archive and for an
// OCI layout, images.Manifest and Image.Size per platform, and the bytes of archive.Export (with and
// without a platform). The fake must produce the same digests and sizes.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ContentStore, computeDigest } from "../content/store.ts";
import { testContext, text } from "../content/test-support.ts";
import { buildImage, buildImageBlobs, writeBlob } from "./build.ts";
import { encodeIndex, type Descriptor } from "./documents.ts";
import { exportImages } from "./export.ts";
import { archiveFiles, importIndex } from "./import.ts";
import { mediaTypes } from "./mediatypes.ts";
import { ImageStore } from "./store.ts";
import { writeTar } from "./tar.ts";

const recorded = {
  dockerIndex: "sha256:aa2cc636994985f8795831b4224c8678c8e0f1608eb248cc71321c43e3f0689d",
  ociIndex: "sha256:54f29e74f9cc1e3b69885eb14c2de494b715027066350b66191a040150e8dc4a",
  multi: {
    "linux/amd64": { config: "sha256:4e5a4067858d1b73e63bc0518569d04eba38950f8f82c50d52a6b6d5d6ecb97a", size: 1860n },
    "linux/arm64": { config: "sha256:9d80e087fffb5e0ad3c8741d4ad991292d6e67c452edc23a7cce48c6ce52d7a0", size: 1868n },
    "linux/386": { config: "sha256:a5f9984fb4d9d2c96bff0d615102f83cc6a0e0427dd6c8f3caf6927b9f5866e1", size: 1845n },
  },
  single: { config: "sha256:58e301c3296da1ecd487fdc1774620f9b6832da39d04533088b143b893147200", size: 823n },
  exportAll: { digest: "sha256:4c55cf6b3c185232c5d069d65278d6f38f8f76e196b6ff73cad09c888d75afa8", size: 24064 },
  exportMultiAmd64: { digest: "sha256:111070a50c45be7beaa98457e040ef71d0121cbb725483d71c52f1eeeec9d365", size: 15872 },
};

/** A three-platform index, a single Docker-typed image, and a `docker save` archive. */
async function fixtures() {
  const { ctx } = testContext();
  const images = new ImageStore(ctx, "k8s.io", new ContentStore(ctx, "k8s.io"));
  const platforms = [
    { os: "linux", architecture: "386" },
    { os: "linux", architecture: "arm64", variant: "v8" },
    { os: "linux", architecture: "amd64" },
  ];
  const builds = platforms.map((platform, i) =>
    buildImageBlobs({ name: "m", platform, layers: [{ "/a": "x".repeat(i * 1000 + 1) }, { "/b": `${i}` }] }),
  );
  for (const b of builds) for (const blob of b.blobs) await writeBlob(images.content, blob);
  const manifests: Descriptor[] = builds.map((b, i) => ({ ...b.manifest, platform: { os: "linux", architecture: platforms[i]!.architecture } }));
  const index = encodeIndex({ schemaVersion: 2, mediaType: mediaTypes.ociIndex, manifests });
  const target = { mediaType: mediaTypes.ociIndex, digest: computeDigest(index), size: index.length };
  await images.content.write(index, target);
  await images.create({ name: "docker.io/library/multi:1", target });
  await buildImage(images, { name: "example.com/single:2", mediaTypes: "docker", layers: [{ "/etc/x": "1" }] });
  const oci = await exportImages(images, ["docker.io/library/multi:1", "example.com/single:2"]);

  const layer = writeTar([
    { name: "etc/", type: "dir", mode: 0o755 },
    { name: "etc/hostname", type: "file", mode: 0o644, data: text("box") },
  ]);
  const config = { architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: [computeDigest(layer)] } };
  const docker = writeTar([
    { name: "cfg.json", type: "file", mode: 0o644, data: text(JSON.stringify(config)) },
    {
      name: "manifest.json",
      type: "file",
      mode: 0o644,
      data: text(JSON.stringify([{ Config: "cfg.json", RepoTags: ["busybox:1.36", "example.com/x/y:2"], Layers: ["l1/layer.tar"] }])),
    },
    { name: "l1/layer.tar", type: "file", mode: 0o644, data: layer },
  ]);
  const dir = globalThis.process?.env?.FAKE_CONTAINERD_PARITY_DIR;
  if (dir) {
    writeFileSync(join(dir, "oci.tar"), oci);
    writeFileSync(join(dir, "docker.tar"), docker);
  }
  return { images, oci, docker };
}

function fresh(): ImageStore {
  const { ctx } = testContext();
  return new ImageStore(ctx, "k8s.io", new ContentStore(ctx, "k8s.io"));
}

describe("parity with containerd v1.6.20's archive import and export", () => {
  test("ImportIndex returns the same index for a docker save archive and an OCI layout", async () => {
    const { oci, docker } = await fixtures();
    expect((await importIndex(fresh(), await archiveFiles(docker))).digest).toBe(recorded.dockerIndex);
    expect((await importIndex(fresh(), await archiveFiles(oci))).digest).toBe(recorded.ociIndex);
  });

  test("images.Manifest and Image.Size agree per platform", async () => {
    const { images } = await fixtures();
    for (const [platform, want] of Object.entries(recorded.multi)) {
      const [os, architecture] = platform.split("/") as [string, string];
      expect((await images.manifest("docker.io/library/multi:1", { os, architecture })).config.digest).toBe(want.config);
      expect(await images.size("docker.io/library/multi:1", { os, architecture })).toBe(want.size);
      expect((await images.manifest("example.com/single:2", { os, architecture })).config.digest).toBe(recorded.single.config);
      expect(await images.size("example.com/single:2", { os, architecture })).toBe(recorded.single.size);
    }
  });

  test("Export writes the same bytes", async () => {
    const { images, oci } = await fixtures();
    expect([computeDigest(oci), oci.length]).toEqual([recorded.exportAll.digest, recorded.exportAll.size]);
    const amd64 = await exportImages(images, ["docker.io/library/multi:1"], { platform: { os: "linux", architecture: "amd64" } });
    expect([computeDigest(amd64), amd64.length]).toEqual([recorded.exportMultiAmd64.digest, recorded.exportMultiAmd64.size]);
  });
});
