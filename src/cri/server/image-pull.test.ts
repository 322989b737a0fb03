import { afterEach, describe, expect, test } from "vitest";
import { registryOf } from "../../../fake-containerd/registry.ts";
import { buildImageBlobs } from "../../../fake-containerd/images/build.ts";
import { Code, deadlineExceeded } from "../errors.ts";
import { connectCri } from "../transport/grpc.ts";
import { pullImage } from "./image-pull.ts";
import { PullImageRequest } from "../api/v1.ts";
import { synthesizeImage } from "../images/synthesize.ts";
import { createFakeCri, type FakeCri } from "../../harness/index.ts";
import { golden, referenceConfig, referenceRegistryFake, rejection } from "../testing/image-fixtures.ts";

let fake: FakeCri | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const managed = { "io.cri-containerd.image": "managed" };
const k8s = (f: FakeCri) => f.containerd.namespace("k8s.io");

async function records(f: FakeCri) {
  return (await k8s(f).images.list()).map((i) => ({ name: i.name, labels: i.labels, target: i.target.digest }));
}

async function contentDigests(f: FakeCri) {
  return (await k8s(f).content.list()).map((i) => i.digest).sort();
}

describe("PullImage of an image the registry has", () => {
  test("answers the image ID and records the ref, the repo digest and the ID, each managed", async () => {
    fake = await referenceRegistryFake();
    expect(await fake.image.pullImage({ image: { image: "busybox:1.36" } })).toEqual({ imageRef: golden.busybox.id });
    expect(await records(fake)).toEqual([
      { name: golden.busybox.ref, labels: managed, target: golden.busybox.manifest },
      { name: `docker.io/library/busybox@${golden.busybox.manifest}`, labels: managed, target: golden.busybox.manifest },
      { name: golden.busybox.id, labels: managed, target: golden.busybox.manifest },
    ]);
  });

  test("an image from the golden OCI archive has the image ID, repo digest, size and chain ID the real containerd recorded", async () => {
    fake = await referenceRegistryFake();
    expect(await fake.image.pullImage({ image: { image: golden.pause.ref } })).toEqual({ imageRef: golden.pause.id });
    expect(await fake.image.pullImage({ image: { image: golden.busybox.ref } })).toEqual({ imageRef: golden.busybox.id });
    expect((await fake.image.imageStatus({ image: { image: golden.pause.ref } })).image).toEqual({
      id: golden.pause.id,
      repoTags: [golden.pause.ref],
      repoDigests: [`registry.k8s.io/pause@${golden.pause.manifest}`],
      size: golden.pause.size,
      uid: { value: 65535n },
      username: "",
      spec: undefined,
      pinned: false,
    });
    const busybox = await fake.image.imageStatus({ image: { image: golden.busybox.ref }, verbose: true });
    expect(busybox.image?.size).toBe(golden.busybox.size);
    expect(busybox.image?.repoDigests).toEqual([`docker.io/library/busybox@${golden.busybox.manifest}`]);
    expect(JSON.parse(busybox.info.info!).chainID).toBe(golden.busybox.chainId);
  });

  test("the image is unpacked into the configured snapshotter, its chain ID the top snapshot", async () => {
    fake = await referenceRegistryFake({ config: referenceConfig.replace('snapshotter = "overlayfs"', 'snapshotter = "native"') });
    await fake.image.pullImage({ image: { image: golden.busybox.ref } });
    const native = await k8s(fake).snapshots.get("native").stat(golden.busybox.chainId);
    expect(native.kind).toBe("committed");
    expect(await k8s(fake).snapshots.get("overlayfs").list()).toEqual([]);
  });

  test("fetched blobs carry their children's GC labels and the distribution source, as a containerd pull leaves them", async () => {
    fake = await referenceRegistryFake();
    await fake.image.pullImage({ image: { image: golden.busybox.ref } });
    await fake.image.pullImage({ image: { image: "docker.io/library/busybox:stable" } });
    const manifest = await k8s(fake).content.info(golden.busybox.manifest);
    expect(manifest.labels).toEqual({
      "containerd.io/distribution.source.docker.io": "library/busybox",
      "containerd.io/gc.ref.content.config": golden.busybox.id,
      "containerd.io/gc.ref.content.l.0": "sha256:5b7ab235824eec2d52860f7d13f8671dbe609eafe92a2d5294a14cf4dbfb5369",
    });
    const config = await k8s(fake).content.info(golden.busybox.id);
    expect(config.labels).toEqual({
      "containerd.io/distribution.source.docker.io": "library/busybox",
      "containerd.io/gc.ref.snapshot.overlayfs": golden.busybox.chainId,
    });
  });

  test("discard_unpacked_layers: the manifest does not hold its layer, so the next collection frees it; the snapshot stays", async () => {
    fake = await referenceRegistryFake({ config: referenceConfig.replace("[plugins.\"io.containerd.grpc.v1.cri\".containerd]", "[plugins.\"io.containerd.grpc.v1.cri\".containerd]\n    discard_unpacked_layers = true") });
    await fake.image.pullImage({ image: { image: golden.busybox.ref } });
    await fake.image.pullImage({ image: { image: golden.pause.ref } });
    expect(Object.keys((await k8s(fake).content.info(golden.busybox.manifest)).labels).sort()).toEqual([
      "containerd.io/distribution.source.docker.io",
      "containerd.io/gc.ref.content.config",
    ]);
    await fake.image.removeImage({ image: { image: golden.pause.ref } });
    expect(await contentDigests(fake)).toEqual([golden.busybox.manifest, golden.busybox.id].sort());
    expect((await k8s(fake).snapshots.get("overlayfs").list()).map((s) => s.name)).toEqual([golden.busybox.chainId]);
    expect((await fake.image.imageStatus({ image: { image: golden.busybox.ref } })).image?.size).toBe(golden.busybox.size);
  });

  test("a layer pulled from two repositories names both, sorted", async () => {
    fake = await referenceRegistryFake();
    await registryOf(fake.containerd).tag("example.com/mirror/busybox:1.36", golden.busybox.ref);
    await fake.image.pullImage({ image: { image: "example.com/mirror/busybox:1.36" } });
    await fake.image.pullImage({ image: { image: golden.busybox.ref } });
    const layer = await k8s(fake).content.info("sha256:5b7ab235824eec2d52860f7d13f8671dbe609eafe92a2d5294a14cf4dbfb5369");
    expect(layer.labels["containerd.io/distribution.source.docker.io"]).toBe("library/busybox");
    expect(layer.labels["containerd.io/distribution.source.example.com"]).toBe("mirror/busybox");
  });

  test("pulling again answers the same and leaves the same records", async () => {
    fake = await referenceRegistryFake();
    await fake.image.pullImage({ image: { image: golden.busybox.ref } });
    const before = await records(fake);
    expect(await fake.image.pullImage({ image: { image: golden.busybox.ref } })).toEqual({ imageRef: golden.busybox.id });
    expect(await records(fake)).toEqual(before);
    expect((await fake.image.listImages({})).images).toHaveLength(1);
  });

  test("a second tag of the same manifest joins the image: one ID, both repo tags", async () => {
    fake = await referenceRegistryFake();
    await fake.image.pullImage({ image: { image: "busybox:1.36" } });
    await fake.image.pullImage({ image: { image: "busybox:stable" } });
    const { images } = await fake.image.listImages({});
    expect(images.map((i) => [i.id, i.repoTags, i.repoDigests])).toEqual([
      [golden.busybox.id, [golden.busybox.ref, "docker.io/library/busybox:stable"], [`docker.io/library/busybox@${golden.busybox.manifest}`]],
    ]);
  });

  test("by digest: the repo digest and the ID are recorded, no tag", async () => {
    fake = await referenceRegistryFake();
    const byDigest = `docker.io/library/busybox@${golden.busybox.manifest}`;
    expect(await fake.image.pullImage({ image: { image: `busybox@${golden.busybox.manifest}` } })).toEqual({ imageRef: golden.busybox.id });
    expect((await records(fake)).map((r) => r.name)).toEqual([byDigest, golden.busybox.id]);
    expect((await fake.image.imageStatus({ image: { image: golden.busybox.id } })).image?.repoTags).toEqual([]);
  });

  test("registry credentials, a sandbox config, annotations and a runtime handler change nothing", async () => {
    fake = await referenceRegistryFake();
    for (const request of [
      { auth: { username: "golden", password: "secret" } },
      { auth: { auth: "Z29sZGVuOnNlY3JldA==", serverAddress: "https://registry.example.com" } },
      { auth: { identityToken: "token", registryToken: "token" } },
      { auth: { auth: "not base64 at all" } },
      { sandboxConfig: { metadata: { name: "pod", namespace: "golden", uid: "pod-uid" } } },
    ]) {
      expect(await fake.image.pullImage({ image: { image: golden.busybox.ref, annotations: { "example.com/note": "pull" }, runtimeHandler: "runc" }, ...request })).toEqual({
        imageRef: golden.busybox.id,
      });
    }
  });

  test("v1alpha2 pulls the same", async () => {
    fake = await referenceRegistryFake();
    expect(await fake.v1alpha2.image.pullImage({ image: { image: "busybox:1.36" } })).toEqual({ imageRef: golden.busybox.id });
    expect((await fake.image.imageStatus({ image: { image: golden.busybox.id } })).image?.repoTags).toEqual([golden.busybox.ref]);
  });
});

