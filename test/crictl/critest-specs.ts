// critest v1.37.0 (sigs.k8s.io/cri-tools) against `fake-cri serve`, answering as containerd 2.4 (the
// default) and as 1.6 (`--containerd 1.6`): every spec critest runs against a Linux runtime is here,
// as passing or as failing with the reason (what the kernel shows inside a container: processes,
// namespaces, privileges, mounts; what the fake does not model). The rest critest skips by itself
// (AppArmor, NRI, user namespaces, benchmarks). A group with `containerd` holds for that profile
// only: the specs 1.6 fails or critest skips under it (features 1.6.20 does not report). The
// streaming specs also run a second time with critest's WebSocket flags (streamingSpecs).

/** A profile of `fake-cri serve --containerd`. */
export type Containerd = "2.4" | "1.6";

/** Specs that fail (or that critest skips), and why; under one profile when `containerd` says which. */
export interface SpecGroup {
  why: string;
  specs: readonly string[];
  containerd?: Containerd;
}

/** Full spec texts, as Ginkgo reports them. */
export const passingSpecs: readonly string[] = [
  "[k8s.io] Runtime info runtime should support returning runtime info runtime should return version info [Conformance]",
  "[k8s.io] Runtime info runtime should support returning runtime info runtime should return runtime conditions [Conformance]",
  "[k8s.io] Image Consistency should not list or get image status immediately after removal [Conformance]",
  "[k8s.io] Image Consistency should list and get image status immediately after pulling [Conformance]",
  "[k8s.io] Image Consistency should not fail on simultaneous RemoveImage calls [Conformance]",
  "[k8s.io] Security Context NamespaceOption runtime should support HostNetwork is false",
  "[k8s.io] Security Context NamespaceOption runtime should support PodPID",
  "[k8s.io] Security Context bucket runtime should support SupplementalGroups",
  "[k8s.io] Security Context bucket runtime should support RunAsUser",
  "[k8s.io] Security Context bucket runtime should support RunAsUserName",
  "[k8s.io] Security Context bucket runtime should support RunAsGroup",
  "[k8s.io] Security Context bucket runtime should return error if RunAsGroup is set without RunAsUser",
  "[k8s.io] Security Context bucket runtime should support Privileged is false",
  "[k8s.io] Security Context bucket runtime should support that ReadOnlyRootfs is false",
  "[k8s.io] Security Context bucket runtime should support that ReadOnlyRootfs is true",
  "[k8s.io] Security Context bucket runtime should support adding ALL capabilities",
  "[k8s.io] Security Context bucket runtime should support dropping ALL capabilities",
  "[k8s.io] Security Context SeccompProfilePath should support seccomp unconfined on the container",
  "[k8s.io] Security Context SeccompProfilePath should support nil profile, which is unconfined",
  "[k8s.io] Security Context SeccompProfilePath should support seccomp default on the container",
  "[k8s.io] Security Context SeccompProfilePath runtime should support an seccomp profile that blocks setting hostname with SYS_ADMIN",
  "[k8s.io] Container runtime should support basic operations on container runtime should support creating container [Conformance]",
  "[k8s.io] Container runtime should support basic operations on container runtime should support preserving container attributes [Conformance]",
  "[k8s.io] Container runtime should support basic operations on container runtime should support starting container [Conformance]",
  "[k8s.io] Container runtime should support basic operations on container runtime should support stopping container [Conformance]",
  "[k8s.io] Container runtime should support basic operations on container runtime should support removing created container [Conformance]",
  "[k8s.io] Container runtime should support basic operations on container runtime should support removing running container [Conformance]",
  "[k8s.io] Container runtime should support basic operations on container runtime should support removing stopped container [Conformance]",
  "[k8s.io] Container runtime should support basic operations on container runtime should support listing container stats [Conformance]",
  "[k8s.io] Container runtime should support basic operations on container runtime should support listing stats for started containers [Conformance]",
  "[k8s.io] Container runtime should support basic operations on container runtime should support listing stats for started containers when filter is nil [Conformance]",
  "[k8s.io] Container runtime should support basic operations on container runtime should support listing stats for three created containers when filter is nil. [Conformance]",
  "[k8s.io] Container runtime should support basic operations on container runtime should support listing stats for containers filtered by labels [Conformance]",
  "[k8s.io] Container runtime should support adding volume and device runtime should support starting container with volume [Conformance]",
  "[k8s.io] Container runtime should support adding volume and device runtime should support starting container with volume when host path is a symlink [Conformance]",
  "[k8s.io] Container runtime should support log runtime should support starting container with log [Conformance]",
  "[k8s.io] Container runtime should support log runtime should support reopening container log [Conformance]",
  "[k8s.io] Networking runtime should support networking runtime should support DNS config [Conformance]",
  "[k8s.io] Networking runtime should support networking runtime should support set hostname [Conformance]",
  "[k8s.io] Idempotence StopPodSandbox should not return an error if already stopped",
  "[k8s.io] Idempotence StopPodSandbox should not return an error if not found",
  "[k8s.io] Idempotence StopContainer should not return an error if not found",
  "[k8s.io] Idempotence RemovePodSandbox should not return an error if not found",
  "[k8s.io] Idempotence StopContainer should not return an error if already stopped",
  "[k8s.io] Idempotence RemoveContainer should not return an error if not found",
  "[k8s.io] Idempotence RemoveImage should not return an error if not found",
  "[k8s.io] PodSandbox runtime should support sysctls should support safe sysctls",
  "[k8s.io] PodSandbox runtime should support sysctls should support unsafe sysctls",
  "[k8s.io] PodSandbox runtime should support basic operations on PodSandbox runtime should support running PodSandbox [Conformance]",
  "[k8s.io] PodSandbox runtime should support basic operations on PodSandbox runtime should support stopping PodSandbox [Conformance]",
  "[k8s.io] PodSandbox runtime should support basic operations on PodSandbox runtime should support removing PodSandbox [Conformance]",
  "[k8s.io] PodSandbox runtime should support basic operations on PodSandbox runtime should support preserving PodSandbox attributes [Conformance]",
  "[k8s.io] Image Manager public image with tag should be pulled and removed [Conformance]",
  "[k8s.io] Image Manager public image without tag should be pulled and removed [Conformance]",
  "[k8s.io] Image Manager image status should support all kinds of references [Conformance]",
  "[k8s.io] Image Manager listImage should get exactly 3 image in the result list [Conformance]",
  "[k8s.io] Image Manager public image with digest should be pulled and removed [Conformance]",
  "[k8s.io] Image Manager image status get image fields should not have Uid|Username empty [Conformance]",
  "[k8s.io] Image Manager listImage should get exactly 3 repoTags in the result image [Conformance]",
  "[k8s.io] Image Manager removing image by one tag should remove all tags [Conformance]",
  "[k8s.io] Image Manager removing image from one registry should remove all tags from other registries [Conformance]",
  "[k8s.io] Image Manager public image should timeout if requested [Conformance]",
  "[k8s.io] Image Identifier Consistency should return the same image identifier across all APIs [Conformance]",
  "[k8s.io] Image Identifier Consistency should return the same image identifier when pulled from different registries [Conformance]",
  "[k8s.io] Container Mount Readonly runtime should support readonly mounts should support recursive readonly mounts",
  "[k8s.io] Container Mount Readonly runtime should support readonly mounts should support non-recursive readonly mounts",
  "[k8s.io] Container Mount Propagation runtime should support mount propagation mount with 'rprivate' should not support propagation",
  "[k8s.io] Container Mount Propagation runtime should support mount propagation mount with 'rshared' should support propagation from host to container and vice versa",
  "[k8s.io] Container Mount Propagation runtime should support mount propagation mount with 'rslave' should support propagation from host to container",
  "[k8s.io] Security Context SupplementalGroupsPolicy when SupplementalGroupsPolicy=Merge (Default) if the container's primary UID belongs to some groups in the image, runtime should add SupplementalGroups to them",
  "[k8s.io] Container Mount Readonly runtime should support readonly mounts should reject a recursive readonly mount with PROPAGATION_HOST_TO_CONTAINER",
  "[k8s.io] Container Mount Readonly runtime should support readonly mounts should reject a recursive readonly mount with PROPAGATION_BIDIRECTIONAL",
  "[k8s.io] Container Mount Readonly runtime should support readonly mounts should reject a recursive readonly mount with ReadOnly: false",
  "[k8s.io] Security Context SupplementalGroupsPolicy when SupplementalGroupsPolicy=Strict even if the container's primary UID belongs to some groups in the image, runtime should not add SupplementalGroups to them",
  "[k8s.io] PodSandbox runtime should support metrics operations runtime should support returning metrics descriptors [Conformance]",
  "[k8s.io] PodSandbox runtime should support metrics operations runtime should support listing pod sandbox metrics [Conformance]",
  "[k8s.io] Container OOM runtime should output OOMKilled reason should terminate with exitCode 137 and reason OOMKilled",
  "[k8s.io] Container runtime should support basic operations on container runtime should support execSync [Conformance]",
  "[k8s.io] Container runtime should support basic operations on container runtime should support execSync with timeout [Conformance]",
  "[k8s.io] Multiple Containers [Conformance] when running multiple containers in a pod should support container exec",
  "[k8s.io] Multiple Containers [Conformance] when running multiple containers in a pod should support network",
  "[k8s.io] Multiple Containers [Conformance] when running multiple containers in a pod should support container log",
  "[k8s.io] Networking runtime should support networking runtime should support port mapping with only container port [Conformance]",
  "[k8s.io] Networking runtime should support networking runtime should support port mapping with host port and container port [Conformance]",
  // With the node's /dev/shm, /proc/sysvipc and /proc/net allowed (critest.test.ts): critest's ipcmk segment and listening port.
  "[k8s.io] Security Context NamespaceOption runtime should support HostPID",
  "[k8s.io] Security Context NamespaceOption runtime should support HostIpc is true",
  "[k8s.io] Security Context NamespaceOption runtime should support HostIpc is false",
  "[k8s.io] Security Context NamespaceOption runtime should support ContainerPID",
  "[k8s.io] Security Context NamespaceOption runtime should support HostNetwork is true",
  // What a process's privileges let it do (fake-containerd/privileges.ts, masked-paths.ts, the applets brctl, ping, chmod, hostname NAME, nnp).
  "[k8s.io] Security Context bucket runtime should support Privileged is true",
  "[k8s.io] Security Context bucket runtime should support adding capability",
  "[k8s.io] Security Context bucket runtime should support dropping capability",
  "[k8s.io] Security Context bucket runtime should support MaskedPaths",
  "[k8s.io] Security Context bucket runtime should support ReadonlyPaths",
  "[k8s.io] Security Context SeccompProfilePath should support seccomp localhost profile on the container",
  "[k8s.io] Security Context SeccompProfilePath runtime should not block setting host name with unconfined seccomp and SYS_ADMIN",
  "[k8s.io] Security Context SeccompProfilePath runtime should ignore a seccomp profile that blocks setting hostname when privileged",
  "[k8s.io] Security Context NoNewPrivs should not allow privilege escalation when true",
  "[k8s.io] Security Context NoNewPrivs should allow privilege escalation when false",
  // Image volumes (src/cri/server/container-image-volumes.ts); 1.6 skips them (skippedSpecs).
  "[k8s.io] Image Volume [Feature:ImageVolume] should correctly mount image and enforce read-only",
  "[k8s.io] Image Volume [Feature:ImageVolume] should reject Image Volume with Readonly set to false",
  "[k8s.io] Image Volume [Feature:ImageVolume] subPath should succeed when using a valid subPath",
  "[k8s.io] Image Volume [Feature:ImageVolume] subPath should fail when subPath does not exist in the image",
];

