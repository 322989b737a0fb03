// One client conversation with a streaming server, byte for byte: a script of what the client sends
// (an HTTP request, SPDY frames, WebSocket messages, raw bytes) and when it waits, and what the
// server sent back, decoded (the HTTP response, SPDY frames with their header blocks inflated,
// WebSocket frames) in the order it came, until the server closed the connection or went quiet.
// record.ts plays it against a real containerd, replay.test.ts against the fake. Node-only.

import { connect, type Socket } from "node:net";
import { FrameReader, FrameWriter, spdyHeaders, type SpdyFrame } from "../../src/cri/transport/spdy-frames.ts";

export type ClientStep =
  /** The request line and headers, to the URL's path (Host is added). */
  | { http: { method?: string; headers: Record<string, string> } }
  | { synStream: { streamId: number; headers: Record<string, string>; fin?: boolean } }
  | { data: { streamId: number; text: string; fin?: boolean } }
  | { goAway: { lastGoodStreamId: number } }
  /** A masked client WebSocket message (binary unless text is set). */
  | { ws: { bytes?: number[]; text?: string } }
  | { raw: { hex: string } }
  /** Waits until the server has sent this many events in all, or closed. */
  | { waitFor: { events: number } }
  | { sleep: { ms: number } }
  | { close: true };

export type ServerEvent =
  | { http: { status: string; headers: Array<[string, string]>; body: string } }
  | { spdy: Record<string, unknown> }
  | { ws: { opcode: number; data: string } }
  | { closed: true };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** How long the server may stay quiet at the end before the client gives up and closes. */
const quietMs = 1500;

/** Runs the script against `url` (http://host:port/path); the server's events. */
export async function exchange(url: string, steps: readonly ClientStep[]): Promise<ServerEvent[]> {
  const target = new URL(url);
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect(Number(target.port), target.hostname, () => resolve(s));
    s.on("error", reject);
  });
  const events: ServerEvent[] = [];
  const decode = new ResponseDecoder(events);
  let closed = false;
  let changed: () => void = () => {};
  socket.on("data", (chunk: Buffer) => {
    decode.push(new Uint8Array(chunk));
    changed();
  });
  socket.on("close", () => {
    closed = true;
    events.push({ closed: true });
    changed();
  });
  socket.on("error", () => undefined);
  const waitUntil = (done: () => boolean, ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      changed = () => {
        if (done() || closed) {
          clearTimeout(timer);
          resolve();
        }
      };
      changed();
    });
  const writer = new FrameWriter();
  for (const step of steps) {
    if (closed) break;
    if ("http" in step) {
      const headers = { Host: target.host, ...step.http.headers };
      socket.write(`${step.http.method ?? "GET"} ${target.pathname}${target.search} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`);
    } else if ("synStream" in step) {
      const { streamId, headers, fin } = step.synStream;
      socket.write(writer.encode({ type: "synStream", streamId, associatedToStreamId: 0, priority: 0, fin: fin ?? false, unidirectional: false, headers: spdyHeaders(headers) }));
    } else if ("data" in step) {
      socket.write(writer.encode({ type: "data", streamId: step.data.streamId, fin: step.data.fin ?? false, data: encoder.encode(step.data.text) }));
    } else if ("goAway" in step) {
      socket.write(writer.encode({ type: "goAway", lastGoodStreamId: step.goAway.lastGoodStreamId, status: 0 }));
    } else if ("ws" in step) {
      socket.write(maskedFrame(step.ws.text === undefined ? 2 : 1, step.ws.text === undefined ? Uint8Array.from(step.ws.bytes ?? []) : encoder.encode(step.ws.text)));
    } else if ("raw" in step) {
      socket.write(Buffer.from(step.raw.hex, "hex"));
    } else if ("waitFor" in step) {
      const wanted = step.waitFor.events;
      await waitUntil(() => events.length >= wanted, 10_000);
    } else if ("sleep" in step) {
      await new Promise((r) => setTimeout(r, step.sleep.ms));
    } else if ("close" in step) {
      socket.end();
    }
  }
  // Whatever else the server says, until it closes or falls quiet.
  for (let seen = -1; !closed && seen !== events.length; ) {
    seen = events.length;
    await waitUntil(() => events.length !== seen, quietMs);
  }
  socket.destroy();
  return events;
}

