// SPDY/3.1 framing as Kubernetes' streaming clients speak it (the Go spdystream framer, which is
// SPDY/3's wire format: the "3.1" only names the upgrade): control frames with a 16-bit type,
// data frames with a 31-bit stream ID, 24-bit lengths, and name/value header blocks compressed
// with zlib against the SPDY/3 dictionary, one compression context per direction for the whole
// connection. No npm library fits: spdy-transport (the only one) has been unmaintained since 2018
// and enforces SPDY/3.1 flow-control windows, which the Go client never opens (it sends no
// WINDOW_UPDATE), so every stream would stall after 64 KiB. Inflating is pako's: its streaming
// Inflate works synchronously with a preset dictionary and Z_SYNC_FLUSH.

import { Inflate, Z_SYNC_FLUSH } from "pako";
import { concatBytes } from "../../node/bytes.ts";

export const spdyVersion = 3;
/** The largest payload a 24-bit length field carries. */
export const maxFrameLength = 0xffffff;

export const controlTypes = {
  synStream: 1,
  synReply: 2,
  rstStream: 3,
  settings: 4,
  ping: 6,
  goAway: 7,
  headers: 8,
  windowUpdate: 9,
} as const;

/** RST_STREAM status codes. */
export const rstStatus = {
  protocolError: 1,
  invalidStream: 2,
  refusedStream: 3,
  unsupportedVersion: 4,
  cancel: 5,
  internalError: 6,
  flowControlError: 7,
  streamInUse: 8,
  streamAlreadyClosed: 9,
  frameTooLarge: 11,
} as const;

const flagFin = 0x01;
const flagUnidirectional = 0x02;

/** Header names (lowercase) to values; a name's values travel joined by NUL. */
export type SpdyHeaders = Map<string, string[]>;

export type SpdyFrame =
  | { type: "data"; streamId: number; fin: boolean; data: Uint8Array }
  | { type: "synStream"; streamId: number; associatedToStreamId: number; priority: number; fin: boolean; unidirectional: boolean; headers: SpdyHeaders }
  | { type: "synReply"; streamId: number; fin: boolean; headers: SpdyHeaders }
  | { type: "rstStream"; streamId: number; status: number }
  | { type: "settings"; entries: Array<{ flags: number; id: number; value: number }> }
  | { type: "ping"; id: number }
  | { type: "goAway"; lastGoodStreamId: number; status: number }
  | { type: "headers"; streamId: number; fin: boolean; headers: SpdyHeaders }
  | { type: "windowUpdate"; streamId: number; delta: number };

