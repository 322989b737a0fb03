// ListImages (containerd 1.6.20 image_list.go): every image of the CRI image store. containerd 1.6
// ignores the request's filter, so `crictl images <ref>` lists everything; so does this.

import type { ListImagesRequest, ListImagesResponse } from "../api/v1.ts";
import type { CallContext } from "../service-types.ts";
import { toCriImage } from "./image-status.ts";
import type { CriService } from "./service.ts";

export async function listImages(c: CriService, _r: ListImagesRequest, _call: CallContext): Promise<ListImagesResponse> {
  return { images: c.imageStore.list().map((image) => toCriImage(c, image)) };
}
