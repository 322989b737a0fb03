// RunPodSandbox (containerd 1.6.20 sandbox_run.go): reserve the name, resolve the sandbox image and
// the runtime handler, build the pause container's spec, create the containerd container with its
// snapshot, the sandbox's directories and files, the pod network, then the task; start it, store
// the sandbox and watch for its exit. Every step that fails undoes the earlier ones in reverse
// order, as containerd's deferred cleanups do; when a cleanup itself fails (the network teardown,
// the container delete, the task delete) containerd keeps the sandbox in its store in the unknown
// state with its name reserved, and so does this.

import type { AnyValue, Task } from "../../../fake-containerd/index.ts";
import { isNotFound } from "../../../fake-containerd/index.ts";
import { wrap } from "../../go/errors.ts";
import { quote } from "../../go/strconv.ts";
import { marshalAny } from "../../go/typeurl.ts";
import { containerKindSandbox, sandboxMetadataExtension } from "../helpers/constants.ts";
import { getSandboxRootDir, getVolatileSandboxRootDir } from "../helpers/dirs.ts";
import { ensureImageExists, toContainerdImage, type PullImage } from "../helpers/images.ts";
import { makeSandboxName } from "../helpers/names.ts";
import { generateRuntimeOptions } from "../helpers/runtime-options.ts";
import {
  NamespaceMode,
  type PodSandboxConfig,
  type RunPodSandboxRequest,
  type RunPodSandboxResponse,
} from "../api/v1.ts";
import type { CriRuntime } from "../config.ts";
import { buildLabels } from "../helpers/labels.ts";
import { checkContext, nameReservationFailure } from "./shared.ts";
import type { CallContext } from "../service-types.ts";
import { sandboxMetadataAny } from "../store/metadata-codec.ts";
import { Sandbox } from "../store/sandbox-store.ts";
import { SandboxState } from "../store/sandbox-status.ts";
import { unknownSandboxStatus } from "../helpers/status.ts";
import { pullImage } from "./image-pull.ts";
import { specAny, type RuntimeSpec } from "../oci/oci-defaults.ts";
import { setupSandboxFiles } from "./sandbox-files.ts";
import { newNetNs, setupPodNetwork, teardownPodNetwork } from "./sandbox-network.ts";
import { prepareUnpackingIfNeeded } from "./snapshot-prepare.ts";
import {
  sandboxContainerSpec,
  sandboxContainerSpecOpts,
  updateNetNamespacePath,
  type SandboxSpecOption,
  type SnapshotRootfs,
} from "../oci/sandbox-run-spec.ts";
import { seccompProfileFile } from "../oci/security-profiles.ts";
import type { CriService } from "./service.ts";
import { sendContainerEvent } from "./container-events.ts";
import { checkNetnsWithinUserns } from "../oci/user-namespaces.ts";
import { ContainerEventType } from "../api/v1.ts";

/** The runtime handler an untrusted workload runs on (criconfig.RuntimeUntrusted). */
const runtimeUntrusted = "untrusted";
const untrustedWorkloadAnnotation = "io.kubernetes.cri.untrusted-workload";
/** The most a containerd label's key and value may hold together (labels.Validate). */
/** Annotations a snapshot inherits as labels (snapshots.FilterInheritedLabels). */
const snapshotRefLabel = "containerd.io/snapshot.ref";
const inheritedSnapshotLabelPrefix = "containerd.io/snapshot/";

/** ensureImageExists' pull: this service's PullImage, called directly as containerd calls its own method. */
function pullThroughService(c: CriService, call: CallContext): PullImage {
  return (request) => pullImage(c, request, call);
}

/** getSandboxRuntime: the untrusted-workload rules, then the handler (default when empty). */
export function getSandboxRuntime(c: CriService, config: PodSandboxConfig, runtimeHandler: string): CriRuntime {
  let handler = runtimeHandler;
  if (config.annotations[untrustedWorkloadAnnotation] === "true") {
    if (handler !== "" && handler !== runtimeUntrusted) {
      throw new Error("untrusted workload with explicit runtime handler is not allowed");
    }
    const ns = config.linux?.securityContext?.namespaceOptions;
    if (ns?.network === NamespaceMode.NODE || ns?.pid === NamespaceMode.NODE || ns?.ipc === NamespaceMode.NODE) {
      throw new Error("untrusted workload with host access is not allowed");
    }
    handler = runtimeUntrusted;
  }
  if (handler === "") handler = c.config.containerd.defaultRuntimeName;
  const runtime = Object.hasOwn(c.config.containerd.runtimes, handler) ? c.config.containerd.runtimes[handler] : undefined;
  if (!runtime) throw new Error(`no runtime for ${quote(handler)} is configured`);
  return runtime;
}

