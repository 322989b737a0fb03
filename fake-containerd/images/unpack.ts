// Unpacking an image into snapshots as containerd's unpacker does after a pull: for each layer, a
// snapshot named by the chain ID so far; when missing, an extraction snapshot "extract-<unique>
// <chainID>" is prepared on the previous one, the layer applied, its diff ID checked, and the
// result committed under the chain ID. The layer blob gets its "containerd.io/uncompressed" label
// and the config blob a GC reference to the top snapshot.
import { ContainerdError, isAlreadyExists, isNotFound } from "../errdefs.ts";
import { quote } from "../../src/go/strconv.ts";
import { inheritedLabels, labelSnapshotRef, type SnapshotStore } from "../snapshots/store.ts";
import type { Descriptor } from "./documents.ts";
import { parseImageConfig } from "./documents.ts";
import { wrapError } from "../errdefs.ts";
import { gunzip, isGzip, isZstd } from "./gzip.ts";
import { uncompressedLayer } from "./layer-cache.ts";
import { diffCompression, labelUncompressed } from "./mediatypes.ts";
import { platformMatcher, type Platform, type PlatformMatcher } from "./platforms.ts";
import { chainId, resolveManifest } from "./resolve.ts";
import type { ImageStore } from "./store.ts";
import { readTar, type TarEntry } from "./tar.ts";

export interface UnpackResult {
  /** Chain ID of the top layer: the committed snapshot holding the image's root filesystem. */
  chainId: string;
  /** How many layers were extracted (the others were already unpacked). */
  extracted: number;
}

const urlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** containerd's uniquePart: "<nanoseconds within the second>-<3 random bytes, base64url>". */
function uniquePart(snapshots: SnapshotStore): string {
  const ns = snapshots.ctx.clock.now() % 1_000_000_000n;
  const hex = snapshots.ctx.ids.next();
  const n = parseInt(hex.slice(0, 6), 16);
  let random = "";
  for (let shift = 18; shift >= 0; shift -= 6) random += urlAlphabet[(n >> shift) & 63];
  return `${ns}-${random}`;
}

/** The uncompressed tar of a layer blob (containerd's compression.DecompressStream detects by magic). */
async function uncompress(blob: Uint8Array): Promise<Uint8Array> {
  if (isZstd(blob)) throw new ContainerdError("not implemented", "zstd layers are not supported by fake-containerd");
  if (!isGzip(blob)) return blob;
  try {
    return await gunzip(blob);
  } catch {
    // The runtimes word this differently; one fixed text keeps runs identical everywhere.
    throw new ContainerdError("unknown", "gzip: invalid compressed data");
  }
}

const readTars = new WeakMap<Uint8Array, readonly TarEntry[]>();

/**
 * A layer's tar read once per process: the layer cache hands every fake the very same tar, which
 * nothing writes to, and applying entries changes neither them nor the file bytes they carry.
 * Reading busybox's layer again for each fresh fake was 1.3 s of golden/cri's in-process replay.
 */
function tarEntries(tar: Uint8Array): readonly TarEntry[] {
  let entries = readTars.get(tar);
  if (!entries) readTars.set(tar, (entries = Object.freeze(readTar(tar).map((entry) => Object.freeze(entry)))));
  return entries;
}

/** The diff applier: decompresses the layer into the active snapshot and returns its diff ID. */
async function applyLayer(images: ImageStore, snapshots: SnapshotStore, key: string, layer: Descriptor): Promise<string> {
  await snapshots.ctx.operations.enter({ op: "diff.apply", namespace: snapshots.namespace, subject: layer.digest });
  let blob: Uint8Array;
  try {
    blob = await images.content.read(layer.digest);
  } catch (error) {
    throw wrapError("failed to get reader from content store", error);
  }
  if (diffCompression(layer.mediaType) === undefined) {
    throw new ContainerdError("unknown", `failed to get stream processor for ${layer.mediaType}: no processor for media-type`);
  }
  const { tar, diffId } = await uncompressedLayer(layer.digest, blob, uncompress);
  snapshots.applyEntries(key, tarEntries(tar));
  return diffId;
}

/** Unpacks the named image for the platform (default linux/amd64) into the snapshotter; idempotent. */
export async function unpackImage(
  images: ImageStore,
  snapshots: SnapshotStore,
  name: string,
  platform?: Platform | PlatformMatcher,
): Promise<UnpackResult> {
  await snapshots.ctx.operations.enter({ op: "images.unpack", namespace: snapshots.namespace, subject: name });
  const image = await images.get(name);
  const manifest = await resolveManifest(images.content, image.target, platformMatcher(platform));
  const configBytes = await images.content.read(manifest.config.digest);
  let diffIds: string[];
  try {
    diffIds = parseImageConfig(configBytes).rootfs.diff_ids;
  } catch (error) {
    throw wrapError("unmarshal image config", error);
  }
  const layers = manifest.layers;
  if (layers.length !== diffIds.length) {
    throw new ContainerdError("unknown", `number of layers and diffIDs don't match: ${layers.length} != ${diffIds.length}`);
  }

  let extracted = 0;
  for (let i = 0; i < layers.length; i++) {
    const parent = chainId(diffIds.slice(0, i));
    const id = chainId(diffIds.slice(0, i + 1));
    if (await unpackLayer(images, snapshots, layers[i]!, diffIds[i]!, parent, id)) extracted++;
  }

  const top = chainId(diffIds);
  const gcLabel = `containerd.io/gc.ref.snapshot.${snapshots.snapshotter}`;
  await images.content.update({ digest: manifest.config.digest, labels: { [gcLabel]: top } }, `labels.${gcLabel}`);
  return { chainId: top, extracted };
}

async function exists(snapshots: SnapshotStore, key: string): Promise<boolean> {
  try {
    await snapshots.stat(key);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw wrapError(`failed to stat snapshot ${key}`, error);
  }
}

/** One layer of the unpacker; returns whether it extracted anything. */
async function unpackLayer(
  images: ImageStore,
  snapshots: SnapshotStore,
  layer: Descriptor,
  diffId: string,
  parent: string,
  id: string,
): Promise<boolean> {
  if (await exists(snapshots, id)) return false;
  const labels = { ...inheritedLabels(layer.annotations ?? {}), [labelSnapshotRef]: id };

  let key = "";
  let prepareError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    key = `extract-${uniquePart(snapshots)} ${id}`;
    try {
      await snapshots.prepare(key, parent, { labels });
      prepareError = undefined;
      break;
    } catch (error) {
      if (!isAlreadyExists(error)) throw wrapError(`failed to prepare extraction snapshot ${quote(key)}`, error);
      if (await exists(snapshots, id)) return false;
      prepareError = error;
    }
  }
  if (prepareError) throw wrapError("unable to prepare extraction snapshot", prepareError);

  const abort = async () => {
    try {
      await snapshots.remove(key);
    } catch {
      // containerd only logs a failed cleanup.
    }
  };
  let diff: string;
  try {
    diff = await applyLayer(images, snapshots, key, layer);
  } catch (error) {
    await abort();
    throw wrapError(`failed to extract layer ${diffId}`, error);
  }
  if (diff !== diffId) {
    await abort();
    throw new ContainerdError("unknown", `wrong diff id calculated on extraction ${quote(diffId)}`);
  }
  try {
    await snapshots.commit(id, key, { labels });
  } catch (error) {
    await abort();
    if (isAlreadyExists(error)) return false;
    throw wrapError(`failed to commit snapshot ${key}`, error);
  }
  await images.content.update({ digest: layer.digest, labels: { [labelUncompressed]: diff } }, `labels.${labelUncompressed}`);
  return true;
}
