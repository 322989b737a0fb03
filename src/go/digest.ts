// github.com/opencontainers/go-digest v1.0.0 as containerd v1.5.7 links it: a digest is
// "<algorithm>:<encoded>", and only sha256, sha384 and sha512 are available (containerd imports
// their hash packages), each with lowercase hex of exactly twice the hash size.
import { createHash } from "node:crypto";
import { quote } from "./strconv.ts";

declare const digestBrand: unique symbol;

/** A digest string that went through parseDigest or was computed: "<algorithm>:<encoded>". */
export type Digest = string & { readonly [digestBrand]: true };

/** Go's digest.Algorithm: any string; only some are available. */
export type Algorithm = string;

export const SHA256 = "sha256";
export const SHA384 = "sha384";
export const SHA512 = "sha512";
/** The algorithm Go's digest.Canonical names, used when none is given. */
export const CANONICAL_ALGORITHM = SHA256;

// Hash size in bytes of each available algorithm; a Map so that names such as "constructor" miss.
const hashSizes: ReadonlyMap<string, number> = new Map([
  [SHA256, 32],
  [SHA384, 48],
  [SHA512, 64],
]);

export class ChecksumDigestFormatError extends Error {
  override name = "ChecksumDigestFormatError";
  constructor() {
    super("invalid checksum digest format");
  }
}

export class ChecksumDigestLengthError extends Error {
  override name = "ChecksumDigestLengthError";
  constructor() {
    super("invalid checksum digest length");
  }
}

export class UnsupportedDigestAlgorithmError extends Error {
  override name = "UnsupportedDigestAlgorithmError";
  constructor() {
    super("unsupported digest algorithm");
  }
}

/** What Go would panic with: asking an unavailable algorithm to hash, or a digest without ':'. */
export class DigestMisuseError extends Error {
  override name = "DigestMisuseError";
}

/** Which of Go's digest sentinel errors applies; the non-throwing form lets hot paths branch cheaply. */
export type DigestFault = "format" | "length" | "unsupported";

function faultError(fault: DigestFault): Error {
  switch (fault) {
    case "format":
      return new ChecksumDigestFormatError();
    case "length":
      return new ChecksumDigestLengthError();
    case "unsupported":
      return new UnsupportedDigestAlgorithmError();
  }
}

export function isAlgorithmAvailable(alg: Algorithm): boolean {
  return hashSizes.has(alg);
}

/** The hash size in bytes, 0 for an unavailable algorithm (Go's Algorithm.Size). */
export function algorithmSize(alg: Algorithm): number {
  return hashSizes.get(alg) ?? 0;
}

// Only consulted for unavailable algorithms, to tell a malformed digest from an unknown algorithm.
// Its separators are mandatory, so it cannot backtrack badly.
const digestSyntax = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** Go's Algorithm.Validate(encoded), without throwing. */
export function findEncodedFault(alg: Algorithm, encoded: string): DigestFault | undefined {
  const size = hashSizes.get(alg);
  if (size === undefined) return "unsupported";
  // Go measures bytes, so a non-ASCII character counts for more than one.
  if (utf8Length(encoded) !== size * 2) return "length";
  return isLowerHex(encoded) ? undefined : "format";
}

/** Go's Algorithm.Validate(encoded): throws the sentinel error Go returns. */
export function validateEncoded(alg: Algorithm, encoded: string): void {
  const fault = findEncodedFault(alg, encoded);
  if (fault !== undefined) throw faultError(fault);
}

/** Go's Digest.Validate, without throwing. */
export function findDigestFault(s: string): DigestFault | undefined {
  const sep = s.indexOf(":");
  if (sep <= 0 || sep + 1 === s.length) return "format";
  const alg = s.slice(0, sep);
  if (!hashSizes.has(alg)) return digestSyntax.test(s) ? "unsupported" : "format";
  return findEncodedFault(alg, s.slice(sep + 1));
}

/** Go's Digest.Validate: throws the sentinel error Go returns. */
export function validateDigest(s: string): void {
  const fault = findDigestFault(s);
  if (fault !== undefined) throw faultError(fault);
}

/** Go's digest.Parse. */
export function parseDigest(s: string): Digest {
  validateDigest(s);
  return s as Digest;
}

/** Go's Digest.Algorithm(). */
export function digestAlgorithm(d: Digest): Algorithm {
  return d.slice(0, separatorIndex(d));
}

/** Go's Digest.Encoded() (also Hex()). */
export function digestEncoded(d: Digest): string {
  return d.slice(separatorIndex(d) + 1);
}

function separatorIndex(d: string): number {
  const sep = d.indexOf(":");
  if (sep < 0) throw new DigestMisuseError(`no ':' separator in digest ${quote(d)}`);
  return sep;
}

/** Go's Algorithm.FromBytes: hashes the bytes and returns "<alg>:<lowercase hex>". */
export function digestFromBytes(bytes: Uint8Array, alg: Algorithm = CANONICAL_ALGORITHM): Digest {
  if (!hashSizes.has(alg)) {
    if (alg === "") throw new DigestMisuseError("empty digest algorithm, validate before calling Algorithm.Hash()");
    throw new DigestMisuseError(`${alg} not available (make sure it is imported)`);
  }
  return `${alg}:${createHash(alg).update(bytes).digest("hex")}` as Digest;
}

function isLowerHex(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/** Length of the string's UTF-8 encoding, which is what Go's len() counts. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n += 2; // a surrogate pair: two UTF-16 units, four bytes
        i++;
      } else n += 2;
    } else n += 2;
  }
  return n;
}
