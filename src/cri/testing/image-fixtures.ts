// Shared by the image RPC tests: the reference runtime's config and registry (the golden OCI
// archives under the names the reference registry serves), and a helper for expected failures.

import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { registryOf } from "../../../fake-containerd/registry.ts";
import { referenceConfigToml } from "../../../golden/cri/reference-runtime.ts";
import { CriError } from "../errors.ts";
import { createFakeCri, type FakeCri, type FakeCriOptions } from "../../harness/index.ts";

/** The CRI part of scripts/reference/start.sh's config.toml. */
export const referenceConfig = referenceConfigToml["1.6"];

/** An OCI archive of golden/cri/images (pause-3.6.oci.tar, busybox-1.36.oci.tar). */
export function goldenArchive(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../../../golden/cri/images/${name}`, import.meta.url)));
}

/** What the reference containerd recorded for the golden images (golden/cri/README.md). */
export const golden = {
  busybox: {
    ref: "docker.io/library/busybox:1.36",
    id: "sha256:d8bafad49614a747fcac72fc068f083b0b077c02fae1223524f068444f928d67",
    manifest: "sha256:2a43cd67112f9c9a87fc1298334a4d9eba5895117b7ac62ad0d5a23818b4e5fb",
    chainId: "sha256:8a147d760104dc98ba32cef625b8f0fb10f9eb5013444b2ba92bb7f714eea49f",
    size: 1032314n,
  },
  pause: {
    ref: "registry.k8s.io/pause:3.6",
    id: "sha256:f90e316d2bd8a2af3e051ada4702308155433cada8250dca86df99ee82d5500b",
    manifest: "sha256:8b97ff6ee22a2088be4bf164d55c5a10f2495a58e4079ae1a91bcd19fb2383c9",
    chainId: "sha256:6d4df1c37b0a17e1a4263d8e0105dd25df4f71960a33fcee998e8a5bc599f1ba",
    size: 303214n,
  },
} as const;

/**
 * A fake whose registry serves what the reference registry served (pause:3.6, busybox:1.36 and
 * busybox:stable), strict unless told otherwise, with no image present (the recorder's start),
 * answering as containerd 1.6.20 (the image tests pin its words).
 */
export async function referenceRegistryFake(options: FakeCriOptions = {}): Promise<FakeCri> {
  const fake = await createFakeCri({ seed: 1, config: referenceConfig, strictImages: true, containerd: "1.6", ...options });
  const registry = registryOf(fake.containerd);
  await registry.pushArchive(goldenArchive("pause-3.6.oci.tar"));
  await registry.pushArchive(goldenArchive("busybox-1.36.oci.tar"));
  await registry.tag("docker.io/library/busybox:stable", golden.busybox.ref);
  for (const image of (await fake.image.listImages({})).images) await fake.image.removeImage({ image: { image: image.id } });
  return fake;
}

/** The CriError a call fails with (a test failure if it succeeds). */
export async function rejection(p: Promise<unknown>): Promise<CriError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(CriError);
    return err as CriError;
  }
  throw new Error("expected the call to fail");
}
