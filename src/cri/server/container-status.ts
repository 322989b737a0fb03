// ContainerStatus (containerd 1.6.20 container_status.go): the container's state and times, exit
// code and reason (Completed or Error for an exit nobody explained, StartError, OOMKilled, Unknown),
// its image as a tag and its imageRef as a repo digest where the image store knows them, and with
// `verbose` the `info` JSON containerd builds (sandbox ID, PID, snapshot, runtime, config, spec).

import { wrap } from "../../go/errors.ts";
import { quote } from "../../go/strconv.ts";
import { completeExitReason, errorExitReason } from "../helpers/constants.ts";
import { parseImageReferences } from "../helpers/images.ts";
import { criSignal } from "../helpers/stop-signals.ts";
import { getRuntimeOptions } from "../helpers/runtime-options.ts";
import { structOf, type RuntimeOptions } from "../../go/toml-options.ts";
import {
  type ContainerConfig,
  ContainerState,
  type ContainerStatus as CriContainerStatus,
  type ContainerStatusRequest,
  type ContainerStatusResponse,
  type ContainerUser,
  type ImageSpec,
  Signal,
} from "../api/v1.ts";
import { goJson, goJsonString, type GoJsonValue } from "../../go/json.ts";
import type { CallContext } from "../service-types.ts";
import { containerState, type ContainerStatus } from "../store/container-status.ts";
import { copyStatus, type Container, type ContainerMetadata } from "../store/container-store.ts";
import { isNotFound } from "../../../fake-containerd/index.ts";
import { containerConfigGoJson } from "./container-config-json.ts";
import { parseSpec, specJson, type User as ProcessUser } from "../oci/oci-defaults.ts";
import type { CriService } from "./service.ts";

export async function containerStatus(c: CriService, r: ContainerStatusRequest, _call: CallContext): Promise<ContainerStatusResponse> {
  let container: Container;
  try {
    container = c.containerStore.get(r.containerId);
  } catch (err) {
    throw wrap(err, `an error occurred when try to find container ${quote(r.containerId)}`);
  }
  const status = (await containerStatusLater(c, container)).status();
  let info: Record<string, string> = {};
  if (r.verbose) {
    try {
      info = { info: await containerInfoJson(container) };
    } catch (err) {
      throw wrap(err, "failed to get verbose container info");
    }
  }
  return { status, info };
}

/**
 * ContainerStatus without verbose as it is now, made into the message when read: what it reads is
 * taken now (the status is replaced on change, never changed; the image's references are read
 * now), the message is made only if someone reads it (a container event may be held minutes for
 * nobody). It holds only references to what the container already holds, and the image's shown
 * references, which are worked out once per image.
 */
export async function containerStatusLater(c: CriService, container: Container): Promise<ContainerStatusLater> {
  const { metadata } = container;
  const current = container.status.current();
  // The config names the image as it was asked for; the status prefers its tag and repo digest.
  let image: ImageSpec | undefined = metadata.config.image;
  let imageRef = metadata.imageRef;
  let references;
  try {
    references = c.imageStore.referencesOf(imageRef);
  } catch (err) {
    if (!isNotFound(err)) throw wrap(err, `failed to get image ${quote(imageRef)}`);
  }
  if (references) {
    const shown = shownReferences(references);
    if (shown.tag) image = shown.tag;
    if (shown.digest !== undefined) imageRef = shown.digest;
  }
  const user = c.profile.containerStatusUser ? await containerUser(container) : undefined;
  let createdAt = current.createdAt;
  if (createdAt === 0n) {
    // CRI does not allow a zero creation time: take the containerd container's.
    try {
      createdAt = (await container.container.info()).createdAt;
    } catch (err) {
      throw wrap(err, `failed to get CreatedAt in ${quote(stateName(containerState(current)))} state`);
    }
  }
  return new ContainerStatusLater(c.profile, container, current, image, imageRef, createdAt, user);
}

