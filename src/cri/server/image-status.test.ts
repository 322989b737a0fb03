import { afterEach, describe, expect, test } from "vitest";
import { computeDigest } from "../../../fake-containerd/content/store.ts";
import { encodeManifest } from "../../../fake-containerd/images/documents.ts";
import { mediaTypes } from "../../../fake-containerd/images/mediatypes.ts";
import { registryOf } from "../../../fake-containerd/registry.ts";
import type { Image } from "../api/v1.ts";
import { Code } from "../errors.ts";
import { createFakeCri, type FakeCri } from "../../harness/index.ts";
import { golden, referenceRegistryFake, rejection } from "../testing/image-fixtures.ts";

let fake: FakeCri | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const busyboxHex = golden.busybox.id.slice("sha256:".length);
const busyboxImage: Image = {
  id: golden.busybox.id,
  repoTags: [golden.busybox.ref],
  repoDigests: [`docker.io/library/busybox@${golden.busybox.manifest}`],
  size: golden.busybox.size,
  uid: undefined,
  username: "",
  spec: undefined,
  pinned: false,
};

/** Pushes an image with exactly this config text and no layers; returns the config digest. */
function pushRawConfig(f: FakeCri, name: string, configText: string): string {
  const config = new TextEncoder().encode(configText);
  const configDesc = { mediaType: mediaTypes.ociConfig, digest: computeDigest(config), size: config.length };
  const manifest = encodeManifest({ schemaVersion: 2, mediaType: mediaTypes.ociManifest, config: configDesc, layers: [] });
  const target = { mediaType: mediaTypes.ociManifest, digest: computeDigest(manifest), size: manifest.length };
  registryOf(f.containerd).push(name, target, [config, manifest]);
  return configDesc.digest;
}

describe("ImageStatus finds an image by any of its names", () => {
  const names: Record<string, string> = {
    tag: golden.busybox.ref,
    "short name": "busybox:1.36",
    "library name": "library/busybox:1.36",
    "docker.io name": "docker.io/busybox:1.36",
    "repo digest": `docker.io/library/busybox@${golden.busybox.manifest}`,
    "short repo digest": `busybox@${golden.busybox.manifest}`,
    "image ID": golden.busybox.id,
    "bare hex ID": busyboxHex,
    "12-character ID prefix": busyboxHex.slice(0, 12),
    "1-character ID prefix": busyboxHex.slice(0, 1),
    "sha256: and an ID prefix": `sha256:${busyboxHex.slice(0, 12)}`,
  };
  for (const [kind, name] of Object.entries(names)) {
    test(`by ${kind}`, async () => {
      fake = await referenceRegistryFake();
      await fake.image.pullImage({ image: { image: golden.busybox.ref } });
      expect(await fake.image.imageStatus({ image: { image: name } })).toEqual({ image: busyboxImage, info: {} });
    });
  }
});

describe("ImageStatus of what is not there is an empty answer, not an error", () => {
  for (const name of [
    "docker.io/library/busybox:stable",
    "busybox",
    golden.pause.id,
    `sha256:${"0".repeat(64)}`,
    "0123456789ab",
    "Busybox:1.36",
    "busybox@sha256:abc",
    `${"a".repeat(256)}:1`,
  ]) {
    test(JSON.stringify(name), async () => {
      fake = await referenceRegistryFake();
      await fake.image.pullImage({ image: { image: golden.busybox.ref } });
      expect(await fake.image.imageStatus({ image: { image: name }, verbose: true })).toEqual({ image: undefined, info: {} });
    });
  }

  test("an empty request with no image at all (v1 and v1alpha2)", async () => {
    fake = await referenceRegistryFake();
    expect(await fake.image.imageStatus({})).toEqual({ image: undefined, info: {} });
    expect(await fake.v1alpha2.image.imageStatus({})).toEqual({ image: undefined, info: {} });
  });
});

describe("ID prefixes resolve through the image store's digest set", () => {
  test("a prefix two image IDs share: Unknown, can not resolve locally, ambiguous digest string", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const ids = [(await fake.image.listImages({})).images[0]!.id];
    for (let i = 0; !ids.slice(1).some((id) => id[7] === ids[0]![7]); i++) {
      ids.push((await fake.image.pullImage({ image: { image: `example.com/app:${i}` } })).imageRef);
    }
    const shared = ids[0]!.slice(7, 8);
    const err = await rejection(fake.image.imageStatus({ image: { image: shared } }));
    expect([err.code, err.message]).toEqual([Code.Unknown, `can not resolve ${JSON.stringify(shared)} locally: ambiguous digest string`]);
  });

  test("an empty name is a prefix of every ID: the one image when there is one, ambiguous when there are more", async () => {
    fake = await referenceRegistryFake();
    await fake.image.pullImage({ image: { image: golden.busybox.ref } });
    expect((await fake.image.imageStatus({ image: { image: "" } })).image?.id).toBe(golden.busybox.id);
    await fake.image.pullImage({ image: { image: golden.pause.ref } });
    const err = await rejection(fake.image.imageStatus({}));
    expect([err.code, err.message]).toEqual([Code.Unknown, 'can not resolve "" locally: ambiguous digest string']);
  });
});

