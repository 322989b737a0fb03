// The remote registry a fake-containerd pulls from: repositories of tags and manifests over one
// content-addressed blob store, answering as containerd's docker resolver and fetcher report what
// a registry said (`<ref>: not found` for an unknown repository, tag or digest). It knows nothing
// of CRI or of namespaces; images get in by being built, imported from OCI image layouts, or copied
// from a content store.

import { parseDockerRef, referenceName, referenceString, isCanonical, isNamedTagged, type Named } from "../src/go/reference.ts";
import { validateDigest } from "../src/go/digest.ts";
import { quote } from "../src/go/strconv.ts";
import { computeDigest } from "./content/store.ts";
import { ContainerdError } from "./errdefs.ts";
import { buildImageBlobs, type ImageDescription } from "./images/build.ts";
import { parseIndex, type Descriptor } from "./images/documents.ts";
import { archiveFiles, type ArchiveFile } from "./images/import.ts";
import { isIndexType, isManifestType } from "./images/mediatypes.ts";
import { imageNameOf } from "./images/names.ts";
import { children, type BlobReader } from "./images/resolve.ts";
import type { FakeContainerd } from "./index.ts";
import type { Operations } from "./operations.ts";

interface Repository {
  tags: Map<string, Descriptor>;
  /** Manifests and indexes pushed to this repository, by digest: what a digest reference resolves. */
  manifests: Map<string, Descriptor>;
  /** Every blob the repository links (a registry serves a blob only through a repository that has it). */
  linked: Set<string>;
}

/** The parts of containerd's reference.Spec the resolver uses: "host/path" and the tag/digest. */
interface RemoteReference {
  locator: string;
  tag: string;
  digest: string;
}

/** What a registry's HEAD of a manifest tells the resolver: no annotations, no platform. */
function remoteDescriptor(desc: Descriptor): Descriptor {
  return { mediaType: desc.mediaType, digest: desc.digest, size: desc.size };
}

/**
 * containerd's reference.Parse as its resolver applies it: "host/path" then a ":tag" and/or
 * "@digest" object; a reference without an object cannot be resolved.
 */
function parseRemoteReference(ref: string): RemoteReference {
  if (ref.includes("://")) throw new ContainerdError("unknown", "invalid reference");
  const slash = ref.indexOf("/");
  const host = slash === -1 ? ref : ref.slice(0, slash);
  if (host === "") throw new ContainerdError("unknown", "hostname required");
  const path = slash === -1 ? "" : ref.slice(slash);
  const split = path.search(/[:@]/);
  const object = split === -1 ? "" : path.slice(split).replace(/^:/, "");
  if (object === "") throw new ContainerdError("unknown", "object required");
  const at = object.indexOf("@");
  return {
    locator: host + path.slice(0, split).replace(/\/+$/, ""),
    tag: at === -1 ? object : object.slice(0, at),
    digest: at === -1 ? "" : object.slice(at + 1),
  };
}

function normalizedName(ref: string): Named {
  try {
    return parseDockerRef(ref);
  } catch (error) {
    throw new ContainerdError("invalid argument", `invalid image name ${quote(ref)}: ${(error as Error).message}`);
  }
}

/** `ref` normalised, checked against the manifest it is to name when it names one by digest. */
function nameFor(ref: string, target: Descriptor): Named {
  const named = normalizedName(ref);
  if (isCanonical(named) && named.digest !== target.digest) {
    throw new ContainerdError("invalid argument", `manifest digest ${target.digest} does not match ${referenceString(named)}`);
  }
  return named;
}

export class FakeRegistry {
  private readonly operations: Operations | undefined;
  private readonly blobs = new Map<string, Uint8Array>();
  private readonly repositories = new Map<string, Repository>();

  /** `operations` lets faults and gates reach "registry.resolve" and "registry.fetch". */
  constructor(operations?: Operations) {
    this.operations = operations;
  }

  /**
   * Uploads blobs, then makes `ref` (a name with a tag and/or digest, normalised as docker does:
   * `busybox:1` is `docker.io/library/busybox:1`) point at `target`. Returns the normalised name.
   */
  push(ref: string, target: Descriptor, blobs: Iterable<Uint8Array>): string {
    const named = nameFor(ref, target);
    const digests: string[] = [];
    for (const bytes of blobs) {
      const digest = computeDigest(bytes);
      if (!this.blobs.has(digest)) this.blobs.set(digest, bytes.slice());
      digests.push(digest);
    }
    return this.link(named, target, digests);
  }

  /** Points `named` at `target` in its repository, which from then on serves the stored blobs `digests` too. */
  private link(named: Named, target: Descriptor, digests: Iterable<string>): string {
    const repository = this.repository(referenceName(named));
    for (const digest of digests) repository.linked.add(digest);
    const stored = remoteDescriptor(target);
    if (isNamedTagged(named)) repository.tags.set(named.tag, stored);
    repository.manifests.set(stored.digest, stored);
    repository.linked.add(stored.digest);
    return referenceString(named);
  }

  /** Builds the described image (as fake-containerd's builder does) and pushes it under its name. */
  pushImage(description: ImageDescription): { name: string; target: Descriptor } {
    const built = buildImageBlobs(description);
    const name = this.push(description.name, built.target, built.blobs.map((b) => b.bytes));
    return { name, target: remoteDescriptor(built.target) };
  }