function inheritedSnapshotLabels(annotations: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(annotations).filter(([k]) => k === snapshotRefLabel || k.startsWith(inheritedSnapshotLabelPrefix)),
  );
}

/**
 * generateRuntimeOptions, marshalled: the same for every sandbox of a runtime (the config does not
 * change under a running plugin), so it is worked out once per runtime.
 */
const runtimeOptionsByRuntime = new WeakMap<CriRuntime, { systemdCgroup: boolean; options: AnyValue | undefined }>();
function marshalledRuntimeOptions(c: CriService, runtime: CriRuntime): AnyValue | undefined {
  let known = runtimeOptionsByRuntime.get(runtime);
  if (known?.systemdCgroup !== c.config.systemdCgroup) {
    const options = generateRuntimeOptions(runtime, c.config);
    known = { systemdCgroup: c.config.systemdCgroup, options: options ? marshalAny(options) : undefined };
    runtimeOptionsByRuntime.set(runtime, known);
  }
  return known.options;
}

/** A deferred cleanup; `state.cleanupErr` is shared as the Go function's variable is. */
type Cleanup = () => Promise<void> | void;

export async function runPodSandbox(c: CriService, r: RunPodSandboxRequest, call: CallContext): Promise<RunPodSandboxResponse> {
  const config = r.config;
  const id = c.ids.next();
  const metadata = config?.metadata;
  if (!config || !metadata) throw new Error("sandbox config must include metadata");
  const name = makeSandboxName(metadata);

  const state: SandboxRunState = { cleanupErr: undefined, inController: false };
  const cleanups: Cleanup[] = [];

  try {
    c.sandboxNameIndex.reserve(name, id);
  } catch (err) {
    throw nameReservationFailure(c, `failed to reserve sandbox name ${quote(name)}`, err);
  }
  cleanups.push(() => {
    if (state.cleanupErr === undefined) c.sandboxNameIndex.releaseByName(name);
  });

  try {
    return await createSandbox(c, r, call, id, name, config, state, cleanups);
  } catch (err) {
    for (const cleanup of cleanups.reverse()) await cleanup();
    // 2.x: what its sandbox controller (podsandbox) does fails as the controller's Start.
    throw state.inController ? wrap(err, `failed to start sandbox ${quote(id)}`) : err;
  }
}

/**
 * What the cleanups need to know: the last error of a critical cleanup (network teardown, container
 * or task delete; while it is set, the name stays reserved and the sandbox is kept), and whether
 * 2.x's sandbox controller is at work (profile.sandboxController).
 */
interface SandboxRunState {
  cleanupErr: unknown;
  inController: boolean;
}

