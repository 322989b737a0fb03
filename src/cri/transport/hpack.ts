// HPACK (RFC 7541): a decoder with its dynamic table, and an encoder that writes header blocks
// using only the static table and literals that are never indexed, so the block leaves the peer's
// dynamic table exactly as it was. That is all the authority shim needs to rewrite a request's
// headers without owning the encoder state of the client it relays for.
//
// Header names and values are "octet strings": one char per octet (0-255), since HTTP/2 fields are
// octets, not text. Portable: Uint8Array only.

import { huffmanDecode } from "./hpack-huffman.ts";

export interface HeaderField {
  name: string;
  value: string;
  /** Sent as "never indexed" (RFC 7541 section 6.2.3); whoever forwards it must keep it so. */
  neverIndexed: boolean;
}

export class HpackError extends Error {
  constructor(message: string) {
    super(`hpack: ${message}`);
    this.name = "HpackError";
  }
}

/** RFC 7541 Appendix A; index 1 is the first entry. */
const staticTable: readonly (readonly [string, string])[] = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"],
  ["accept-language", ""],
  ["accept-ranges", ""],
  ["accept", ""],
  ["access-control-allow-origin", ""],
  ["age", ""],
  ["allow", ""],
  ["authorization", ""],
  ["cache-control", ""],
  ["content-disposition", ""],
  ["content-encoding", ""],
  ["content-language", ""],
  ["content-length", ""],
  ["content-location", ""],
  ["content-range", ""],
  ["content-type", ""],
  ["cookie", ""],
  ["date", ""],
  ["etag", ""],
  ["expect", ""],
  ["expires", ""],
  ["from", ""],
  ["host", ""],
  ["if-match", ""],
  ["if-modified-since", ""],
  ["if-none-match", ""],
  ["if-range", ""],
  ["if-unmodified-since", ""],
  ["last-modified", ""],
  ["link", ""],
  ["location", ""],
  ["max-forwards", ""],
  ["proxy-authenticate", ""],
  ["proxy-authorization", ""],
  ["range", ""],
  ["referer", ""],
  ["refresh", ""],
  ["retry-after", ""],
  ["server", ""],
  ["set-cookie", ""],
  ["strict-transport-security", ""],
  ["transfer-encoding", ""],
  ["user-agent", ""],
  ["vary", ""],
  ["via", ""],
  ["www-authenticate", ""],
];

/** RFC 7541 section 4.1: an entry's size is its octets plus 32. */
const entryOverhead = 32;

/** The default SETTINGS_HEADER_TABLE_SIZE (RFC 7540 section 6.5.2), which Node's HTTP/2 keeps. */
export const defaultHeaderTableSize = 4096;

const noBlock = new Uint8Array();

/** Octets of `bytes[start, end)` as an octet string. */
function octetString(bytes: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
  }
  return s;
}

/**
 * Decodes header blocks of one direction of one connection. The dynamic table persists from block
 * to block, so every block of that direction must pass through the same decoder, in order.
 */
export class HpackDecoder {
  /** Newest entry last; RFC index 62 is entries[entries.length - 1]. */
  private readonly entries: [name: string, value: string][] = [];
  private tableSize = 0;
  private maxTableSize: number;
  /** The most the peer's SETTINGS_HEADER_TABLE_SIZE lets a size update ask for. */
  private readonly sizeLimit: number;

  constructor(sizeLimit = defaultHeaderTableSize) {
    this.sizeLimit = sizeLimit;
    this.maxTableSize = sizeLimit;
  }

  /** The dynamic table, newest entry first (RFC index 62 first), and its size in RFC 7541 octets. */
  get dynamicTable(): { entries: [name: string, value: string][]; size: number } {
    return { entries: this.entries.slice().reverse(), size: this.tableSize };
  }

  /** The block being decoded and the read position in it. */
  private block: Uint8Array = noBlock;
  private pos = 0;

  /** Decodes one complete header block (the HEADERS fragment plus any CONTINUATION fragments). */
  decode(block: Uint8Array): HeaderField[] {
    this.block = block;
    this.pos = 0;
    const fields: HeaderField[] = [];
    while (this.pos < block.length) {
      const first = block[this.pos]!;
      if (first & 0x80) {
        const [name, value] = this.lookup(this.integer(7));
        fields.push({ name, value, neverIndexed: false });
      } else if ((first & 0xe0) === 0x20) {
        // A size update is only allowed before the block's first field (RFC 7541 section 4.2).
        if (fields.length > 0) throw new HpackError("dynamic table size update after a header field");
        const size = this.integer(5);
        if (size > this.sizeLimit) throw new HpackError(`dynamic table size update to ${size} exceeds ${this.sizeLimit}`);
        this.maxTableSize = size;
        this.evictTo(size);
      } else {
        const incremental = (first & 0xc0) === 0x40;
        const neverIndexed = (first & 0xf0) === 0x10;
        const nameIndex = this.integer(incremental ? 6 : 4);
        const name = nameIndex === 0 ? this.string() : this.lookup(nameIndex)[0];
        const value = this.string();
        if (incremental) this.insert(name, value);
        fields.push({ name, value, neverIndexed });
      }
    }
    this.block = noBlock;
    return fields;
  }

