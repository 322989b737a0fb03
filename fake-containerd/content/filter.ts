// Listing through containerd filters: each store presents its objects through an adaptor shaped
// like containerd's (the fields a filter can name), and list() takes any filter with a match()
// over such adaptors — the parsed filters of ../filters.ts, or a hand-written predicate.
import type { Adaptor } from "../filters.ts";

export type { Adaptor };

/** What list() accepts: parseFilters([...]) or `{ match: (object) => ... }`. */
export interface ObjectFilter {
  match(object: Adaptor): boolean;
}