/** The streaming specs: passing over SPDY, and again over WebSocket (--websocket-exec, -attach, -portforward). */
export const streamingSpecs: readonly string[] = [
  "[k8s.io] Streaming runtime should support streaming interfaces runtime should support exec with tty=false and stdin=false [Conformance]",
  "[k8s.io] Streaming runtime should support streaming interfaces runtime should support exec with tty=true and stdin=true [Conformance]",
  "[k8s.io] Streaming runtime should support streaming interfaces runtime should support attach [Conformance]",
  "[k8s.io] Streaming runtime should support streaming interfaces runtime should support portforward [Conformance]",
  "[k8s.io] Streaming runtime should support streaming interfaces runtime should support portforward in host network",
];

export const failingSpecs: readonly SpecGroup[] = [
  {
    containerd: "1.6",
    why: "containerd 1.6.20 answers NotFound to stopping a sandbox or container it does not know, as the fake does (golden/cri/1.6/sandbox-stop-remove-idempotence.json, container-stop-idempotence.json); 2.4.2 answers success.",
    specs: [
      "[k8s.io] Idempotence StopPodSandbox should not return an error if not found",
      "[k8s.io] Idempotence StopContainer should not return an error if not found",
    ],
  },
];

/** Listed specs critest skips by itself. */
export const skippedSpecs: readonly SpecGroup[] = [
  {
    why: "containerd 2.4.2 does not fill a mount's `image.imageRef` (KEP-5365) in ContainerStatus, so critest skips its check of it; nor does the fake (golden/cri/2.4/container-image-volumes.json).",
    specs: ["[k8s.io] Image Volume [Feature:ImageVolume] should return image digest in ContainerStatus mounts"],
  },
  {
    containerd: "1.6",
    why: "1.6.20's CRI API has no image in a mount: it reads an image volume as host path \"\" and answers `failed to generate spec: failed to mkdir \"\"`, as the fake does (golden/cri/1.6/container-image-volume-unknown.json), which critest takes for a runtime without image volumes.",
    specs: [
      "[k8s.io] Image Volume [Feature:ImageVolume] should correctly mount image and enforce read-only",
      "[k8s.io] Image Volume [Feature:ImageVolume] should reject Image Volume with Readonly set to false",
      "[k8s.io] Image Volume [Feature:ImageVolume] subPath should succeed when using a valid subPath",
      "[k8s.io] Image Volume [Feature:ImageVolume] subPath should fail when subPath does not exist in the image",
    ],
  },
  {
    containerd: "1.6",
    why: "1.6.20 does not report the feature (Status runtime handlers) or fill the field critest checks first: image IDs of containers, recursive read-only mounts, supplemental groups policies, pod metrics.",
    specs: [
      "[k8s.io] Image Identifier Consistency should return the same image identifier across all APIs [Conformance]",
      "[k8s.io] Image Identifier Consistency should return the same image identifier when pulled from different registries [Conformance]",
      "[k8s.io] Container Mount Readonly runtime should support readonly mounts should support recursive readonly mounts",
      "[k8s.io] Container Mount Readonly runtime should support readonly mounts should reject a recursive readonly mount with PROPAGATION_HOST_TO_CONTAINER",
      "[k8s.io] Container Mount Readonly runtime should support readonly mounts should reject a recursive readonly mount with PROPAGATION_BIDIRECTIONAL",
      "[k8s.io] Container Mount Readonly runtime should support readonly mounts should reject a recursive readonly mount with ReadOnly: false",
      "[k8s.io] Security Context SupplementalGroupsPolicy when SupplementalGroupsPolicy=Merge (Default) if the container's primary UID belongs to some groups in the image, runtime should add SupplementalGroups to them",
      "[k8s.io] Security Context SupplementalGroupsPolicy when SupplementalGroupsPolicy=Strict even if the container's primary UID belongs to some groups in the image, runtime should not add SupplementalGroups to them",
      "[k8s.io] PodSandbox runtime should support metrics operations runtime should support returning metrics descriptors [Conformance]",
      "[k8s.io] PodSandbox runtime should support metrics operations runtime should support listing pod sandbox metrics [Conformance]",
    ],
  },
];