describe("PullImage failures, as containerd 1.6.20 answers them", () => {
  const malformed: Array<[string, string]> = [
    ["", "invalid reference format"],
    ["Busybox:1.36", "invalid reference format: repository name must be lowercase"],
    ["docker.io/library/BUSYBOX:1.36", "invalid reference format: repository name must be lowercase"],
    ["busybox:1.36:extra", "invalid reference format"],
    [" busybox:1.36", "invalid reference format"],
    ["busybox@sha256:abc", "invalid reference format"],
    [`busybox@sha256:${golden.busybox.manifest.slice(7).toUpperCase()}`, "invalid checksum digest format"],
    ["busybox@md5:d41d8cd98f00b204e9800998ecf8427e", "unsupported digest algorithm"],
    ["busybox:-tag", "invalid reference format"],
    [`${"a".repeat(256)}:1`, "repository name must not be more than 255 characters"],
    ["localhost:5000/Upper/case", "invalid reference format: repository name must be lowercase"],
    [golden.busybox.id.slice(7), `invalid repository name (${golden.busybox.id.slice(7)}), cannot specify 64-byte hexadecimal strings`],
  ];
  for (const [image, reason] of malformed) {
    test(`${JSON.stringify(image)}: Unknown, failed to parse image reference, nothing pulled`, async () => {
      fake = await createFakeCri({ containerd: "1.6", seed: 1 });
      const before = await records(fake);
      const err = await rejection(fake.image.pullImage({ image: { image } }));
      expect([err.code, err.message]).toEqual([Code.Unknown, `failed to parse image reference ${JSON.stringify(image)}: ${reason}`]);
      expect(await records(fake)).toEqual(before);
    });
  }

  test("strict: a name the registry lacks is NotFound with the resolver's chain, and nothing changes", async () => {
    fake = await referenceRegistryFake();
    const contentBefore = await contentDigests(fake);
    for (const [image, ref] of [
      ["busybox", "docker.io/library/busybox:latest"],
      ["docker.io/library/nosuch:1", "docker.io/library/nosuch:1"],
      ["registry.k8s.io/pause:9.9", "registry.k8s.io/pause:9.9"],
      ["example.com/golden/app:1", "example.com/golden/app:1"],
      [`busybox@sha256:${"0".repeat(64)}`, `docker.io/library/busybox@sha256:${"0".repeat(64)}`],
      [golden.busybox.id, `docker.io/library/${golden.busybox.id}`],
      ["sha256:abc", "docker.io/library/sha256:abc"],
    ]) {
      const err = await rejection(fake.image.pullImage({ image: { image } }));
      expect([err.code, err.message]).toEqual([
        Code.NotFound,
        `failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`,
      ]);
    }
    expect(await records(fake)).toEqual([]);
    expect(await contentDigests(fake)).toEqual(contentBefore);
    expect((await fake.image.listImages({})).images).toEqual([]);
  });

  test("pull anything cannot make up a digest: an unknown digest reference is NotFound there too", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const ref = `docker.io/library/busybox@sha256:${"0".repeat(64)}`;
    const err = await rejection(fake.image.pullImage({ image: { image: ref } }));
    expect([err.code, err.message]).toEqual([Code.NotFound, `failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`]);
  });

  test("an unreachable registry: Unknown, the transport's text under the same chain", async () => {
    fake = await referenceRegistryFake();
    const refused =
      'failed to do request: Head "http://127.0.0.1:5000/v2/library/busybox/manifests/1.36?ns=docker.io": dial tcp 127.0.0.1:5000: connect: connection refused';
    fake.containerd.faults.inject({ op: "registry.resolve", times: 1, error: { kind: "unknown", message: refused } });
    const err = await rejection(fake.image.pullImage({ image: { image: golden.busybox.ref } }));
    expect([err.code, err.message]).toEqual([
      Code.Unknown,
      `failed to pull and unpack image "${golden.busybox.ref}": failed to resolve reference "${golden.busybox.ref}": ${refused}`,
    ]);
    expect(await records(fake)).toEqual([]);
  });

  test("a blob the registry cannot serve fails the pull before any image is recorded", async () => {
    fake = await referenceRegistryFake();
    fake.containerd.faults.inject({ op: "registry.fetch", subject: golden.busybox.id, times: 1, error: { kind: "unavailable", message: "connection reset by peer" } });
    const err = await rejection(fake.image.pullImage({ image: { image: golden.busybox.ref } }));
    expect([err.code, err.message]).toEqual([Code.Unavailable, `failed to pull and unpack image "${golden.busybox.ref}": connection reset by peer`]);
    expect(await records(fake)).toEqual([]);
  });

  test("blobs already in the content store are not fetched again: only the resolve reaches the registry", async () => {
    fake = await referenceRegistryFake();
    await fake.image.pullImage({ image: { image: golden.busybox.ref } });
    fake.containerd.faults.inject({ op: "registry.fetch", error: { kind: "unavailable", message: "connection reset by peer" } });
    expect(await fake.image.pullImage({ image: { image: "docker.io/library/busybox:stable" } })).toEqual({ imageRef: golden.busybox.id });
    expect(fake.containerd.faults.list()[0]!.fired).toBe(0);
    fake.containerd.faults.clear();
  });

  test("a layer that fails to unpack leaves no image record and no CRI image", async () => {
    fake = await referenceRegistryFake();
    fake.containerd.faults.inject({ op: "diff.apply", times: 1, error: { kind: "unknown", message: "no space left on device" } });
    const err = await rejection(fake.image.pullImage({ image: { image: golden.busybox.ref } }));
    expect(err.code).toBe(Code.Unknown);
    expect(err.message).toBe(
      `failed to pull and unpack image "${golden.busybox.ref}": failed to extract layer sha256:8a147d760104dc98ba32cef625b8f0fb10f9eb5013444b2ba92bb7f714eea49f: no space left on device`,
    );
    expect(await records(fake)).toEqual([]);
    expect((await fake.image.listImages({})).images).toEqual([]);
    expect(await fake.image.pullImage({ image: { image: golden.busybox.ref } })).toEqual({ imageRef: golden.busybox.id });
  });

  test("v1alpha2 fails the same way", async () => {
    fake = await referenceRegistryFake();
    const err = await rejection(fake.v1alpha2.image.pullImage({ image: { image: "docker.io/library/nosuch:1" } }));
    expect([err.code, err.message]).toEqual([
      Code.NotFound,
      'failed to pull and unpack image "docker.io/library/nosuch:1": failed to resolve reference "docker.io/library/nosuch:1": docker.io/library/nosuch:1: not found',
    ]);
    const parse = await rejection(fake.v1alpha2.image.pullImage({}));
    expect([parse.code, parse.message]).toEqual([Code.Unknown, 'failed to parse image reference "": invalid reference format']);
  });
});

