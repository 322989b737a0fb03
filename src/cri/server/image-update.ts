// How the CRI image store follows containerd's image records (containerd 1.6.20: updateImage and
// createImageReference in image_pull.go, imagestore.Store.Update and getImage in store/image).
// Recovery, the event monitor (/images/*), PullImage and RemoveImage all go through updateImage.

import { chainId } from "../../../fake-containerd/images/resolve.ts";
import type { ImageTarget } from "../../../fake-containerd/images/store.ts";
import { isAlreadyExists, isNotFound } from "../../../fake-containerd/index.ts";
import { wrap } from "../../go/errors.ts";
import { quote } from "../../go/strconv.ts";
import { imageLabelKey, imageLabelValue } from "../helpers/constants.ts";
import { parseGoJson } from "../../go/json.ts";
import type { CriImage, OciImageConfig } from "../store/image-store.ts";
import type { CriService } from "./service.ts";

/** containerd 2.x's label on the record of a pinned image's name (labels.PinnedImageLabelKey). */
export const pinnedImageLabelKey = "io.cri-containerd.pinned";
export const pinnedImageLabelValue = "pinned";

const decoder = new TextDecoder();

/**
 * createImageReference: makes (or repoints) the image record `name` at `target`, labelled as
 * managed by the CRI plugin.
 */
export async function createImageReference(c: CriService, name: string, target: ImageTarget): Promise<void> {
  const images = c.client.images;
  try {
    await images.create({ name, target, labels: { [imageLabelKey]: imageLabelValue } });
    return;
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  // containerd compares against the record Create returned, which is empty on "already exists",
  // so an existing record is always updated.
  await images.update({ name, target, labels: { [imageLabelKey]: imageLabelValue } }, "target", `labels.${imageLabelKey}`);
}

/** getImage: the CRI view of a containerd image record (ID = config digest). */
async function getImage(c: CriService, name: string): Promise<CriImage> {
  const images = c.client.images;
  let diffIds: string[];
  try {
    diffIds = await images.rootFS(name);
  } catch (err) {
    throw wrap(err, "get image diffIDs");
  }
  let size: bigint;
  try {
    size = await images.size(name);
  } catch (err) {
    throw wrap(err, "get image compressed resource size");
  }
  let configDigest: string;
  try {
    configDigest = (await images.manifest(name)).config.digest;
  } catch (err) {
    throw wrap(err, "get image config descriptor");
  }
  let raw: Uint8Array;
  try {
    raw = await images.content.read(configDigest);
  } catch (err) {
    throw wrap(err, "read image config from content store");
  }
  const text = decoder.decode(raw);
  let imageSpec: OciImageConfig;
  try {
    imageSpec = parseGoJson(text) as OciImageConfig;
  } catch (err) {
    throw wrap(err, `unmarshal image config ${text}`);
  }
  return { id: configDigest, references: [name], chainId: chainId(diffIds), size, imageSpec };
}

/** imagestore.Store.Update: the CRI image store takes what containerd now has under `ref`. */
export async function updateImageStore(c: CriService, ref: string): Promise<void> {
  let record;
  try {
    record = await c.client.images.get(ref);
  } catch (err) {
    if (!isNotFound(err)) throw wrap(err, "get image from containerd");
  }
  let image: CriImage | undefined;
  if (record) {
    try {
      image = await getImage(c, ref);
    } catch (err) {
      throw wrap(err, "get image info from containerd");
    }
  }
  c.imageStore.update(ref, image, record?.labels[pinnedImageLabelKey] === pinnedImageLabelValue);
}

/**
 * updateImage: brings the CRI image store in line with containerd's record `ref`. A record the
 * plugin does not manage yet first gets an image-ID record and the managed label.
 */
export async function updateImage(c: CriService, ref: string): Promise<void> {
  let image;
  try {
    image = await c.client.images.get(ref);
  } catch (err) {
    if (!isNotFound(err)) throw wrap(err, "get image by reference");
  }
  if (image && image.labels[imageLabelKey] !== imageLabelValue) {
    let id: string;
    try {
      id = (await c.client.images.manifest(ref)).config.digest;
    } catch (err) {
      throw wrap(err, "get image id");
    }
    try {
      await createImageReference(c, id, image.target);
    } catch (err) {
      throw wrap(err, `create image id reference ${quote(id)}`);
    }
    try {
      await updateImageStore(c, id);
    } catch (err) {
      throw wrap(err, `update image store for ${quote(id)}`);
    }
    try {
      await createImageReference(c, ref, image.target);
    } catch (err) {
      throw wrap(err, "create managed label");
    }
  }
  try {
    await updateImageStore(c, ref);
  } catch (err) {
    throw wrap(err, `update image store for ${quote(ref)}`);
  }
}
