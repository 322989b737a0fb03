// CreateContainer (containerd 1.6.20 container_create.go): in a ready sandbox, reserve the
// container's name, resolve its image locally, build its OCI spec, prepare its snapshot and create
// the containerd container with the CRI metadata as an extension, then checkpoint its status and
// add it to the store. Every failure undoes what was done so far: nothing is left behind and the
// name is free again.

import type { ContainerRecord, Task } from "../../../fake-containerd/index.ts";
import { FsError } from "../../../fake-containerd/snapshots/fs.ts";
import { readNodeMounts, type HostMount } from "../../../fake-containerd/host-mounts.ts";
import { wrap } from "../../go/errors.ts";
import { Code, CriError } from "../errors.ts";
import { join } from "../../go/filepath.ts";
import { quote } from "../../go/strconv.ts";
import { containerKindContainer, containerMetadataExtension } from "../helpers/constants.ts";
import { validateTargetContainer } from "../helpers/containers.ts";
import { getContainerRootDir, getVolatileContainerRootDir } from "../helpers/dirs.ts";
import { localResolve, toContainerdImage } from "../helpers/images.ts";
import { buildLabels } from "../helpers/labels.ts";
import { makeContainerName } from "../helpers/names.ts";
import { getRuntimeOptions } from "../helpers/runtime-options.ts";
import { ociStopSignal } from "../helpers/stop-signals.ts";
import { isInCRIMounts } from "../helpers/mounts.ts";
import type { CriRuntime } from "../helpers/config-types.ts";
import {
  type ContainerConfig,
  type ContainerResources,
  type CreateContainerRequest,
  type CreateContainerResponse,
  Mount as CriMount,
  MountPropagation,
  NamespaceMode,
  type PodSandboxConfig,
} from "../api/v1.ts";
import { ContainerIO } from "../io/container-io.ts";
import type { CallContext } from "../service-types.ts";
import { emptyContainerStatus, type ContainerStatus } from "../store/container-status.ts";
import { Container, type ContainerMetadata, storeContainerStatus } from "../store/container-store.ts";
import { containerMetadataAny } from "../store/metadata-codec.ts";
import type { Sandbox } from "../store/sandbox-store.ts";
import { SandboxState } from "../store/sandbox-status.ts";
import type { CriImage } from "../store/image-store.ts";
import { injectCdiDevices, loadCdiDevices, requestedCdiDevices } from "../oci/cdi.ts";
import { containerMounts, containerSpec, containerSpecOpts, type Rootfs, type SpecContext } from "../oci/container-create-spec.ts";
import { seccompProfileFile } from "../oci/security-profiles.ts";
import { specAny, type RuntimeSpec } from "../oci/oci-defaults.ts";
import { nodeHostname } from "./sandbox-files.ts";
import { prepareUnpackingIfNeeded } from "./snapshot-prepare.ts";
import { getSandboxRuntime } from "./sandbox-run.ts";
import { checkContext, nameReservationFailure } from "./shared.ts";
import type { CriService } from "./service.ts";
import { sendContainerEvent } from "./container-events.ts";
import { rememberContainerUser } from "./container-status.ts";
import { mountImageVolumes } from "./container-image-volumes.ts";
import { ContainerEventType } from "../api/v1.ts";

export async function createContainer(c: CriService, r: CreateContainerRequest, call: CallContext): Promise<CreateContainerResponse> {
  let sandbox: Sandbox;
  try {
    sandbox = c.sandboxStore.get(r.podSandboxId);
  } catch (err) {
    throw wrap(err, `failed to find sandbox id ${quote(r.podSandboxId)}`);
  }
  const sandboxId = sandbox.id;
  if (c.profile.createContainerNeedsReadySandbox && sandbox.status.get().state !== SandboxState.Ready) {
    throw new Error(`sandbox container ${quote(sandboxId)} is not running`);
  }
  const sandboxContainer = sandbox.container ?? c.containerdContainer(sandboxId);
  let sandboxTask: Task;
  try {
    checkContext(call);
    sandboxTask = await sandboxContainer.task();
  } catch (err) {
    throw wrap(err, "failed to get sandbox container task");
  }

  const id = c.ids.next();
  const requested = r.config;
  const metadata = requested?.metadata;
  if (!requested || !metadata) throw new Error("container config must include metadata");
  // containerd 1.6.20 dereferences the pod's metadata here and crashes without it.
  const sandboxConfig = r.sandboxConfig;
  if (!sandboxConfig?.metadata) throw new Error("sandbox config must include metadata");
  const config = c.profile.decodeContainerConfig(requested);
  const name = makeContainerName(metadata, sandboxConfig.metadata);
  try {
    c.containerNameIndex.reserve(name, id);
  } catch (err) {
    throw nameReservationFailure(c, `failed to reserve container name ${quote(name)}${c.profile.containerNameReservedHint}`, err);
  }

  const undo: Array<() => Promise<void> | void> = [() => c.containerNameIndex.releaseByName(name)];
  try {
    const container = await create(c, call, { id, name, sandbox, sandboxTask, sandboxConfig, config, containerName: metadata.name }, undo);
    try {
      c.containerStore.add(container);
    } catch (err) {
      throw wrap(err, `failed to add container ${quote(id)} into store`);
    }
    await sendContainerEvent(c, id, sandboxId, ContainerEventType.CONTAINER_CREATED_EVENT);
  } catch (err) {
    // containerd's deferred cleanups, last first; their own failures are only logged there.
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch {
        // Logged by containerd, not returned.
      }
    }
    throw err;
  }
  return { containerId: id };
}

