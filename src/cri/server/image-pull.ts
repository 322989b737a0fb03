// PullImage (containerd 1.6.20 image_pull.go, and client.Pull under it): parse the reference as
// docker does, resolve it through the registry fake-containerd pulls from, fetch the image's blobs
// into the namespace's content store, unpack it into the configured snapshotter, record the image,
// then give it the CRI's references (image ID, repo tag, repo digest) and update the CRI image store.
//
// "Pull anything" (the default unless strictImages): a well-formed reference by tag that the
// registry does not have is first put there: the node's own image of that name when it has one
// (so an image a test registered is what a pull brings), else a small image made up from the name
// (src/cri/images: critest's images from its catalogue, which also stands in for the digest critest
// pins, the one reference by digest that is provided). The sandbox image is always provided that way, so pods can start in strict mode too. Registry
// credentials in the request are accepted and not checked: the fake registry asks for none, and
// containerd reads them only when a registry asks.

import { writeBlob } from "../../../fake-containerd/images/build.ts";
import { parseImageConfig, type Descriptor } from "../../../fake-containerd/images/documents.ts";
import type { GarbageProtection } from "../../../fake-containerd/gc.ts";
import type { ImageStore } from "../../../fake-containerd/images/store.ts";
import { childrenLabels, isConfigType, isIndexType, isLayerType } from "../../../fake-containerd/images/mediatypes.ts";
import { platformMatcher, sortByPlatform } from "../../../fake-containerd/images/platforms.ts";
import { chainIds, children, resolveManifest, walk } from "../../../fake-containerd/images/resolve.ts";
import { unpackImage } from "../../../fake-containerd/images/unpack.ts";
import { isAlreadyExists, isNotFound } from "../../../fake-containerd/index.ts";
import { registryOf, type FakeRegistry } from "../../../fake-containerd/registry.ts";
import type { PullImageRequest, PullImageResponse } from "../api/v1.ts";
import { parseDuration } from "../../go/duration.ts";
import { wrap } from "../../go/errors.ts";
import { domain, isCanonical, parseDockerRef, path, referenceString, RemoteNameUppercaseError, type Named } from "../../go/reference.ts";
import { quote } from "../../go/strconv.ts";
import { catalogueImage, isSameImageName, synthesizeImage } from "../images/synthesize.ts";
import { imageLabelKey, imageLabelValue } from "../helpers/constants.ts";
import { getRepoDigestAndTag } from "../helpers/images.ts";
import type { CallContext } from "../service-types.ts";
import { createImageReference, pinnedImageLabelKey, pinnedImageLabelValue, updateImageStore } from "./image-update.ts";
import { watchPullProgress, type PullProgress } from "./image-pull-progress.ts";
import type { CriService } from "./service.ts";

/**
 * The least time containerd's resolve takes: a request to the registry and its answer (a millisecond
 * or more even on loopback). The fake's registry answers at once, so a pull whose client gives it
 * less would succeed here and run out of time on a real node (critest pulls with a 1 ms deadline).
 */
const registryRoundTripMs = 2;

export async function pullImage(c: CriService, r: PullImageRequest, call: CallContext): Promise<PullImageResponse> {
  const imageRef = r.image?.image ?? "";
  let namedRef: Named;
  try {
    namedRef = parseDockerRef(imageRef);
  } catch (err) {
    const reworded = err instanceof RemoteNameUppercaseError ? new Error(c.profile.remoteNameUppercaseText(err.remoteName)) : err;
    throw wrap(reworded, `failed to parse image reference ${quote(imageRef)}`);
  }
  const ref = referenceString(namedRef);
  if (call.deadline !== undefined && call.deadline.getTime() - Date.now() < registryRoundTripMs) {
    // The resolve is still waiting for the registry when the deadline passes.
    const reason = await abortReason(call.signal);
    throw wrap(wrap(reason, `failed to resolve reference ${quote(ref)}`), `failed to pull and unpack image ${quote(ref)}`);
  }
  let target: Descriptor;
  try {
    target = await pull(c, ref, namedRef);
  } catch (err) {
    throw wrap(err, `failed to pull and unpack image ${quote(ref)}`);
  }
  let imageId: string;
  try {
    imageId = (await resolveManifest(c.client.content, target, platformMatcher(undefined))).config.digest;
  } catch (err) {
    throw wrap(err, "get image config descriptor");
  }
  // The fake registry serves no schema 1 manifests, so the manifest digest is always a repo digest.
  const { repoDigest, repoTag } = getRepoDigestAndTag(namedRef, target.digest, false);
  for (const name of [imageId, repoTag, repoDigest]) {
    if (name === "") continue;
    try {
      await createImageReference(c, name, target);
    } catch (err) {
      throw wrap(err, `failed to create image reference ${quote(name)}`);
    }
    try {
      await updateImageStore(c, name);
    } catch (err) {
      throw wrap(err, `failed to update image store ${quote(name)}`);
    }
  }
  return { imageRef: imageId };
}

