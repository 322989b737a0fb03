// Building an image from a small declarative description: each layer is a map of paths to
// contents, turned into a deterministic tar (sorted entries, parents first, fixed times, root
// owner) exactly as Go's archive/tar would write it, optionally gzipped; then the OCI (or Docker
// schema 2) config, manifest and optional index. Every size, digest, diff ID and chain ID is
// computed from those bytes. buildImage writes the blobs with the GC labels a pull would set and
// creates (or retargets) the image record.
import { invalidArgument, isAlreadyExists, isNotFound } from "../errdefs.ts";
import { computeDigest, type ContentStore } from "../content/store.ts";
import { compareUtf8 } from "../../src/go/json.ts";
import { encodeImageConfig, encodeIndex, encodeManifest, type Descriptor, type ImageConfigFile } from "./documents.ts";
import { gzip } from "./gzip.ts";
import { childrenLabels, mediaTypes } from "./mediatypes.ts";
import { defaultPlatform, type Platform } from "./platforms.ts";
import { chainId } from "./resolve.ts";
import type { Image, ImageStore } from "./store.ts";
import { writeTar, type TarEntry } from "./tar.ts";

/** A file of an image layer that needs more than its contents: a mode, a directory, a symlink. */
export interface FileSpec {
  mode?: number;
  content?: string | Uint8Array;
  type?: "dir" | "symlink";
  /** Target of a symlink. */
  target?: string;
}

/** Path (relative to the root; a leading "/" is ignored) to file contents or a spec. */
export type LayerDescription = Readonly<Record<string, string | Uint8Array | FileSpec>>;

/** An image to build: its name, its config (entrypoint, cmd, env, user ...) and its layers. */
export interface ImageDescription {
  name: string;
  config?: {
    entrypoint?: string[];
    cmd?: string[];
    env?: string[];
    user?: string;
    workingDir?: string;
    labels?: Record<string, string>;
    /** Such as "80/tcp". */
    exposedPorts?: string[];
    volumes?: string[];
    stopSignal?: string;
  };
  layers?: LayerDescription[];
  platform?: Platform;
  /** OCI (default) or Docker schema 2 media types. */
  mediaTypes?: "oci" | "docker";
  /** Gzip the layers (default true). */
  gzip?: boolean;
  /** Wrap the manifest in an index (a manifest list for Docker media types). */
  index?: boolean;
  /**
   * The comment of the config's last history entry: tells apart images otherwise alike (their IDs
   * are their configs' digests) without a file a container would list or a label it would inherit.
   */
  comment?: string;
}

/** A blob with the labels containerd would give it in the content store. */
export interface BuiltBlob {
  descriptor: Descriptor;
  bytes: Uint8Array;
  labels: Record<string, string>;
}

export interface BuiltImage {
  name: string;
  /** What the image record points at: the index when there is one, else the manifest. */
  target: Descriptor;
  manifest: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
  diffIds: string[];
  chainId: string;
  /** Every blob, children before parents. */
  blobs: BuiltBlob[];
}

/** Times in built images: the Unix epoch, so the same description always gives the same bytes. */
const buildTime = "1970-01-01T00:00:00Z";

const encoder = new TextEncoder();

function cleanPath(path: string): string {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.length === 0 || parts.includes("..")) throw invalidArgument(`invalid layer path ${JSON.stringify(path)}`);
  return parts.join("/");
}

/** The tar entries of a layer: given paths plus their missing parent directories, sorted. */
export function layerEntries(layer: LayerDescription): TarEntry[] {
  const entries = new Map<string, TarEntry>();
  for (const [rawPath, value] of Object.entries(layer)) {
    const path = cleanPath(rawPath);
    const spec: FileSpec = typeof value === "string" || value instanceof Uint8Array ? { content: value } : value;
    if (spec.type === "dir") entries.set(path, { name: `${path}/`, type: "dir", mode: spec.mode ?? 0o755 });
    else if (spec.type === "symlink") {
      if (spec.target === undefined) throw invalidArgument(`symlink ${JSON.stringify(rawPath)} has no target`);
      entries.set(path, { name: path, type: "symlink", mode: spec.mode ?? 0o777, linkname: spec.target });
    } else {
      const content = spec.content ?? "";
      const data = typeof content === "string" ? encoder.encode(content) : content;
      entries.set(path, { name: path, type: "file", mode: spec.mode ?? 0o644, data });
    }
  }
  for (const path of [...entries.keys()]) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      const existing = entries.get(parent);
      if (existing && existing.type !== "dir") {
        throw invalidArgument(`layer path ${JSON.stringify(path)} is below non-directory ${JSON.stringify(parent)}`);
      }
      if (!existing) entries.set(parent, { name: `${parent}/`, type: "dir", mode: 0o755 });
    }
  }
  return [...entries.values()].sort((a, b) => compareUtf8(a.name, b.name));
}

