import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { computeDigest } from "./content/store.ts";
import { ContainerdError } from "./errdefs.ts";
import { buildImage, buildImageBlobs, type ImageDescription } from "./images/build.ts";
import { exportImages } from "./images/export.ts";
import { mediaTypes } from "./images/mediatypes.ts";
import { createFakeContainerd } from "./index.ts";
import { FakeRegistry, registryOf } from "./registry.ts";

const app: ImageDescription = {
  name: "registry.example.com/team/app:v1",
  config: { entrypoint: ["/app"] },
  layers: [{ "/app": { content: "binary", mode: 0o755 } }],
};

async function failure(p: Promise<unknown>): Promise<ContainerdError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ContainerdError);
    return err as ContainerdError;
  }
  throw new Error("expected a failure");
}

const busyboxArchive = () => new Uint8Array(readFileSync(new URL("../golden/cri/images/busybox-1.36.oci.tar", import.meta.url)));

describe("resolve", () => {
  test("a pushed tag resolves to the manifest descriptor, without annotations or platform", async () => {
    const registry = new FakeRegistry();
    const built = buildImageBlobs(app);
    const { name, target } = registry.pushImage(app);
    expect(name).toBe("registry.example.com/team/app:v1");
    expect(target).toEqual({ mediaType: mediaTypes.ociManifest, digest: built.manifest.digest, size: built.manifest.size });
    expect(await registry.resolve("registry.example.com/team/app:v1")).toEqual(target);
    expect(await registry.resolve(`registry.example.com/team/app@${built.manifest.digest}`)).toEqual(target);
    expect(await registry.resolve(`registry.example.com/team/app:v1@${built.manifest.digest}`)).toEqual(target);
  });

  test("pushed names are normalised as docker does", async () => {
    const registry = new FakeRegistry();
    expect(registry.pushImage({ ...app, name: "busybox:1" }).name).toBe("docker.io/library/busybox:1");
    expect(registry.references()).toEqual(["docker.io/library/busybox:1"]);
    await expect(registry.resolve("docker.io/library/busybox:1")).resolves.toBeDefined();
  });

  test("unknown repositories, tags and digests are `<ref>: not found`, as the docker resolver reports them", async () => {
    const registry = new FakeRegistry();
    registry.pushImage(app);
    const digest = `sha256:${"0".repeat(64)}`;
    for (const ref of ["docker.io/library/nosuch:1", "registry.example.com/team/app:v2", `registry.example.com/team/app@${digest}`]) {
      const err = await failure(registry.resolve(ref));
      expect(err.kind).toBe("not found");
      expect(err.message).toBe(`${ref}: not found`);
    }
  });

  test("a digest reference names only manifests of that repository, not its other blobs", async () => {
    const registry = new FakeRegistry();
    const built = buildImageBlobs(app);
    registry.pushImage(app);
    const ref = `registry.example.com/team/app@${built.config.digest}`;
    expect((await failure(registry.resolve(ref))).message).toBe(`${ref}: not found`);
    const other = `registry.example.com/team/other@${built.manifest.digest}`;
    expect((await failure(registry.resolve(other))).message).toBe(`${other}: not found`);
  });

  test("references the resolver cannot parse fail with containerd's reference errors", async () => {
    const registry = new FakeRegistry();
    expect((await failure(registry.resolve("docker.io/library/busybox"))).message).toBe("object required");
    expect((await failure(registry.resolve("busybox"))).message).toBe("object required");
    expect((await failure(registry.resolve("/library/busybox:1"))).message).toBe("hostname required");
    expect((await failure(registry.resolve("https://docker.io/library/busybox:1"))).message).toBe("invalid reference");
    await expect(registry.resolve("docker.io/library/busybox@sha256:abc")).rejects.toThrow("invalid checksum digest length");
  });
});

describe("fetch", () => {
  test("serves every blob of a pushed image through its repository, byte for byte", async () => {
    const registry = new FakeRegistry();
    const built = buildImageBlobs(app);
    registry.pushImage(app);
    for (const blob of built.blobs) {
      const bytes = await registry.fetch("registry.example.com/team/app:v1", blob.descriptor);
      expect(computeDigest(bytes)).toBe(blob.descriptor.digest);
    }
  });

  test("a blob not linked to the repository is not found", async () => {
    const registry = new FakeRegistry();
    const built = buildImageBlobs(app);
    registry.pushImage(app);
    const err = await failure(registry.fetch("docker.io/library/other:1", built.config));
    expect(err.kind).toBe("not found");
    expect(err.message).toBe(`could not fetch content descriptor ${built.config.digest} (${mediaTypes.ociConfig}) from remote: not found`);
  });
});

