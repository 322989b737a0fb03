// Image references as the CRI reports them, and resolving a reference or ID to a local image.

import { type PodSandboxConfig, PullImageRequest, type PullImageResponse } from "../api/v1.ts";
import type { CriImage, ImageStore } from "../store/image-store.ts";
import { isNotFound } from "../../../fake-containerd/errdefs.ts";
import { type Digest, findDigestFault } from "../../go/digest.ts";
import { wrap } from "../../go/errors.ts";
import { isCanonical, isNamedTagged, type Named, parseAnyReference, parseDockerRef, referenceName, referenceString } from "../../go/reference.ts";
import { quote } from "../../go/strconv.ts";

/**
 * The repoDigest and repoTag the CRI reports for an image pulled by `namedRef` whose manifest has
 * `digest`. A schema1 manifest's digest is not the repository's, so no repoDigest is made up then.
 */
export function getRepoDigestAndTag(
  namedRef: Named,
  digest: Digest | string,
  schema1: boolean,
): { repoDigest: string; repoTag: string } {
  const repoTag = isNamedTagged(namedRef) ? referenceString(namedRef) : "";
  let repoDigest = "";
  if (isCanonical(namedRef)) repoDigest = referenceString(namedRef);
  else if (!schema1) repoDigest = `${referenceName(namedRef)}@${digest}`;
  return { repoDigest, repoTag };
}

/** Splits an image's references into repo tags and repo digests; unparseable ones are dropped. */
export function parseImageReferences(refs: readonly string[]): { tags: string[]; digests: string[] } {
  const tags: string[] = [];
  const digests: string[] = [];
  for (const ref of refs) {
    let parsed;
    try {
      parsed = parseAnyReference(ref);
    } catch {
      continue;
    }
    if (isCanonical(parsed)) digests.push(referenceString(parsed));
    else if (isNamedTagged(parsed)) tags.push(referenceString(parsed));
  }
  return { tags, digests };
}

/**
 * The local image a reference or image ID names. A string that is a valid digest is taken as an ID;
 * anything else is normalised (`busybox` -> `docker.io/library/busybox:latest`) and looked up as a
 * reference, and when that finds nothing the raw string is tried as an ID prefix.
 */
export function localResolve(store: ImageStore, refOrId: string): CriImage {
  return store.get(imageIdFor(store, refOrId) || refOrId);
}

// Written without exceptions for the common misses: localResolve sits on every image-taking RPC.
function imageIdFor(store: ImageStore, refOrId: string): string {
  if (findDigestFault(refOrId) === undefined) return refOrId;
  const reference = normalizedReference(refOrId);
  return reference === "" ? "" : (store.idOfReference(reference) ?? "");
}

/**
 * A reference's normalised form ("" when it does not parse), remembered: a pure function of the
 * string, and the same few image names come with every pod. Forgotten wholesale when it grows, so
 * a stream of distinct names cannot make it hold more than a bounded number.
 */
const normalizedReferences = new Map<string, string>();
const normalizedReferencesHeld = 1024;

function normalizedReference(ref: string): string {
  let normalized = normalizedReferences.get(ref);
  if (normalized === undefined) {
    try {
      normalized = referenceString(parseDockerRef(ref));
    } catch {
      normalized = "";
    }
    if (normalizedReferences.size >= normalizedReferencesHeld) normalizedReferences.clear();
    normalizedReferences.set(ref, normalized);
  }
  return normalized;
}

/** Looks up an image in containerd by the first (best) of its references. */
export async function toContainerdImage<T>(image: CriImage, getImage: (name: string) => Promise<T>): Promise<T> {
  const first = image.references[0];
  if (first === undefined) throw new Error(`invalid image with no reference ${quote(image.id)}`);
  return getImage(first);
}

export type PullImage = (request: PullImageRequest) => Promise<Pick<PullImageResponse, "imageRef">>;

/** Resolves `ref` locally, pulling it first when it is not there. */
export async function ensureImageExists(
  store: ImageStore,
  pull: PullImage,
  ref: string,
  config?: PodSandboxConfig,
): Promise<CriImage> {
  try {
    return localResolve(store, ref);
  } catch (err) {
    if (!isNotFound(err)) throw wrap(err, `failed to get image ${quote(ref)}`);
  }
  let imageId: string;
  try {
    const response = await pull(PullImageRequest.fromPartial({ image: { image: ref }, sandboxConfig: config }));
    imageId = response.imageRef;
  } catch (err) {
    throw wrap(err, `failed to pull image ${quote(ref)}`);
  }
  try {
    return store.get(imageId);
  } catch (err) {
    // Someone may have removed the image right after it was pulled.
    throw wrap(err, `failed to get image ${quote(imageId)} after pulling`);
  }
}
