// What the transcripts were recorded against, as data a fake target is set up from: the CRI plugin
// config of scripts/reference/start.sh (paths aside) and what its registry serves. Keep in step with
// start.sh.

import { fileURLToPath } from "node:url";

/** The CRI plugin part of the reference config.toml (start.sh writes the same, plus instance paths). */
export const referenceConfigToml = `version = 2

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

/** What Version answered (RuntimeVersion is Debian's package version). */
export const referenceRuntimeVersion = "1.6.20~ds1";

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
    references: ["docker.io/library/busybox:1.36", "docker.io/library/busybox:stable"],
  },
];