function abortReason(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(signal.reason), { once: true }));
}

/** client.Pull with the CRI's options: resolve, fetch, unpack, record (with the managed label). */
async function pull(c: CriService, ref: string, named: Named): Promise<Descriptor> {
  const registry = registryOf(c.containerd);
  let target: Descriptor;
  try {
    target = await resolve(c, registry, ref, named);
  } catch (err) {
    throw wrap(err, c.profile.pullResolveContext(ref));
  }
  const lease: PullLease = { content: new Set(), chainIds: new Set() };
  const held = leases.get(c) ?? new Set<PullLease>();
  leases.set(c, held.add(lease));
  const progress = watchPullProgress(c.clock, pullProgressTimeoutMs(c));
  try {
    await fetch(c, registry, ref, named, target, lease, progress);
    await unpackImage(pendingImage(c, ref, target), c.client.snapshots.get(c.config.containerd.snapshotter), ref);
    await createNewImage(c, ref, target);
  } finally {
    progress.stop();
    held.delete(lease);
  }
  return target;
}

/**
 * image_pull_progress_timeout in milliseconds, 0 for none: 2.x watches the progress of its local
 * pull only, which it takes when asked to (use_local_image_pull) or when a setting the transfer
 * service does not support is given (CheckLocalImagePullConfigs). Its default, the transfer
 * service, counted no byte of a layer in flight when measured (a registry stalling mid-layer):
 * the pull waits, as 1.6.20's does.
 */
function pullProgressTimeoutMs(c: CriService): number {
  const config = c.config;
  const localPull =
    config.useLocalImagePull ||
    !config.containerd.disableSnapshotAnnotations ||
    config.containerd.discardUnpackedLayers ||
    [config.registry.mirrors, config.registry.configs, config.registry.auths].some((m) => Object.keys(m).length > 0) ||
    config.maxConcurrentDownloads !== 3;
  if (!c.profile.pullProgressTimeout || !localPull) return 0;
  return Number(parseDuration(config.imagePullProgressTimeout)) / 1e6;
}

/**
 * What a pull in flight has brought in but not yet recorded (its blobs, and the snapshots of its
 * layers' chain IDs and their extraction snapshots): containerd's pull holds these with a lease,
 * so a garbage collection meanwhile (another image's removal) leaves them alone.
 */
interface PullLease {
  content: Set<string>;
  chainIds: Set<string>;
}

const leases = new WeakMap<CriService, Set<PullLease>>();

/** What the service's pulls in flight hold, for a garbage collection to keep. */
export function pullLeases(c: CriService): GarbageProtection {
  const held = [...(leases.get(c) ?? [])];
  return {
    content: (digest) => held.some((lease) => lease.content.has(digest)),
    snapshot: (_snapshotter, key) =>
      held.some((lease) => lease.chainIds.has(key) || [...lease.chainIds].some((id) => key.endsWith(` ${id}`))),
  };
}

/**
 * containerd unpacks what it fetched before it records the image, so a failed unpack leaves no
 * record (and no /images/create event). The unpacker is handed an image store that shows it the
 * image being pulled; everything else (content, the operation hook) is the namespace's own.
 */
function pendingImage(c: CriService, name: string, target: Descriptor): ImageStore {
  const store = Object.create(c.client.images) as ImageStore;
  store.get = async () => ({ name, labels: {}, target, createdAt: 0n, updatedAt: 0n });
  return store;
}

