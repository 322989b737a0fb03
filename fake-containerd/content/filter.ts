// Listing through containerd filters: each store presents its objects through an adaptor shaped
// like containerd's (the fields a filter can name), and list() takes any filter with a match()
// over such adaptors — the parsed filters of ../filters.ts, or a hand-written predicate.
import type { Adaptor } from "../filters.ts";

export type { Adaptor };

/** What list() accepts: parseFilters([...]) or `{ match: (object) => ... }`. */
export interface ObjectFilter {
  match(object: Adaptor): boolean;
}

/** Byte-wise order of the UTF-8 encodings, the order bolt keeps its keys in. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const ea = encoder.encode(a);
  const eb = encoder.encode(b);
  const n = Math.min(ea.length, eb.length);
  for (let i = 0; i < n; i++) if (ea[i] !== eb[i]) return ea[i]! - eb[i]!;
  return ea.length - eb.length;
}

const encoder = new TextEncoder();
