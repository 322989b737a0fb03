// Exporting images as an OCI image layout tarball the way containerd's archive.Export does (what
// `ctr images export` writes): oci-layout, index.json naming each image, every reachable blob under
// blobs/<alg>/<hex>, and a Docker-compatible manifest.json; records sorted by name, written by
// Go's tar rules.
import { ContainerdError, invalidArgument, notFound } from "../errdefs.ts";
import { findDigestFault } from "../../src/go/digest.ts";
import { quote } from "../../src/go/strconv.ts";
import { encodeIndex, parseIndex, parseManifest, type Descriptor } from "./documents.ts";
import { wrapError } from "../errdefs.ts";
import { familiarizeReference } from "./import.ts";
import { goJson } from "../../src/go/json.ts";
import { annotationImageName, isIndexType, isManifestType } from "./mediatypes.ts";
import { nameAnnotations } from "./names.ts";
import { platformMatcher, sortByPlatform, type Platform, type PlatformMatcher } from "./platforms.ts";
import { children, walk } from "./resolve.ts";
import type { ImageStore } from "./store.ts";
import { writeTar, type TarEntry } from "./tar.ts";

export interface ExportOptions {
  /** Only this platform's manifests of an index (all when neither this nor allPlatforms is set). */
  platform?: Platform | PlatformMatcher;
  /** With a platform: keep every manifest's blobs, but name only the platform's in manifest.json. */
  allPlatforms?: boolean;
}

const encoder = new TextEncoder();

function blobPath(digest: string): string {
  const fault = findDigestFault(digest);
  if (fault) throw new ContainerdError("unknown", { format: "invalid checksum digest format", length: "invalid checksum digest length", unsupported: "unsupported digest algorithm" }[fault]);
  const [alg, encoded] = digest.split(":") as [string, string];
  return `blobs/${alg}/${encoded}`;
}

export async function exportImages(images: ImageStore, names: readonly string[], options: ExportOptions = {}): Promise<Uint8Array> {
  const content = images.content;
  const platform = options.platform === undefined ? undefined : platformMatcher(options.platform);
  const manifests: Descriptor[] = [];
  for (const name of names) {
    const image = await images.get(name);
    manifests.push({ ...image.target, annotations: nameAnnotations(name, image.target.annotations) });
  }

  const records: TarEntry[] = [
    { name: "oci-layout", type: "file", mode: 0o444, data: encoder.encode(goJson({ imageLayoutVersion: "1.0.0" })) },
    { name: "index.json", type: "file", mode: 0o644, data: encodeIndex({ schemaVersion: 2, manifests }) },
  ];
  const blobRecord = async (desc: Descriptor) => {
    records.push({ name: blobPath(desc.digest), type: "file", mode: 0o444, data: await content.read(desc.digest) });
  };
  const walkRecords = (desc: Descriptor) =>
    walk(async (d) => {
      const kids = await children(content, d);
      await blobRecord(d);
      return kids;
    }, [desc]);

  // Docker manifest.json entries by manifest digest, in first-seen order (Go's is map order).
  const dockerManifests = new Map<string, { manifest: Descriptor; names: string[] }>();
  const resolvedIndex = new Map<string, string>();
  for (const desc of manifests) {
    const name = desc.annotations?.[annotationImageName] ?? "";
    if (isManifestType(desc.mediaType)) {
      let entry = dockerManifests.get(desc.digest);
      if (!entry) {
        await walkRecords(desc);
        entry = { manifest: desc, names: [] };
        dockerManifests.set(desc.digest, entry);
      }
      if (name !== "") entry.names.push(name);
    } else if (isIndexType(desc.mediaType)) {
      let chosen = resolvedIndex.get(desc.digest);
      if (chosen === undefined) {
        blobPath(desc.digest);
        await blobRecord(desc);
        const index = parseIndex(await content.read(desc.digest));
        const matching: Descriptor[] = [];
        for (const m of index.manifests) {
          if (platform) {
            if (!m.platform || platform.match(m.platform)) matching.push(m);
            else if (!options.allPlatforms) continue;
          }
          await walkRecords(m);
        }
        chosen = "";
        if (matching.length > 0) {
          const best = platform ? sortByPlatform(matching, platform)[0]! : matching[0]!;
          chosen = best.digest;
          dockerManifests.set(chosen, { manifest: best, names: [] });
        } else if (platform) throw notFound("no manifest found for platform");
        resolvedIndex.set(desc.digest, chosen);
      }
      if (chosen !== "" && name !== "") dockerManifests.get(chosen)!.names.push(name);
    } else throw invalidArgument("only manifests may be exported");
  }

  if (dockerManifests.size > 0) {
    try {
      records.push({ name: "manifest.json", type: "file", mode: 0o644, data: await dockerManifestJson(images, [...dockerManifests.values()]) });
    } catch (error) {
      throw wrapError("unable to create manifests file", error);
    }
  }
  const algorithms = new Set(records.filter((r) => r.name.startsWith("blobs/")).map((r) => r.name.split("/")[1]!));
  if (algorithms.size > 0) {
    records.push({ name: "blobs/", type: "dir", mode: 0o755 });
    for (const alg of algorithms) records.push({ name: `blobs/${alg}/`, type: "dir", mode: 0o755 });
  }

  const sorted = records.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const unique = sorted.filter((e, i) => i === 0 || e.name !== sorted[i - 1]!.name);
  return writeTar(unique);
}

async function dockerManifestJson(images: ImageStore, entries: ReadonlyArray<{ manifest: Descriptor; names: string[] }>): Promise<Uint8Array> {
  const out = [];
  for (const { manifest, names } of entries) {
    const m = parseManifest(await images.content.read(manifest.digest));
    try {
      blobPath(m.config.digest);
    } catch (error) {
      throw wrapError(`invalid manifest ${quote(manifest.digest)}`, error);
    }
    out.push({
      Config: blobPath(m.config.digest),
      RepoTags: names.length > 0 ? names.map(familiarizeReference) : null,
      Layers: m.layers.length > 0 ? m.layers.map((l) => blobPath(l.digest)) : null,
    });
  }
  return encoder.encode(goJson(out));
}
