// The images critest v1.37.0 pulls (sigs.k8s.io/cri-tools pkg/validate and pkg/framework; the
// gcr.io/k8s-staging-cri-tools ones built by its images/build from busybox:1.37.0 and nginx), one
// entry per image: every reference critest pulls it by (one manifest under several tags and
// registries), and what its specs read (the user, the files, the command). A pull of one of these
// names, with nothing in the fake's registry under it, gets the entry's stand-in (src/cri/images/
// synthesize.ts), so critest finds what it expects: the repo tags of one image, its user in
// ImageStatus, the same ID from two registries, and `test-image-digest` under the digest critest
// pins, which no content the fake can build has: the registry answers that digest with the
// stand-in's manifest and the pulled image is named by it (golden/cri/KNOWN_DIFFERENCES.md,
// `images-critest-catalogue`). Real images of these names are manifest lists; the stand-ins are
// Docker manifest lists of one linux/amd64 manifest.

import { busyboxImage, alpineImage, httpdImage, nginxImage, pauseImage, program } from "./bases.ts";
import type { ImageDescription } from "../../../fake-containerd/images/build.ts";

export interface CatalogueImage {
  /** Normalised references (`host/path:tag` or `host/path@digest`) that all name this one image. */
  references: readonly string[];
  /** What critest uses it for, and what the real image is. */
  about: string;
  image: Omit<ImageDescription, "name">;
}

const e2e = "registry.k8s.io/e2e-test-images/";
const criTools = "gcr.io/k8s-staging-cri-tools/";

/** critest's test-image-* (images/image-test): busybox:1.37.0 with one empty file at the root, named by the build. */
function testImage(references: string[], file: string, about: string): CatalogueImage {
  return { references, about, image: busyboxImage({ files: { [file]: "" } }) };
}

/** critest's test-image-user-* (images/image-user): busybox:1.37.0 with `USER user`. */
function userImage(name: string, user: string, about: string): CatalogueImage {
  return { references: [`${criTools}${name}:latest`], about, image: busyboxImage({ user }) };
}

export const critestCatalogue: readonly CatalogueImage[] = [
  {
    references: [`${e2e}busybox:1.29-2`],
    about: "critest's default container image (framework.DefaultLinuxContainerImage): busybox 1.29, Cmd sh",
    image: busyboxImage(),
  },
  {
    references: [`${e2e}nginx:1.14-2`],
    about: "the web server of the networking, port-forward and namespace specs: nginx 1.14.2 on Alpine, port 80, STOPSIGNAL SIGTERM",
    image: nginxImage({ version: "1.14.2", stopSignal: "SIGTERM" }),
  },
  {
    references: [`${e2e}httpd:2.4.39-4`],
    about: "the multiple-containers spec's server: httpd 2.4.39 on Alpine, port 80",
    image: httpdImage({ version: "2.4.39" }),
  },
  {
    references: [`${e2e}nonewprivs:1.3`],
    about: "the NoNewPrivs specs: Alpine with /usr/local/bin/nnp, a setuid-root program printing its effective uid, Cmd nnp",
    image: alpineImage({ cmd: ["nnp"] }, { "usr/local/bin/nnp": { mode: 0o4755, content: program("nnp") } }),
  },
  ...["amd64", "arm", "arm64", "ppc64le", "s390x"].map((arch) => ({
    references: [`${criTools}hostnet-nginx-${arch}:latest`],
    about: `the host-network web server (images/hostnet-nginx, for GOARCH ${arch}): nginx 1.25.0 listening on 12003 (the real image also runs nginx through /docker-entrypoint.sh, which the stand-in leaves out)`,
    image: nginxImage({ version: "1.25.0", port: 12003, stopSignal: "SIGQUIT" }),
  })),
  userImage("test-image-user-uid", "1002", "ImageStatus's uid 1002, no username"),
  userImage("test-image-user-username", "www-data", "ImageStatus's username www-data, no uid"),
  userImage("test-image-user-uid-group", "1003:1004", "ImageStatus's uid 1003 from USER 1003:1004"),
  userImage("test-image-user-username-group", "www-data:1004", "ImageStatus's username www-data from USER www-data:1004"),
  {
    references: [`${criTools}test-image-predefined-group:latest`],
    about: "images/image-predefined-group: default-user (1000) in group-defined-in-image (50000), USER 1000",
    image: busyboxImage({
      user: "1000",
      extraUsers: ["default-user:x:1000:1000:Linux User,,,:/home/default-user:/bin/sh"],
      extraGroups: ["default-user:x:1000:", "group-defined-in-image:x:50000:default-user"],
      files: { "home/default-user/": { type: "dir", mode: 0o2755 } },
    }),
  },
  testImage([`${criTools}test-image-latest:latest`], "test-image-latest", "pulled without a tag"),
  testImage([`${criTools}test-image-tag:test`], "test", "pulled by tag"),
  testImage([`${criTools}test-image-tag:all`], "all", "looked up by every name ImageStatus accepts"),
  testImage(
    [`${criTools}test-image-digest:latest`, `${criTools}test-image-digest@sha256:9700f9a2f5bf2c45f2f605a0bd3bce7cf37420ec9d3ed50ac2758413308766bf`],
    "test-image-digest",
    "pulled by the digest critest pins (the real manifest list's); RepoTags empty, RepoDigests that reference",
  ),
  testImage([`${criTools}test-image-1:latest`], "test-image-1", "one of three different images"),
  testImage([`${criTools}test-image-2:latest`], "test-image-2", "one of three different images"),
  testImage([`${criTools}test-image-3:latest`], "test-image-3", "one of three different images"),
  testImage(
    [`${criTools}test-image-tags:1`, `${criTools}test-image-tags:2`, `${criTools}test-image-tags:3`],
    "same-image",
    "one image under three tags: one ID, three repo tags, all gone when one is removed",
  ),
  {
    references: ["registry.k8s.io/pause:3.9", "k8s.gcr.io/pause:3.9"],
    about: "one image from two registries: the same ID, both repo tags, all gone when one is removed; a container runs its /pause",
    image: pauseImage(),
  },
];