async function createSandbox(
  c: CriService,
  r: RunPodSandboxRequest,
  call: CallContext,
  id: string,
  name: string,
  config: PodSandboxConfig,
  state: SandboxRunState,
  cleanups: Cleanup[],
): Promise<RunPodSandboxResponse> {
  const sandbox = new Sandbox(
    { id, name, config, netnsPath: "", ip: "", additionalIps: [], runtimeHandler: r.runtimeHandler, processLabel: "" },
    unknownSandboxStatus(),
  );
  sandbox.recordCreatedAt = c.clock.now();

  const controller = c.profile.sandboxController;
  let runtime: CriRuntime | undefined;
  if (controller) {
    try {
      runtime = getSandboxRuntime(c, config, r.runtimeHandler);
    } catch (err) {
      throw wrap(err, `unable to get OCI runtime for sandbox ${quote(id)}`);
    }
  }
  const userns = config.linux?.securityContext?.namespaceOptions?.usernsOptions;
  const hostNetwork = config.linux?.securityContext?.namespaceOptions?.network === NamespaceMode.NODE;
  if (c.profile.userNamespaces && userns?.mode === NamespaceMode.POD && !hostNetwork) {
    // 2.x makes a pod's network namespace inside its user namespace, before the sandbox image.
    try {
      checkNetnsWithinUserns(userns);
    } catch (err) {
      throw wrap(err, `failed to create network namespace for sandbox ${quote(id)}`);
    }
  }
  let image;
  try {
    image = await ensureImageExists(c.imageStore, pullThroughService(c, call), c.config.sandboxImage, config);
  } catch (err) {
    throw controller ? err : wrap(err, `failed to get sandbox image ${quote(c.config.sandboxImage)}`);
  }
  // From here on 2.x is in its sandbox controller's Start (see runPodSandbox).
  state.inController = controller;
  let imageName: string;
  try {
    checkContext(call);
    imageName = (await toContainerdImage(image, (ref) => c.client.images.get(ref))).name;
  } catch (err) {
    throw wrap(err, `failed to get image from containerd ${quote(image.id)}`);
  }

  try {
    runtime ??= getSandboxRuntime(c, config, r.runtimeHandler);
  } catch (err) {
    throw wrap(err, "failed to get sandbox runtime");
  }

  const imageConfig = image.imageSpec.config;
  let spec: RuntimeSpec;
  try {
    spec = sandboxContainerSpec(c, id, config, imageConfig, "", runtime.podAnnotations, imageName);
  } catch (err) {
    throw wrap(err, "failed to generate sandbox container spec");
  }
  sandbox.metadata.processLabel = spec.process?.selinuxLabel ?? "";
  if (config.linux?.securityContext?.privileged) spec.process!.selinuxLabel = "";

  const profile = seccompProfileFile(config.linux?.securityContext, c.config.unsetSeccompProfile);
  const paths = await c.nodeFiles.prepare({ read: profile === undefined ? [] : [profile] });
  let specOptions: SandboxSpecOption[];
  try {
    specOptions = sandboxContainerSpecOpts(c, config, imageConfig, paths);
  } catch (err) {
    throw wrap(err, "failed to generate sanbdox container spec options");
  }

  const labels = buildLabels(config.labels, imageConfig?.Labels, containerKindSandbox, true);

  let runtimeOptions: AnyValue | undefined;
  try {
    runtimeOptions = marshalledRuntimeOptions(c, runtime);
  } catch (err) {
    throw wrap(err, "failed to generate runtime options");
  }

  try {
    checkContext(call);
    await newContainer(c, id, imageName, image.chainId, spec, specOptions, {
      labels,
      snapshotLabels: inheritedSnapshotLabels(config.annotations),
      extension: sandboxMetadataAny(sandbox.metadata),
      runtime: { name: runtime.type, ...(runtimeOptions ? { options: runtimeOptions } : {}) },
    });
  } catch (err) {
    throw wrap(err, "failed to create containerd container");
  }
  const container = c.containerdContainer(id);
  sandbox.container = container;
  cleanups.push(() => {
    if (state.cleanupErr === undefined) return;
    try {
      c.sandboxStore.add(sandbox);
    } catch {
      // containerd logs this and carries on.
    }
  });
  cleanups.push(async () => {
    if (state.cleanupErr !== undefined) return;
    try {
      await container.delete({ snapshotCleanup: true });
    } catch (err) {
      state.cleanupErr = err;
    }
  });

  const rootDir = getSandboxRootDir(c.config, id);
  try {
    c.hostFs.mkdirAll(rootDir, 0o755);
  } catch (err) {
    throw wrap(err, `failed to create sandbox root directory ${quote(rootDir)}`);
  }
  cleanups.push(() => removeQuietly(c, rootDir));
  const volatileRootDir = getVolatileSandboxRootDir(c.config, id);
  try {
    c.hostFs.mkdirAll(volatileRootDir, 0o755);
  } catch (err) {
    throw wrap(err, `failed to create volatile sandbox root directory ${quote(volatileRootDir)}`);
  }
  cleanups.push(() => removeQuietly(c, volatileRootDir));

  try {
    setupSandboxFiles(c, id, config);
  } catch (err) {
    throw wrap(err, "failed to setup sandbox files");
  }

  let createdAt: bigint;
  try {
    checkContext(call);
    createdAt = (await container.info()).createdAt;
  } catch (err) {
    throw wrap(err, "failed to get sandbox container info");
  }

  if (config.linux?.securityContext?.namespaceOptions?.network !== NamespaceMode.NODE) {
    let netns;
    try {
      netns = newNetNs(c);
    } catch (err) {
      throw wrap(err, `failed to create network namespace for sandbox ${quote(id)}`);
    }
    sandbox.netns = netns;
    sandbox.metadata.netnsPath = netns.path;
    cleanups.push(() => {
      if (state.cleanupErr !== undefined) return;
      netns.remove();
      sandbox.metadata.netnsPath = "";
    });

    spec = updateNetNamespacePath(spec, netns.path);
    try {
      checkContext(call);
      await updateContainer(c, id, { spec: specAny(spec), extension: sandboxMetadataAny(sandbox.metadata) });
    } catch (err) {
      throw wrap(err, `failed to update the network namespace for the sandbox container ${quote(id)}`);
    }

    // Registered before the setup: a failed setup may still have allocated something.
    cleanups.push(() => {
      if (state.cleanupErr !== undefined) return;
      try {
        teardownPodNetwork(c, sandbox);
      } catch (err) {
        state.cleanupErr = err;
      }
    });
    try {
      checkContext(call);
      const result = setupPodNetwork(c, sandbox);
      sandbox.metadata.ip = result.interfaces.eth0!.ipConfigs[0]!.ip;
      sandbox.metadata.additionalIps = [];
      sandbox.metadata.cniResult = result;
    } catch (err) {
      throw wrap(err, `failed to setup network for sandbox ${quote(id)}`);
    }

    try {
      checkContext(call);
      await updateContainer(c, id, { extension: sandboxMetadataAny(sandbox.metadata) });
    } catch (err) {
      throw wrap(err, `failed to update the network namespace for the sandbox container ${quote(id)}`);
    }
  }

  let task: Task;
  try {
    checkContext(call);
    task = await container.newTask();
  } catch (err) {
    throw wrap(err, "failed to create containerd task");
  }
  cleanups.push(async () => {
    try {
      await task.delete({ kill: true });
    } catch (err) {
      if (!isNotFound(err)) state.cleanupErr = err;
    }
  });

  // Registered before the start so the exit cannot be missed; the wait is not tied to the call.
  const exit = task.wait();
  exit.catch(() => undefined);

  try {
    checkContext(call);
    await task.start();
  } catch (err) {
    throw wrap(err, `failed to start sandbox container task ${quote(id)}`);
  }

  sandbox.status.update((status) => ({ ...status, pid: task.pid, state: SandboxState.Ready, createdAt }));
  c.sandboxStore.add(sandbox);
  // Started once the sandbox is in the store, so the exit handler finds it.
  void c.eventMonitor.startSandboxExitMonitor(id, task.pid, exit);
  await sendContainerEvent(c, id, id, ContainerEventType.CONTAINER_CREATED_EVENT);
  await sendContainerEvent(c, id, id, ContainerEventType.CONTAINER_STARTED_EVENT);
  return { podSandboxId: id };
}