describe("pull anything (the default) and strict images", () => {
  test("a name nobody has is made up: deterministic from the name, different names different images", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const other = await createFakeCri({ containerd: "1.6", seed: 2 });
    try {
      const first = await fake.image.pullImage({ image: { image: "busybox:1.36" } });
      expect(await other.image.pullImage({ image: { image: "docker.io/library/busybox:1.36" } })).toEqual(first);
      const nginx = await fake.image.pullImage({ image: { image: "nginx" } });
      expect(nginx.imageRef).not.toBe(first.imageRef);
      const built = buildImageBlobs(synthesizeImage("docker.io/library/busybox:1.36", fake.config.sandboxImage));
      expect(first.imageRef).toBe(built.config.digest);
      const status = await fake.image.imageStatus({ image: { image: "nginx" }, verbose: true });
      expect(status.image?.repoTags).toEqual(["docker.io/library/nginx:latest"]);
      expect(JSON.parse(status.info.info!).imageSpec.config.Labels).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  test("strict: the same name fails as an unknown image does", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1, strictImages: true });
    const err = await rejection(fake.image.pullImage({ image: { image: "busybox:1.36" } }));
    expect([err.code, err.message]).toEqual([
      Code.NotFound,
      'failed to pull and unpack image "docker.io/library/busybox:1.36": failed to resolve reference "docker.io/library/busybox:1.36": docker.io/library/busybox:1.36: not found',
    ]);
  });

  test("an image the node was given is what a pull of its name brings, with a repo digest now", async () => {
    const app = { name: "example.com/team/app:1", config: { user: "1000", entrypoint: ["/app"] }, layers: [{ "/app": "binary" }] };
    fake = await createFakeCri({ containerd: "1.6", seed: 1, images: [app] });
    const [before] = (await fake.image.listImages({})).images.filter((i) => i.repoTags.includes(app.name));
    expect(await fake.image.pullImage({ image: { image: app.name } })).toEqual({ imageRef: before!.id });
    const after = (await fake.image.imageStatus({ image: { image: app.name } })).image!;
    expect([after.id, after.uid, after.repoDigests]).toEqual([before!.id, { value: 1000n }, [`example.com/team/app@${buildImageBlobs(app).manifest.digest}`]]);
  });

  test("strict: an image the node was given but no registry has cannot be pulled, as after `ctr import`", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1, strictImages: true, images: ["example.com/team/app:1"] });
    const err = await rejection(fake.image.pullImage({ image: { image: "example.com/team/app:1" } }));
    expect(err.code).toBe(Code.NotFound);
  });

  test("strict: the sandbox image is always pullable, the same image the node started with", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1, strictImages: true });
    const sandbox = fake.config.sandboxImage;
    const { image } = await fake.image.imageStatus({ image: { image: sandbox } });
    expect(await fake.image.pullImage({ image: { image: sandbox } })).toEqual({ imageRef: image!.id });
    await fake.image.removeImage({ image: { image: sandbox } });
    expect((await fake.image.listImages({})).images).toEqual([]);
    expect(await fake.image.pullImage({ image: { image: "registry.k8s.io/pause:3.6" } })).toEqual({ imageRef: image!.id });
    expect(buildImageBlobs(synthesizeImage(sandbox, sandbox)).config.digest).toBe(image!.id);
  });

  test("a registry that has the name wins over making one up", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const pushed = registryOf(fake.containerd).pushImage({ name: "busybox:1.36", config: { user: "nobody" }, layers: [{ "/bin/sh": "x" }] });
    await fake.image.pullImage({ image: { image: "busybox:1.36" } });
    const { image } = await fake.image.imageStatus({ image: { image: "busybox:1.36" } });
    expect([image?.username, image?.repoDigests]).toEqual(["nobody", [`docker.io/library/busybox@${pushed.target.digest}`]]);
  });
});

