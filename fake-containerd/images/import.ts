// Importing images from an OCI image layout (or a `docker save` archive), given as a tarball or as
// the files of a layout directory, the way containerd's archive.ImportIndex and client Import do:
// every regular file is ingested into the content store, the layout's index.json (or an index
// synthesised from manifest.json) is walked for the platform, children get their GC labels, and an
// image record is created or retargeted for each named index entry.
import { ContainerdError } from "../errdefs.ts";
import { computeDigest } from "../content/store.ts";
import { parseDockerRef, referenceString, familiarString, parseNormalizedNamed, tagNameOnly } from "../../src/go/reference.ts";
import { quote } from "../../src/go/strconv.ts";
import { writeBlob, putImage } from "./build.ts";
import { arrayOf, decodeJson, str, stringList, struct } from "./decode.ts";
import { encodeIndex, encodeManifest, parseIndex, type Descriptor } from "./documents.ts";
import { wrapError } from "../errdefs.ts";
import { gunzip, isGzip, isZstd } from "./gzip.ts";
import { annotationImageName, annotationRefName, childrenLabels, labelUncompressed, mediaTypes } from "./mediatypes.ts";
import { imageNameOf, ociReferenceName } from "./names.ts";
import { allPlatforms, platformMatcher, type Platform, type PlatformMatcher } from "./platforms.ts";
import { children, imagePlatforms, walk } from "./resolve.ts";
import type { Image, ImageStore } from "./store.ts";
import { readTar, type TarEntry } from "./tar.ts";

/** A file of an archive or layout directory. */
export interface ArchiveFile {
  name: string;
  /** "other" covers what the importer skips: hard links, devices, FIFOs. */
  type: "file" | "dir" | "symlink" | "other";
  data?: Uint8Array;
  linkname?: string;
}

export interface ImportOptions {
  /** Also create an image with this name pointing at the imported index. */
  indexName?: string;
  /** Maps an OCI ref name (a bare tag) to an image name. */
  translateRef?: (ref: string) => string;
  /** Also create an image named by this function for each manifest digest. */
  digestRef?: (digest: string) => string;
  /** Platform whose manifests are labelled and walked (default linux/amd64). */
  platform?: Platform | PlatformMatcher;
  allPlatforms?: boolean;
}

interface DockerManifestEntry {
  Config?: string;
  RepoTags?: string[];
  Layers?: string[];
}

const layoutSchema = struct("ImageLayout", "v1.ImageLayout", { imageLayoutVersion: str });
const dockerManifestsSchema = arrayOf(
  struct("", "struct { Config string; RepoTags []string; Layers []string }", { Config: str, RepoTags: stringList, Layers: stringList }),
  "[]struct { Config string; RepoTags []string; Layers []string }",
);

const imageLayoutVersion = "1.0.0";

function cleanName(name: string): string {
  const out: string[] = [];
  for (const part of name.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!name.startsWith("/")) out.push("..");
    } else out.push(part);
  }
  const joined = out.join("/");
  return name.startsWith("/") ? `/${joined}` : joined || ".";
}

function dirName(name: string): string {
  const slash = name.lastIndexOf("/");
  return slash === -1 ? "." : cleanName(name.slice(0, slash) || "/");
}

function toArchiveFiles(entries: readonly TarEntry[]): ArchiveFile[] {
  return entries.map((e) => {
    const type = e.type === "file" || e.type === "dir" || e.type === "symlink" ? e.type : "other";
    return { name: e.name, type, data: e.data, linkname: e.linkname };
  });
}