  /** An integer with an N-bit prefix (RFC 7541 section 5.1). */
  private integer(prefixBits: number): number {
    const block = this.block;
    const mask = (1 << prefixBits) - 1;
    let value = block[this.pos++]! & mask;
    if (value < mask) return value;
    for (let shift = 1; ; shift *= 128) {
      if (this.pos >= block.length) throw new HpackError("truncated integer");
      // Five continuation octets carry 35 bits; every length or index here fits in 32.
      if (shift > 2 ** 28) throw new HpackError("integer overflow");
      const byte = block[this.pos++]!;
      value += (byte & 0x7f) * shift;
      if ((byte & 0x80) === 0) {
        if (value > 0xffffffff) throw new HpackError("integer overflow");
        return value;
      }
    }
  }

  /** A string literal, raw or Huffman-coded (RFC 7541 section 5.2). */
  private string(): string {
    const block = this.block;
    if (this.pos >= block.length) throw new HpackError("truncated string literal");
    const huffman = (block[this.pos]! & 0x80) !== 0;
    const length = this.integer(7);
    if (length > block.length - this.pos) throw new HpackError("truncated string literal");
    const start = this.pos;
    this.pos += length;
    if (!huffman) return octetString(block, start, this.pos);
    const decoded = huffmanDecode(block.subarray(start, this.pos));
    if (decoded === null) throw new HpackError("invalid Huffman-coded string");
    return octetString(decoded, 0, decoded.length);
  }

  private lookup(index: number): readonly [string, string] {
    if (index === 0) throw new HpackError("index 0 is not valid");
    if (index <= staticTable.length) return staticTable[index - 1]!;
    const entry = this.entries[this.entries.length - (index - staticTable.length)];
    if (entry === undefined) throw new HpackError(`index ${index} is beyond the dynamic table`);
    return entry;
  }

  private insert(name: string, value: string): void {
    const size = name.length + value.length + entryOverhead;
    // An entry larger than the whole table empties it and is not added (RFC 7541 section 4.4).
    this.evictTo(Math.max(0, this.maxTableSize - size));
    if (size > this.maxTableSize) return;
    this.entries.push([name, value]);
    this.tableSize += size;
  }

  private evictTo(size: number): void {
    let evict = 0;
    while (this.tableSize > size) {
      const [name, value] = this.entries[evict++]!;
      this.tableSize -= name.length + value.length + entryOverhead;
    }
    if (evict > 0) this.entries.splice(0, evict);
  }
}

/** Static table indices by name, then by value (the first index of each). */
const staticIndexOfName = new Map<string, number>();
const staticIndexOfField = new Map<string, Map<string, number>>();
staticTable.forEach(([name, value], i) => {
  if (!staticIndexOfName.has(name)) staticIndexOfName.set(name, i + 1);
  const values = staticIndexOfField.get(name) ?? new Map<string, number>();
  if (!values.has(value)) values.set(value, i + 1);
  staticIndexOfField.set(name, values);
});

/**
 * Encodes fields without touching the receiver's dynamic table: a field equal to a static entry as
 * that index, anything else as a literal without indexing (or never indexed, if it came so), with
 * the name taken from the static table when it is there. Strings are sent raw, not Huffman-coded:
 * this runs on the hot path of every rewritten request and the link is local.
 */
export function encodeWithoutIndexing(fields: readonly HeaderField[]): Uint8Array {
  let size = 0;
  for (const f of fields) size += f.name.length + f.value.length + 12;
  const out = new Uint8Array(size);
  let pos = 0;
  const integer = (firstByteFlags: number, prefixBits: number, value: number): void => {
    const mask = (1 << prefixBits) - 1;
    if (value < mask) {
      out[pos++] = firstByteFlags | value;
      return;
    }
    out[pos++] = firstByteFlags | mask;
    value -= mask;
    while (value >= 128) {
      out[pos++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    out[pos++] = value;
  };
  const string = (s: string): void => {
    integer(0, 7, s.length);
    for (let i = 0; i < s.length; i++) out[pos++] = s.charCodeAt(i);
  };
  for (const f of fields) {
    const fieldIndex = f.neverIndexed ? undefined : staticIndexOfField.get(f.name)?.get(f.value);
    if (fieldIndex !== undefined) {
      integer(0x80, 7, fieldIndex);
      continue;
    }
    const nameIndex = staticIndexOfName.get(f.name) ?? 0;
    integer(f.neverIndexed ? 0x10 : 0x00, 4, nameIndex);
    if (nameIndex === 0) string(f.name);
    string(f.value);
  }
  return out.subarray(0, pos);
}
