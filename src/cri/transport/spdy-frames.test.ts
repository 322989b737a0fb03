// SPDY/3 framing: frames written and read back, split anywhere; header blocks in one zlib context
// per direction; what the reader refuses.

import { describe, expect, test } from "vitest";
import { FrameReader, FrameWriter, headerDictionary, SpdyProtocolError, spdyHeaders, type SpdyFrame } from "./spdy-frames.ts";

const frames: SpdyFrame[] = [
  { type: "synStream", streamId: 1, associatedToStreamId: 0, priority: 0, fin: false, unidirectional: false, headers: spdyHeaders({ streamType: "error" }) },
  { type: "synStream", streamId: 3, associatedToStreamId: 0, priority: 7, fin: true, unidirectional: false, headers: spdyHeaders({ streamType: "stdout", port: "80" }) },
  { type: "synReply", streamId: 3, fin: false, headers: new Map() },
  { type: "data", streamId: 3, fin: false, data: new TextEncoder().encode("hello\n") },
  { type: "data", streamId: 3, fin: true, data: new Uint8Array(0) },
  { type: "headers", streamId: 1, fin: true, headers: new Map([["multi", ["a", "b"]]]) },
  { type: "rstStream", streamId: 1, status: 5 },
  { type: "settings", entries: [{ flags: 1, id: 7, value: 65536 }] },
  { type: "ping", id: 1 },
  { type: "windowUpdate", streamId: 3, delta: 1000 },
  { type: "goAway", lastGoodStreamId: 3, status: 0 },
];

describe("SPDY/3 frames", () => {
  test("the header dictionary is SPDY/3's (1423 bytes, ending in the media types)", () => {
    expect(headerDictionary.length).toBe(1423);
    expect(new TextDecoder().decode(headerDictionary.subarray(-10))).toBe("-,*,enq=0.");
  });

  test("what the writer writes the reader reads back, whatever the chunking", () => {
    const writer = new FrameWriter();
    const bytes = new Uint8Array(Buffer.concat(frames.map((f) => writer.encode(f))));
    for (const size of [1, 7, 64, bytes.length]) {
      const reader = new FrameReader();
      const read: SpdyFrame[] = [];
      for (let at = 0; at < bytes.length; at += size) read.push(...reader.push(bytes.subarray(at, at + size)));
      expect(read).toEqual(frames);
    }
  });

  test("header blocks share one compression context per direction: a fresh reader cannot read a later block", () => {
    const writer = new FrameWriter();
    writer.encode(frames[0]!);
    const second = writer.encode(frames[1]!);
    expect(() => new FrameReader().push(second)).toThrow(SpdyProtocolError);
  });

  test("refused: stream ID 0, an unknown control type, another version, a RST with status 0", () => {
    const bad = ["0000000000000000", "8003ffff00000000", "8002000100000000", "80030003000000080000000100000000"];
    for (const hex of bad) expect(() => new FrameReader().push(Buffer.from(hex, "hex"))).toThrow(SpdyProtocolError);
  });
});