/** containerd's archive.ImportIndex: ingests the files and returns the descriptor of the index. */
export async function importIndex(images: ImageStore, files: readonly ArchiveFile[]): Promise<Descriptor> {
  const content = images.content;
  let layoutVersion = "";
  let dockerManifests: DockerManifestEntry[] | undefined;
  const symlinks = new Map<string, string>();
  const blobs = new Map<string, Descriptor>();
  for (const file of files) {
    if (file.type === "symlink") symlinks.set(file.name, cleanName(`${dirName(file.name)}/${file.linkname ?? ""}`));
    if (file.type !== "file") continue;
    const name = cleanName(file.name);
    const data = file.data ?? new Uint8Array(0);
    if (name === "oci-layout") {
      try {
        layoutVersion = decodeJson<{ imageLayoutVersion?: string }>(data, layoutSchema).imageLayoutVersion ?? "";
      } catch (error) {
        throw wrapError(`untar oci layout ${quote(file.name)}`, error);
      }
    } else if (name === "manifest.json") {
      try {
        dockerManifests = decodeJson<DockerManifestEntry[]>(data, dockerManifestsSchema) ?? [];
      } catch (error) {
        throw wrapError(`untar manifest ${quote(file.name)}`, error);
      }
    } else {
      const digest = computeDigest(data);
      try {
        await writeBlob(content, { descriptor: { mediaType: "", digest: "", size: data.length }, bytes: data, labels: {} }, `tar-${name}`);
      } catch (error) {
        throw wrapError(`failed to ingest ${quote(file.name)}`, error);
      }
      blobs.set(name, { mediaType: "", digest, size: data.length });
    }
  }

  if (layoutVersion !== "") {
    if (layoutVersion !== imageLayoutVersion) throw new ContainerdError("unknown", `unsupported OCI version ${layoutVersion}`);
    const index = blobs.get("index.json");
    if (!index) throw new ContainerdError("unknown", `missing index.json in OCI layout ${imageLayoutVersion}`);
    return { ...index, mediaType: mediaTypes.ociIndex };
  }
  if (dockerManifests === undefined) throw new ContainerdError("unknown", "unrecognized image format");
  return importDockerArchive(images, dockerManifests, symlinks, blobs);
}

async function importDockerArchive(
  images: ImageStore,
  manifests: readonly DockerManifestEntry[],
  symlinks: ReadonlyMap<string, string>,
  blobs: Map<string, Descriptor>,
): Promise<Descriptor> {
  const content = images.content;
  for (const [name, target] of symlinks) {
    const desc = blobs.get(target);
    if (!desc) throw new ContainerdError("unknown", `no target for symlink layer from ${quote(name)} to ${quote(target)}`);
    blobs.set(name, desc);
  }
  const entries: Descriptor[] = [];
  for (const m of manifests) {
    const configPath = m.Config ?? "";
    const config = blobs.get(configPath);
    if (!config) throw new ContainerdError("unknown", `image config ${quote(configPath)} not found`);
    let layers: Descriptor[];
    try {
      layers = await resolveLayers(images, m.Layers ?? [], blobs);
    } catch (error) {
      throw wrapError("failed to resolve layers", error);
    }
    const manifestBytes = encodeManifest({
      schemaVersion: 2,
      mediaType: mediaTypes.dockerManifest,
      config: { ...config, mediaType: mediaTypes.dockerConfig },
      layers,
    });
    const desc: Descriptor = { mediaType: mediaTypes.dockerManifest, digest: computeDigest(manifestBytes), size: manifestBytes.length };
    try {
      await writeBlob(content, { descriptor: desc, bytes: manifestBytes, labels: {} }, `manifest-${desc.digest}`);
    } catch (error) {
      throw wrapError("write docker manifest", error);
    }
    let platforms: Platform[];
    try {
      platforms = await imagePlatforms(content, desc);
    } catch (error) {
      throw wrapError("unable to resolve platform", error);
    }
    if (platforms.length > 0) desc.platform = platforms[0]!;
    if (!m.RepoTags || m.RepoTags.length === 0) {
      entries.push(desc);
      continue;
    }
    for (const ref of m.RepoTags) {
      let normalized: string;
      try {
        normalized = referenceString(parseDockerRef(ref));
      } catch (error) {
        throw wrapError(`normalize image ref ${quote(ref)}`, error);
      }
      entries.push({ ...desc, annotations: { [annotationImageName]: normalized, [annotationRefName]: ociReferenceName(normalized) } });
    }
  }
  const indexBytes = encodeIndex({ schemaVersion: 2, manifests: entries });
  const index: Descriptor = { mediaType: mediaTypes.ociIndex, digest: computeDigest(indexBytes), size: indexBytes.length };
  await writeBlob(content, { descriptor: index, bytes: indexBytes, labels: {} }, `manifest-${index.digest}`);
  return index;
}

