// Gzip for layers. Compression is done here rather than with CompressionStream because Node, Deno
// and Bun each produce different bytes for the same input (measured), and a layer's digest must not
// depend on the runtime. The encoder is a small LZ77 with DEFLATE's fixed Huffman codes, in a gzip
// member with Go's header defaults (no name, mtime 0, OS 255). Decompression uses the web-standard
// DecompressionStream, which all three runtimes implement the same way.

const lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const distBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const distExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

const windowSize = 32768;
const maxMatch = 258;
const minMatch = 3;
const maxChain = 64;
const hashBits = 15;

class BitWriter {
  private buf = new Uint8Array(1024);
  private len = 0;
  private acc = 0;
  private bits = 0;

  /** Writes the low `n` bits of `value`, least significant first. */
  write(value: number, n: number): void {
    this.acc |= value << this.bits;
    this.bits += n;
    while (this.bits >= 8) {
      this.push(this.acc & 0xff);
      this.acc >>>= 8;
      this.bits -= 8;
    }
  }

  /** Writes a Huffman code, most significant bit first. */
  code(code: number, n: number): void {
    let reversed = 0;
    for (let i = 0; i < n; i++) reversed |= ((code >> i) & 1) << (n - 1 - i);
    this.write(reversed, n);
  }

  finish(): Uint8Array {
    if (this.bits > 0) this.push(this.acc & 0xff);
    this.acc = 0;
    this.bits = 0;
    return this.buf.subarray(0, this.len);
  }

  private push(byte: number): void {
    if (this.len === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.len++] = byte;
  }
}

function literal(out: BitWriter, symbol: number): void {
  if (symbol < 144) out.code(0x30 + symbol, 8);
  else if (symbol < 256) out.code(0x190 + symbol - 144, 9);
  else if (symbol < 280) out.code(symbol - 256, 7);
  else out.code(0xc0 + symbol - 280, 8);
}

function lastIndexAtMost(table: readonly number[], value: number): number {
  let i = table.length - 1;
  while (table[i]! > value) i--;
  return i;
}

function match(out: BitWriter, length: number, distance: number): void {
  const li = lastIndexAtMost(lengthBase, length);
  literal(out, 257 + li);
  out.write(length - lengthBase[li]!, lengthExtra[li]!);
  const di = lastIndexAtMost(distBase, distance);
  out.code(di, 5);
  out.write(distance - distBase[di]!, distExtra[di]!);
}

/** Raw DEFLATE: one final block with fixed Huffman codes and greedy LZ77 matches. */
function deflateRaw(data: Uint8Array): Uint8Array {
  const out = new BitWriter();
  out.write(1, 1); // final block
  out.write(1, 2); // fixed Huffman codes
  const head = new Int32Array(1 << hashBits).fill(-1);
  const prev = new Int32Array(windowSize);
  const hashAt = (i: number) => ((data[i]! << 10) ^ (data[i + 1]! << 5) ^ data[i + 2]!) & ((1 << hashBits) - 1);
  const insert = (i: number) => {
    if (i + minMatch > data.length) return;
    const h = hashAt(i);
    prev[i % windowSize] = head[h]!;
    head[h] = i;
  };
  let i = 0;
  while (i < data.length) {
    let bestLength = 0;
    let bestDistance = 0;
    if (i + minMatch <= data.length) {
      let candidate = head[hashAt(i)]!;
      const limit = Math.min(maxMatch, data.length - i);
      for (let chain = 0; candidate >= 0 && i - candidate <= windowSize && chain < maxChain; chain++) {
        let n = 0;
        while (n < limit && data[candidate + n] === data[i + n]) n++;
        if (n > bestLength) {
          bestLength = n;
          bestDistance = i - candidate;
          if (n === limit) break;
        }
        const next = prev[candidate % windowSize]!;
        if (next >= candidate) break;
        candidate = next;
      }
    }
    if (bestLength >= minMatch) {
      match(out, bestLength, bestDistance);
      for (let k = 0; k < bestLength; k++) insert(i + k);
      i += bestLength;
    } else {
      literal(out, data[i]!);
      insert(i);
      i++;
    }
  }
  literal(out, 256);
  return out.finish();
}

const crcTable = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** DEFLATE stored blocks (no compression), for data that fixed codes would make bigger. */
function storedRaw(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / 65535));
  const out = new Uint8Array(data.length + blocks * 5);
  let at = 0;
  for (let b = 0; b < blocks; b++) {
    const chunk = data.subarray(b * 65535, (b + 1) * 65535);
    out[at] = b === blocks - 1 ? 1 : 0;
    out[at + 1] = chunk.length & 0xff;
    out[at + 2] = chunk.length >> 8;
    out[at + 3] = ~chunk.length & 0xff;
    out[at + 4] = (~chunk.length >> 8) & 0xff;
    out.set(chunk, at + 5);
    at += 5 + chunk.length;
  }
  return out;
}

/** A gzip member holding the data, byte-for-byte the same on every runtime. */
export function gzip(data: Uint8Array): Uint8Array {
  const compressed = deflateRaw(data);
  const stored = storedRaw(data);
  const body = compressed.length <= stored.length ? compressed : stored;
  const out = new Uint8Array(10 + body.length + 8);
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  out.set(body, 10);
  const view = new DataView(out.buffer);
  view.setUint32(10 + body.length, crc32(data), true);
  view.setUint32(14 + body.length, data.length >>> 0, true);
  return out;
}

export function isGzip(data: Uint8Array): boolean {
  return data.length >= 3 && data[0] === 0x1f && data[1] === 0x8b && data[2] === 8;
}

/** Zstandard's frame magic, recognised so that such layers fail clearly rather than as tar garbage. */
export function isZstd(data: Uint8Array): boolean {
  return data.length >= 4 && data[0] === 0x28 && data[1] === 0xb5 && data[2] === 0x2f && data[3] === 0xfd;
}

export async function gunzip(data: Uint8Array): Promise<Uint8Array> {
  // The cast names the buffer kind Blob wants (newer lib typings tell ArrayBuffer from SharedArrayBuffer).
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
