// The image records of one namespace (containerd's metadata image store behind its images
// service): a name pointing at a target descriptor, with labels and timestamps. The resolution
// helpers read the image's documents from the namespace's content store.
import type { OperationName } from "../operations.ts";
import type { FakeContext } from "../context.ts";
import { alreadyExists, invalidArgument, notFound } from "../errdefs.ts";
import type { ContentStore } from "../content/store.ts";
import { compareUtf8 } from "../../src/go/json.ts";
import type { Adaptor, ObjectFilter } from "../content/filter.ts";
import { mapField } from "../filters.ts";
import { applyLabelPath, storedLabels, validateLabels } from "../content/labels.ts";
import { findDigestFault } from "../../src/go/digest.ts";
import { quote } from "../../src/go/strconv.ts";
import type { Descriptor, ImageConfigFile, Manifest } from "./documents.ts";
import { platformMatcher, type Platform, type PlatformMatcher } from "./platforms.ts";
import { chainId, imageSize, readImageConfig, resolveManifest } from "./resolve.ts";

/** The part of a descriptor an image record keeps. */
export interface ImageTarget {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface Image {
  name: string;
  labels: Record<string, string>;
  target: ImageTarget;
  /** Nanoseconds since the Unix epoch. */
  createdAt: bigint;
  updatedAt: bigint;
}

export interface ImageInput {
  name: string;
  labels?: Record<string, string>;
  target: Descriptor | ImageTarget;
}

export interface ImageStoreState {
  images: Array<{ name: string; labels: Record<string, string>; target: ImageTarget; createdAt: string; updatedAt: string }>;
}

const faultText = { format: "invalid checksum digest format", length: "invalid checksum digest length", unsupported: "unsupported digest algorithm" };

function storedTarget(target: Descriptor | ImageTarget): ImageTarget {
  const out: ImageTarget = { mediaType: target.mediaType, digest: target.digest, size: target.size };
  const annotations = storedLabels(target.annotations);
  if (Object.keys(annotations).length > 0) out.annotations = annotations;
  return out;
}

/** containerd's validateImage. */
function validateImage(image: { name: string; labels: Record<string, string>; target: ImageTarget }): void {
  if (image.name === "") throw invalidArgument("image name must not be empty");
  validateLabels("image.Labels", image.labels);
  const fault = findDigestFault(image.target.digest);
  if (fault) throw invalidArgument(`Target.Digest ${quote(image.target.digest)} invalid: ${faultText[fault]}`);
  if (image.target.size <= 0) throw invalidArgument("Target.Size must be greater than zero");
  if (image.target.mediaType === "") throw invalidArgument("Target.MediaType must be set");
}

function copyImage(image: Image): Image {
  const target = { ...image.target };
  if (image.target.annotations) target.annotations = { ...image.target.annotations };
  return { ...image, labels: { ...image.labels }, target };
}

/**
 * The reads the CRI makes on every container (get, and manifest to chainId) are promise chains
 * rather than async functions: they settle on the same ticks, without an async frame per step.
 */
export class ImageStore {
  readonly ctx: FakeContext;
  readonly namespace: string;
  readonly content: ContentStore;
  private readonly images = new Map<string, Image>();

  constructor(ctx: FakeContext, namespace: string, content: ContentStore) {
    this.ctx = ctx;
    this.namespace = namespace;
    this.content = content;
  }

  get(name: string): Promise<Image> {
    return this.enter("images.get", name).then(() => copyImage(this.find(name)));
  }

  /** The images matching the filter, in name order. */
  async list(filter?: ObjectFilter): Promise<Image[]> {
    await this.enter("images.list");
    const all = [...this.images.values()].sort((a, b) => compareUtf8(a.name, b.name)).map(copyImage);
    return filter ? all.filter((image) => filter.match(imageFields(image))) : all;
  }

  async create(input: ImageInput): Promise<Image> {
    await this.enter("images.create", input.name);
    if (input.name === "") throw invalidArgument("Image.Name required");
    const candidate = { name: input.name, labels: { ...(input.labels ?? {}) }, target: storedTarget(input.target) };
    validateImage(candidate);
    if (this.images.has(input.name)) throw alreadyExists(`image ${quote(input.name)}`);
    const now = this.ctx.clock.now();
    const image: Image = { ...candidate, labels: storedLabels(candidate.labels), createdAt: now, updatedAt: now };
    this.images.set(image.name, image);
    this.ctx.changes?.mark("image", this.namespace, image.name);
    await this.ctx.events.publish(this.namespace, "/images/create", { name: image.name, labels: { ...image.labels } });
    return copyImage(image);
  }