/**
 * containerd's resolveLayers: a layer whose compressed form is already in the store (a blob
 * labelled with this layer's digest as its uncompressed one) is replaced by that blob; media types
 * follow from whether the bytes are compressed.
 */
async function resolveLayers(images: ImageStore, files: readonly string[], blobs: ReadonlyMap<string, Descriptor>): Promise<Descriptor[]> {
  const layers: Descriptor[] = [];
  for (const file of files) {
    const layer = blobs.get(file);
    if (!layer) throw new ContainerdError("unknown", `layer ${quote(file)} not found`);
    layers.push({ ...layer });
  }
  const wanted = new Set(layers.map((l) => l.digest));
  for (const info of await images.content.list({ match: (fields) => wanted.has(fields.field(["labels", labelUncompressed]) ?? "") })) {
    const uncompressed = info.labels[labelUncompressed]!;
    for (const layer of layers) {
      if (layer.digest !== uncompressed) continue;
      layer.digest = info.digest;
      layer.size = info.size;
    }
  }
  for (const layer of layers) {
    const bytes = await images.content.read(layer.digest);
    layer.mediaType = isGzip(bytes) || isZstd(bytes) ? mediaTypes.dockerLayerGzip : mediaTypes.dockerLayer;
  }
  return layers;
}

/** Reads a tarball (optionally gzipped) into archive files. */
export async function archiveFiles(tarball: Uint8Array): Promise<ArchiveFile[]> {
  return toArchiveFiles(readTar(isGzip(tarball) ? await gunzip(tarball) : tarball));
}

/**
 * containerd's client Import: ingests the archive, walks its index for the platform (labelling
 * children for GC) and creates or retargets one image per named manifest.
 */
export async function importImages(
  images: ImageStore,
  source: Uint8Array | readonly ArchiveFile[],
  options: ImportOptions = {},
): Promise<Image[]> {
  await images.ctx.operations.enter({ op: "images.import", namespace: images.namespace });
  const files = source instanceof Uint8Array ? await archiveFiles(source) : source;
  const index = await importIndex(images, files);
  const records: Array<{ name: string; target: Descriptor }> = [];
  if (options.indexName) records.push({ name: options.indexName, target: index });
  const matcher = options.allPlatforms ? allPlatforms : platformMatcher(options.platform);
  let empty = true;
  await walk(async (desc) => {
    let kids: Descriptor[];
    if (desc.digest !== index.digest) kids = await children(images.content, desc);
    else {
      kids = parseIndex(await images.content.read(desc.digest)).manifests;
      for (const m of kids) {
        const name = imageNameOf(m.annotations, options.translateRef);
        if (name !== "") records.push({ name, target: m });
        const ref = options.digestRef?.(m.digest) ?? "";
        if (ref !== "") records.push({ name: ref, target: m });
      }
    }
    kids = kids.filter((d) => !d.platform || matcher.match(d.platform));
    if (kids.length > 0) {
      empty = false;
      const labels = childrenLabels(kids);
      await images.content.update({ digest: desc.digest, labels }, ...Object.keys(labels).map((k) => `labels.${k}`));
    }
    return kids;
  }, [index]);
  if (empty) throw new ContainerdError("unknown", "image might be filtered out");
  const imported: Image[] = [];
  for (const record of records) imported.push(await putImage(images, record.name, record.target));
  return imported;
}

/** containerd's familiarizeReference, used for RepoTags in docker manifests. */
export function familiarizeReference(ref: string): string {
  try {
    return familiarString(tagNameOnly(parseNormalizedNamed(ref)));
  } catch (error) {
    throw wrapError(`failed to parse ${quote(ref)}`, error);
  }
}