async function resolve(c: CriService, registry: FakeRegistry, ref: string, named: Named): Promise<Descriptor> {
  try {
    return await registry.resolve(ref);
  } catch (err) {
    if (!isNotFound(err) || (c.strictImages && !isSandboxImage(c, ref))) throw err;
    if (isCanonical(named)) {
      // A digest cannot be made up, but the catalogue has stand-ins for the digests critest pins.
      const standIn = catalogueImage(ref);
      if (!standIn) throw err;
      registry.pushStandIn(ref, standIn);
      return registry.resolve(ref);
    }
  }
  let local;
  try {
    local = await c.client.images.get(ref);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (local) await registry.pushFrom(c.client.content, ref, local.target);
  else registry.pushImage(synthesizeImage(ref, c.config.sandboxImage));
  return registry.resolve(ref);
}

function isSandboxImage(c: CriService, ref: string): boolean {
  return isSameImageName(ref, c.config.sandboxImage);
}


const distributionSourceLabel = "containerd.io/distribution.source";
const maxLabelLength = 4096;

/**
 * The fetch handlers: each blob is fetched into the content store (unless it is there already)
 * with its children's GC labels and the distribution source label; an index descends into its best
 * manifest for the platform.
 */
async function fetch(
  c: CriService,
  registry: FakeRegistry,
  ref: string,
  named: Named,
  target: Descriptor,
  lease: PullLease,
  progress: PullProgress,
): Promise<void> {
  const content = c.client.content;
  const matcher = platformMatcher(undefined);
  const sourceKey = `${distributionSourceLabel}.${hostname(domain(named))}`;
  const repository = path(named);
  await walk(async (desc) => {
    lease.content.add(desc.digest);
    let bytes: Uint8Array;
    try {
      bytes = await content.read(desc.digest);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      bytes = await progress.track(registry.fetch(ref, desc));
    }
    if (isConfigType(desc.mediaType)) for (const id of layerChainIds(bytes)) lease.chainIds.add(id);
    const kids = await children({ read: async () => bytes }, desc);
    // discard_unpacked_layers: manifests do not reference their layers, so a collection frees them once unpacked.
    const referenced = c.config.containerd.discardUnpackedLayers ? kids.filter((d) => !isLayerType(d.mediaType)) : kids;
    await writeBlob(content, { descriptor: desc, bytes, labels: childrenLabels(referenced) });
    const info = await content.info(desc.digest);
    const sources = appendSource(info.labels[sourceKey] ?? "", repository);
    // containerd skips a label that would exceed the size limit, leaving the blob as it is.
    if (sourceKey.length + sources.length <= maxLabelLength) {
      await content.update({ digest: desc.digest, labels: { [sourceKey]: sources } }, `labels.${sourceKey}`);
    }
    const wanted = kids.filter((d) => !d.platform || matcher.match(d.platform));
    return isIndexType(desc.mediaType) ? sortByPlatform(wanted, matcher).slice(0, 1) : wanted;
  }, [target]);
}

/** The chain IDs the config's layers unpack to; none for a config the unpacker will refuse anyway. */
function layerChainIds(config: Uint8Array): string[] {
  try {
    return chainIds(parseImageConfig(config).rootfs.diff_ids);
  } catch {
    return [];
  }
}

/** url.URL.Hostname of the registry host: without the port, and without brackets around IPv6. */
function hostname(host: string): string {
  if (host.startsWith("[")) return host.slice(1, host.indexOf("]"));
  const colon = host.indexOf(":");
  return colon === -1 ? host : host.slice(0, colon);
}

/** The repositories a blob came from: a sorted, duplicate-free, comma-separated list. */
function appendSource(existing: string, repository: string): string {
  const repositories = new Set(existing === "" ? [] : existing.split(","));
  repositories.add(repository);
  return [...repositories].filter((r) => r !== "").sort().join(",");
}

/**
 * createNewImage: create the record, or replace the one of that name (target and labels); 2.x labels
 * a pinned image's name pinned (getLabels).
 */
async function createNewImage(c: CriService, name: string, target: Descriptor): Promise<void> {
  const labels: Record<string, string> = { [imageLabelKey]: imageLabelValue };
  if (c.profile.pinsSandboxImage && name === c.config.sandboxImage) labels[pinnedImageLabelKey] = pinnedImageLabelValue;
  const record = { name, target, labels };
  for (;;) {
    try {
      await c.client.images.create(record);
      return;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    try {
      await c.client.images.update(record);
      return;
    } catch (err) {
      // Deleted in between: create again.
      if (!isNotFound(err)) throw err;
    }
  }
}
