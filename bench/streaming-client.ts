// The client side of bench/streaming.ts, in a process of its own: reads a list of jobs as JSON on
// stdin, runs them one after the other, prints one number per job as JSON (µs for an exec round
// trip, MB/s for a transfer).

import { connect, type Socket } from "node:net";
import WebSocket from "ws";
import { FrameWriter, spdyHeaders } from "../src/cri/transport/spdy-frames.ts";

type Job =
  | { kind: "websocket" | "spdy"; url: string }
  | { kind: "forward"; url: string; bytes: number }
  | { kind: "tcp"; port: number; bytes: number };

function open(url: string): Promise<Socket> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname, () => resolve(socket));
    socket.on("error", reject);
  });
}

async function websocketExec(url: string): Promise<void> {
  const ws = new WebSocket(url.replace(/^http/, "ws"), ["v4.channel.k8s.io"]);
  await new Promise((resolve, reject) => {
    ws.on("close", resolve);
    ws.on("error", reject);
  });
}

/** What client-go sends for an exec over SPDY: the upgrade, then error, stdout and stderr streams. */
async function spdyExec(url: string): Promise<void> {
  const socket = await open(url);
  const writer = new FrameWriter();
  socket.write(`POST ${new URL(url).pathname} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\nContent-Length: 0\r\n\r\n`);
  for (const [streamId, streamType] of [[1, "error"], [3, "stdout"], [5, "stderr"]] as const) {
    socket.write(writer.encode({ type: "synStream", streamId, associatedToStreamId: 0, priority: 0, fin: false, unidirectional: false, headers: spdyHeaders({ streamType }) }));
  }
  socket.resume();
  await new Promise((resolve) => socket.on("close", resolve));
}

/** A port-forward of `bytes` from the pod: counts DATA payload on stream 3 by the frame headers alone. */
async function forward(url: string, bytes: number): Promise<number> {
  const socket = await open(url);
  const writer = new FrameWriter();
  const started = performance.now();
  socket.write(`POST ${new URL(url).pathname} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\nContent-Length: 0\r\n\r\n`);
  for (const [streamId, streamType] of [[1, "error"], [3, "data"]] as const) {
    socket.write(writer.encode({ type: "synStream", streamId, associatedToStreamId: 0, priority: 0, fin: false, unidirectional: false, headers: spdyHeaders({ streamType, port: "9000", requestID: "0" }) }));
  }
  let received = 0;
  let head = Buffer.alloc(0);
  let inHeaders = true;
  let payloadLeft = 0;
  let payloadIsData = false;
  await new Promise<void>((resolve) => {
    let pending: Buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      let buf = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      pending = Buffer.alloc(0);
      if (inHeaders) {
        head = Buffer.concat([head, buf]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        buf = head.subarray(end + 4);
        inHeaders = false;
      }
      while (buf.length > 0) {
        if (payloadLeft > 0) {
          const take = Math.min(payloadLeft, buf.length);
          if (payloadIsData) received += take;
          payloadLeft -= take;
          buf = buf.subarray(take);
          continue;
        }
        if (head.length > 0 && !inHeaders) head = Buffer.alloc(0);
        if (buf.length < 8) {
          // A frame header split across reads: keep it for the next one.
          pending = buf;
          return;
        }
        payloadIsData = (buf[0]! & 0x80) === 0 && buf.readUInt32BE(0) === 3;
        payloadLeft = buf.readUInt32BE(4) & 0xffffff;
        buf = buf.subarray(8);
        if (received >= bytes && payloadLeft === 0) resolve();
      }
      if (received >= bytes) resolve();
    });
  });
  const seconds = (performance.now() - started) / 1000;
  socket.destroy();
  return received / seconds / 1e6;
}

async function tcp(port: number, bytes: number): Promise<number> {
  const started = performance.now();
  const socket = await open(`http://127.0.0.1:${port}`);
  let received = 0;
  socket.on("data", (chunk: Buffer) => (received += chunk.length));
  await new Promise((resolve) => socket.on("end", resolve));
  if (received !== bytes) throw new Error(`tcp: ${received} of ${bytes} bytes`);
  return received / ((performance.now() - started) / 1000) / 1e6;
}

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results: number[] = [];
for (const job of JSON.parse(input) as Job[]) {
  if (job.kind === "forward") results.push(await forward(job.url, job.bytes));
  else if (job.kind === "tcp") results.push(await tcp(job.port, job.bytes));
  else {
    const started = performance.now();
    await (job.kind === "websocket" ? websocketExec(job.url) : spdyExec(job.url));
    results.push((performance.now() - started) * 1000);
  }
}
process.stdout.write(JSON.stringify(results));
