// What the transcripts were recorded against, as data a fake target is set up from: the CRI plugin
// config of scripts/reference/start.sh (paths aside) and what its registry serves. The two configs
// are written twice, once as the fake reads them and once as start.sh's instance needs them;
// reference-runtime.test.ts checks that they say the same.

import { fileURLToPath } from "node:url";
import type { ContainerdVersion } from "../../src/cri/versions/index.ts";

/** The CRI plugin part of the reference config.toml for 1.6 (start.sh writes the same, plus instance paths). */
const referenceConfigToml16 = `version = 2

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.6"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  netns_mounts_under_state_dir = true

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.passthrough]
      runtime_type = "io.containerd.runc.v2"
      pod_annotations = ["golden.pod/*", "golden.exact/key", "golden.class/[ab]?"]
      container_annotations = ["golden.ctr/*", "*"]
`;

/**
 * The same settings as 2.4's version-3 file puts them (start.sh writes the same, plus instance
 * paths and the host-wide plugins it keeps inside the instance: NRI, the image verifier, CDI dirs).
 */
const referenceConfigToml24 = `version = 3

[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"

[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  image_pull_progress_timeout = "2s"

  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "registry.k8s.io/pause:3.6"

[plugins.'io.containerd.cri.v1.runtime']
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true

  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"

    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.passthrough]
      runtime_type = "io.containerd.runc.v2"
      pod_annotations = ["golden.pod/*", "golden.exact/key", "golden.class/[ab]?"]
      container_annotations = ["golden.ctr/*", "*"]
`;

/** The CDI spec files start.sh puts in 2.x's `cdi_spec_dirs` (golden/cri/cdi/). */
export const referenceCdiSpecs = fileURLToPath(new URL("./cdi/", import.meta.url));

/** The reference config.toml of each version, as a fake target is set up from it. */
export const referenceConfigToml: Record<ContainerdVersion, string> = { "2.4": referenceConfigToml24, "1.6": referenceConfigToml16 };

/** Where start.sh's `--images-config` lines go: the end of 2.x's images plugin's own keys. */
const imagesTableEnd = '  image_pull_progress_timeout = "2s"\n';

/**
 * The reference config.toml with a scenario's lines added to 2.x's CRI images plugin table, as
 * `start.sh --images-config <line> ...` writes it (a scenario's `imagesConfig`).
 */
export function referenceConfigWith(containerd: ContainerdVersion, imagesConfig: readonly string[] = []): string {
  if (imagesConfig.length === 0) return referenceConfigToml[containerd];
  if (containerd === "1.6") throw new Error("1.6 has no images plugin to configure");
  return referenceConfigToml24.replace(imagesTableEnd, imagesTableEnd + imagesConfig.map((line) => `  ${line}\n`).join(""));
}

/**
 * The registry every pull reached: these OCI archives under these references, nothing else (any
 * other reference is NotFound from it). Each scenario starts with no images at all, the sandbox
 * image included: RunPodSandbox pulls it.
 */
export const referenceRegistry: readonly { archive: string; references: readonly string[] }[] = [
  {
    archive: fileURLToPath(new URL("./images/pause-3.6.oci.tar", import.meta.url)),
    references: ["registry.k8s.io/pause:3.6"],
  },
  {
    archive: fileURLToPath(new URL("./images/busybox-1.36.oci.tar", import.meta.url)),
    // The stalling registry's slow/ and stall/ serve the same repository (scripts/reference/stalling-registry.ts).
    references: [
      "docker.io/library/busybox:1.36",
      "docker.io/library/busybox:stable",
      "stall.registry.test/slow/library/busybox:1.36",
      "stall.registry.test/stall/library/busybox:1.36",
    ],
  },
];

/**
 * The stalling registry's stall/: a blob larger than `afterBytes` (its stallAfterBytes) is begun and
 * never finished. The fake's registry hands a blob over whole, so there the fetch never answers.
 */
export const referenceStall = { prefix: "stall.registry.test/stall/", afterBytes: 512 * 1024 } as const;
