// The uncompressed tars of recently applied layers, shared by every fake in the process. Each fake
// unpacks the same few images (busybox, pause), and decompressing and hashing a layer again for
// each one was most of the CPU of the suites that make a fresh fake per case (golden/cri's replay:
// gunzip, sha256 and the garbage they leave, about 25 of its 42 s). A hit needs the very same
// compressed bytes, not only the same digest (a restored content store is not re-hashed), and the
// cache holds at most 64 MiB of tars, oldest dropped first. Tars are shared, never written to:
// the snapshots keep files as views of them and replace a file's bytes, never change them.

import { Buffer } from "node:buffer";
import { computeDigest } from "../content/store.ts";

interface Entry {
  blob: Uint8Array;
  tar: Uint8Array;
  diffId: string;
}

const capacityBytes = 64 << 20;
const entries = new Map<string, Entry>();
let heldBytes = 0;

/** Compared natively (memcmp): a loop over a layer's bytes was 5 % of golden/cri's replay. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a === b || Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

/** The layer `blob` (stored under `digest`) uncompressed by `uncompress`, and its diff ID. */
export async function uncompressedLayer(
  digest: string,
  blob: Uint8Array,
  uncompress: (blob: Uint8Array) => Promise<Uint8Array>,
): Promise<{ tar: Uint8Array; diffId: string }> {
  const cached = entries.get(digest);
  if (cached && sameBytes(cached.blob, blob)) return cached;
  const tar = await uncompress(blob);
  const entry = { blob, tar, diffId: computeDigest(tar) };
  if (cached) heldBytes -= cached.tar.length;
  entries.delete(digest);
  if (tar.length <= capacityBytes) {
    entries.set(digest, entry);
    heldBytes += tar.length;
    for (const [key, old] of entries) {
      if (heldBytes <= capacityBytes) break;
      entries.delete(key);
      heldBytes -= old.tar.length;
    }
  }
  return entry;
}