describe("pushing images in", () => {
  test("an OCI archive pushes each named manifest with the archive's exact bytes", async () => {
    const registry = new FakeRegistry();
    expect(await registry.pushArchive(busyboxArchive())).toEqual(["docker.io/library/busybox:1.36"]);
    expect(await registry.resolve("docker.io/library/busybox:1.36")).toEqual({
      mediaType: mediaTypes.ociManifest,
      digest: "sha256:2a43cd67112f9c9a87fc1298334a4d9eba5895117b7ac62ad0d5a23818b4e5fb",
      size: 405,
    });
  });

  test("an archive exported by fake-containerd pushes every image it names", async () => {
    const fake = createFakeContainerd({ seed: 1 });
    const images = fake.namespace("k8s.io").images;
    await buildImage(images, app);
    await buildImage(images, { name: "docker.io/library/busybox:latest", index: true, layers: [{ "/bin/sh": "sh" }] });
    const registry = new FakeRegistry();
    const pushed = await registry.pushArchive(await exportImages(images, [app.name, "docker.io/library/busybox:latest"]));
    expect(pushed.sort()).toEqual(["docker.io/library/busybox:latest", app.name]);
    expect((await registry.resolve("docker.io/library/busybox:latest")).mediaType).toBe(mediaTypes.ociIndex);
  });

  test("something that is not an OCI image layout is refused", async () => {
    const registry = new FakeRegistry();
    await expect(registry.pushArchive([{ name: "manifest.json", type: "file", data: new TextEncoder().encode("[]") }])).rejects.toThrow(
      "not an OCI image layout: oci-layout and index.json are required",
    );
  });

  test("pushFrom copies a local image (index, manifest, config, layers) from a content store", async () => {
    const fake = createFakeContainerd({ seed: 1 });
    const images = fake.namespace("k8s.io").images;
    const { built } = await buildImage(images, { ...app, index: true });
    const registry = new FakeRegistry();
    expect(await registry.pushFrom(images.content, "team/app:copy", built.target)).toBe("docker.io/team/app:copy");
    expect((await registry.resolve("docker.io/team/app:copy")).digest).toBe(built.target.digest);
    for (const blob of built.blobs) {
      expect(computeDigest(await registry.fetch("docker.io/team/app:copy", blob.descriptor))).toBe(blob.descriptor.digest);
    }
  });

  test("tag points a second name at the same manifest, across repositories too", async () => {
    const registry = new FakeRegistry();
    await registry.pushArchive(busyboxArchive());
    await registry.tag("busybox:stable", "busybox:1.36");
    await registry.tag("docker.io/mirror/busybox:1.36", "docker.io/library/busybox:1.36");
    const target = await registry.resolve("docker.io/library/busybox:1.36");
    expect(await registry.resolve("docker.io/library/busybox:stable")).toEqual(target);
    expect(await registry.resolve("docker.io/mirror/busybox:1.36")).toEqual(target);
    expect(computeDigest(await registry.fetch("docker.io/mirror/busybox:1.36", target))).toBe(target.digest);
    expect(registry.references()).toEqual([
      "docker.io/library/busybox:1.36",
      "docker.io/library/busybox:stable",
      "docker.io/mirror/busybox:1.36",
    ]);
  });

  test("a digest reference must name the pushed manifest", () => {
    const registry = new FakeRegistry();
    const built = buildImageBlobs(app);
    expect(() => registry.push(`docker.io/library/app@sha256:${"1".repeat(64)}`, built.target, [])).toThrow(
      `manifest digest ${built.target.digest} does not match docker.io/library/app@sha256:${"1".repeat(64)}`,
    );
    expect(() => registry.push("Upper:1", built.target, [])).toThrow('invalid image name "Upper:1": invalid reference format: repository name must be lowercase');
  });
});

describe("one registry per daemon", () => {
  test("registryOf gives the same registry for the same daemon and another for another", () => {
    const a = createFakeContainerd({ seed: 1 });
    const b = createFakeContainerd({ seed: 1 });
    expect(registryOf(a)).toBe(registryOf(a));
    expect(registryOf(a)).not.toBe(registryOf(b));
  });

  test("faults reach registry.resolve and registry.fetch", async () => {
    const fake = createFakeContainerd({ seed: 1 });
    const registry = registryOf(fake);
    registry.pushImage(app);
    fake.faults.inject({ op: "registry.resolve", times: 1, error: { kind: "unavailable", message: "connection refused" } });
    const err = await failure(registry.resolve(app.name));
    expect([err.kind, err.message]).toEqual(["unavailable", "connection refused"]);
    await expect(registry.resolve(app.name)).resolves.toBeDefined();
  });
});
