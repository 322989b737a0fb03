// Lets gRPC clients that send the unix socket path as the HTTP/2 `:authority` reach a Node HTTP/2
// server. Kubelets before 1.26 and crictl 1.26 and older dial the bare socket path, so grpc-go sends
// "/run/x.sock"; grpc-go releases older than its unix resolver (v1.27 sends it, v1.33 does not) send
// the whole "unix:///run/x.sock" for a unix:// target. nghttp2, under Node's HTTP/2 server, refuses
// a `:authority` with octets outside the URI authority set, or an empty one, and resets the stream
// with PROTOCOL_ERROR. Node has no option to relax that check.
//
// AuthorityRewriter sits on the client->server byte stream of one connection. It passes every frame
// through untouched except header blocks, which it decodes with its own HPACK decoder (so it always
// knows the client's dynamic table). A block whose `:authority` nghttp2 would refuse is re-encoded
// with that value replaced by "localhost". The re-encoded block uses only the static table and
// literals that are not indexed, so the server's dynamic table stops following the client's from
// then on; from the first rewrite every later block of the connection is re-encoded the same way.
// A connection from a current client is never rewritten and costs one header decode per request.
// The server->client direction is not touched at all. Portable: Uint8Array only.

import { concatBytes } from "../../node/bytes.ts";
import { encodeWithoutIndexing, HpackDecoder, type HeaderField } from "./hpack.ts";

/** What a rejected `:authority` becomes: what current Go gRPC clients send on a unix socket. */
export const replacementAuthority = "localhost";

const clientPreface = Uint8Array.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", (c) => c.charCodeAt(0));
const frameHeaderSize = 9;
const typeHeaders = 0x1;
const typeContinuation = 0x9;
const flagEndStream = 0x1;
const flagEndHeaders = 0x4;
const flagPadded = 0x8;
const flagPriority = 0x20;
/** Every HTTP/2 peer accepts frames this large (RFC 7540 section 4.2); re-encoded blocks are split to it. */
const minMaxFrameSize = 16384;
/** A header block beyond this is not something a gRPC client sends; stop inspecting the connection. */
const maxHeaderBlock = 1 << 20;

// The octets nghttp2 accepts in `:authority` (its authority character table): RFC 3986 unreserved
// and sub-delims, plus ":", "@", "[", "]" and "%"; and it refuses an empty one (some grpc-go
// releases sent that too). authority-shim.test.ts checks this against Node's HTTP/2 server
// octet by octet.
const authorityOctets = new Uint8Array(256);
for (const c of "-._~!$&'()*+,;=:@[]%") authorityOctets[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) authorityOctets[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) authorityOctets[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) authorityOctets[c] = 1;

/** Whether nghttp2 (and so Node's HTTP/2 server) accepts `value` as `:authority`. */
export function isAcceptedAuthority(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff || authorityOctets[c] === 0) return false;
  }
  return true;
}

/** Thrown when a connection can no longer be relayed faithfully; the caller closes it. */
export class AuthorityShimError extends Error {
  constructor(message: string) {
    super(`authority shim: ${message}`);
    this.name = "AuthorityShimError";
  }
}

type Mode = "preface" | "frames" | "passthrough";

export class AuthorityRewriter {
  private mode: Mode = "preface";
  private prefaceMatched = 0;
  private readonly decoder = new HpackDecoder();
  /** Set by the first rewrite: the server's dynamic table no longer mirrors the client's. */
  private diverged = false;
  /** Header blocks rewritten so far. */
  rewrites = 0;

  /** A frame header split across chunks. */
  private readonly partialHeader = new Uint8Array(frameHeaderSize);
  private partialHeaderFill = 0;
  /** Payload octets of a passed-through frame still to come. */
  private passLeft = 0;
  /** The HEADERS or CONTINUATION frame being collected (header included), and how much is in. */
  private collecting: Uint8Array | null = null;
  private collectingFill = 0;
  /** Complete frames of a header block still waiting for END_HEADERS. */
  private pendingBlock: Uint8Array[] = [];
  private pendingBlockSize = 0;