/** A connection that breaks the framing; the session answers it by closing the connection. */
export class SpdyProtocolError extends Error {
  constructor(message: string) {
    super(`spdy: ${message}`);
    this.name = "SpdyProtocolError";
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The SPDY/3 header compression dictionary (SPDY/3 section 2.6.10.1): header names and common
 * values, each as a 4-byte big-endian length and the bytes, then status codes, dates and media
 * types run together.
 */
export const headerDictionary: Uint8Array = (() => {
  const words = [
    ..."options head post put delete trace accept accept-charset accept-encoding accept-language accept-ranges age allow".split(" "),
    ..."authorization cache-control connection content-base content-encoding content-language content-length".split(" "),
    ..."content-location content-md5 content-range content-type date etag expect expires from host if-match".split(" "),
    ..."if-modified-since if-none-match if-range if-unmodified-since last-modified location max-forwards pragma".split(" "),
    ..."proxy-authenticate proxy-authorization range referer retry-after server te trailer transfer-encoding upgrade".split(" "),
    ..."user-agent vary via warning www-authenticate method get status".split(" "),
    "200 OK",
    ..."version HTTP/1.1 url public set-cookie keep-alive origin".split(" "),
  ];
  const tail =
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505" +
    "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized" +
    "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable" +
    "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT" +
    "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain," +
    "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";
  const parts: Uint8Array[] = [];
  for (const word of words) {
    const bytes = encoder.encode(word);
    parts.push(u32(bytes.length), bytes);
  }
  parts.push(encoder.encode(tail));
  return concatBytes(parts);
})();

/** A header block larger than this once inflated is refused (a few KiB is what clients send). */
export const maxHeaderBlockSize = 1 << 20;

/** Reads frames from one direction of a connection, keeping that direction's zlib context. */
export class FrameReader {
  private readonly chunks: Uint8Array[] = [];
  private buffered = 0;
  private inflater: Inflate | undefined;

  /** Adds bytes received; returns the frames they complete. Throws SpdyProtocolError. */
  push(chunk: Uint8Array): SpdyFrame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: SpdyFrame[] = [];
    for (;;) {
      if (this.buffered < 8) return frames;
      const head = this.peek(8);
      const view = new DataView(head.buffer, head.byteOffset, 8);
      const length = view.getUint32(4) & 0xffffff;
      if (this.buffered < 8 + length) return frames;
      const frame = this.take(8 + length);
      frames.push(this.parse(new DataView(frame.buffer, frame.byteOffset, frame.length), frame));
    }
  }

  private parse(view: DataView, frame: Uint8Array): SpdyFrame {
    const first = view.getUint32(0);
    const flags = view.getUint8(4);
    const payload = frame.subarray(8);
    if ((first & 0x80000000) === 0) {
      const streamId = first & 0x7fffffff;
      if (streamId === 0) throw new SpdyProtocolError("stream id zero is disallowed");
      return { type: "data", streamId, fin: (flags & flagFin) !== 0, data: payload };
    }
    const version = (first >>> 16) & 0x7fff;
    if (version !== spdyVersion) throw new SpdyProtocolError(`unsupported version ${version}`);
    const type = first & 0xffff;
    const body = new DataView(payload.buffer, payload.byteOffset, payload.length);
    const need = (n: number) => {
      if (payload.length < n) throw new SpdyProtocolError("invalid control frame");
    };
    const streamIdAt = (offset: number) => {
      const id = body.getUint32(offset) & 0x7fffffff;
      if (id === 0) throw new SpdyProtocolError("stream id zero is disallowed");
      return id;
    };
    switch (type) {
      case controlTypes.synStream: {
        need(10);
        return {
          type: "synStream",
          streamId: streamIdAt(0),
          associatedToStreamId: body.getUint32(4) & 0x7fffffff,
          priority: body.getUint8(8) >> 5,
          fin: (flags & flagFin) !== 0,
          unidirectional: (flags & flagUnidirectional) !== 0,
          headers: this.headerBlock(payload.subarray(10)),
        };
      }
      case controlTypes.synReply:
        need(4);
        return { type: "synReply", streamId: streamIdAt(0), fin: (flags & flagFin) !== 0, headers: this.headerBlock(payload.subarray(4)) };
      case controlTypes.headers:
        need(4);
        return { type: "headers", streamId: streamIdAt(0), fin: (flags & flagFin) !== 0, headers: this.headerBlock(payload.subarray(4)) };
      case controlTypes.rstStream: {
        need(8);
        const status = body.getUint32(4);
        if (status === 0) throw new SpdyProtocolError("invalid control frame");
        return { type: "rstStream", streamId: streamIdAt(0), status };
      }
      case controlTypes.settings: {
        need(4);
        const count = body.getUint32(0);
        need(4 + count * 8);
        const entries = [];
        for (let i = 0; i < count; i++) {
          const idWord = body.getUint32(4 + i * 8);
          entries.push({ flags: idWord >>> 24, id: idWord & 0xffffff, value: body.getUint32(8 + i * 8) });
        }
        return { type: "settings", entries };
      }
      case controlTypes.ping: {
        need(4);
        const id = body.getUint32(0);
        if (id === 0) throw new SpdyProtocolError("stream id zero is disallowed");
        return { type: "ping", id };
      }
      case controlTypes.goAway:
        if (payload.length !== 8) throw new SpdyProtocolError("invalid control frame");
        return { type: "goAway", lastGoodStreamId: body.getUint32(0) & 0x7fffffff, status: body.getUint32(4) };
      case controlTypes.windowUpdate:
        if (payload.length !== 8) throw new SpdyProtocolError("invalid control frame");
        return { type: "windowUpdate", streamId: body.getUint32(0) & 0x7fffffff, delta: body.getUint32(4) & 0x7fffffff };
      default:
        throw new SpdyProtocolError("invalid control frame");
    }
  }

  /** Inflates a header block in this direction's zlib context and parses the name/value pairs. */
  private headerBlock(compressed: Uint8Array): SpdyHeaders {
    // Small output chunks: a header block is a few hundred bytes, and pako allocates a chunk per push.
    const inflater = (this.inflater ??= new Inflate({ dictionary: headerDictionary, chunkSize: 4096 }));
    const out: Uint8Array[] = [];
    let size = 0;
    inflater.onData = (chunk) => {
      size += chunk.length;
      if (size > maxHeaderBlockSize) throw new SpdyProtocolError("header block too large");
      out.push(chunk);
    };
    if (!inflater.push(compressed, Z_SYNC_FLUSH)) throw new SpdyProtocolError(`header block: ${inflater.msg || "zlib error"}`);
    return parseHeaderBlock(concatBytes(out));
  }

  private peek(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    const joined = concatBytes(this.chunks);
    this.chunks.length = 0;
    this.chunks.push(joined);
    return joined.subarray(0, n);
  }

  private take(n: number): Uint8Array {
    const first = this.peek(n);
    const head = this.chunks[0]!;
    if (head.length === n) this.chunks.shift();
    else this.chunks[0] = head.subarray(n);
    this.buffered -= n;
    return first;
  }
}

/** The name/value block: a 32-bit count, then each name and value with a 32-bit length. */
function parseHeaderBlock(block: Uint8Array): SpdyHeaders {
  const view = new DataView(block.buffer, block.byteOffset, block.length);
  let at = 0;
  const read = (): Uint8Array => {
    if (at + 4 > block.length) throw new SpdyProtocolError("compressed payload size was incorrect");
    const length = view.getUint32(at);
    at += 4;
    if (at + length > block.length) throw new SpdyProtocolError("compressed payload size was incorrect");
    const bytes = block.subarray(at, at + length);
    at += length;
    return bytes;
  };
  if (block.length < 4) throw new SpdyProtocolError("compressed payload size was incorrect");
  const count = view.getUint32(0);
  at = 4;
  const headers: SpdyHeaders = new Map();
  for (let i = 0; i < count; i++) {
    // Go's framer lowercases names and keeps every value of a repeated name; so do we.
    const name = decoder.decode(read()).toLowerCase();
    const values = decoder.decode(read()).split("\u0000");
    headers.set(name, [...(headers.get(name) ?? []), ...values]);
  }
  if (at !== block.length) throw new SpdyProtocolError("compressed payload size was incorrect");
  return headers;
}

/** The 8 bytes before a DATA frame's payload, for a writer that sends the payload without copying it. */
export function dataFrameHeader(streamId: number, fin: boolean, length: number): Uint8Array {
  if (length > maxFrameLength) throw new RangeError("spdy: data frame too large");
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, streamId & 0x7fffffff);
  view.setUint32(4, ((fin ? flagFin : 0) << 24) | length);
  return out;
}