function layerMediaType(types: "oci" | "docker", gzipped: boolean): string {
  if (types === "docker") return gzipped ? mediaTypes.dockerLayerGzip : mediaTypes.dockerLayer;
  return gzipped ? mediaTypes.ociLayerGzip : mediaTypes.ociLayer;
}

function blob(mediaType: string, bytes: Uint8Array, labels: Record<string, string> = {}, platform?: Platform): BuiltBlob {
  const descriptor: Descriptor = { mediaType, digest: computeDigest(bytes), size: bytes.length };
  if (platform) descriptor.platform = platform;
  return { descriptor, bytes, labels };
}

function asSet(keys: readonly string[] | undefined): Record<string, Record<string, never>> | undefined {
  return keys ? Object.fromEntries(keys.map((k) => [k, {}])) : undefined;
}

/** Computes every blob of the described image without touching any store. */
export function buildImageBlobs(description: ImageDescription): BuiltImage {
  const types = description.mediaTypes ?? "oci";
  const gzipped = description.gzip ?? true;
  const platform = description.platform ?? defaultPlatform;
  const layerBlobs: BuiltBlob[] = [];
  const diffIds: string[] = [];
  for (const layer of description.layers ?? []) {
    const tar = writeTar(layerEntries(layer));
    diffIds.push(computeDigest(tar));
    layerBlobs.push(blob(layerMediaType(types, gzipped), gzipped ? gzip(tar) : tar));
  }

  const c = description.config ?? {};
  const configFile: ImageConfigFile = {
    created: buildTime,
    architecture: platform.architecture,
    os: platform.os,
    config: {
      User: c.user,
      ExposedPorts: asSet(c.exposedPorts),
      Env: c.env,
      Entrypoint: c.entrypoint,
      Cmd: c.cmd,
      Volumes: asSet(c.volumes),
      WorkingDir: c.workingDir,
      Labels: c.labels,
      StopSignal: c.stopSignal,
    },
    rootfs: { type: "layers", diff_ids: diffIds },
    history: diffIds.map((_, i) => ({
      created: buildTime,
      created_by: `fake-containerd build: layer ${i}`,
      ...(description.comment !== undefined && i === diffIds.length - 1 ? { comment: description.comment } : {}),
    })),
  };
  if (platform.variant) configFile.variant = platform.variant;
  if (platform.osVersion) configFile["os.version"] = platform.osVersion;
  if (platform.osFeatures?.length) configFile["os.features"] = platform.osFeatures;
  const configBlob = blob(types === "docker" ? mediaTypes.dockerConfig : mediaTypes.ociConfig, encodeImageConfig(configFile));

  const layers = layerBlobs.map((b) => b.descriptor);
  const manifestType = types === "docker" ? mediaTypes.dockerManifest : mediaTypes.ociManifest;
  const manifestBytes = encodeManifest({ schemaVersion: 2, mediaType: manifestType, config: configBlob.descriptor, layers });
  const manifestBlob = blob(manifestType, manifestBytes, childrenLabels([configBlob.descriptor, ...layers]));

  const blobs = [...layerBlobs, configBlob, manifestBlob];
  let target = manifestBlob.descriptor;
  if (description.index) {
    const indexType = types === "docker" ? mediaTypes.dockerManifestList : mediaTypes.ociIndex;
    const entry: Descriptor = { ...manifestBlob.descriptor, platform };
    const indexBlob = blob(indexType, encodeIndex({ schemaVersion: 2, mediaType: indexType, manifests: [entry] }), childrenLabels([entry]));
    blobs.push(indexBlob);
    target = indexBlob.descriptor;
  }
  return {
    name: description.name,
    target,
    manifest: manifestBlob.descriptor,
    config: configBlob.descriptor,
    layers,
    diffIds,
    chainId: chainId(diffIds),
    blobs,
  };
}

/**
 * Writes a blob the way a fetch does: content.WriteBlob (an existing blob is fine) followed by
 * setting its children labels, which also lands on a blob that was already there.
 */
export async function writeBlob(content: ContentStore, b: BuiltBlob, ref?: string): Promise<void> {
  try {
    await content.write(b.bytes, b.descriptor, ref === undefined ? { labels: b.labels } : { labels: b.labels, ref });
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    const keys = Object.keys(b.labels);
    if (keys.length > 0) await content.update({ digest: b.descriptor.digest, labels: b.labels }, ...keys.map((k) => `labels.${k}`));
  }
}

/**
 * Points the named record at the target: updates its target when it exists, creates it otherwise
 * (what containerd's importer does).
 */
export async function putImage(images: ImageStore, name: string, target: Descriptor): Promise<Image> {
  try {
    return await images.update({ name, target }, "target");
  } catch (error) {
    if (!isNotFound(error)) throw error;
    return images.create({ name, target });
  }
}

/** Builds the described image into the image store's content store and records it. */
export async function buildImage(images: ImageStore, description: ImageDescription): Promise<{ built: BuiltImage; image: Image }> {
  const built = buildImageBlobs(description);
  for (const b of built.blobs) await writeBlob(images.content, b);
  return { built, image: await putImage(images, description.name, built.target) };
}
