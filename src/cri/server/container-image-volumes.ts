// Image volumes (containerd 2.x, mutateImageMounts): a CRI mount naming an image gets that image's
// filesystem, read-only. The plugin unpacks the image, prepares a snapshot of it keyed by the node
// directory it mounts it on, `<state>/image-volumes/<pod>/<manifest digest>` (one per image and pod,
// shared by the pod's containers; fake-containerd/mounted-snapshots.ts shows it there), and makes
// the mount a bind mount of that directory or of a subdirectory in it. StopPodSandbox unmounts and
// removes them. Under 1.6 the decoded config carries no image in its mounts: none of this runs.

import { isAlreadyExists, isNotFound } from "../../../fake-containerd/index.ts";
import type { SnapshotStore } from "../../../fake-containerd/snapshots/store.ts";
import { wrap } from "../../go/errors.ts";
import { join } from "../../go/filepath.ts";
import { quote } from "../../go/strconv.ts";
import { imageSpecText, mountText } from "../api/text-format.ts";
import type { Mount as CriMount } from "../api/v1.ts";
import { localResolve, toContainerdImage } from "../helpers/images.ts";
import type { CriService } from "./service.ts";
import { prepareUnpackingIfNeeded } from "./snapshot-prepare.ts";

const imageVolumeDir = "image-volumes";

/** The mounts with each image volume made a bind mount of its image's directory on the node. */
export async function mountImageVolumes(c: CriService, mounts: readonly CriMount[], snapshotter: string, sandboxId: string): Promise<CriMount[]> {
  const out: CriMount[] = [];
  for (const m of mounts) {
    try {
      out.push(m.image ? await mountImageVolume(c, m, snapshotter, sandboxId) : m);
    } catch (err) {
      throw wrap(wrap(err, "ImageVolumeMountFailed"), "failed to mount image volume");
    }
  }
  return out;
}

async function mountImageVolume(c: CriService, m: CriMount, snapshotter: string, sandboxId: string): Promise<CriMount> {
  if (m.hostPath !== "") throw new Error(`hostpath must be empty while mount image: ${mountText(m)}`);
  if (!m.readonly) throw new Error(`readonly must be true while mount image: ${mountText(m)}`);
  const ref = m.image!.image;
  if (ref === "") throw new Error(`image not specified in: ${imageSpecText(m.image!)}`);
  let imageId: string;
  try {
    imageId = localResolve(c.imageStore, ref).id;
  } catch (err) {
    throw wrap(err, `failed to resolve image ${quote(ref)}`);
  }
  let manifestDigest: string;
  try {
    manifestDigest = (await toContainerdImage(c.imageStore.get(imageId), (name) => c.client.images.get(name))).target.digest;
  } catch (err) {
    throw wrap(err, `failed to get image from containerd ${quote(imageId)}`);
  }
  let target = join(c.config.stateDir, imageVolumeDir, sandboxId, manifestDigest.slice(manifestDigest.indexOf(":") + 1));
  const snapshots = c.client.snapshots.get(snapshotter);
  // Mounted already for another container of the pod.
  if (!snapshots.has(target)) await prepareImageVolume(c, snapshotter, ref, target);
  if (m.imageSubPath !== "") {
    try {
      target = subdirectoryIn(snapshots, target, m.imageSubPath);
    } catch (err) {
      throw wrap(err, `failed to ensure image subpath ${quote(m.imageSubPath)} in ${quote(target)}`);
    }
  }
  // The snapshot carries any ID mapping; the bind mount must not ask runc for one.
  return { ...m, hostPath: target, uidMappings: [], gidMappings: [] };
}

async function prepareImageVolume(c: CriService, snapshotter: string, ref: string, target: string): Promise<void> {
  let chainId: string;
  try {
    chainId = await c.client.images.chainId(ref);
  } catch (err) {
    throw wrap(err, `failed to get image volume ref ${quote(ref)}`);
  }
  const snapshots = c.client.snapshots.get(snapshotter);
  try {
    await prepareUnpackingIfNeeded(c, snapshotter, ref, () => snapshots.prepare(target, chainId));
  } catch (err) {
    if (!isAlreadyExists(err)) throw wrap(err, `failed to prepare for image volume ${quote(ref)}`);
  }
  try {
    c.hostFs.mkdirAll(target, 0o755);
  } catch (err) {
    throw wrap(err, `failed to create directory to image volume target path ${quote(target)}`);
  }
}

/**
 * ensureImageSubPath: os.OpenInRoot(mountPoint, subPath), which refuses an absolute path and a `..`
 * above the root, then a directory only. The file's name is the two joined as given.
 */
function subdirectoryIn(snapshots: SnapshotStore, mountPoint: string, subPath: string): string {
  const pathError = (why: string) => new Error(`openat ${subPath}: ${why}`);
  if (subPath.startsWith("/")) throw pathError("path escapes from parent");
  const parts: string[] = [];
  for (const part of subPath.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) throw pathError("path escapes from parent");
      parts.pop();
      continue;
    }
    const above = snapshots.statPath(mountPoint, `/${parts.join("/")}`);
    if (!above) throw pathError("no such file or directory");
    if (above.type !== "dir") throw pathError("not a directory");
    parts.push(part);
  }
  const stat = snapshots.statPath(mountPoint, `/${parts.join("/")}`);
  if (!stat) throw pathError("no such file or directory");
  if (stat.type !== "dir") {
    throw new Error(`only directory subpath is supported, subpath: ${quote(subPath)}, mountpoint: ${quote(mountPoint)} `);
  }
  return mountPoint.endsWith("/") ? mountPoint + subPath : `${mountPoint}/${subPath}`;
}

/** cleanupImageMounts, at StopPodSandbox: each image volume of the pod unmounted, its snapshot and directory removed. */
export async function unmountImageVolumes(c: CriService, sandboxId: string, snapshotter: string): Promise<void> {
  const base = join(c.config.stateDir, imageVolumeDir, sandboxId);
  if (!c.hostFs.exists(base)) return;
  const snapshots = c.client.snapshots.get(snapshotter);
  for (const name of c.hostFs.readDir(base)) {
    const target = join(base, name);
    try {
      await snapshots.remove(target);
    } catch (err) {
      if (!isNotFound(err)) throw wrap(err, "failed to removing snapshot");
    }
    c.hostFs.removeAll(target);
  }
  c.hostFs.removeAll(base);
}