  /**
   * Takes the next octets the client sent and returns what to hand the server, in order. Frames
   * other than header blocks come back as views of `chunk`, without copying.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.mode === "passthrough") return [chunk];
    const out: Uint8Array[] = [];
    let pos = 0;
    if (this.mode === "preface") {
      while (pos < chunk.length && this.prefaceMatched < clientPreface.length) {
        if (chunk[pos] !== clientPreface[this.prefaceMatched]) {
          // Not HTTP/2 with prior knowledge: let the server answer it as it would. (The octets
          // that matched so far went through with their chunks already.)
          this.mode = "passthrough";
          return [chunk];
        }
        pos++;
        this.prefaceMatched++;
      }
      if (this.prefaceMatched < clientPreface.length) return [chunk];
      this.mode = "frames";
    }

    // Octets in [runStart, pos) go through verbatim as one view of the chunk.
    let runStart = 0;
    const endRun = (end: number): void => {
      if (end > runStart) out.push(chunk.subarray(runStart, end));
    };

    while (pos < chunk.length && !this.passingThrough()) {
      if (this.passLeft > 0) {
        const n = Math.min(this.passLeft, chunk.length - pos);
        pos += n;
        this.passLeft -= n;
        continue;
      }

      if (this.collecting !== null) {
        const n = Math.min(this.collecting.length - this.collectingFill, chunk.length - pos);
        this.collecting.set(chunk.subarray(pos, pos + n), this.collectingFill);
        this.collectingFill += n;
        pos += n;
        runStart = pos;
        if (this.collectingFill === this.collecting.length) this.frameCollected(out);
        continue;
      }

      const headerStart = pos;
      let header: Uint8Array;
      let offset: number;
      let headerInChunk: boolean;
      if (this.partialHeaderFill === 0 && chunk.length - pos >= frameHeaderSize) {
        header = chunk;
        offset = pos;
        headerInChunk = true;
        pos += frameHeaderSize;
      } else {
        const n = Math.min(frameHeaderSize - this.partialHeaderFill, chunk.length - pos);
        this.partialHeader.set(chunk.subarray(pos, pos + n), this.partialHeaderFill);
        this.partialHeaderFill += n;
        pos += n;
        endRun(headerStart);
        runStart = pos;
        if (this.partialHeaderFill < frameHeaderSize) break;
        this.partialHeaderFill = 0;
        header = this.partialHeader;
        offset = 0;
        headerInChunk = false;
      }

      const length = (header[offset]! << 16) | (header[offset + 1]! << 8) | header[offset + 2]!;
      const type = header[offset + 3]!;
      const inBlock = this.pendingBlock.length > 0;
      const isBlockFrame = inBlock ? type === typeContinuation : type === typeHeaders;
      if (isBlockFrame && this.pendingBlockSize + frameHeaderSize + length <= maxHeaderBlock) {
        // The usual request: a whole HEADERS frame with END_HEADERS inside this chunk. Read it in
        // place; unless it is rewritten it stays part of the verbatim run.
        if (headerInChunk && !inBlock && header[offset + 4]! & flagEndHeaders && chunk.length - pos >= length) {
          const frame = chunk.subarray(headerStart, pos + length);
          pos += length;
          const result = this.headerBlock([frame]);
          if (result.length === 1 && result[0] === frame) continue;
          endRun(headerStart);
          out.push(...result);
          runStart = pos;
          continue;
        }
        endRun(headerStart);
        this.collecting = new Uint8Array(frameHeaderSize + length);
        this.collecting.set(header.subarray(offset, offset + frameHeaderSize));
        this.collectingFill = frameHeaderSize;
        runStart = pos;
        if (length === 0) this.frameCollected(out);
        continue;
      }
      if (isBlockFrame || inBlock || type === typeContinuation) {
        // A header block too large, interrupted, or a stray CONTINUATION: all protocol errors the
        // server must see and answer itself, which it can only do while its table still mirrors
        // the client's.
        endRun(headerStart);
        this.giveUp(out);
        if (!headerInChunk) out.push(header.slice(0, frameHeaderSize));
        runStart = headerInChunk ? headerStart : pos;
        break;
      }
      if (!headerInChunk) {
        out.push(header.slice(0, frameHeaderSize));
        runStart = pos;
      }
      this.passLeft = length;
    }
    if (this.passingThrough()) {
      if (runStart < chunk.length) out.push(chunk.subarray(runStart));
      return out;
    }
    endRun(pos);
    return out;
  }

  private passingThrough(): boolean {
    return this.mode === "passthrough";
  }

  private frameCollected(out: Uint8Array[]): void {
    const frame = this.collecting!;
    this.collecting = null;
    this.pendingBlock.push(frame);
    this.pendingBlockSize += frame.length;
    if ((frame[4]! & flagEndHeaders) === 0) return;
    const frames = this.pendingBlock;
    this.pendingBlock = [];
    this.pendingBlockSize = 0;
    out.push(...this.headerBlock(frames));
  }

  /** Returns the frames to send for one complete header block. */
  private headerBlock(frames: Uint8Array[]): Uint8Array[] {
    const first = frames[0]!;
    const flags = first[4]!;
    let start = frameHeaderSize;
    let end = first.length;
    if (flags & flagPadded) {
      const padLength = first[start] ?? 0;
      start += 1;
      end -= padLength;
    }
    const priority = flags & flagPriority ? first.subarray(start, start + 5) : null;
    if (priority) start += 5;
    if (start > end) return this.undecodable(frames);
    const block =
      frames.length === 1
        ? first.subarray(start, end)
        : concatBytes([first.subarray(start, end), ...frames.slice(1).map((f) => f.subarray(frameHeaderSize))]);

    let fields: HeaderField[];
    try {
      fields = this.decoder.decode(block);
    } catch {
      return this.undecodable(frames);
    }
    let rewrite = this.diverged;
    for (const f of fields) {
      if (f.name === ":authority" && !isAcceptedAuthority(f.value)) {
        f.value = replacementAuthority;
        rewrite = true;
      }
    }
    if (!rewrite) return frames;
    this.diverged = true;
    this.rewrites++;
    const streamId = first.subarray(5, 9);
    return [headerFrames(streamId, flags & flagEndStream, priority, encodeWithoutIndexing(fields))];
  }

