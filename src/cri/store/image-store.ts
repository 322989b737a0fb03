// The CRI plugin's view of images (containerd's pkg/cri/store/image): images keyed by config
// digest (the image ID), each with every reference that points at it, a reference -> ID cache, and
// ID lookup by unique prefix through a digest set.

import { notFound } from "../../../fake-containerd/errdefs.ts";
import { DigestNotFoundError, DigestSet } from "../../go/digestset.ts";
import { isDigested, isNamed, isTagged, parseAnyReference, type Reference, referenceString } from "../../go/reference.ts";

/** The OCI image config, as the CRI reads it (user, env, entrypoint, labels, volumes, stop signal ...). */
export interface OciImageConfig {
  architecture?: string;
  os?: string;
  config?: {
    User?: string;
    ExposedPorts?: Record<string, object>;
    Env?: string[];
    Entrypoint?: string[];
    Cmd?: string[];
    Volumes?: Record<string, object>;
    WorkingDir?: string;
    Labels?: Record<string, string>;
    StopSignal?: string;
  };
  rootfs?: { type: string; diff_ids: string[] };
  [key: string]: unknown;
}

export interface CriImage {
  /** The config digest, e.g. `sha256:...`. */
  id: string;
  /** Every reference naming this image, best first (see sortReferences). */
  references: string[];
  chainId: string;
  /** Compressed size of the image's blobs in bytes. */
  size: bigint;
  imageSpec: OciImageConfig;
}

export class ImageStore {
  /** Reference -> image ID, for the references the store has been told about. */
  private readonly refCache = new Map<string, string>();
  private readonly images = new Map<string, CriImage>();
  private readonly digestSet = new DigestSet();
  /** The references whose containerd record is pinned (2.x's pinned images: the sandbox image). */
  private readonly pinnedReferences = new Set<string>();

  /**
   * A store seeded with images directly, without update()'s bookkeeping: every reference of every
   * image points at it, later images winning a shared reference. Mirrors containerd's NewFakeStore,
   * which the helpers' goldens were recorded with.
   */
  static withImages(images: readonly CriImage[]): ImageStore {
    const store = new ImageStore();
    for (const image of images) {
      for (const ref of image.references) store.refCache.set(ref, image.id);
      store.add(image);
    }
    return store;
  }

  /**
   * Records that `ref` now names `image` (or nothing, when undefined): the reference moves off any
   * image it named before, and an image left without references is dropped. `pinned`: the
   * reference's containerd record is pinned.
   */
  update(ref: string, image: CriImage | undefined, pinned = false): void {
    if (image !== undefined && pinned) this.pinnedReferences.add(ref);
    else this.pinnedReferences.delete(ref);
    const oldId = this.refCache.get(ref);
    if (image === undefined) {
      if (oldId !== undefined) {
        this.delete(oldId, ref);
        this.refCache.delete(ref);
      }
      return;
    }
    if (oldId !== undefined) {
      if (oldId === image.id) return;
      this.delete(oldId, ref);
    }
    this.refCache.set(ref, image.id);
    this.add(image);
  }

  /** The image ID a reference names; not found when the store has not seen the reference. */
  resolve(ref: string): string {
    const id = this.refCache.get(ref);
    if (id === undefined) throw notFound();
    return id;
  }

  /** resolve() without the error: undefined when the store has not seen the reference. */
  idOfReference(ref: string): string | undefined {
    return this.refCache.get(ref);
  }

  /** The image with this ID or unique ID prefix (with or without `sha256:`). */
  get(id: string): CriImage {
    return copyImage(this.stored(id));
  }

  /**
   * The references of the image with this ID or unique ID prefix, as get() finds it, without a
   * copy: the array is replaced, never changed, when the references change (not to be changed).
   */
  referencesOf(id: string): readonly string[] {
    return this.stored(id).references;
  }

  private stored(id: string): CriImage {
    let digest: string;
    try {
      digest = this.digestSet.lookup(id);
    } catch (err) {
      if (err instanceof DigestNotFoundError) throw notFound();
      throw err;
    }
    const image = this.images.get(digest);
    if (!image) throw notFound();
    return image;
  }

  /** Whether any reference of the image is pinned: the image then is (2.x's store.Pinned). */
  isPinned(image: CriImage): boolean {
    return image.references.some((ref) => this.pinnedReferences.has(ref));
  }

  list(): CriImage[] {
    return [...this.images.values()].map(copyImage);
  }

  get size(): number {
    return this.images.size;
  }

  private add(image: CriImage): void {
    try {
      this.digestSet.lookup(image.id);
    } catch (err) {
      if (!(err instanceof DigestNotFoundError)) throw err;
      this.digestSet.add(image.id);
    }
    const existing = this.images.get(image.id);
    if (!existing) {
      this.images.set(image.id, copyImage(image));
      return;
    }
    existing.references = sortReferences([...new Set([...existing.references, ...image.references])]);
  }

  private delete(id: string, ref: string): void {
    let digest: string;
    try {
      digest = this.digestSet.lookup(id);
    } catch {
      return;
    }
    const image = this.images.get(digest);
    if (!image) return;
    image.references = image.references.filter((r) => !equalFold(r, ref));
    if (image.references.length > 0) return;
    this.digestSet.remove(digest);
    this.images.delete(digest);
  }
}

function copyImage(image: CriImage): CriImage {
  return { ...image, references: [...image.references] };
}

/**
 * Orders references best first: tagged+digested, tagged, digested, name only, bare digest, then
 * unparseable ones; ties by their normalised string. The first one is what the plugin hands to
 * containerd when it needs the image.
 */
export function sortReferences(references: readonly string[]): string[] {
  const parsed: Array<{ ref: Reference; text: string; rank: number }> = [];
  const bad: string[] = [];
  for (const r of references) {
    try {
      const ref = parseAnyReference(r);
      parsed.push({ ref, text: referenceString(ref), rank: refRank(ref) });
    } catch {
      bad.push(r);
    }
  }
  parsed.sort((a, b) => a.rank - b.rank || compareBytes(a.text, b.text));
  bad.sort(compareBytes);
  return [...parsed.map((p) => p.text), ...bad];
}

function refRank(ref: Reference): number {
  if (isNamed(ref)) {
    if (isTagged(ref)) return isDigested(ref) ? 1 : 2;
    return isDigested(ref) ? 3 : 4;
  }
  return 5;
}

/** Go's string ordering: by UTF-8 bytes, which for JS strings is code point order. */
function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  const ai = a[Symbol.iterator]();
  const bi = b[Symbol.iterator]();
  for (;;) {
    const x = ai.next();
    const y = bi.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/**
 * Go's strings.EqualFold: equal rune by rune under simple case folding. A rune whose case mapping
 * is more than one code point (like "ß" -> "SS") has no simple fold, as in Go.
 */
function equalFold(a: string, b: string): boolean {
  if (a === b) return true;
  const x = [...a];
  const y = [...b];
  return x.length === y.length && x.every((r, i) => r === y[i] || simpleFold(r) === simpleFold(y[i]!));
}

function simpleFold(rune: string): string {
  const upper = rune.toUpperCase();
  const folded = [...upper].length === 1 ? upper : rune;
  const lower = folded.toLowerCase();
  return [...lower].length === 1 ? lower : folded;
}
