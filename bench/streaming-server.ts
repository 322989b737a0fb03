// The server side of bench/streaming.ts, in a process of its own so that its CPU time can be read
// apart from the client's and the other server's: `fake` (fake-cri's streaming server, an exec of
// echo hi in a busybox container, plus a pod process that serves a port-forward and a bare TCP
// source for the throughput anchor) or `bare` (a WebSocket server and a SPDY server that send the
// bytes of an exec of echo hi without running anything). Reads one JSON command per line on stdin
// and answers each with one JSON line on stdout:
//   {"urls":n}      n exec URLs (the fake asks its Exec RPC, in-process; bare: its own, n times)
//   {"forward":true} a port-forward URL and the bare TCP port (fake only)
//   {"cpu":true}    the process's CPU time so far (user + system, µs)

import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import { createServer, type Socket } from "node:net";
import { createInterface } from "node:readline";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { FrameReader, FrameWriter, type SpdyFrame } from "../src/cri/transport/spdy-frames.ts";
import { createFakeCri } from "../src/harness/index.ts";

const forwardBytes = Number(process.env.FORWARD_MIB ?? 512) << 20;
const chunk = new Uint8Array(256 * 1024).fill(0x61);
const status = Buffer.from('{"metadata":{},"status":"Success"}');

type Answer = (command: { urls?: number; forward?: boolean }) => Promise<unknown>;

async function fakeServer(): Promise<Answer> {
  const fake = await createFakeCri({ seed: 1, images: ["busybox:1.36"] });
  const pod = { metadata: { name: "bench", namespace: "default", uid: "bench" } };
  const { podSandboxId } = await fake.runtime.runPodSandbox({ config: pod });
  const container = async (name: string, command: string[]) => {
    const { containerId } = await fake.runtime.createContainer({ podSandboxId, sandboxConfig: pod, config: { metadata: { name }, image: { image: "busybox:1.36" }, command } });
    await fake.runtime.startContainer({ containerId });
    return containerId;
  };
  const containerId = await container("c", ["sleep", "infinity"]);
  // A process of the pod that sends the client as many bytes as it asks for, as fast as it takes them.
  fake.containerd.processes.onContainer({ args: ["source"] }, async (p) => {
    p.listen(9000, async (socket) => {
      for (let sent = 0; sent < forwardBytes; sent += chunk.length) {
        socket.write(chunk);
        await socket.drained();
      }
      socket.end();
    });
    await p.exited;
  });
  await container("source", ["source"]);

  // The bare socket for throughput: the same bytes straight from this process.
  const tcp = createServer((socket) => {
    let sent = 0;
    const pump = () => {
      while (sent < forwardBytes) {
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once("drain", pump);
      }
      socket.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
  const tcpPort = (tcp.address() as { port: number }).port;

  return async (command) => {
    if (command.forward) return { url: (await fake.runtime.portForward({ podSandboxId, port: [9000] })).url, tcpPort };
    const urls: string[] = [];
    for (let i = 0; i < command.urls!; i++) urls.push((await fake.runtime.exec({ containerId, cmd: ["echo", "hi"], stdout: true, stderr: true })).url);
    return urls;
  };
}

/** What an exec of echo hi sends over SPDY once the client's error, stdout and stderr streams are open. */
function bareSpdy(socket: Duplex, head: Buffer): void {
  socket.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n");
  const reader = new FrameReader();
  const writer = new FrameWriter();
  const send = (frame: SpdyFrame) => socket.write(writer.encode(frame));
  let opened = 0;
  const receive = (bytes: Uint8Array) => {
    for (const frame of reader.push(bytes)) {
      if (frame.type !== "synStream") continue;
      send({ type: "synReply", streamId: frame.streamId, fin: false, headers: new Map() });
      if (++opened < 3) continue;
      socket.cork();
      send({ type: "data", streamId: 3, fin: false, data: Buffer.from("hi\n") });
      send({ type: "data", streamId: 3, fin: true, data: new Uint8Array(0) });
      send({ type: "data", streamId: 5, fin: true, data: new Uint8Array(0) });
      send({ type: "data", streamId: 1, fin: false, data: status });
      send({ type: "rstStream", streamId: 1, status: 5 });
      send({ type: "goAway", lastGoodStreamId: 5, status: 0 });
      socket.end();
      socket.uncork();
    }
  };
  socket.on("data", receive);
  socket.on("error", () => socket.destroy());
  if (head.length > 0) receive(head);
}

async function bareServer(): Promise<Answer> {
  const http = createHttpServer();
  const ws = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => [...protocols][0] ?? false });
  ws.on("connection", (socket) => {
    socket.send(Buffer.from([1]));
    socket.send(Buffer.from("\u0001hi\n"));
    socket.send(Buffer.concat([Buffer.from([3]), status]));
    socket.close(1000);
  });
  http.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (req.headers.upgrade?.toLowerCase() === "websocket") ws.handleUpgrade(req, socket, head, (conn) => ws.emit("connection", conn, req));
    else bareSpdy(socket, head);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(http.address() as { port: number }).port}/exec/bare`;
  return async (command) => Array.from({ length: command.urls ?? 0 }, () => url);
}

const answer = process.argv[2] === "bare" ? await bareServer() : await fakeServer();
process.stdout.write(`${JSON.stringify("ready")}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as { urls?: number; forward?: boolean; cpu?: boolean };
  if (command.cpu) {
    const used = process.cpuUsage();
    process.stdout.write(`${JSON.stringify(used.user + used.system)}\n`);
  } else {
    process.stdout.write(`${JSON.stringify(await answer(command))}\n`);
  }
}
process.exit(0);