  /** The client sent a block no HPACK decoder accepts; the server must see it and fail the connection. */
  private undecodable(frames: Uint8Array[]): Uint8Array[] {
    if (this.diverged) throw new AuthorityShimError("undecodable header block after a rewrite");
    this.mode = "passthrough";
    return frames;
  }

  private giveUp(out: Uint8Array[]): void {
    if (this.diverged) throw new AuthorityShimError("malformed header block after a rewrite");
    this.mode = "passthrough";
    out.push(...this.pendingBlock);
    if (this.collecting) out.push(this.collecting.subarray(0, this.collectingFill));
    this.pendingBlock = [];
    this.collecting = null;
  }
}


/** A HEADERS frame, and CONTINUATION frames if the block does not fit one frame. */
function headerFrames(
  streamId: Uint8Array,
  endStream: number,
  priority: Uint8Array | null,
  block: Uint8Array,
): Uint8Array {
  const firstCapacity = minMaxFrameSize - (priority ? 5 : 0);
  const rest = Math.max(0, block.length - firstCapacity);
  const continuations = Math.ceil(rest / minMaxFrameSize);
  const out = new Uint8Array(
    frameHeaderSize * (1 + continuations) + (priority ? 5 : 0) + block.length,
  );
  let pos = 0;
  let taken = 0;
  const frame = (type: number, flags: number, payload: Uint8Array[]): void => {
    let length = 0;
    for (const p of payload) length += p.length;
    out[pos] = length >> 16;
    out[pos + 1] = (length >> 8) & 0xff;
    out[pos + 2] = length & 0xff;
    out[pos + 3] = type;
    out[pos + 4] = flags;
    out.set(streamId, pos + 5);
    pos += frameHeaderSize;
    for (const p of payload) {
      out.set(p, pos);
      pos += p.length;
    }
  };
  const firstPart = block.subarray(0, Math.min(block.length, firstCapacity));
  taken = firstPart.length;
  frame(
    typeHeaders,
    endStream | (priority ? flagPriority : 0) | (continuations === 0 ? flagEndHeaders : 0),
    priority ? [priority, firstPart] : [firstPart],
  );
  for (let i = 0; i < continuations; i++) {
    const part = block.subarray(taken, taken + minMaxFrameSize);
    taken += part.length;
    frame(typeContinuation, i === continuations - 1 ? flagEndHeaders : 0, [part]);
  }
  return out;
}
