// An Any whose bytes are written the first time they are read. containerd marshals a container's
// spec and CRI metadata into every create and update (RunPodSandbox writes the spec twice and the
// metadata three times), and most of those bytes are replaced before anything reads them: they
// are only needed when the task is created, the state is saved or the plugin restarts. The bytes
// are the same whenever they are written, as long as nothing changes what `encode` reads; callers
// hand over values they no longer modify.

import type { AnyValue } from "../../fake-containerd/index.ts";

const encoder = new TextEncoder();

export function encodedOnRead(typeUrl: string, encode: () => string): AnyValue {
  let bytes: Uint8Array | undefined;
  // An own enumerable getter, so spreading, comparing or saving the Any reads the bytes.
  return {
    typeUrl,
    get value(): Uint8Array {
      bytes ??= encoder.encode(encode());
      return bytes;
    },
  };
}
