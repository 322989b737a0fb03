// Arbitraries for the Go string and path ports (src/go/path-match.ts, filepath.ts, strconv.ts).
import fc from "fast-check";
import { concatBytes } from "../../src/node/bytes.ts";

const encoder = new TextEncoder();

/** One code point anywhere in Unicode (never a lone surrogate). */
const anyCodePoint = () => fc.string({ unit: "binary", minLength: 1, maxLength: 1 });

/** A path-ish string: names, ".", "..", runs of slashes, spaces, unicode and astral characters. */
export function goPath(): fc.Arbitrary<string> {
  const piece = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom("a", "b", "abc", ".", "..", "...", ".a", "/", "/", "//", " ", "\\", "é", "😀") },
    { weight: 1, arbitrary: anyCodePoint() },
  );
  return fc.array(piece, { maxLength: 10 }).map((pieces) => pieces.join(""));
}

/** What filepath.Join takes: zero to five elements, some of them empty. */
export function goPathElements(): fc.Arbitrary<string[]> {
  return fc.array(fc.oneof(fc.constant(""), goPath()), { maxLength: 5 });
}

/** Bytes of a Go string: mostly UTF-8 text, mixed with arbitrary (often invalid) bytes. */
export function goStringBytes(): fc.Arbitrary<Uint8Array> {
  const part = fc.oneof(
    fc.string({ unit: "binary", maxLength: 4 }).map((s) => encoder.encode(s)),
    fc.uint8Array({ maxLength: 4 }),
    fc.constantFrom(...["\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80"].map(latin1Bytes)),
  );
  return fc.array(part, { maxLength: 8 }).map(concatBytes);
}

/** A JS string of any UTF-16 code units, lone surrogates included, or of whole code points. */
export function jsText(): fc.Arbitrary<string> {
  const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u));
  return fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: codeUnit }));
}

export const INT64_MIN = -(1n << 63n);
export const INT64_MAX = (1n << 63n) - 1n;

/** Any int64, with its bounds and zero drawn often. */
export function int64(): fc.Arbitrary<bigint> {
  return fc.oneof(
    fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
    fc.constantFrom(INT64_MIN, INT64_MIN + 1n, -1n, 0n, 1n, INT64_MAX - 1n, INT64_MAX),
  );
}

/** An integer just or far outside int64, on either side. */
export function outsideInt64(): fc.Arbitrary<bigint> {
  const far = 1n << 256n;
  return fc.oneof(
    fc.bigInt({ min: INT64_MAX + 1n, max: far }),
    fc.bigInt({ min: -far, max: INT64_MIN - 1n }),
    fc.constantFrom(INT64_MAX + 1n, INT64_MIN - 1n, (1n << 64n) - 1n, 1n << 64n, -(1n << 64n)),
  );
}

const metacharacters = new Set(["*", "?", "[", "\\"]);

/** A path.Match pattern with no metacharacter (no `*`, `?`, `[` or `\`): it can only be literal. */
export function literalPattern(): fc.Arbitrary<string> {
  const char = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom("a", "b", "/", ".", "-", "^", "]", "!", "é", "😀") },
    { weight: 1, arbitrary: anyCodePoint().filter((c) => !metacharacters.has(c)) },
  );
  return fc.array(char, { maxLength: 8 }).map((chars) => chars.join(""));
}

/** A literal pattern with a name that equals it, nearly equals it, or is unrelated. */
export function literalPatternAndName(): fc.Arbitrary<[pattern: string, name: string]> {
  return literalPattern().chain((pattern) =>
    fc.tuple(
      fc.constant(pattern),
      fc.oneof(
        fc.constant(pattern),
        literalPattern(),
        literalPattern().map((extra) => pattern + extra),
        fc.nat({ max: pattern.length }).map((cut) => Array.from(pattern).slice(0, cut).join("")),
      ),
    ),
  );
}

function latin1Bytes(s: string): Uint8Array {
  return Uint8Array.from(s, (ch) => ch.charCodeAt(0));
}

