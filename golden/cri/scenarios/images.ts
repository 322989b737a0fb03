// Images: pull, status, list and remove by tag, digest, full and short ID; reference forms, malformed
// and uppercase references; images in use; the sandbox image; ImageFsInfo. The local registry serves
// registry.k8s.io/pause:3.6 and docker.io/library/busybox:1.36 (also tagged `stable`); every other
// name is unknown to it.

import { defineScenario, type Scenario } from "../scenario.ts";
import { busybox, commands, containerStatus, createContainer, pause, pullBusybox, runPod, sandboxStatus, startContainer } from "./common.ts";

export const busyboxId = "sha256:d8bafad49614a747fcac72fc068f083b0b077c02fae1223524f068444f928d67";
const busyboxHex = busyboxId.slice("sha256:".length);
const busyboxDigest = "sha256:2a43cd67112f9c9a87fc1298334a4d9eba5895117b7ac62ad0d5a23818b4e5fb";
const busyboxByDigest = `docker.io/library/busybox@${busyboxDigest}`;
/** busybox:1.36 through the stalling registry, which trickles its layer (see reference-runtime.ts). */
const slowBusybox = "stall.registry.test/slow/library/busybox:1.36";
/** busybox:1.36 through the stalling registry, which stops sending its layer after 512 KiB. */
const stalledBusybox = "stall.registry.test/stall/library/busybox:1.36";
const pauseId = "sha256:f90e316d2bd8a2af3e051ada4702308155433cada8250dca86df99ee82d5500b";

/** Every way of naming busybox that containerd resolves locally. */
const busyboxNames = {
  tag: busybox,
  shortName: "busybox:1.36",
  libraryName: "library/busybox:1.36",
  dockerIoName: "docker.io/busybox:1.36",
  digest: busyboxByDigest,
  shortDigest: `busybox@${busyboxDigest}`,
  id: busyboxId,
  hex: busyboxHex,
  shortId: busyboxHex.slice(0, 12),
  oneChar: busyboxHex.slice(0, 1),
};

const malformed = [
  "Busybox:1.36",
  "docker.io/library/BUSYBOX:1.36",
  "BUSYBOX",
  "busybox:1.36:extra",
  "busybox::1.36",
  "::",
  " busybox:1.36",
  "busybox:1.36 ",
  "busybox@sha256:abc",
  `busybox@sha256:${busyboxHex.toUpperCase()}`,
  "busybox@md5:d41d8cd98f00b204e9800998ecf8427e",
  "-busybox",
  "busybox:",
  "busybox:-tag",
  `${"a".repeat(256)}:1`,
  "localhost:5000/Upper/case",
  "sha256:abc",
];