/** What containerStatusLater took: a small object rather than a closure and its context. */
export class ContainerStatusLater {
  private readonly profile: CriService["profile"];
  private readonly shown: StatusMetadata;
  private readonly current: Readonly<ContainerStatus>;
  private readonly image: ImageSpec | undefined;
  private readonly imageRef: string;
  private readonly createdAt: bigint;
  private readonly user: ContainerUser | undefined;

  constructor(
    profile: CriService["profile"],
    container: Container,
    current: Readonly<ContainerStatus>,
    image: ImageSpec | undefined,
    imageRef: string,
    createdAt: bigint,
    user: ContainerUser | undefined,
  ) {
    this.profile = profile;
    this.shown = statusMetadata(container.metadata);
    this.current = current;
    this.image = image;
    this.imageRef = imageRef;
    this.createdAt = createdAt;
    this.user = user;
  }

  /** The status message, made now from what was taken. */
  status(): CriContainerStatus {
    const { profile, shown } = this;
    const status = toCriContainerStatus(shown, copyStatus(this.current), this.image, this.imageRef);
    status.imageId = profile.containerImageId ? shown.imageId : "";
    status.createdAt = this.createdAt;
    if (this.user) status.user = this.user;
    if (profile.containerStatusStopSignal) status.stopSignal = statusStopSignal(shown);
    return status;
  }
}

/** The image's first repo tag (as the status's image) and first repo digest. */
interface ShownReferences {
  tag: ImageSpec | undefined;
  digest: string | undefined;
}

/** What a status shows of an image's references, worked out once per set of references. */
function shownReferences(references: readonly string[]): ShownReferences {
  let shown = shownReferencesOf.get(references);
  if (!shown) {
    const { tags, digests } = parseImageReferences(references);
    shown = {
      tag: tags.length > 0 ? { image: tags[0]!, annotations: {}, userSpecifiedImage: "", runtimeHandler: "", imageRef: "" } : undefined,
      digest: digests[0],
    };
    shownReferencesOf.set(references, shown);
  }
  return shown;
}

const shownReferencesOf = new WeakMap<readonly string[], ShownReferences>();

/**
 * What a status shows of a container's metadata, made once per container (every status taken
 * shares it): a held event keeps this much of a removed container, not its whole config.
 */
function statusMetadata(metadata: ContainerMetadata): StatusMetadata {
  let shown = statusMetadataOf.get(metadata);
  if (!shown) {
    const { id, logPath, config, imageRef, stopSignal } = metadata;
    shown = {
      id,
      logPath,
      imageId: imageRef,
      stopSignal,
      config: { metadata: config.metadata, labels: config.labels, annotations: config.annotations, mounts: config.mounts, stopSignal: config.stopSignal },
    };
    statusMetadataOf.set(metadata, shown);
  }
  return shown;
}

const statusMetadataOf = new WeakMap<ContainerMetadata, StatusMetadata>();

/**
 * toCRIContainerUser: the spec's process user. A spec that cannot be read gives an empty user (Go
 * logs it); the user never changes after creation, so it is read once: CreateContainer hands it
 * over from the spec it built (rememberContainerUser), and only a container recovered after a
 * restart has its stored spec decoded.
 */
async function containerUser(container: Container): Promise<ContainerUser> {
  let user = containerUsers.get(container);
  if (user) return user;
  try {
    const record = await container.container.info();
    user = criUser(record.spec ? parseSpec(record.spec).process?.user : undefined);
  } catch {
    return { linux: undefined };
  }
  containerUsers.set(container, user);
  return user;
}

const containerUsers = new WeakMap<Container, ContainerUser>();

/** Keeps a new container's user from the spec CreateContainer built, as ContainerStatus reports it. */
export function rememberContainerUser(container: Container, user: ProcessUser | undefined): void {
  containerUsers.set(container, criUser(user));
}

function criUser(user: ProcessUser | undefined): ContainerUser {
  if (!user) return { linux: undefined };
  return { linux: { uid: BigInt(user.uid), gid: BigInt(user.gid), supplementalGroups: (user.additionalGids ?? []).map(BigInt) } };
}

