// The constants of containerd's pkg/cri/server/helpers.go, under the same names.

/** Exit reason and code reported when a container fails to start (128, as Docker does). */
export const errorStartReason = "StartError";
export const errorStartExitCode = 128;
/** Exit reasons by how a container ended. */
export const completeExitReason = "Completed";
export const errorExitReason = "Error";
export const oomExitReason = "OOMKilled";
/** Exit code and reason of a container whose end the plugin could not observe. */
export const unknownExitCode = 255;
export const unknownExitReason = "Unknown";

/** Directories under the plugin's root and state dirs holding per-sandbox and per-container files. */
export const sandboxesDir = "sandboxes";
export const containersDir = "containers";

/** Joins the parts of sandbox and container names. */
export const nameDelimiter = "_";

export const criContainerdPrefix = "io.cri-containerd";
/** Label telling a sandbox (pause) container from an application container. */
export const containerKindLabel = `${criContainerdPrefix}.kind`;
export const containerKindSandbox = "sandbox";
export const containerKindContainer = "container";
/** Label marking an image as managed by the CRI plugin. */
export const imageLabelKey = `${criContainerdPrefix}.image`;
export const imageLabelValue = "managed";
/** containerd container extensions holding the CRI metadata of sandboxes and containers. */
export const sandboxMetadataExtension = `${criContainerdPrefix}.sandbox.metadata`;
export const containerMetadataExtension = `${criContainerdPrefix}.container.metadata`;

export const defaultIfName = "eth0";
export const runtimeRunhcsV1 = "io.containerd.runhcs.v1";