/**
 * Writes frames of one direction of a connection. Its header blocks are one zlib stream of stored
 * (uncompressed) deflate blocks: any zlib reader takes it, dictionary or not, and it costs nothing,
 * where deflating against the dictionary costs some 300 µs per connection for blocks of a few
 * dozen bytes.
 */
export class FrameWriter {
  private zlibStarted = false;

  encode(frame: SpdyFrame): Uint8Array {
    switch (frame.type) {
      case "data": {
        const out = new Uint8Array(8 + frame.data.length);
        out.set(dataFrameHeader(frame.streamId, frame.fin, frame.data.length));
        out.set(frame.data, 8);
        return out;
      }
      case "synStream": {
        const fixed = new Uint8Array(10);
        const view = new DataView(fixed.buffer);
        view.setUint32(0, frame.streamId);
        view.setUint32(4, frame.associatedToStreamId);
        view.setUint8(8, frame.priority << 5);
        const flags = (frame.fin ? flagFin : 0) | (frame.unidirectional ? flagUnidirectional : 0);
        return control(controlTypes.synStream, flags, concatBytes([fixed, this.headerBlock(frame.headers)]));
      }
      case "synReply":
        return control(controlTypes.synReply, frame.fin ? flagFin : 0, concatBytes([u32(frame.streamId), this.headerBlock(frame.headers)]));
      case "headers":
        return control(controlTypes.headers, frame.fin ? flagFin : 0, concatBytes([u32(frame.streamId), this.headerBlock(frame.headers)]));
      case "rstStream":
        return control(controlTypes.rstStream, 0, concatBytes([u32(frame.streamId), u32(frame.status)]));
      case "settings":
        return control(
          controlTypes.settings,
          0,
          concatBytes([u32(frame.entries.length), ...frame.entries.flatMap((e) => [u32(((e.flags & 0xff) << 24) | (e.id & 0xffffff)), u32(e.value)])]),
        );
      case "ping":
        return control(controlTypes.ping, 0, u32(frame.id));
      case "goAway":
        return control(controlTypes.goAway, 0, concatBytes([u32(frame.lastGoodStreamId), u32(frame.status)]));
      case "windowUpdate":
        return control(controlTypes.windowUpdate, 0, concatBytes([u32(frame.streamId), u32(frame.delta)]));
    }
  }