/** The stop signal the status reports: the config's, else the container's (its image's), else SIGTERM. */
function statusStopSignal({ config, stopSignal }: StatusMetadata): Signal {
  if (config.stopSignal !== Signal.SIGNAL_RUNTIME_DEFAULT) return config.stopSignal;
  return stopSignal === "" ? Signal.SIGNAL_SIGTERM : criSignal(stopSignal);
}

function stateName(state: ContainerState): string {
  return Object.entries(ContainerState).find(([, v]) => v === state)?.[0] ?? String(state);
}

/** What a status shows of the container's metadata. */
interface StatusMetadata {
  id: string;
  logPath: string;
  /** The image's ID (what 2.x reports as imageId). */
  imageId: string;
  /** The image's stop signal. */
  stopSignal: string;
  config: Pick<ContainerConfig, "metadata" | "labels" | "annotations" | "mounts" | "stopSignal">;
}

/** toCRIContainerStatus. */
function toCriContainerStatus(meta: StatusMetadata, status: ContainerStatus, image: ImageSpec | undefined, imageRef: string): CriContainerStatus {
  const state = containerState(status);
  let reason = status.reason;
  if (state === ContainerState.CONTAINER_EXITED && reason === "") reason = status.exitCode === 0 ? completeExitReason : errorExitReason;
  let startedAt = 0n;
  let finishedAt = 0n;
  if (state === ContainerState.CONTAINER_RUNNING) startedAt = status.startedAt;
  else if (state === ContainerState.CONTAINER_EXITED || state === ContainerState.CONTAINER_UNKNOWN) {
    startedAt = status.startedAt;
    finishedAt = status.finishedAt;
  }
  return {
    id: meta.id,
    metadata: meta.config.metadata,
    state,
    createdAt: status.createdAt,
    startedAt,
    finishedAt,
    exitCode: status.exitCode,
    image,
    imageRef,
    reason,
    message: status.message,
    labels: meta.config.labels,
    annotations: meta.config.annotations,
    mounts: meta.config.mounts,
    logPath: meta.logPath,
    resources: status.resources,
    imageId: "",
    user: undefined,
    stopSignal: 0,
  };
}

/** Go's `CamelCase` field name as gogo's json tag writes it (`snake_case`). */
function snakeCase(goName: string): string {
  return goName.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/** json.Marshal of the runtime options struct (nil -> null). */
function runtimeOptionsJson(options: RuntimeOptions | undefined): GoJsonValue {
  if (!options) return null;
  const out: Record<string, GoJsonValue | undefined> = {};
  const message = options.message as unknown as Record<string, GoJsonValue>;
  for (const field of structOf(options).fields) {
    if (typeof field.target !== "object") continue;
    const value = message[field.target.prop];
    const empty = value === false || value === "" || value === 0 || (value instanceof Uint8Array && value.length === 0);
    out[snakeCase(field.name)] = empty ? undefined : value;
  }
  return out;
}

/** toCRIContainerInfo's JSON: containerd's ContainerInfo struct, in its field order. */
async function containerInfoJson(container: Container): Promise<string> {
  const status = container.status.get();
  const record = await container.container.info().catch((err: unknown) => {
    throw wrap(err, "failed to get container runtime spec");
  });
  if (!record.spec) throw new Error("failed to get container runtime spec: spec is nil");
  const runtimeSpec = specJson(parseSpec(record.spec));
  let options;
  try {
    options = getRuntimeOptions(record);
  } catch (err) {
    throw wrap(err, "failed to get runtime options");
  }
  const parts: Array<[string, string]> = [
    ["sandboxID", goJsonString(container.metadata.sandboxId)],
    ["pid", String(status.pid)],
    ["removing", String(status.removing)],
    ["snapshotKey", goJsonString(record.snapshotKey)],
    ["snapshotter", goJsonString(record.snapshotter)],
    ["runtimeType", goJsonString(record.runtime.name)],
    ["runtimeOptions", goJson(runtimeOptionsJson(options))],
    ["config", goJson(containerConfigGoJson(container.metadata.config))],
    ["runtimeSpec", runtimeSpec],
  ];
  return `{${parts.map(([k, v]) => `${goJsonString(k)}:${v}`).join(",")}}`;
}