interface CreateInput {
  id: string;
  name: string;
  sandbox: Sandbox;
  sandboxTask: Task;
  sandboxConfig: PodSandboxConfig;
  config: ContainerConfig;
  containerName: string;
}

async function create(c: CriService, call: CallContext, input: CreateInput, undo: Array<() => Promise<void> | void>): Promise<Container> {
  const { id, name, sandbox, sandboxConfig } = input;
  const sandboxId = sandbox.id;
  const imageRef = input.config.image?.image ?? "";
  let image: CriImage;
  try {
    image = localResolve(c.imageStore, imageRef);
  } catch (err) {
    throw wrap(err, `failed to resolve image ${quote(imageRef)}`);
  }
  let imageName: string;
  try {
    checkContext(call);
    imageName = (await toContainerdImage(image, (ref) => c.client.images.get(ref))).name;
  } catch (err) {
    throw wrap(err, `failed to get image from containerd ${quote(image.id)}`);
  }

  const sandboxContainer = sandbox.container ?? c.containerdContainer(sandboxId);
  let sandboxInfo: ContainerRecord;
  try {
    checkContext(call);
    sandboxInfo = await sandboxContainer.info();
  } catch (err) {
    throw wrap(err, `failed to get sandbox ${quote(sandboxId)} info`);
  }

  const containerRootDir = getContainerRootDir(c.config, id);
  try {
    c.hostFs.mkdirAll(containerRootDir, 0o755);
  } catch (err) {
    throw wrap(err, `failed to create container root directory ${quote(containerRootDir)}`);
  }
  undo.push(() => c.hostFs.removeAll(containerRootDir));
  const volatileContainerRootDir = getVolatileContainerRootDir(c.config, id);
  try {
    c.hostFs.mkdirAll(volatileContainerRootDir, 0o755);
  } catch (err) {
    throw wrap(err, `failed to create volatile container root directory ${quote(volatileContainerRootDir)}`);
  }
  undo.push(() => c.hostFs.removeAll(volatileContainerRootDir));

  const snapshotter = c.config.containerd.snapshotter;
  // Image volumes become bind mounts, and the container's config (its status) shows them so.
  const config: ContainerConfig = { ...input.config, mounts: await mountImageVolumes(c, input.config.mounts, snapshotter, sandboxId) };
  const imageConfig = image.imageSpec.config ?? {};
  const volumeMounts = c.config.ignoreImageDefinedVolumes ? [] : volumeMountsOf(c, containerRootDir, config, imageConfig.Volumes);
  const mounts = containerMounts(c, sandboxId, config);
  const paths = await c.nodeFiles.prepare({
    dirs: [...config.mounts, ...mounts, ...volumeMounts].map((m) => m.hostPath),
    read: [seccompProfileFile(config.linux?.securityContext, c.config.unsetSeccompProfile)].filter((p) => p !== undefined),
  });
  const specContext: SpecContext = { config: c.config, hostFs: c.hostFs, paths, nodeHostname: nodeHostname(c), nodeMounts: await nodeMountsFor(c, config) };

  let ociRuntime: CriRuntime;
  try {
    ociRuntime = getSandboxRuntime(c, sandboxConfig, sandbox.metadata.runtimeHandler);
  } catch (err) {
    throw wrap(err, "failed to get sandbox runtime");
  }

  let spec: RuntimeSpec;
  try {
    let targetPid = input.sandboxTask.pid;
    const namespaceOptions = config.linux?.securityContext?.namespaceOptions;
    if (namespaceOptions?.pid === NamespaceMode.TARGET) {
      try {
        targetPid = targetContainer(c, sandboxId, namespaceOptions.targetId).status.get().pid;
      } catch (err) {
        throw wrap(err, "invalid target container");
      }
    }
    spec = containerSpec(specContext, {
      id,
      sandboxId,
      sandboxPid: input.sandboxTask.pid,
      containerName: input.containerName,
      imageName,
      config,
      sandboxConfig,
      imageConfig,
      extraMounts: [...mounts, ...volumeMounts],
      ociRuntime,
      targetPid,
    });
  } catch (err) {
    throw wrap(err, `failed to generate container ${quote(id)} spec`);
  }

  let logPath = "";
  const logDirectory = sandboxConfig.logDirectory;
  if (logDirectory !== "" && config.logPath !== "") logPath = join(logDirectory, config.logPath);

  const containerIO = new ContainerIO({ tty: config.tty, stdin: config.stdin });
  undo.push(() => containerIO.close());

  let specOpts;
  try {
    specOpts = containerSpecOpts(specContext, config, imageConfig);
  } catch (err) {
    throw wrap(err, "failed to get container spec opts");
  }

  const containerLabels = buildLabels(config.labels, imageConfig.Labels, containerKindContainer, true);

  try {
    getRuntimeOptions(sandboxInfo);
  } catch (err) {
    throw wrap(err, "failed to get runtime options");
  }

  // The config's stop signal (2.x's CRI API), else the image's.
  const stopSignal = ociStopSignal(config.stopSignal) || (imageConfig.StopSignal ?? "");
  const meta: ContainerMetadata = {
    id,
    name,
    sandboxId,
    config,
    imageRef: image.id,
    logPath,
    stopSignal,
    processLabel: spec.process?.selinuxLabel ?? "",
  };

  // 2.4.2 answers a CDI device with an empty name with an empty Unknown (recorded; its cause
  // inside containerd is not known).
  if (c.profile.cdiDevices && config.CDIDevices.some((device) => device.name === "")) throw new CriError(Code.Unknown, "");

  const snapshots = c.client.snapshots.get(snapshotter);
  try {
    checkContext(call);
    await prepareSnapshot(c, id, imageName, snapshotter, config.annotations);
    try {
      const rootfs = snapshotRootfs(c, id);
      for (const opt of specOpts) opt(spec, rootfs);
      if (c.profile.cdiDevices) {
        const requested = requestedCdiDevices(config.CDIDevices, config.annotations);
        if (requested.length > 0) await injectCdiDevices(c.nodeFiles, spec, await loadCdiDevices(c.nodeFiles, c.config.cdiSpecDirs), requested);
      }
      checkContext(call);
      await c.client.containers.create({
        id,
        image: imageName,
        labels: containerLabels,
        runtime: sandboxInfo.runtime.options
          ? { name: sandboxInfo.runtime.name, options: sandboxInfo.runtime.options }
          : { name: sandboxInfo.runtime.name },
        spec: specAny(spec),
        snapshotter,
        snapshotKey: id,
        extensions: { [containerMetadataExtension]: containerMetadataAny(meta) },
      });
    } catch (err) {
      // The snapshot was prepared under the client's lease; with the lease gone, containerd's
      // garbage collector removes it.
      await snapshots.remove(id).catch(() => undefined);
      throw err;
    }
  } catch (err) {
    throw wrap(err, "failed to create containerd container");
  }
  const containerdContainer = c.containerdContainer(id);
  undo.push(() => containerdContainer.delete({ snapshotCleanup: true }));

  const status: ContainerStatus = { ...emptyContainerStatus(), createdAt: c.clock.now(), resources: resourcesOfSpec(spec) };
  let container: Container;
  try {
    const storage = storeContainerStatus(c.hostFs, containerRootDir, status);
    container = new Container(meta, storage, containerdContainer, containerIO);
    rememberContainerUser(container, spec.process?.user);
  } catch (err) {
    throw wrap(err, `failed to create internal container object for ${quote(id)}`);
  }
  undo.push(() => container.delete());
  return container;
}

