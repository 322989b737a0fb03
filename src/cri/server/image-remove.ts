// RemoveImage (containerd 1.6.20 image_remove.go): whatever name the request gives (tag, digest
// reference, image ID, unique ID prefix), the whole image goes: every containerd record that names
// it, the last one deleted synchronously so that garbage collection frees its content and
// snapshots. An image that is not there is success; only an ambiguous ID prefix fails.

import { collectGarbage } from "../../../fake-containerd/gc.ts";
import { isNotFound } from "../../../fake-containerd/index.ts";
import type { RemoveImageRequest, RemoveImageResponse } from "../api/v1.ts";
import { wrap } from "../../go/errors.ts";
import { quote } from "../../go/strconv.ts";
import { localResolve } from "../helpers/images.ts";
import type { CriImage } from "../store/image-store.ts";
import type { CallContext } from "../service-types.ts";
import { pullLeases } from "./image-pull.ts";
import { updateImageStore } from "./image-update.ts";
import type { CriService } from "./service.ts";

export async function removeImage(c: CriService, r: RemoveImageRequest, _call: CallContext): Promise<RemoveImageResponse> {
  const ref = r.image?.image ?? "";
  let image: CriImage;
  try {
    image = localResolve(c.imageStore, ref);
  } catch (err) {
    if (isNotFound(err)) return {};
    throw wrap(err, `can not resolve ${quote(ref)} locally`);
  }
  for (const [i, name] of image.references.entries()) {
    const last = i === image.references.length - 1;
    try {
      await c.client.images.delete(name);
      // images.SynchronousDelete: the images service waits for a garbage collection after a delete that went through.
      if (last) await collectGarbage(c.client, [c.config.containerd.snapshotter], pullLeases(c));
    } catch (err) {
      if (!isNotFound(err)) throw wrap(err, `failed to delete image reference ${quote(name)} for ${quote(image.id)}`);
    }
    try {
      await updateImageStore(c, name);
    } catch (err) {
      throw wrap(err, `failed to update image reference ${quote(name)} for ${quote(image.id)}`);
    }
  }
  return {};
}
