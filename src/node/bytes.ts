// Bytes as the fake passes them around: text as UTF-8, and chunks joined into one array.

const encoder = new TextEncoder();

export function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : data;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Text and bytes joined into one array; text alone is encoded once (TextEncoder's cost is mostly per call). */
export function joinBytes(chunks: ReadonlyArray<string | Uint8Array>): Uint8Array {
  if (chunks.every((chunk) => typeof chunk === "string")) return encoder.encode(chunks.join(""));
  return concatBytes(chunks.map(toBytes));
}