  /**
   * containerd's Update: with field paths ("labels", "labels.<k>", "target", "annotations",
   * "annotations.<k>") only those change; without, labels and target are replaced.
   */
  async update(input: ImageInput, ...fieldpaths: string[]): Promise<Image> {
    await this.enter("images.update", input.name);
    if (input.name === "") throw invalidArgument("Image.Name required");
    const current = this.find(input.name);
    let labels = { ...current.labels };
    let target = storedTarget(current.target);
    const incoming = storedTarget(input.target);
    incoming.annotations = { ...(input.target.annotations ?? {}) };
    if (fieldpaths.length === 0) {
      labels = { ...(input.labels ?? {}) };
      target = { ...incoming };
    }
    for (const path of fieldpaths) {
      const nextLabels = applyLabelPath(labels, input.labels, path);
      if (nextLabels) {
        labels = nextLabels;
        continue;
      }
      if (path.startsWith("annotations.")) {
        const key = path.slice("annotations.".length);
        target = { ...target, annotations: { ...(target.annotations ?? {}), [key]: incoming.annotations[key] ?? "" } };
      } else if (path === "target") target = { ...incoming };
      else if (path === "annotations") target = { ...target, annotations: { ...incoming.annotations } };
      else throw invalidArgument(`cannot update ${quote(path)} field on image ${quote(input.name)}`);
    }
    validateImage({ name: input.name, labels, target });
    const updated: Image = {
      name: input.name,
      labels: storedLabels(labels),
      target: storedTarget(target),
      createdAt: current.createdAt,
      updatedAt: this.ctx.clock.now(),
    };
    this.images.set(updated.name, updated);
    this.ctx.changes?.mark("image", this.namespace, updated.name);
    await this.ctx.events.publish(this.namespace, "/images/update", { name: updated.name, labels: { ...updated.labels } });
    return copyImage(updated);
  }

  async delete(name: string): Promise<void> {
    await this.enter("images.delete", name);
    this.find(name);
    this.images.delete(name);
    this.ctx.changes?.mark("image", this.namespace, name);
    await this.ctx.events.publish(this.namespace, "/images/delete", { name });
  }

  /** The manifest of the named image for the platform (default linux/amd64). */
  manifest(name: string, platform?: Platform | PlatformMatcher): Promise<Manifest> {
    return this.get(name).then((image) => resolveManifest(this.content, image.target, platformMatcher(platform)));
  }

  /** The parsed image config of the named image for the platform. */
  config(name: string, platform?: Platform | PlatformMatcher): Promise<ImageConfigFile> {
    return this.manifest(name, platform).then((manifest) => readImageConfig(this.content, manifest.config));
  }

  /** The diff IDs of the named image's layers for the platform. */
  rootFS(name: string, platform?: Platform | PlatformMatcher): Promise<string[]> {
    return this.config(name, platform).then((config) => config.rootfs.diff_ids);
  }

  /** The chain ID of the named image's top layer, the key of its unpacked snapshot. */
  chainId(name: string, platform?: Platform | PlatformMatcher): Promise<string> {
    return this.rootFS(name, platform).then(chainId);
  }

  /** containerd's Image.Size for the platform: index + manifest + config + layers, packed. */
  async size(name: string, platform?: Platform | PlatformMatcher): Promise<bigint> {
    const image = await this.get(name);
    return imageSize(this.content, image.target, platformMatcher(platform));
  }

  /** What keeps the namespace from being deleted, in containerd's words. */
  remaining(): string[] {
    return this.images.size > 0 ? ["images"] : [];
  }

  toState(): ImageStoreState {
    return { images: [...this.images.values()].map(imageState) };
  }

  /** One image as toState() holds it, or null when there is none (see changes.ts). */
  stateOf(name: string): ImageStoreState["images"][number] | null {
    const image = this.images.get(name);
    return image ? imageState(image) : null;
  }

  static fromState(ctx: FakeContext, namespace: string, content: ContentStore, state: ImageStoreState): ImageStore {
    const store = new ImageStore(ctx, namespace, content);
    for (const image of state.images) {
      store.images.set(
        image.name,
        copyImage({ ...image, createdAt: BigInt(image.createdAt), updatedAt: BigInt(image.updatedAt) }),
      );
    }
    return store;
  }

  private find(name: string): Image {
    const image = this.images.get(name);
    if (!image) throw notFound(`image ${quote(name)}`);
    return image;
  }

  private enter(op: OperationName, subject?: string): Promise<void> {
    return this.ctx.operations.pass({ op, namespace: this.namespace, subject });
  }
}

function imageState(image: Image): ImageStoreState["images"][number] {
  const copy = copyImage(image);
  return { name: copy.name, labels: copy.labels, target: copy.target, createdAt: String(copy.createdAt), updatedAt: String(copy.updatedAt) };
}

/** containerd's adaptImage: name, target.digest, target.mediatype, labels.<k>, annotations.<k>. */
export function imageFields(image: Image): Adaptor {
  const present = (value: string) => (value === "" ? undefined : value);
  return {
    field(fieldpath) {
      switch (fieldpath[0]) {
        case "name":
          return present(image.name);
        case "target":
          if (fieldpath[1] === "digest") return present(image.target.digest);
          if (fieldpath[1] === "mediatype") return present(image.target.mediaType);
          return undefined;
        case "labels":
          return mapField(fieldpath.slice(1), image.labels);
        case "annotations":
          return mapField(fieldpath.slice(1), image.target.annotations ?? {});
        default:
          return undefined;
      }
    },
  };
}
