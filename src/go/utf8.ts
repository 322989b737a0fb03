// Go's unicode/utf8 decoding, and the Go-string input type the ports share.

/**
 * A Go string: either the raw bytes, or a JS string standing for its UTF-8 encoding. A JS string
 * cannot hold invalid UTF-8; a lone surrogate in it reads as U+FFFD, exactly as TextEncoder would
 * encode it. Pass a Uint8Array when the bytes themselves matter (e.g. to quote invalid UTF-8).
 */
export type GoStringInput = string | Uint8Array;

/** U+FFFD, which Go decodes in place of each byte that does not start valid UTF-8. */
export const RUNE_ERROR = 0xfffd;

/**
 * The rune whose UTF-8 encoding starts at bytes[at], following Go's utf8.DecodeRune: overlong
 * forms, surrogates and values above U+10FFFF are rejected. Returns -1 when the bytes there are not
 * valid UTF-8, where Go yields RUNE_ERROR with a width of one byte.
 */
export function decodeRune(bytes: Uint8Array, at: number): number {
  const b0 = bytes[at]!;
  if (b0 < 0x80) return b0;
  if (b0 < 0xc2 || b0 > 0xf4) return -1;
  const b1 = bytes[at + 1];
  if (b1 === undefined) return -1;
  if (b0 < 0xe0) return (b1 & 0xc0) === 0x80 ? ((b0 & 0x1f) << 6) | (b1 & 0x3f) : -1;
  // The second byte's range is what excludes overlong forms, surrogates and runes past U+10FFFF.
  const low = b0 === 0xe0 ? 0xa0 : b0 === 0xf0 ? 0x90 : 0x80;
  const high = b0 === 0xed ? 0x9f : b0 === 0xf4 ? 0x8f : 0xbf;
  if (b1 < low || b1 > high) return -1;
  const b2 = bytes[at + 2];
  if (b2 === undefined || (b2 & 0xc0) !== 0x80) return -1;
  if (b0 < 0xf0) return ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
  const b3 = bytes[at + 3];
  if (b3 === undefined || (b3 & 0xc0) !== 0x80) return -1;
  return ((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
}

/** How many bytes decodeRune consumed for a result: -1 (invalid) consumes one byte. */
export function decodedWidth(rune: number): number {
  if (rune < 0x80) return 1;
  if (rune < 0x800) return 2;
  if (rune < 0x10000) return 3;
  return 4;
}
