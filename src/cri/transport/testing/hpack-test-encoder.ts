// A full HPACK encoder for tests: every representation, Huffman coding, its own dynamic table. The
// shim itself only ever encodes without indexing (hpack.ts); this produces the streams a real
// client could send, to decode them back. Also raw HTTP/2 frame helpers.

import { huffmanCode, huffmanCodeLength } from "../hpack-huffman.ts";

export function huffmanEncode(octets: Uint8Array): Uint8Array {
  let bits = 0;
  for (const b of octets) bits += huffmanCodeLength[b]!;
  const out = new Uint8Array(Math.ceil(bits / 8));
  let pos = 0;
  let acc = 0n;
  let accBits = 0;
  for (const b of octets) {
    acc = (acc << BigInt(huffmanCodeLength[b]!)) | BigInt(huffmanCode[b]!);
    accBits += huffmanCodeLength[b]!;
    while (accBits >= 8) {
      accBits -= 8;
      out[pos++] = Number((acc >> BigInt(accBits)) & 0xffn);
      acc &= (1n << BigInt(accBits)) - 1n;
    }
  }
  // Pad with the most significant bits of EOS, which are all 1s.
  if (accBits > 0) out[pos++] = Number(((acc << BigInt(8 - accBits)) | ((1n << BigInt(8 - accBits)) - 1n)) & 0xffn);
  return out;
}

export const octets = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

export type Representation = "indexed-or-incremental" | "incremental" | "without" | "never";

export interface EncodeChoice {
  representation: Representation;
  huffman: boolean;
}

const staticTable: [string, string][] = [
  [":authority", ""], [":method", "GET"], [":method", "POST"], [":path", "/"], [":path", "/index.html"],
  [":scheme", "http"], [":scheme", "https"], [":status", "200"], [":status", "204"], [":status", "206"],
  [":status", "304"], [":status", "400"], [":status", "404"], [":status", "500"], ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"], ["accept-language", ""], ["accept-ranges", ""], ["accept", ""],
  ["access-control-allow-origin", ""], ["age", ""], ["allow", ""], ["authorization", ""],
  ["cache-control", ""], ["content-disposition", ""], ["content-encoding", ""], ["content-language", ""],
  ["content-length", ""], ["content-location", ""], ["content-range", ""], ["content-type", ""],
  ["cookie", ""], ["date", ""], ["etag", ""], ["expect", ""], ["expires", ""], ["from", ""], ["host", ""],
  ["if-match", ""], ["if-modified-since", ""], ["if-none-match", ""], ["if-range", ""],
  ["if-unmodified-since", ""], ["last-modified", ""], ["link", ""], ["location", ""], ["max-forwards", ""],
  ["proxy-authenticate", ""], ["proxy-authorization", ""], ["range", ""], ["referer", ""], ["refresh", ""],
  ["retry-after", ""], ["server", ""], ["set-cookie", ""], ["strict-transport-security", ""],
  ["transfer-encoding", ""], ["user-agent", ""], ["vary", ""], ["via", ""], ["www-authenticate", ""],
];

/** Encodes header blocks the way a client's encoder would, keeping its own dynamic table. */
export class TestHpackEncoder {
  private table: [string, string][] = []; // newest first
  private size = 0;
  private maxSize: number;
  private pendingSizeUpdate: number | null = null;

  constructor(maxSize = 4096) {
    this.maxSize = maxSize;
  }

  /** The next block starts with a dynamic table size update. */
  setMaxSize(size: number): void {
    this.maxSize = size;
    this.pendingSizeUpdate = size;
    this.evict();
  }

  encode(fields: [string, string][], choose: (i: number) => EncodeChoice): Uint8Array {
    const out: number[] = [];
    const integer = (flags: number, prefix: number, value: number): void => {
      const mask = (1 << prefix) - 1;
      if (value < mask) {
        out.push(flags | value);
        return;
      }
      out.push(flags | mask);
      value -= mask;
      while (value >= 128) {
        out.push((value % 128) | 0x80);
        value = Math.floor(value / 128);
      }
      out.push(value);
    };
    const string = (s: string, huffman: boolean): void => {
      const raw = octets(s);
      const bytes = huffman ? huffmanEncode(raw) : raw;
      integer(huffman ? 0x80 : 0, 7, bytes.length);
      out.push(...bytes);
    };
    if (this.pendingSizeUpdate !== null) {
      integer(0x20, 5, this.pendingSizeUpdate);
      this.pendingSizeUpdate = null;
    }
    fields.forEach(([name, value], i) => {
      const { representation, huffman } = choose(i);
      const all = [...staticTable, ...this.table];
      if (representation === "indexed-or-incremental") {
        const full = all.findIndex(([n, v]) => n === name && v === value);
        if (full >= 0) {
          integer(0x80, 7, full + 1);
          return;
        }
      }
      const nameIndex = all.findIndex(([n]) => n === name) + 1;
      const [flags, prefix] =
        representation === "never" ? [0x10, 4] : representation === "without" ? [0x00, 4] : [0x40, 6];
      integer(flags, prefix, nameIndex);
      if (nameIndex === 0) string(name, huffman);
      string(value, huffman);
      if (prefix === 6) this.insert(name, value);
    });
    return Uint8Array.from(out);
  }

  private insert(name: string, value: string): void {
    const size = name.length + value.length + 32;
    this.table.unshift([name, value]);
    this.size += size;
    this.evict();
  }

  private evict(): void {
    while (this.size > this.maxSize) {
      const [n, v] = this.table.pop()!;
      this.size -= n.length + v.length + 32;
    }
  }
}

export const clientPreface = octets("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export function frame(type: number, flags: number, streamId: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(9 + payload.length);
  out[0] = payload.length >> 16;
  out[1] = (payload.length >> 8) & 0xff;
  out[2] = payload.length & 0xff;
  out[3] = type;
  out[4] = flags;
  new DataView(out.buffer).setUint32(5, streamId);
  out.set(payload, 9);
  return out;
}

export interface ParsedFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Uint8Array;
}

/** Splits a byte stream (after the preface, if `skipPreface`) into frames. */
export function parseFrames(bytes: Uint8Array, skipPreface: boolean): ParsedFrame[] {
  const frames: ParsedFrame[] = [];
  let pos = skipPreface ? clientPreface.length : 0;
  while (pos + 9 <= bytes.length) {
    const length = (bytes[pos]! << 16) | (bytes[pos + 1]! << 8) | bytes[pos + 2]!;
    frames.push({
      type: bytes[pos + 3]!,
      flags: bytes[pos + 4]!,
      streamId: new DataView(bytes.buffer, bytes.byteOffset + pos + 5, 4).getUint32(0) & 0x7fffffff,
      payload: bytes.subarray(pos + 9, pos + 9 + length),
    });
    pos += 9 + length;
  }
  if (pos !== bytes.length) throw new Error(`trailing ${bytes.length - pos} octets`);
  return frames;
}