  /**
   * Serves the described image as a stand-in for `ref`, a name with a digest whose bytes were
   * published elsewhere (critest pins one): resolving `ref` answers with the stand-in's manifest,
   * whose own digest differs, as no registry would. Returns the normalised name.
   */
  pushStandIn(ref: string, description: ImageDescription): string {
    const named = normalizedName(ref);
    if (!isCanonical(named)) throw new ContainerdError("invalid argument", `a stand-in stands in for a digest: ${referenceString(named)}`);
    const built = buildImageBlobs(description);
    this.push(`${referenceName(named)}@${built.target.digest}`, built.target, built.blobs.map((b) => b.bytes));
    this.repository(referenceName(named)).manifests.set(named.digest, remoteDescriptor(built.target));
    return referenceString(named);
  }

  /**
   * Pushes every named image of an OCI image layout (a tarball, optionally gzipped, or its files):
   * each index entry named by `io.containerd.image.name` (or a full `org.opencontainers.image.ref.name`)
   * with all of the layout's blobs, as `skopeo copy oci-archive:... docker://...` would. Returns the
   * names pushed, in index order.
   */
  async pushArchive(archive: Uint8Array | readonly ArchiveFile[]): Promise<string[]> {
    const files = archive instanceof Uint8Array ? await archiveFiles(archive) : archive;
    const blobs: Uint8Array[] = [];
    let index: Uint8Array | undefined;
    let layout = false;
    for (const file of files) {
      if (file.type !== "file") continue;
      const name = file.name.replace(/^(\.\/)+/, "");
      if (name === "oci-layout") layout = true;
      else if (name === "index.json") index = file.data ?? new Uint8Array(0);
      else if (name.startsWith("blobs/")) blobs.push(file.data ?? new Uint8Array(0));
    }
    if (!layout || !index) throw new ContainerdError("unknown", "not an OCI image layout: oci-layout and index.json are required");
    const pushed: string[] = [];
    for (const entry of parseIndex(index).manifests) {
      const name = imageNameOf(entry.annotations);
      if (name === "" || !name.includes("/")) continue;
      pushed.push(this.push(name, entry, blobs));
    }
    return pushed;
  }

  /**
   * Pushes the image `target` from `source` (a content store) under `ref`: the target and every
   * blob reachable from it that the source has.
   */
  async pushFrom(source: BlobReader, ref: string, target: Descriptor): Promise<string> {
    const blobs: Uint8Array[] = [];
    const pending: Descriptor[] = [target];
    const seen = new Set<string>();
    while (pending.length > 0) {
      const desc = pending.pop()!;
      if (seen.has(desc.digest)) continue;
      seen.add(desc.digest);
      let bytes: Uint8Array;
      try {
        bytes = await source.read(desc.digest);
      } catch {
        // A platform the source never fetched: the registry lacks it too.
        continue;
      }
      blobs.push(bytes);
      if (isManifestType(desc.mediaType) || isIndexType(desc.mediaType)) {
        pending.push(...(await children({ read: async () => bytes }, desc)));
      }
    }
    return this.push(ref, target, blobs);
  }

  /**
   * Points `ref` at what `existing` names (a tag in another repository links its blobs there too,
   * stored already: nothing is hashed again).
   */
  async tag(ref: string, existing: string): Promise<string> {
    const named = normalizedName(existing);
    const target = await this.resolve(referenceString(named));
    const from = this.repositories.get(referenceName(named))!;
    return this.link(nameFor(ref, target), target, [...from.linked]);
  }

  /**
   * The docker resolver's Resolve: the descriptor `ref` names, as the registry's manifest HEAD
   * reports it. Unknown repositories, tags and digests are `<ref>: not found`.
   */
  async resolve(ref: string): Promise<Descriptor> {
    await this.operations?.enter({ op: "registry.resolve", namespace: "", subject: ref });
    const spec = parseRemoteReference(ref);
    if (spec.digest !== "") validateDigest(spec.digest);
    const repository = this.repositories.get(spec.locator);
    const found = spec.digest !== "" ? repository?.manifests.get(spec.digest) : repository?.tags.get(spec.tag);
    if (!found) throw new ContainerdError("not found", `${ref}: not found`);
    return { ...found };
  }

  /** The fetcher: the blob's bytes through the repository `ref` names. */
  async fetch(ref: string, desc: Descriptor): Promise<Uint8Array> {
    await this.operations?.enter({ op: "registry.fetch", namespace: "", subject: desc.digest });
    const repository = this.repositories.get(parseRemoteReference(ref).locator);
    const bytes = repository?.linked.has(desc.digest) ? this.blobs.get(desc.digest) : undefined;
    if (!bytes) {
      throw new ContainerdError("not found", `could not fetch content descriptor ${desc.digest} (${desc.mediaType}) from remote: not found`);
    }
    return bytes.slice();
  }

  /** Every tagged reference the registry holds, sorted. */
  references(): string[] {
    const refs: string[] = [];
    for (const [name, repository] of this.repositories) for (const tag of repository.tags.keys()) refs.push(`${name}:${tag}`);
    return refs.sort();
  }

  private repository(name: string): Repository {
    let repository = this.repositories.get(name);
    if (!repository) this.repositories.set(name, (repository = { tags: new Map(), manifests: new Map(), linked: new Set() }));
    return repository;
  }
}

const registries = new WeakMap<FakeContainerd, FakeRegistry>();

/** The registry a fake-containerd daemon pulls from (one per daemon, empty at first). */
export function registryOf(containerd: FakeContainerd): FakeRegistry {
  let registry = registries.get(containerd);
  if (!registry) registries.set(containerd, (registry = new FakeRegistry(containerd.operations)));
  return registry;
}
