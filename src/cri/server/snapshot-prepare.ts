// The snapshot step of containerd's WithNewSnapshot, shared by RunPodSandbox and CreateContainer:
// a snapshot whose parent (the image's top layer) is not in the snapshotter cannot be prepared, so
// the image is unpacked there first and the prepare tried once more.

import { isNotFound } from "../../../fake-containerd/index.ts";
import { unpackImage } from "../../../fake-containerd/images/unpack.ts";
import { wrap } from "../../go/errors.ts";
import type { CriService } from "./service.ts";

export async function prepareUnpackingIfNeeded(c: CriService, snapshotter: string, imageName: string, prepare: () => Promise<unknown>): Promise<void> {
  try {
    await prepare();
  } catch (err) {
    if (!isNotFound(err)) throw err;
    try {
      await unpackImage(c.client.images, c.client.snapshots.get(snapshotter), imageName);
    } catch (unpackErr) {
      throw wrap(unpackErr, "error unpacking image");
    }
    await prepare();
  }
}
