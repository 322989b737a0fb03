import { describe, expect, test } from "vitest";
import {
  ChecksumDigestFormatError,
  ChecksumDigestLengthError,
  DigestMisuseError,
  UnsupportedDigestAlgorithmError,
  digestAlgorithm,
  digestEncoded,
  digestFromBytes,
  parseDigest,
  utf8Length,
} from "./digest.ts";
import { AmbiguousDigestError, DigestNotFoundError, DigestSet } from "./digestset.ts";

describe("digest", () => {
  test("hashes with the canonical algorithm by default", () => {
    const empty = digestFromBytes(new Uint8Array());
    expect(empty).toBe("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(digestAlgorithm(empty)).toBe("sha256");
    expect(digestEncoded(empty)).toHaveLength(64);
    expect(digestFromBytes(new TextEncoder().encode("abc"), "sha384")).toMatch(/^sha384:[0-9a-f]{96}$/);
  });

  test("each sentinel error is its own class", () => {
    expect(() => parseDigest("sha256")).toThrow(ChecksumDigestFormatError);
    expect(() => parseDigest("sha256:abc")).toThrow(ChecksumDigestLengthError);
    expect(() => parseDigest("md5:abc")).toThrow(UnsupportedDigestAlgorithmError);
    expect(() => digestFromBytes(new Uint8Array(), "md5")).toThrow(DigestMisuseError);
  });

  test("lengths are Go's byte lengths", () => {
    expect(utf8Length("aé中😀")).toBe(1 + 2 + 3 + 4);
    expect(() => parseDigest("sha256:" + "a".repeat(62) + "é")).toThrow(ChecksumDigestFormatError);
  });
});

describe("DigestSet", () => {
  test("resolves image IDs and unique prefixes, and tells ambiguous from missing", () => {
    const set = new DigestSet();
    const a = digestFromBytes(new TextEncoder().encode("a"));
    const b = digestFromBytes(new TextEncoder().encode("b"));
    set.add(a);
    set.add(b);
    set.add(a);
    expect(set.all()).toEqual([a, b].sort((x, y) => (x.slice(7) < y.slice(7) ? -1 : 1)));
    expect(set.lookup(a.slice(7, 19))).toBe(a);
    expect(set.lookup(b)).toBe(b);
    expect(() => set.lookup("")).toThrow(AmbiguousDigestError);
    expect(() => set.lookup("sha512:" + a.slice(7, 19))).toThrow(DigestNotFoundError);
    set.remove(a);
    expect(set.lookup("")).toBe(b);
  });
});
