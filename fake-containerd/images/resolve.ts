// Reading an image out of the content store the way containerd's images package does: children of
// a manifest or index, manifest resolution for a platform, the config and its diff IDs, the packed
// size, and chain IDs (image-spec's identity.ChainID).
import { ContainerdError, notFound } from "../errdefs.ts";
import { computeDigest, ContentStore } from "../content/store.ts";
import { wrapError } from "../errdefs.ts";
import {
  type UnknownDocument,
  parseImageConfig,
  parseIndex,
  parseManifest,
  parseUnknownDocument,
  type Descriptor,
  type ImageConfigFile,
  type Manifest,
} from "./documents.ts";
import { isConfigType, isIndexType, isManifestType } from "./mediatypes.ts";
import { normalizePlatform, sortByPlatform, type Platform, type PlatformMatcher } from "./platforms.ts";

/** Where blobs come from: the content store, or anything that reads by digest the same way. */
export interface BlobReader {
  read(digest: string): Promise<Uint8Array>;
}

/** A handler returns the children to descend into; `skip` stops descent below this descriptor. */
export type Handler = (desc: Descriptor) => Promise<Descriptor[] | "skip">;

/** Go's images.Walk: depth-first, siblings in order. */
export async function walk(handler: Handler, descs: readonly Descriptor[]): Promise<void> {
  for (const desc of descs) {
    const children = await handler(desc);
    if (children === "skip") continue;
    if (children.length > 0) await walk(handler, children);
  }
}

/**
 * A blob decoded by `decode`. The content store keeps what it decoded with the blob, so the image's
 * documents are parsed once however often containers are created from it (and come back frozen).
 */
async function readDocument<T>(provider: BlobReader, digest: string, decode: (bytes: Uint8Array) => T): Promise<T> {
  if (provider instanceof ContentStore) return provider.readDecoded(digest, decode);
  return decode(await provider.read(digest));
}

/**
 * A manifest or an index as readChecked needs it: the document read as "any document" (for the
 * shape check, whose failure is reported first) and as its own type (or why it is not one).
 */
interface CheckedDocument<T> {
  shape: UnknownDocument | { unreadable: unknown };
  document: T | { invalid: unknown };
}

function shapeAndDocument<T extends object>(decode: (bytes: Uint8Array) => T): (bytes: Uint8Array) => CheckedDocument<T> {
  return (bytes) => {
    let shape: CheckedDocument<T>["shape"];
    try {
      shape = parseUnknownDocument(bytes);
    } catch (error) {
      shape = { unreadable: error };
    }
    let document: CheckedDocument<T>["document"];
    try {
      document = decode(bytes);
    } catch (error) {
      document = { invalid: error };
    }
    return { shape, document };
  };
}

const manifestWithShape = shapeAndDocument(parseManifest);
const indexWithShape = shapeAndDocument(parseIndex);

/** Go's validateMediaType: a manifest must not look like an index and vice versa. */
function checkDocumentShape(doc: UnknownDocument, mt: string): void {
  const has = (v: unknown) => v !== undefined;
  if (has(doc.fsLayers)) throw new ContainerdError("unknown", "media-type: schema 1 not supported");
  if (isManifestType(mt)) {
    if (has(doc.manifests) || isIndexType(doc.mediaType ?? "")) {
      throw new ContainerdError("unknown", `media-type: expected manifest but found index (${mt})`);
    }
  } else if (isIndexType(mt)) {
    if (has(doc.config) || has(doc.layers) || isManifestType(doc.mediaType ?? "")) {
      throw new ContainerdError("unknown", `media-type: expected index but found manifest (${mt})`);
    }
  }
}

/** Reads a manifest or an index, checking first that the document has the shape its media type says. */
function readChecked<T extends object>(
  provider: BlobReader,
  desc: Descriptor,
  context: string,
  decode: (bytes: Uint8Array) => CheckedDocument<T>,
): Promise<T> {
  // A then settles on the tick an async function awaiting the read would, without its frame.
  return readDocument(provider, desc.digest, decode).then(({ shape, document }) => {
    try {
      if ("unreadable" in shape) throw shape.unreadable;
      checkDocumentShape(shape, desc.mediaType);
    } catch (error) {
      throw wrapError(`${context}: invalid desc ${desc.digest}`, error);
    }
    if ("invalid" in document) throw document.invalid;
    return document;
  });
}