export const images: Scenario[] = [
  defineScenario("image-pull-status-list", "Pull by tag; ImageStatus by every name, the ID and prefixes; ListImages; pull again", (s) => {
    s.image.imageStatus({ image: { image: busybox } });
    s.image.listImages({});
    pullBusybox(s, "pulled");
    for (const image of Object.values(busyboxNames)) s.image.imageStatus({ image: { image } });
    s.image.imageStatus({ image: { image: "docker.io/library/busybox:stable" } });
    s.image.imageStatus({ image: { image: "busybox" } });
    s.image.imageStatus({ image: { image: pauseId } });
    s.image.listImages({});
    pullBusybox(s);
    s.image.listImages({});
  }),

  defineScenario("image-remove-by-tag", "RemoveImage by tag removes the image with all its names", (s) => {
    pullBusybox(s);
    s.image.pullImage({ image: { image: "docker.io/library/busybox:stable" } });
    s.image.listImages({});
    s.image.removeImage({ image: { image: busybox } });
    s.image.imageStatus({ image: { image: busyboxId } });
    s.image.imageStatus({ image: { image: "docker.io/library/busybox:stable" } });
    s.image.listImages({});
    s.image.removeImage({ image: { image: busybox } });
  }),

  defineScenario("image-remove-by-short-name", "RemoveImage by a short name that normalises to the pulled tag", (s) => {
    pullBusybox(s);
    s.image.removeImage({ image: { image: "busybox:1.36" } });
    s.image.imageStatus({ image: { image: busybox } });
    s.image.listImages({});
  }),

  defineScenario("image-remove-by-digest", "RemoveImage by repo digest", (s) => {
    pullBusybox(s);
    s.image.removeImage({ image: { image: busyboxByDigest } });
    s.image.imageStatus({ image: { image: busybox } });
    s.image.listImages({});
  }),

  defineScenario("image-remove-by-id", "RemoveImage by full image ID, and by its bare hex", (s) => {
    pullBusybox(s);
    s.image.removeImage({ image: { image: busyboxId } });
    s.image.imageStatus({ image: { image: busybox } });
    pullBusybox(s);
    s.image.removeImage({ image: { image: busyboxHex } });
    s.image.imageStatus({ image: { image: busybox } });
    s.image.listImages({});
  }),

  defineScenario("image-remove-by-short-id", "RemoveImage by a 12-character and a 1-character ID prefix", (s) => {
    pullBusybox(s);
    s.image.removeImage({ image: { image: busyboxHex.slice(0, 12) } });
    s.image.imageStatus({ image: { image: busybox } });
    pullBusybox(s);
    s.image.removeImage({ image: { image: busyboxHex.slice(0, 1) } });
    s.image.imageStatus({ image: { image: busybox } });
    s.image.listImages({});
  }),

  defineScenario("image-pull-by-digest", "Pull by digest (a repo digest, no tag), then by tag: one image with both", (s) => {
    s.image.pullImage({ image: { image: busyboxByDigest } });
    s.image.imageStatus({ image: { image: busyboxId } });
    s.image.imageStatus({ image: { image: busybox } });
    s.image.listImages({});
    pullBusybox(s);
    s.image.imageStatus({ image: { image: busyboxId } });
    s.image.pullImage({ image: { image: `busybox@${busyboxDigest}` } });
    s.image.listImages({});
  }),

  defineScenario("image-pull-names", "The same image pulled under every name form, and under a second tag", (s) => {
    for (const image of ["busybox:1.36", "library/busybox:1.36", "docker.io/busybox:1.36", "index.docker.io/library/busybox:1.36", busybox]) {
      s.image.pullImage({ image: { image } });
      s.image.listImages({});
    }
    s.image.pullImage({ image: { image: "busybox:stable" } });
    s.image.imageStatus({ image: { image: "busybox:1.36" } });
    s.image.listImages({});
  }),

  defineScenario("image-pull-not-found", "Pulls the registry cannot serve: unknown tags, repositories, digests and hosts", (s) => {
    s.image.pullImage({ image: { image: "busybox" } });
    s.image.pullImage({ image: { image: "busybox:latest" } });
    s.image.pullImage({ image: { image: "docker.io/library/nosuch:1" } });
    s.image.pullImage({ image: { image: `busybox@sha256:${"0".repeat(64)}` } });
    s.image.pullImage({ image: { image: "registry.k8s.io/pause:9.9" } });
    s.image.pullImage({ image: { image: "example.com/golden/app:1" } });
    s.image.pullImage({ image: { image: busyboxId } });
    s.image.pullImage({ image: { image: busyboxHex } });
    s.image.listImages({});
  }),

  defineScenario("image-references-malformed", "PullImage, ImageStatus and RemoveImage with malformed and uppercase references", (s) => {
    for (const image of malformed) {
      s.image.pullImage({ image: { image } });
      s.image.imageStatus({ image: { image } });
      s.image.removeImage({ image: { image } });
    }
  }),

  defineScenario("image-references-malformed-present", "ImageStatus and RemoveImage with malformed references while images are present", (s) => {
    pullBusybox(s);
    for (const image of malformed) {
      s.image.imageStatus({ image: { image } });
      s.image.removeImage({ image: { image } });
    }
    s.image.listImages({});
  }),

  defineScenario("image-remove-unknown", "RemoveImage of names and IDs that are not there, twice", (s) => {
    s.image.removeImage({ image: { image: busybox } });
    s.image.removeImage({ image: { image: busyboxId } });
    s.image.removeImage({ image: { image: "0123456789ab" } });
    pullBusybox(s);
    s.image.removeImage({ image: { image: "docker.io/library/busybox:stable" } });
    s.image.removeImage({ image: { image: `sha256:${"0".repeat(64)}` } });
    s.image.listImages({});
    s.image.removeImage({ image: { image: busybox } });
    s.image.removeImage({ image: { image: busybox } });
  }),

  defineScenario("image-remove-in-use", "Removing an image a running container uses, and the sandbox image of a running pod", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    createContainer(s, "pod", "pod", "app", commands.sleepForever, "app");
    startContainer(s, "app");
    s.image.removeImage({ image: { image: busybox } });
    s.image.removeImage({ image: { image: pause } });
    s.image.listImages({});
    containerStatus(s, "app");
    sandboxStatus(s, "pod");
    s.runtime.listContainers({});
    createContainer(s, "pod", "pod", "after", commands.sleepForever, "after");
    s.runtime.stopContainer({ containerId: "$app.containerId", timeout: 0n });
    containerStatus(s, "app");
  }),

  defineScenario("image-sandbox-image", "RunPodSandbox pulls the sandbox image; it then lists, shows and removes like any image", (s) => {
    s.image.listImages({});
    runPod(s, "pod", "pod");
    s.image.listImages({});
    s.image.imageStatus({ image: { image: pause } });
    s.image.imageStatus({ image: { image: "registry.k8s.io/pause" } });
    s.image.pullImage({ image: { image: pause } });
    s.runtime.stopPodSandbox({ podSandboxId: "$pod.podSandboxId" });
    s.runtime.removePodSandbox({ podSandboxId: "$pod.podSandboxId" });
    s.image.removeImage({ image: { image: pause } });
    s.image.listImages({});
    runPod(s, "pod", "again");
    s.image.listImages({});
  }),

  defineScenario("image-pull-options", "PullImage with auth, a sandbox config and image annotations: the same answer", (s) => {
    s.image.pullImage({ image: { image: busybox }, auth: { username: "golden", password: "secret" } });
    s.image.pullImage({ image: { image: busybox }, auth: { auth: "Z29sZGVuOnNlY3JldA==" } });
    s.image.pullImage({ image: { image: busybox }, auth: { identityToken: "token", registryToken: "token" } });
    s.image.pullImage({
      image: { image: busybox, annotations: { "example.com/note": "pull" } },
      sandboxConfig: { metadata: { name: "pod", namespace: "golden", uid: "pod-uid" } },
    });
    s.image.pullImage({ image: { image: pause, runtimeHandler: "runc" } });
    s.image.listImages({});
  }),

  defineScenario("image-list-filter", "ListImages ignores its filter in containerd 1.6", (s) => {
    pullBusybox(s);
    s.image.pullImage({ image: { image: pause } });
    s.image.listImages({ filter: { image: { image: busybox } } });
    s.image.listImages({ filter: { image: { image: "docker.io/library/nosuch:1" } } });
    s.image.listImages({ filter: {} });
  }),

  defineScenario("image-status-verbose", "ImageStatus verbose: the image and the info containerd derives from its config", (s) => {
    pullBusybox(s);
    s.image.pullImage({ image: { image: pause } });
    for (const image of [busybox, pause]) {
      s.image.imageStatus({ image: { image }, verbose: true }, { select: ["image", "info.info.chainID", "info.info.imageSpec"] });
    }
    s.image.imageStatus({ image: { image: "docker.io/library/nosuch:1" }, verbose: true });
  }),

  defineScenario("imagefs-info", "ImageFsInfo on an empty runtime and after pulls", (s) => {
    s.image.imageFsInfo({});
    pullBusybox(s);
    s.image.imageFsInfo({});
    s.v1alpha2.image.imageFsInfo({});
  }),

  defineScenario(
    "image-pull-slow-registry",
    "A registry that sends a layer in ten pieces half a second apart (scripts/reference/stalling-registry.ts): longer than the 2 s image_pull_progress_timeout in all, never idle that long, so the pull succeeds",
    (s) => {
      s.image.pullImage({ image: { image: slowBusybox } });
      s.image.imageStatus({ image: { image: slowBusybox } });
      s.image.listImages({});
    },
  ),

  defineScenario(
    "image-pull-stall",
    "A registry that stops sending a layer after 512 KiB (scripts/reference/stalling-registry.ts), pulled with use_local_image_pull: the 2 s image_pull_progress_timeout cancels the pull, and no image is left",
    (s) => {
      s.image.pullImage({ image: { image: stalledBusybox } });
      s.image.imageStatus({ image: { image: stalledBusybox } });
      s.image.listImages({});
    },
    // 2.4.2's default pull (the transfer service) does not see the stall and waits; the local pull does.
    { containerd: ["2.4"], imagesConfig: ["use_local_image_pull = true"] },
  ),
];