describe("the image's user", () => {
  const cases: Array<[string, Pick<Image, "uid" | "username">]> = [
    ["65535:65535", { uid: { value: 65535n }, username: "" }],
    ["0", { uid: { value: 0n }, username: "" }],
    ["nobody", { uid: undefined, username: "nobody" }],
    ["www-data:www-data", { uid: undefined, username: "www-data" }],
    ["", { uid: undefined, username: "" }],
  ];
  for (const [user, expected] of cases) {
    test(`User ${JSON.stringify(user)}`, async () => {
      fake = await createFakeCri({ containerd: "1.6", seed: 1, images: [{ name: "example.com/user:1", config: { user }, layers: [{ "/bin/sh": "sh" }] }] });
      const { image } = await fake.image.imageStatus({ image: { image: "example.com/user:1" } });
      expect({ uid: image?.uid, username: image?.username }).toEqual(expected);
    });
  }
});

describe("verbose info", () => {
  test("the chain ID and the image config, exactly as containerd encodes them for the golden images", async () => {
    fake = await referenceRegistryFake();
    await fake.image.pullImage({ image: { image: golden.busybox.ref } });
    await fake.image.pullImage({ image: { image: golden.pause.ref } });
    const busybox = await fake.image.imageStatus({ image: { image: golden.busybox.ref }, verbose: true });
    expect(busybox.info).toEqual({
      info:
        `{"chainID":"${golden.busybox.chainId}","imageSpec":{"created":"2024-01-01T00:00:00Z","architecture":"amd64","os":"linux",` +
        `"config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]},` +
        `"rootfs":{"type":"layers","diff_ids":["${golden.busybox.chainId}"]},` +
        `"history":[{"created":"2024-01-01T00:00:00Z","created_by":"fake-cri scripts/reference/images.sh"}]}}`,
    });
    const pause = await fake.image.imageStatus({ image: { image: golden.pause.ref }, verbose: true });
    expect(JSON.parse(pause.info.info!).imageSpec.config).toEqual({
      Entrypoint: ["/pause"],
      Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      User: "65535:65535",
      WorkingDir: "/",
    });
  });

  test("Go's decoding and encoding: keys matched case-insensitively, unknown fields dropped, empty ones omitted, maps sorted, times re-formatted", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const id = pushRawConfig(
      fake,
      "example.com/raw:1",
      JSON.stringify({
        Architecture: "amd64",
        os: "linux",
        created: "2024-05-06T07:08:09.120000000+00:00",
        unknown: 1,
        "os.features": [],
        config: {
          user: "nobody",
          ExposedPorts: { "8080/tcp": {}, "443/tcp": {} },
          Env: [],
          Volumes: { "/data": {} },
          Labels: { b: "2", a: "1" },
          StopSignal: "SIGQUIT",
          ArgsEscaped: true,
          WorkingDir: "/srv",
          Healthcheck: { Test: ["NONE"] },
        },
        rootfs: { type: "layers", diff_ids: [] },
        history: [{ created: "2024-05-06T07:08:09+02:00", empty_layer: true, comment: "x" }, { created_by: "y", created: null }],
      }),
    );
    expect(await fake.image.pullImage({ image: { image: "example.com/raw:1" } })).toEqual({ imageRef: id });
    const status = await fake.image.imageStatus({ image: { image: id }, verbose: true });
    expect(status.image?.username).toBe("nobody");
    expect(status.info.info).toBe(
      '{"chainID":"","imageSpec":{"created":"2024-05-06T07:08:09.12Z","architecture":"amd64","os":"linux",' +
        '"config":{"User":"nobody","ExposedPorts":{"443/tcp":{},"8080/tcp":{}},"Volumes":{"/data":{}},"WorkingDir":"/srv",' +
        '"Labels":{"a":"1","b":"2"},"StopSignal":"SIGQUIT","ArgsEscaped":true},"rootfs":{"type":"layers","diff_ids":[]},' +
        '"history":[{"created":"2024-05-06T07:08:09+02:00","comment":"x","empty_layer":true},{"created_by":"y"}]}}',
    );
  });

  test("a config without rootfs diff IDs or config encodes them as Go's zero values", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const id = pushRawConfig(fake, "example.com/bare:1", '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers"}}');
    await fake.image.pullImage({ image: { image: "example.com/bare:1" } });
    const status = await fake.image.imageStatus({ image: { image: id }, verbose: true });
    expect(status.info.info).toBe('{"chainID":"","imageSpec":{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":null}}}');
  });

  test("v1alpha2 answers the same", async () => {
    fake = await referenceRegistryFake();
    await fake.image.pullImage({ image: { image: golden.busybox.ref } });
    const v1 = await fake.image.imageStatus({ image: { image: "busybox:1.36" }, verbose: true });
    const alpha = await fake.v1alpha2.image.imageStatus({ image: { image: "busybox:1.36" }, verbose: true });
    expect(alpha.info).toEqual(v1.info);
    expect(alpha.image?.id).toBe(golden.busybox.id);
    expect(alpha.image?.repoDigests).toEqual(busyboxImage.repoDigests);
  });
});
