// The small images the fake makes up when it has to: for the images a harness is asked to have, and
// for "pull anything". The sandbox image looks like the pause image (runs /pause as 65535:65535);
// anything else like a minimal shell image (Cmd ["sh"], /etc/passwd and /etc/group) that carries its
// name in /etc/fake-cri-image, so that two made-up names are two images with two IDs. (Not a config
// label: image labels flow into every container's labels.)

import type { ImageDescription } from "../../fake-containerd/images/build.ts";
import { parseDockerRef, referenceString } from "../go/reference.ts";

const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The small image the fake makes up for `ref`: a pause-like image for the sandbox image, else a minimal shell image. */
export function synthesizeImage(ref: string, sandboxImage: string): ImageDescription {
  const name = referenceString(parseDockerRef(ref));
  if (isSameImageName(name, sandboxImage)) {
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
        "etc/fake-cri-image": `${name}\n`,
        "tmp/": { type: "dir", mode: 0o1777 },
      },
    ],
  };
}

/** Whether two references name the same image once normalised (`busybox` = `docker.io/library/busybox:latest`). */
export function isSameImageName(ref: string, other: string): boolean {
  try {
    return referenceString(parseDockerRef(other)) === referenceString(parseDockerRef(ref));
  } catch {
    return false;
  }
}
