// go-digest v1.0.0 digestset: a set of digests looked up by full digest or by a unique prefix of
// the encoded part, optionally with its "alg:" in front. containerd's CRI image store resolves
// image IDs and ID prefixes through it.
import { type Algorithm, type Digest, digestAlgorithm, digestEncoded, findDigestFault, validateDigest } from "./digest.ts";

export class DigestNotFoundError extends Error {
  override name = "DigestNotFoundError";
  constructor() {
    super("digest not found");
  }
}

export class AmbiguousDigestError extends Error {
  override name = "AmbiguousDigestError";
  constructor() {
    super("ambiguous digest string");
  }
}

interface DigestEntry {
  alg: Algorithm;
  encoded: string;
  digest: Digest;
}

/** Go's digestset.Set. Entries stay sorted by encoded value, then algorithm, for binary search. */
export class DigestSet {
  #entries: DigestEntry[] = [];

  /** Go's Add: validates the digest; adding one already present changes nothing. */
  add(d: string): void {
    validateDigest(d);
    const entry = toEntry(d as Digest);
    const idx = this.#searchEntry(entry.encoded, entry.alg);
    if (idx < this.#entries.length && this.#entries[idx]!.digest === d) return;
    this.#entries.splice(idx, 0, entry);
  }

  /** Go's Remove: validates the digest; removing one not present changes nothing. */
  remove(d: string): void {
    validateDigest(d);
    const entry = toEntry(d as Digest);
    const idx = this.#searchEntry(entry.encoded, entry.alg);
    if (idx < this.#entries.length && this.#entries[idx]!.digest === d) this.#entries.splice(idx, 1);
  }

  /**
   * Go's Lookup: the one digest that `short` names. Anything that is not even shaped like a digest
   * is taken as a prefix of the encoded part of any algorithm; a digest-shaped string (even one of
   * the wrong length) fixes the algorithm and takes its encoded part as the prefix.
   */
  lookup(short: string): Digest {
    const entries = this.#entries;
    if (entries.length === 0) throw new DigestNotFoundError();
    let alg = "";
    let encoded = short;
    let idx: number;
    if (findDigestFault(short) === "format") {
      idx = lowerBound(entries.length, (i) => entries[i]!.encoded >= short);
    } else {
      alg = digestAlgorithm(short as Digest);
      encoded = digestEncoded(short as Digest);
      idx = this.#searchEntry(encoded, alg);
    }
    if (idx === entries.length || !shortMatches(entries[idx]!, alg, encoded)) throw new DigestNotFoundError();
    const found = entries[idx]!;
    if (found.alg === alg && found.encoded === encoded) return found.digest;
    if (idx + 1 < entries.length && shortMatches(entries[idx + 1]!, alg, encoded)) throw new AmbiguousDigestError();
    return found.digest;
  }

  /** Go's All: every digest, sorted by encoded value then algorithm. */
  all(): Digest[] {
    return this.#entries.map((e) => e.digest);
  }

  #searchEntry(encoded: string, alg: Algorithm): number {
    const entries = this.#entries;
    return lowerBound(entries.length, (i) => {
      const e = entries[i]!;
      return e.encoded === encoded ? e.alg >= alg : e.encoded >= encoded;
    });
  }
}

function toEntry(d: Digest): DigestEntry {
  return { alg: digestAlgorithm(d), encoded: digestEncoded(d), digest: d };
}

// Go's checkShortMatch: a same-length encoded value must be equal, a shorter one a prefix; a
// given algorithm must be the entry's.
function shortMatches(entry: DigestEntry, shortAlg: Algorithm, shortEncoded: string): boolean {
  if (entry.encoded.length === shortEncoded.length) {
    if (entry.encoded !== shortEncoded) return false;
  } else if (!entry.encoded.startsWith(shortEncoded)) {
    return false;
  }
  return shortAlg === "" || entry.alg === shortAlg;
}

/** Go's sort.Search: the first index in [0, n) where pred holds, pred being monotone. */
function lowerBound(n: number, pred: (i: number) => boolean): number {
  let low = 0;
  let high = n;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (pred(mid)) high = mid;
    else low = mid + 1;
  }
  return low;
}
