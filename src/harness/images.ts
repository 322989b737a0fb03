// Images a fake node has before the CRI plugin starts, as if imported with `ctr -n k8s.io images
// import`: built into fake-containerd's k8s.io namespace and unpacked into the configured
// snapshotter. The CRI plugin's recovery then takes them into its image store (giving each its
// image-ID record and the managed label), as containerd's does on start.

import { buildImage, type ImageDescription } from "../../fake-containerd/images/build.ts";
import { unpackImage } from "../../fake-containerd/images/unpack.ts";
import type { FakeContainerd } from "../../fake-containerd/index.ts";
import { parseDockerRef, referenceString } from "../go/reference.ts";

export type { ImageDescription };

/** An image to have: a reference (a small image is made up for it) or a full description. */
export type ImageSeed = string | ImageDescription;

const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * A small image for a reference: the sandbox image looks like the pause image (runs /pause as
 * 65535:65535), anything else like a minimal shell image (Cmd ["sh"], /etc/passwd and /etc/group).
 */
export function describeImage(ref: string, sandboxImage: string): ImageDescription {
  const name = referenceString(parseDockerRef(ref));
  if (name === referenceString(parseDockerRef(sandboxImage))) {
    return {
      name,
      config: { entrypoint: ["/pause"], user: "65535:65535", env: [defaultPath] },
      layers: [{ pause: { mode: 0o755, content: "fake-cri pause\n" } }],
    };
  }
  return {
    name,
    config: { cmd: ["sh"], env: [defaultPath] },
    layers: [
      {
        "bin/sh": { mode: 0o755, content: "fake-cri sh\n" },
        "etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
        "etc/group": "root:x:0:\nnogroup:x:65534:\n",
        "tmp/": { type: "dir", mode: 0o1777 },
      },
    ],
  };
}

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
    const description = typeof seed === "string" ? describeImage(seed, sandboxImage) : seed;
    await buildImage(view.images, description);
    await unpackImage(view.images, view.snapshots.get(snapshotter), description.name);
  }
}