/** Go's images.Children: config and layers of a manifest, manifests of an index, nothing otherwise. */
export async function children(provider: BlobReader, desc: Descriptor): Promise<Descriptor[]> {
  if (isManifestType(desc.mediaType)) {
    const manifest = await readChecked(provider, desc, "children", manifestWithShape);
    return [manifest.config, ...manifest.layers];
  }
  if (isIndexType(desc.mediaType)) return (await readChecked(provider, desc, "children", indexWithShape)).manifests;
  return [];
}

/**
 * Go's images.Manifest: the manifest for the platform. An index contributes its best-matching
 * entry; a manifest reached through an index without a platform is matched on its config's OS and
 * architecture. `null` as platform means no platform filtering.
 */
export async function resolveManifest(
  provider: BlobReader,
  image: Descriptor,
  platform: PlatformMatcher | null,
): Promise<Manifest> {
  const found: Manifest[] = [];
  let wasIndex = false;
  await walk(async (desc) => {
    if (isManifestType(desc.mediaType)) {
      const manifest = await readChecked(provider, desc, "manifest", manifestWithShape);
      if (desc.digest !== image.digest && platform) {
        if (desc.platform && !platform.match(desc.platform)) return [];
        if (!desc.platform) {
          const config = await readDocument(provider, manifest.config.digest, parseImageConfig);
          if (!platform.match(normalizePlatform({ os: config.os, architecture: config.architecture }))) return [];
        }
      }
      found.push(manifest);
      return [];
    }
    if (isIndexType(desc.mediaType)) {
      const index = await readChecked(provider, desc, "manifest", indexWithShape);
      if (!platform) return index.manifests;
      const matching = index.manifests.filter((d) => !d.platform || platform.match(d.platform));
      wasIndex = true;
      return sortByPlatform(matching, platform).slice(0, 1);
    }
    throw notFound(`unexpected media type ${desc.mediaType} for ${desc.digest}`);
  }, [image]);
  if (found.length === 0) {
    throw notFound(wasIndex ? `no match for platform in manifest ${image.digest}` : `manifest ${image.digest}`);
  }
  return found[0]!;
}

export async function readImageConfig(provider: BlobReader, config: Descriptor): Promise<ImageConfigFile> {
  return readDocument(provider, config.digest, parseImageConfig);
}

/** Go's images.RootFS: the config's diff IDs. */
export async function rootFS(provider: BlobReader, config: Descriptor): Promise<string[]> {
  return (await readImageConfig(provider, config)).rootfs.diff_ids;
}

/**
 * Go's Image.Size: the sizes of every descriptor reachable from the target for the platform —
 * index, the one best manifest, its config and layers (layers need not be present).
 */
export async function imageSize(provider: BlobReader, target: Descriptor, platform: PlatformMatcher): Promise<bigint> {
  let size = 0n;
  await walk(async (desc) => {
    if (desc.size < 0) throw new ContainerdError("unknown", `invalid size ${desc.size} in ${desc.digest} (${desc.mediaType})`);
    size += BigInt(desc.size);
    const kids = (await children(provider, desc)).filter((d) => !d.platform || platform.match(d.platform));
    if (!isIndexType(desc.mediaType)) return kids;
    if (kids.length === 0) throw notFound("no match for platform in manifest");
    return sortByPlatform(kids, platform).slice(0, 1);
  }, [target]);
  return size;
}

/** Go's images.Platforms: platforms named by index entries, else by configs. */
export async function imagePlatforms(provider: BlobReader, target: Descriptor): Promise<Platform[]> {
  const platforms: Platform[] = [];
  await walk(async (desc) => {
    if (desc.platform) {
      platforms.push(desc.platform);
      return "skip";
    }
    if (isConfigType(desc.mediaType)) {
      const config = parseImageConfig(await provider.read(desc.digest));
      platforms.push(normalizePlatform({ os: config.os, architecture: config.architecture }));
    }
    return children(provider, desc);
  }, [target]);
  return platforms;
}

/** image-spec's identity.ChainID: the chain ID of the last layer; "" for no layers. */
export function chainId(diffIds: readonly string[]): string {
  if (diffIds.length === 0) return "";
  let chain = diffIds[0]!;
  for (const diffId of diffIds.slice(1)) chain = computeDigest(new TextEncoder().encode(`${chain} ${diffId}`));
  return chain;
}

/** The chain IDs of every prefix of the layers. */
export function chainIds(diffIds: readonly string[]): string[] {
  return diffIds.map((_, i) => chainId(diffIds.slice(0, i + 1)));
}