/** A client WebSocket frame (FIN, masked with a fixed key: the bytes are the same every run). */
function maskedFrame(opcode: number, payload: Uint8Array): Uint8Array {
  const mask = [0x12, 0x34, 0x56, 0x78];
  const length = payload.length < 126 ? [0x80 | payload.length] : [0x80 | 126, payload.length >> 8, payload.length & 0xff];
  const out = Uint8Array.from([0x80 | opcode, ...length, ...mask, ...payload]);
  for (let i = 0; i < payload.length; i++) out[2 + length.length - 1 + 4 + i]! ^= mask[i % 4]!;
  return out;
}

/** The server's bytes as events: an HTTP response head (and a body it announces), then frames. */
class ResponseDecoder {
  private readonly events: ServerEvent[];
  private buffer = new Uint8Array(0);
  private mode: "http" | "spdy" | "ws" | "body" = "http";
  private readonly spdy = new FrameReader();

  constructor(events: ServerEvent[]) {
    this.events = events;
  }

  push(chunk: Uint8Array): void {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer);
    joined.set(chunk, this.buffer.length);
    this.buffer = joined;
    for (;;) {
      if (this.mode === "http" && !this.takeHttp()) return;
      if (this.mode === "spdy") {
        for (const frame of this.spdy.push(this.buffer)) this.events.push({ spdy: describeFrame(frame) });
        this.buffer = new Uint8Array(0);
        return;
      }
      if (this.mode === "ws" && !this.takeWs()) return;
      if (this.mode === "body") {
        // A body without Content-Length (x/net's refusals) runs to the close.
        const last = this.events.at(-1) as { http: { body: string } };
        last.http.body += decoder.decode(this.buffer);
        this.buffer = new Uint8Array(0);
        return;
      }
    }
  }

  private takeHttp(): boolean {
    const text = decoder.decode(this.buffer);
    const end = text.indexOf("\r\n\r\n");
    if (end < 0) return false;
    const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
    const headers = lines.map((l): [string, string] => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]);
    const length = headers.find(([k]) => k.toLowerCase() === "content-length");
    const headBytes = encoder.encode(text.slice(0, end + 4)).length;
    const status = statusLine!.replace(/^HTTP\/1\.1 /, "");
    if (length) {
      if (this.buffer.length < headBytes + Number(length[1])) return false;
      this.events.push({ http: { status, headers, body: decoder.decode(this.buffer.subarray(headBytes, headBytes + Number(length[1]))) } });
      this.buffer = this.buffer.subarray(headBytes + Number(length[1]));
      return true;
    }
    this.events.push({ http: { status, headers, body: "" } });
    this.buffer = this.buffer.subarray(headBytes);
    const upgrade = headers.find(([k]) => k.toLowerCase() === "upgrade")?.[1].toLowerCase();
    this.mode = status.startsWith("101") ? (upgrade === "websocket" ? "ws" : "spdy") : "body";
    return true;
  }

  private takeWs(): boolean {
    if (this.buffer.length < 2) return false;
    const opcode = this.buffer[0]! & 0x0f;
    let length = this.buffer[1]! & 0x7f;
    let at = 2;
    if (length === 126) {
      if (this.buffer.length < 4) return false;
      length = (this.buffer[2]! << 8) | this.buffer[3]!;
      at = 4;
    } else if (length === 127) {
      if (this.buffer.length < 10) return false;
      length = Number(new DataView(this.buffer.buffer, this.buffer.byteOffset + 2, 8).getBigUint64(0));
      at = 10;
    }
    if (this.buffer.length < at + length) return false;
    this.events.push({ ws: { opcode, data: describeBytes(this.buffer.subarray(at, at + length)) } });
    this.buffer = this.buffer.subarray(at + length);
    return true;
  }
}

function describeFrame(frame: SpdyFrame): Record<string, unknown> {
  const out: Record<string, unknown> = { ...frame };
  if ("headers" in frame) out.headers = Object.fromEntries([...frame.headers].map(([k, v]) => [k, v.join("\u0000")]));
  if (frame.type === "data") out.data = describeBytes(frame.data);
  return out;
}

/** UTF-8 text when the bytes are that, else hex marked as such. */
function describeBytes(bytes: Uint8Array): string {
  const text = decoder.decode(bytes);
  return encoder.encode(text).length === bytes.length && !text.includes("\ufffd") ? text : `hex:${Buffer.from(bytes).toString("hex")}`;
}
