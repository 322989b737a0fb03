// What differs between the containerd versions the fake answers as, one field per difference. Each
// version's module (containerd-1.6.ts, containerd-2.4.ts) fills in every field with what that
// version does, recorded in its transcript suite (golden/cri/<version>/); the RPC files read the
// selected profile (CriService.profile) where they differ and nowhere else. A third version is a
// third module.

import type { ContainerConfig, RuntimeFeatures, RuntimeHandlerFeatures } from "../api/v1.ts";
import type { CriConfig, CriPluginConfig } from "../config.ts";
import type { Code } from "../errors.ts";
import type { ContainerdVersion } from "./index.ts";

/** How an RPC the fake has code for is answered by a version. */
export type RpcSupport =
  /** The version implements it. */
  | "implemented"
  /** Registered but unimplemented: `method X not implemented`. */
  | "not implemented"
  /** Unknown to the version's CRI API: `unknown method X for service runtime.v1.RuntimeService`. */
  | "unknown";

/** How one containerd version answers where versions differ (CriService.profile). */
export interface ContainerdProfile {
  version: ContainerdVersion;
  /** Version's runtimeVersion: the release's version string. */
  runtimeVersion: string;
  /** Status verbose `info.golang`: the Go the reference binary was built with. */
  goVersion: string;
  /** Whether runtime.v1alpha2 is served; without it every v1alpha2 call is `unknown service ...`. */
  servesV1alpha2: boolean;
  /** v1 RPCs that are not simply implemented, by method key; any not listed is implemented. */
  rpcs: Readonly<Record<string, Exclude<RpcSupport, "implemented">>>;
  /**
   * CreateContainer's config as the version decodes it, with the CRI API it vendors: 1.6.20's
   * (cri-api v0.25.0) drops the fields added since (recursive read-only mounts, the supplemental
   * groups policy, CDI devices, the stop signal, ...); 2.4.2's (v0.37) is the fake's own. What the
   * version then does with a field follows from whether it is there.
   */
  decodeContainerConfig(config: ContainerConfig): ContainerConfig;
  /** The text of the ID index's error for an empty ID or prefix. */
  emptyIdPrefixText: string;
  /**
   * Whether an error the shim answers with gRPC code Unknown (runc's failures) reads `<text>:
   * unknown`, as 1.x's errdefs.FromGRPC wraps it; 2.x keeps the shim's text.
   */
  shimUnknownErrorsEndUnknown: boolean;
  /**
   * The code of RunPodSandbox's and CreateContainer's refusal of a name (or ID) held by another:
   * Unknown (1.6), FailedPrecondition (2.x: registrar's error is a conflict).
   */
  nameReservedCode: Code;
  /** What CreateContainer's refusal of a held name adds after `failed to reserve container name "<name>"`. */
  containerNameReservedHint: string;
  /**
   * RunPodSandbox goes through 2.x's sandbox controller: the runtime handler is looked up first
   * (`unable to get OCI runtime for sandbox "<id>": ...`), the sandbox image's errors are
   * ensurePauseImageExists' own, and what the controller does next (the container, its task) fails
   * as `failed to start sandbox "<id>": ...`. 1.6 does it all in RunPodSandbox (`failed to get
   * sandbox image "<ref>": ...`, `failed to get sandbox runtime: ...`).
   */
  sandboxController: boolean;
  /**
   * CreateContainer refuses a sandbox that is not ready at once (`sandbox container "<id>" is not
   * running`, Unknown), before anything else; 1.6 finds out when it asks for the sandbox's task
   * (`failed to get sandbox container task: ...`, NotFound once the task is gone).
   */
  createContainerNeedsReadySandbox: boolean;
  /**
   * PullImage labels the record of the sandbox image's name pinned (2.x's pinned_images.sandbox),
   * and ImageStatus and ListImages report an image with a pinned reference `pinned`.
   */
  pinsSandboxImage: boolean;
  /**
   * The text of a reference whose repository has upper case (ParseNormalizedNamed): 1.6's
   * docker/reference leaves the repository out, 2.x's distribution/reference names it.
   */
  remoteNameUppercaseText(remoteName: string): string;
  /**
   * What a pull's failed resolve is wrapped in: 1.6's client.Pull says `failed to resolve reference
   * "<ref>"`, 2.x's transfer service `failed to resolve image`.
   */
  pullResolveContext(ref: string): string;
  /**
   * Whether the version has image_pull_progress_timeout (2.x): its local pull cancels a pull whose
   * registry stops sending (image-pull-progress.ts); 1.6.20 knows no such setting and waits.
   */
  pullProgressTimeout: boolean;
  /** The sandbox's OCI spec carries `io.kubernetes.cri.podsandbox.image-name` (the sandbox image's name). */
  sandboxImageNameAnnotation: boolean;
  /** The newest config.toml version the daemon reads (1.6: 2; 2.4: 4, read as 3: the CRI plugins are the same). */
  configVersion: number;
  /** How the version's DefaultConfig differs from 1.6.20's, in the settings the fake models. */
  defaultConfigChanges: Partial<CriPluginConfig>;
  /** Status verbose `config`: the plugin's config as that version's json.Marshal writes it. */
  statusConfigJson(config: CriConfig): string;
  /**
   * Status: the features every runtime handler reports (the default handler, named "", and each
   * configured one, by name), as the version finds them on the recording node; undefined: none.
   */
  runtimeHandlerFeatures: RuntimeHandlerFeatures | undefined;
  /** Status `features` (the node's); undefined: none. */
  runtimeFeatures: RuntimeFeatures | undefined;
  /** Status appends the `ContainerdHasNoDeprecationWarnings` condition (true: the fake node warns of nothing). */
  deprecationWarningsCondition: boolean;
  /** Stats leave `usageNanoCores` out where there is no rate yet (1.6 reports 0). */
  omitsUnknownCpuRate: boolean;
  /**
   * The plugin sends container events (created, started, stopped, deleted, for containers and
   * sandboxes) for GetContainerEvents.
   */
  containerEvents: boolean;
  /**
   * The pod's user namespace options are read: refused modes and mappings with 2.x's texts, a
   * POD-mode user namespace with its ID mappings in the sandbox's spec (which runc 1.1.5, the
   * recording node's, then fails to start). 1.6 ignores them.
   */
  userNamespaces: boolean;
  /** StopPodSandbox and StopContainer of an unknown ID succeed instead of NotFound. */
  stopUnknownSucceeds: boolean;
  /**
   * CreateContainer injects the CDI devices the request names (`CDIDevices`, `cdi.k8s.io/`
   * annotations), resolved from the spec files of `cdi_spec_dirs` (src/cri/oci/cdi.ts). 1.6 ignores
   * the annotations (and decodes no `CDIDevices`).
   */
  cdiDevices: boolean;
  /** ContainerStatus and ListContainers fill `imageId` (the image config digest the container runs). */
  containerImageId: boolean;
  /** ContainerStatus fills `user` from the spec's process user (uid, gid, additional gids). */
  containerStatusUser: boolean;
  /**
   * ContainerStatus fills `stopSignal`: the config's, else the image's (the container's stop
   * signal), else SIGTERM.
   */
  containerStatusStopSignal: boolean;
  /**
   * PodSandboxStatus `info`. "verbose": only with verbose, the podsandbox JSON with runtimeHandler
   * (1.6). "always": `{"info": <SandboxInfo>}` on every call, zero values without verbose; verbose
   * fills it without runtimeHandler, with sandboxMetadata, runtimeOptions' keys sorted (2.x
   * round-trips it through Go's SandboxInfo struct).
   */
  sandboxStatusInfo: "verbose" | "always";
  /**
   * PodSandboxStatus `linux.namespaces.options`: "defaulted" fills POD modes in when the config has
   * none (1.6); "as-given" is the config's own, absent when it has none (2.x).
   */
  sandboxStatusNamespaceOptions: "defaulted" | "as-given";
}