function removeQuietly(c: CriService, path: string): void {
  try {
    c.hostFs.removeAll(path);
  } catch {
    // containerd logs a failed removal and goes on with the other cleanups.
  }
}

/**
 * client.NewContainer with the options RunPodSandbox gives it: the snapshot (unpacking the image
 * when its layers are not there), the spec with the options that need the snapshot, labels, the
 * metadata extension and the runtime. containerd holds a lease while it does this, so a snapshot
 * prepared for a container that never got created is collected; the fake has no collector, so it
 * is removed here.
 */
async function newContainer(
  c: CriService,
  id: string,
  imageName: string,
  chainId: string,
  spec: RuntimeSpec,
  specOptions: SandboxSpecOption[],
  parts: { labels: Record<string, string>; snapshotLabels: Record<string, string>; extension: AnyValue; runtime: { name: string; options?: AnyValue } },
): Promise<void> {
  const snapshotter = c.config.containerd.snapshotter;
  const snapshots = c.client.snapshots.get(snapshotter);
  await c.client.images.rootFS(imageName);
  await prepareUnpackingIfNeeded(c, snapshotter, imageName, () => snapshots.prepare(id, chainId, { labels: parts.snapshotLabels }));
  try {
    const rootfs: SnapshotRootfs = {
      mounts: () => snapshots.mounts(id),
      readFile: (path) => snapshots.readFile(id, path),
    };
    for (const option of specOptions) await option(spec, rootfs);
    await c.client.containers.create({
      id,
      image: imageName,
      labels: parts.labels,
      runtime: parts.runtime,
      spec: specAny(spec),
      snapshotter,
      snapshotKey: id,
      extensions: { [sandboxMetadataExtension]: parts.extension },
    });
  } catch (err) {
    await snapshots.remove(id).catch(() => undefined);
    throw err;
  }
}

/** container.Update: the record read back, the given parts replaced, the whole record written. */
async function updateContainer(c: CriService, id: string, parts: { spec?: AnyValue; extension: AnyValue }): Promise<void> {
  const record = await c.client.containers.get(id);
  await c.client.containers.update({
    ...record,
    ...(parts.spec ? { spec: parts.spec } : {}),
    extensions: { ...record.extensions, [sandboxMetadataExtension]: parts.extension },
  });
}