describe("PullImage with less time than a registry round trip", () => {
  test("over gRPC, a 1 ms deadline runs out as on a real node, however fast the fake's registry answers", async () => {
    fake = await createFakeCri({ images: ["busybox:1.36"] });
    const client = connectCri((await fake.serve()).endpoint);
    try {
      for (let i = 0; i < 10; i++) {
        const err = await rejection(client.image.pullImage({ image: { image: "busybox:1.36" } }, { timeoutMs: 1 }));
        expect([err.code, err.message]).toEqual([Code.DeadlineExceeded, "context deadline exceeded"]);
      }
      expect((await client.image.pullImage({ image: { image: "busybox:1.36" } }, { timeoutMs: 10_000 })).imageRef).toMatch(/^sha256:/);
    } finally {
      client.close();
    }
  });

  test("the handler answers once the deadline has passed, with the resolve's context error", async () => {
    fake = await createFakeCri({ images: ["busybox:1.36"] });
    const controller = new AbortController();
    const deadline = new Date(Date.now() + 1);
    setTimeout(() => controller.abort(deadlineExceeded()), 1);
    const request = PullImageRequest.fromPartial({ image: { image: "busybox:1.36" } });
    const err = await pullImage(fake.service, request, { signal: controller.signal, deadline }).then(
      () => new Error("pulled"),
      (e: unknown) => e as Error,
    );
    expect(controller.signal.aborted).toBe(true);
    expect(err.message).toBe('failed to pull and unpack image "docker.io/library/busybox:1.36": failed to resolve reference "docker.io/library/busybox:1.36": context deadline exceeded');
  });
});