/** WithNewSnapshot, which unpacks the image first if its layers are not in the snapshotter. */
async function prepareSnapshot(
  c: CriService,
  id: string,
  imageName: string,
  snapshotter: string,
  annotations: Record<string, string>,
): Promise<void> {
  const snapshots = c.client.snapshots.get(snapshotter);
  const labels = Object.fromEntries(
    Object.entries(annotations).filter(([k]) => k === "containerd.io/snapshot.ref" || k.startsWith("containerd.io/snapshot/")),
  );
  await prepareUnpackingIfNeeded(c, snapshotter, imageName, async () => {
    const parent = await c.client.images.chainId(imageName);
    await snapshots.prepare(id, parent, { labels });
  });
}

/** The container's snapshot as a temporary mount, for the user options. */
function snapshotRootfs(c: CriService, id: string): Rootfs {
  const snapshots = c.client.snapshots.get(c.config.containerd.snapshotter);
  // os.MkdirTemp's random suffix; taken from the ID so that runs repeat.
  const suffix = Number.parseInt(id.slice(0, 8), 16).toString();
  return {
    root: join(c.config.containerdRootDir, "tmpmounts", `containerd-mount${suffix}`),
    readFile(path) {
      // One walk of the layers, not a stat and then a read: what is not a regular file reads as absent.
      try {
        return snapshots.readFile(id, path);
      } catch (err) {
        if (err instanceof FsError && notARegularFile.has(err.errno)) return undefined;
        throw err;
      }
    },
  };
}

