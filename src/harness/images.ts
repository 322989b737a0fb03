// Images a fake node has before the CRI plugin starts, as if imported with `ctr -n k8s.io images
// import`: built into fake-containerd's k8s.io namespace and unpacked into the configured
// snapshotter. The CRI plugin's recovery then takes them into its image store (giving each its
// image-ID record and the managed label), as containerd's does on start.

import { buildImage, type ImageDescription } from "../../fake-containerd/images/build.ts";
import { unpackImage } from "../../fake-containerd/images/unpack.ts";
import type { FakeContainerd } from "../../fake-containerd/index.ts";
import { synthesizeImage } from "../cri/images/synthesize.ts";

export type { ImageDescription };

/** An image to have: a reference (a small image is made up for it) or a full description. */
export type ImageSeed = string | ImageDescription;

/** Builds and unpacks the images into the namespace, so the CRI plugin finds them on start. */
export async function addImages(
  containerd: FakeContainerd,
  namespace: string,
  snapshotter: string,
  seeds: readonly ImageSeed[],
  sandboxImage: string,
): Promise<void> {
  const view = containerd.namespace(namespace);
  for (const seed of seeds) {
    const description = typeof seed === "string" ? synthesizeImage(seed, sandboxImage) : seed;
    await buildImage(view.images, description);
    await unpackImage(view.images, view.snapshots.get(snapshotter), description.name);
  }
}
