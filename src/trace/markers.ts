// How a replayed answer is compared with the recorded one. The normaliser numbers times, addresses
// and network names by first appearance (`$t3`, `$ip1`, `$mac2`...), so one call that saw an instant
// the recording did not yet see (it overlapped another call there) would renumber every later marker
// and make every later answer differ. What the markers stand for is which values are equal: so a
// replay marker may carry another number than the recorded one, as long as the two pair up one to
// one over the whole replay. Pairs are learnt from calls that match. Runtime IDs (`$id3`) are not
// renamed: requests name them, so their numbers must agree. Portable.

import type { Json } from "../transcript/calls.ts";
import { mapStrings } from "../transcript/normalise.ts";

const marker = /\$(?:t|ip|mac|veth|netns|token)\d+/g;

function isObject(value: Json): value is { [key: string]: Json } {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export class MarkerPairs {
  /** Replay marker -> recorded marker, and back. */
  private readonly recordedOf = new Map<string, string>();
  private readonly replayOf = new Map<string, string>();

  /**
   * Whether `replayed` is `recorded` with its markers renamed one to one, consistently with the
   * pairs learnt so far; if so, the new pairs are learnt.
   */
  match(recorded: Json, replayed: Json): boolean {
    const pending = new Map<string, string>();
    const pendingBack = new Map<string, string>();
    const pair = (recordedMarker: string, replayMarker: string): boolean => {
      if (recordedMarker.replace(/\d+$/, "") !== replayMarker.replace(/\d+$/, "")) return false;
      const known = this.recordedOf.get(replayMarker) ?? pending.get(replayMarker);
      if (known !== undefined) return known === recordedMarker;
      if (this.replayOf.has(recordedMarker) || pendingBack.has(recordedMarker)) return false;
      pending.set(replayMarker, recordedMarker);
      pendingBack.set(recordedMarker, replayMarker);
      return true;
    };
    const sameText = (a: string, b: string): boolean => {
      const aMarkers = a.match(marker) ?? [];
      const bMarkers = b.match(marker) ?? [];
      return (
        a.replace(marker, "\0") === b.replace(marker, "\0") &&
        aMarkers.length === bMarkers.length &&
        aMarkers.every((m, i) => pair(m, bMarkers[i]!))
      );
    };
    const same = (a: Json, b: Json): boolean => {
      if (typeof a === "string" && typeof b === "string") return sameText(a, b);
      if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => same(item, b[i]!));
      if (isObject(a) && isObject(b)) {
        // Keys can hold markers too (a veth's name); both sides have their keys sorted.
        const aKeys = Object.keys(a).sort();
        const bKeys = Object.keys(b).sort();
        return aKeys.length === bKeys.length && aKeys.every((key, i) => sameText(key, bKeys[i]!) && same(a[key]!, b[bKeys[i]!]!));
      }
      return a === b;
    };
    if (!same(recorded, replayed)) return false;
    for (const [replayMarker, recordedMarker] of pending) {
      this.recordedOf.set(replayMarker, recordedMarker);
      this.replayOf.set(recordedMarker, replayMarker);
    }
    return true;
  }

  /** `replayed` with the markers already paired written as their recorded names, for a report. */
  asRecorded(replayed: Json): Json {
    const rename = (s: string): string => s.replace(marker, (m) => this.recordedOf.get(m) ?? m);
    const renameKeys = (value: Json): Json => {
      if (Array.isArray(value)) return value.map(renameKeys);
      if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [rename(k), renameKeys(v)]));
      return value;
    };
    return mapStrings(renameKeys(replayed), rename);
  }
}
