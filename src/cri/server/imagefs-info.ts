// ImageFsInfo (containerd 1.6.20 imagefs_info.go): one filesystem, the snapshotter's directory,
// with the bytes and inodes of every snapshot the snapshot syncer last measured, stamped with the
// oldest of their sync times (now when there are none). Content store blobs are not counted.

import { readClock } from "../../../fake-containerd/clock.ts";
import type { ImageFsInfoRequest, ImageFsInfoResponse } from "../api/v1.ts";
import type { CallContext } from "../service-types.ts";
import type { CriService } from "./service.ts";

export async function imageFsInfo(c: CriService, _r: ImageFsInfoRequest, _call: CallContext): Promise<ImageFsInfoResponse> {
  const snapshots = await c.snapshotStore.list();
  let timestamp = readClock(c.clock);
  let usedBytes = 0n;
  let inodesUsed = 0n;
  for (const snapshot of snapshots) {
    if (snapshot.timestamp < timestamp) timestamp = snapshot.timestamp;
    usedBytes = BigInt.asUintN(64, usedBytes + snapshot.size);
    inodesUsed = BigInt.asUintN(64, inodesUsed + snapshot.inodes);
  }
  return {
    imageFilesystems: [
      { timestamp, fsId: { mountpoint: c.imageFsPath }, usedBytes: { value: usedBytes }, inodesUsed: { value: inodesUsed } },
    ],
    containerFilesystems: [],
  };
}
