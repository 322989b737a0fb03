// Raw HTTP/2 on a unix socket, for checking our HPACK and shim against nghttp2 (Node's HTTP/2):
// a Node HTTP/2 server that records what it received, a raw client that writes prepared octets, and
// a raw server that records what a real client sent.

import http2 from "node:http2";
import net from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFrames, type ParsedFrame } from "./hpack-test-encoder.ts";

export function tempSocketPath(name = "s.sock"): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "fake-cri-test-"));
  return { path: join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function listen(server: net.Server | http2.Http2Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve());
  });
}

/** A Node HTTP/2 server recording each stream's raw headers as [name, value] pairs. */
export function recordingH2Server(): { server: http2.Http2Server; received: Map<number, [string, string][]> } {
  const received = new Map<number, [string, string][]>();
  const server = http2.createServer();
  server.on("stream", (stream: http2.ServerHttp2Stream, _headers: unknown, _flags: unknown, rawHeaders: string[]) => {
    const pairs: [string, string][] = [];
    for (let i = 0; i < rawHeaders.length; i += 2) pairs.push([rawHeaders[i]!, rawHeaders[i + 1]!]);
    received.set(stream.id!, pairs);
    stream.respond({ ":status": 200 }, { endStream: true });
  });
  return { server, received };
}

export type StreamOutcome = "answered" | { reset: number };

/**
 * Writes `octets` (a client preface and frames) to the socket at `path` and waits until each of
 * `streams` was answered (response HEADERS) or reset, or the server sent GOAWAY.
 */
export function rawClientExchange(
  path: string,
  octets: Uint8Array,
  streams: number[],
): Promise<{ outcomes: Map<number, StreamOutcome>; goaway?: number }> {
  return new Promise((resolve, reject) => {
    const outcomes = new Map<number, StreamOutcome>();
    const socket = net.connect(path);
    let buffer = Buffer.alloc(0);
    let settled = false;
    const finish = (goaway?: number): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(goaway === undefined ? { outcomes } : { outcomes, goaway });
    };
    socket.on("data", (data) => {
      buffer = Buffer.concat([buffer, data]);
      let pos = 0;
      while (pos + 9 <= buffer.length) {
        const length = buffer.readUIntBE(pos, 3);
        if (pos + 9 + length > buffer.length) break;
        const type = buffer[pos + 3]!;
        const id = buffer.readUInt32BE(pos + 5) & 0x7fffffff;
        if (type === 0x4 && (buffer[pos + 4]! & 1) === 0) socket.write(Buffer.from([0, 0, 0, 4, 1, 0, 0, 0, 0]));
        if (type === 0x1) outcomes.set(id, "answered");
        if (type === 0x3) outcomes.set(id, { reset: buffer.readUInt32BE(pos + 9) });
        if (type === 0x7) return finish(buffer.readUInt32BE(pos + 9 + 4));
        pos += 9 + length;
      }
      buffer = buffer.subarray(pos);
      if (streams.every((s) => outcomes.has(s))) finish();
    });
    socket.on("error", reject);
    socket.on("close", () => finish());
    socket.write(octets);
  });
}

/**
 * A raw server that answers a client's SETTINGS and records everything the client sends; the
 * frames are parsed once `done` says enough has arrived.
 */
export function recordingRawServer(done: (frames: ParsedFrame[]) => boolean): {
  server: net.Server;
  frames: Promise<ParsedFrame[]>;
} {
  let resolveFrames: (frames: ParsedFrame[]) => void;
  const frames = new Promise<ParsedFrame[]>((resolve) => (resolveFrames = resolve));
  const server = net.createServer((socket) => {
    socket.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]));
    let seen = Buffer.alloc(0);
    let settingsAcked = 0;
    socket.on("data", (data) => {
      seen = Buffer.concat([seen, data]);
      let parsed: ParsedFrame[];
      try {
        parsed = parseFrames(seen, true);
      } catch {
        return;
      }
      const settings = parsed.filter((f) => f.type === 0x4 && (f.flags & 1) === 0).length;
      for (; settingsAcked < settings; settingsAcked++) socket.write(Buffer.from([0, 0, 0, 4, 1, 0, 0, 0, 0]));
      if (done(parsed)) {
        resolveFrames(parsed);
        socket.destroy();
      }
    });
    socket.on("error", () => undefined);
  });
  return { server, frames };
}
