// Go's strconv.ParseInt(s, 10, 64) and strconv.Quote (what fmt's %q prints for a string), with the
// printable-rune test Quote rests on.
import { printableRanges } from "./unicode-printable.ts";
import { type GoStringInput, RUNE_ERROR, decodeRune, decodedWidth } from "./utf8.ts";

export type { GoStringInput };

/** Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and U+0020, by Go's tables. */
export function isPrint(rune: number): boolean {
  if (rune < 0x7f) return rune >= 0x20;
  let low = 0;
  let high = printableRanges.length >>> 1;
  // Find the first range that starts after the rune; the rune can only be in the one before it.
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (printableRanges[mid * 2]! <= rune) low = mid + 1;
    else high = mid;
  }
  return low > 0 && rune <= printableRanges[low * 2 - 1]!;
}

const namedEscapes: Record<number, string> = {
  0x07: "\\a",
  0x08: "\\b",
  0x0c: "\\f",
  0x0a: "\\n",
  0x0d: "\\r",
  0x09: "\\t",
  0x0b: "\\v",
  0x22: '\\"',
  0x5c: "\\\\",
};

/** How Quote writes a rune: null when the rune appears as itself, else its escape sequence. */
function escapeOf(rune: number): string | null {
  const named = namedEscapes[rune];
  if (named !== undefined) return named;
  if (isPrint(rune)) return null;
  if (rune < 0x20 || rune === 0x7f) return "\\x" + rune.toString(16).padStart(2, "0");
  if (rune < 0x10000) return "\\u" + rune.toString(16).padStart(4, "0");
  return "\\U" + rune.toString(16).padStart(8, "0");
}

/**
 * Go's strconv.Quote: a double-quoted Go string literal for s. Non-printable runes (by Go's
 * IsPrint, not JS's notion) are escaped, and each byte of invalid UTF-8 becomes \xNN.
 */
export function quote(s: GoStringInput): string {
  return typeof s === "string" ? quoteText(s) : quoteBytes(s);
}

function quoteText(s: string): string {
  let out = '"';
  let plainFrom = 0;
  for (let i = 0; i < s.length; ) {
    const rune = s.codePointAt(i)!;
    const width = rune > 0xffff ? 2 : 1;
    const loneSurrogate = rune >= 0xd800 && rune <= 0xdfff;
    const escape = loneSurrogate ? (escapeOf(RUNE_ERROR) ?? "\ufffd") : escapeOf(rune);
    if (escape !== null) {
      out += s.slice(plainFrom, i) + escape;
      plainFrom = i + width;
    }
    i += width;
  }
  return out + s.slice(plainFrom) + '"';
}

function quoteBytes(bytes: Uint8Array): string {
  let out = '"';
  for (let i = 0; i < bytes.length; ) {
    const rune = decodeRune(bytes, i);
    if (rune < 0) {
      out += "\\x" + bytes[i]!.toString(16).padStart(2, "0");
      i++;
      continue;
    }
    out += escapeOf(rune) ?? String.fromCodePoint(rune);
    i += decodedWidth(rune);
  }
  return out + '"';
}

/** Go's strconv.ErrRange: the value does not fit the target type. */
export const ErrRange: Error = new Error("value out of range");
/** Go's strconv.ErrSyntax: the input is not a number of the expected form. */
export const ErrSyntax: Error = new Error("invalid syntax");

/**
 * Go's *strconv.NumError. `cause` is ErrRange or ErrSyntax (Go's Err field); `value` is what Go
 * returned alongside the error: 0 for bad syntax, the nearest int64 bound when out of range.
 */
export class NumError extends Error {
  readonly func: string;
  readonly num: GoStringInput;
  override readonly cause: Error;
  readonly value: bigint;

  constructor(func: string, num: GoStringInput, cause: Error, value: bigint) {
    super(`strconv.${func}: parsing ${quote(num)}: ${cause.message}`, { cause });
    this.name = "NumError";
    this.func = func;
    this.num = num;
    this.cause = cause;
    this.value = value;
  }
}

const MAX_INT64 = (1n << 63n) - 1n;
const MIN_INT64 = -(1n << 63n);
// Go accumulates into a uint64 and stops with ErrRange the moment the digits read so far exceed it.
const MAX_UINT64_DIGITS = "18446744073709551615";

/**
 * Go's strconv.ParseInt(s, 10, 64): an optional sign then decimal digits only (no spaces,
 * underscores or base prefixes). Throws NumError on bad syntax or an out-of-range value.
 */
export function parseInt(s: GoStringInput): bigint {
  if (s.length === 0) throw new NumError("ParseInt", s, ErrSyntax, 0n);
  const sign = codeAt(s, 0);
  const negative = sign === 0x2d;
  const start = negative || sign === 0x2b ? 1 : 0;
  if (start === s.length) throw new NumError("ParseInt", s, ErrSyntax, 0n);

  let significantFrom = -1;
  // Exact in a double while at most 15 digits are significant; longer numbers go through BigInt.
  let small = 0;
  for (let i = start; i < s.length; i++) {
    const c = codeAt(s, i);
    if (c < 0x30 || c > 0x39) throw new NumError("ParseInt", s, ErrSyntax, 0n);
    if (significantFrom < 0) {
      if (c === 0x30) continue;
      significantFrom = i;
    }
    const digits = i - significantFrom + 1;
    small = small * 10 + (c - 0x30);
    // Checked digit by digit, so an overflow is reported even if bad syntax follows it.
    if (digits > MAX_UINT64_DIGITS.length ||
      (digits === MAX_UINT64_DIGITS.length && digitText(s, significantFrom, i + 1) > MAX_UINT64_DIGITS)) {
      throw new NumError("ParseInt", s, ErrRange, negative ? MIN_INT64 : MAX_INT64);
    }
  }
  const significant = significantFrom < 0 ? 0 : s.length - significantFrom;
  const magnitude = significant <= 15 ? BigInt(small) : BigInt(digitText(s, significantFrom, s.length));
  if (negative ? magnitude > -MIN_INT64 : magnitude > MAX_INT64) {
    throw new NumError("ParseInt", s, ErrRange, negative ? MIN_INT64 : MAX_INT64);
  }
  return negative ? -magnitude : magnitude;
}

function codeAt(s: GoStringInput, i: number): number {
  return typeof s === "string" ? s.charCodeAt(i) : s[i]!;
}

// Only called on spans already checked to be ASCII digits.
function digitText(s: GoStringInput, from: number, to: number): string {
  return typeof s === "string" ? s.slice(from, to) : String.fromCharCode(...s.subarray(from, to));
}