  private headerBlock(headers: SpdyHeaders): Uint8Array {
    const parts: Uint8Array[] = [u32(headers.size)];
    for (const [name, values] of headers) {
      const n = encoder.encode(name.toLowerCase());
      const v = encoder.encode(values.join("\u0000"));
      parts.push(u32(n.length), n, u32(v.length), v);
    }
    const block = concatBytes(parts);
    const out: Uint8Array[] = [];
    if (!this.zlibStarted) {
      // CMF: deflate with a 32 KiB window; FLG: no preset dictionary, check bits.
      out.push(Uint8Array.of(0x78, 0x01));
      this.zlibStarted = true;
    }
    for (let at = 0; at < block.length; at += 0xffff) {
      const piece = block.subarray(at, at + 0xffff);
      // A stored block that is not the last: BFINAL 0, BTYPE 00, then LEN and its complement.
      out.push(Uint8Array.of(0, piece.length & 0xff, piece.length >> 8, ~piece.length & 0xff, (~piece.length >> 8) & 0xff), piece);
    }
    // An empty stored block, as a sync flush ends with: Go's reader hands over a block's bytes only
    // once it has read the header of the next.
    out.push(Uint8Array.of(0, 0, 0, 0xff, 0xff));
    return concatBytes(out);
  }
}

function control(type: number, flags: number, payload: Uint8Array): Uint8Array {
  if (payload.length > maxFrameLength) throw new RangeError("spdy: control frame too large");
  const out = new Uint8Array(8 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x80000000 | (spdyVersion << 16) | type);
  view.setUint32(4, (flags << 24) | payload.length);
  out.set(payload, 8);
  return out;
}

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n >>> 0);
  return out;
}

/** Headers from plain pairs (tests and clients build them this way). */
export function spdyHeaders(entries: Record<string, string>): SpdyHeaders {
  return new Map(Object.entries(entries).map(([k, v]) => [k.toLowerCase(), [v]]));
}
