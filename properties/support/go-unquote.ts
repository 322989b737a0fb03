// Go's strconv.Unquote for double-quoted literals, restricted to exactly what Quote emits, so a
// property can check Quote's output decodes back to its input (and that Quote never emits anything
// else).
import { isPrint } from "../../src/go/strconv.ts";
import { decodeRune, decodedWidth } from "../../src/go/utf8.ts";

const encoder = new TextEncoder();

const simpleEscapes: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 0x5c, '"': 0x22 };

/**
 * Go's Unquote for double-quoted literals, restricted to exactly what Quote emits: a raw rune must
 * be printable, \x is a control character or a byte that is not UTF-8, \u and \U are non-printable
 * runes (the shorter form whenever it fits), and hex digits are lower case. Anything else throws.
 */
export function unquote(literal: string): Uint8Array {
  const text = encoder.encode(literal);
  if (text.length < 2 || text[0] !== 0x22 || text[text.length - 1] !== 0x22) throw new Error("not quoted");
  const out: number[] = [];
  const end = text.length - 1;
  const hexAt = (at: number, digits: number) => {
    const h = new TextDecoder().decode(text.subarray(at, at + digits));
    if (!/^[0-9a-f]+$/.test(h) || h.length !== digits) throw new Error(`bad hex ${h}`);
    return Number.parseInt(h, 16);
  };
  for (let i = 1; i < end; ) {
    if (text[i] !== 0x5c) {
      const rune = decodeRune(text, i);
      if (rune < 0 || !isPrint(rune) || rune === 0x22) throw new Error(`raw rune ${rune} at ${i}`);
      out.push(...text.subarray(i, i + decodedWidth(rune)));
      i += decodedWidth(rune);
      continue;
    }
    const kind = String.fromCharCode(text[i + 1]!);
    const simple = simpleEscapes[kind];
    if (simple !== undefined) {
      out.push(simple);
      i += 2;
    } else if (kind === "x") {
      const byte = hexAt(i + 2, 2);
      if (byte < 0x80 && (isPrint(byte) || Object.values(simpleEscapes).includes(byte))) {
        throw new Error(`needless \\x${byte}`);
      }
      out.push(byte);
      i += 4;
    } else if (kind === "u" || kind === "U") {
      const digits = kind === "u" ? 4 : 8;
      const rune = hexAt(i + 2, digits);
      const wellFormed = rune <= 0x10ffff && !(rune >= 0xd800 && rune <= 0xdfff);
      if (!wellFormed || rune < 0x80 || isPrint(rune) || (kind === "U") !== rune >= 0x10000) {
        throw new Error(`needless or invalid \\${kind}${rune.toString(16)}`);
      }
      out.push(...encoder.encode(String.fromCodePoint(rune)));
      i += 2 + digits;
    } else {
      throw new Error(`unknown escape \\${kind}`);
    }
  }
  return Uint8Array.from(out);
}