/** What a snapshot's readFile fails with where the path holds no regular file (absent, a directory, special). */
const notARegularFile: ReadonlySet<string> = new Set(["ENOENT", "ENOTDIR", "EISDIR", "EINVAL"]);

/**
 * volumeMounts: a directory under the container's root dir for each volume the image declares,
 * unless the request mounts something there itself. Go walks a map; the fake goes in path order.
 */
function volumeMountsOf(c: CriService, containerRootDir: string, config: ContainerConfig, volumes: Record<string, object> | undefined): CriMount[] {
  const mounts: CriMount[] = [];
  for (const dst of Object.keys(volumes ?? {}).sort()) {
    if (isInCRIMounts(dst, config.mounts)) continue;
    mounts.push(
      CriMount.fromPartial({
        containerPath: dst,
        hostPath: join(containerRootDir, "volumes", c.ids.next()),
        selinuxRelabel: true,
        propagation: MountPropagation.PROPAGATION_PRIVATE,
      }),
    );
  }
  return mounts;
}

/** validateTargetContainer over the container store. */
export function targetContainer(c: CriService, sandboxId: string, targetId: string): Container {
  return validateTargetContainer(
    {
      get: (idOrPrefix: string) => {
        const container = c.containerStore.get(idOrPrefix);
        return { id: container.id, sandboxId: container.metadata.sandboxId, status: () => container.status.get(), container };
      },
    },
    sandboxId,
    targetId,
  ).container;
}

/** copyResourcesToStatus: the spec's resource limits as the CRI reports them. */
export function resourcesOfSpec(spec: RuntimeSpec): ContainerResources {
  const resources: ContainerResources = { linux: undefined, windows: undefined };
  if (!spec.linux) return resources;
  const linux = {
    cpuPeriod: 0n,
    cpuQuota: 0n,
    cpuShares: 0n,
    memoryLimitInBytes: 0n,
    oomScoreAdj: 0n,
    cpusetCpus: "",
    cpusetMems: "",
    hugepageLimits: [] as Array<{ pageSize: string; limit: bigint }>,
    unified: {} as Record<string, string>,
    memorySwapLimitInBytes: 0n,
  };
  resources.linux = linux;
  if (spec.process?.oomScoreAdj !== undefined) linux.oomScoreAdj = BigInt(spec.process.oomScoreAdj);
  const r = spec.linux.resources;
  if (!r) return resources;
  if (r.cpu) {
    if (r.cpu.period !== undefined) linux.cpuPeriod = BigInt.asIntN(64, r.cpu.period);
    if (r.cpu.quota !== undefined) linux.cpuQuota = r.cpu.quota;
    if (r.cpu.shares !== undefined) linux.cpuShares = BigInt.asIntN(64, r.cpu.shares);
    linux.cpusetCpus = r.cpu.cpus ?? "";
    linux.cpusetMems = r.cpu.mems ?? "";
  }
  if (r.memory) {
    if (r.memory.limit !== undefined) linux.memoryLimitInBytes = r.memory.limit;
    if (r.memory.swap !== undefined) linux.memorySwapLimitInBytes = r.memory.swap;
  }
  if (r.hugepageLimits) linux.hugepageLimits = r.hugepageLimits.map((l) => ({ pageSize: l.pageSize, limit: BigInt.asUintN(64, l.limit) }));
  if (r.unified) linux.unified = { ...r.unified };
  return resources;
}

/**
 * The node's mount table, when a mount asks to propagate (containerd then checks the node mount it
 * is on) and the fake may read the table (`fake-cri serve --allow-host-root /proc/self/mountinfo`);
 * a table it may not read checks nothing.
 */
async function nodeMountsFor(c: CriService, config: ContainerConfig): Promise<HostMount[] | undefined> {
  const propagates = (m: CriMount) => m.propagation === MountPropagation.PROPAGATION_BIDIRECTIONAL || m.propagation === MountPropagation.PROPAGATION_HOST_TO_CONTAINER;
  return config.mounts.some(propagates) ? readNodeMounts(c.nodeFiles) : undefined;
}
