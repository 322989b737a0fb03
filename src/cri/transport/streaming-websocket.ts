// Exec, attach and port-forward over WebSocket, as Kubernetes' wsstream serves them (containerd
// 1.6.20 vendors it with golang.org/x/net/websocket): the subprotocol picks the channel encoding,
// each message starts with its channel number (a byte, or an ASCII digit before base64 data), and
// the connection opens with an empty message on the lowest writable channel. Besides containerd's
// protocols the server speaks two that newer clients offer alone: v5.channel.k8s.io (v4 plus a
// message that closes one channel, which is how crictl 1.37 ends stdin), and port-forward tunnelled
// as SPDY over a WebSocket (SPDY/3.1+portforward.k8s.io). The handshake is checked as x/net's is,
// with its answers; `ws` does the framing. Node-only.

import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { createHash } from "node:crypto";
import { createWebSocketStream, WebSocket } from "ws";
import { InputQueue } from "../../../fake-containerd/index.ts";
import type { CommandStreams } from "../server/streaming-runtime.ts";
import type { CommandConnection, StreamOptions } from "./streaming-remotecommand.ts";
import { resizeEvents } from "./streaming-remotecommand.ts";
import { headerValue, statusText, type Responder } from "./streaming-http.ts";
import { IdleTimeout } from "./idle-timeout.ts";
import { holdUntilTurnEnds } from "./write-batching.ts";
import { portForwardProtocol, portForwardSession, type Forwarder } from "./streaming-spdy.ts";
import { v1StatusBytes, v4StatusBytes } from "./streaming-status.ts";

/** x/net/websocket's limit on a received message. */
export const maxMessageSize = 32 << 20;

const closeSignal = 255;

type ChannelType = "ignore" | "read" | "write" | "readWrite";

interface ChannelProtocol {
  binary: boolean;
  /** Whether a [255, channel] message closes the channel's reading side (v5). */
  closeSignal: boolean;
}

const binary: ChannelProtocol = { binary: true, closeSignal: false };
const base64: ChannelProtocol = { binary: false, closeSignal: false };

/** remotecommand's protocols over WebSocket ("" is a client that names none). */
export const commandProtocols = new Map<string, ChannelProtocol>([
  ["", binary],
  ["channel.k8s.io", binary],
  ["base64.channel.k8s.io", base64],
  ["v4.channel.k8s.io", binary],
  ["v4.base64.channel.k8s.io", base64],
  ["v5.channel.k8s.io", { binary: true, closeSignal: true }],
]);

/** portforward's protocols over WebSocket. */
export const portForwardChannelProtocols = new Map<string, ChannelProtocol>([
  ["", binary],
  ["v4.channel.k8s.io", binary],
  ["v4.base64.channel.k8s.io", base64],
]);

export const tunnelledPortForwardProtocol = `SPDY/3.1+${portForwardProtocol}`;

/** The client's subprotocols as x/net reads them; [""] when it names none. */
function offeredProtocols(req: IncomingMessage): string[] {
  const header = headerValue(req, "Sec-WebSocket-Protocol").trim();
  return header === "" ? [""] : header.split(",").map((p) => p.trim());
}

const acceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** ws's server-side socket set up on a connection whose handshake is already answered. */
interface ServerWebSocket extends WebSocket {
  setSocket(socket: Duplex, head: Buffer, options: { maxPayload: number; skipUTF8Validation: boolean; allowSynchronousEvents: boolean }): void;
}

/**
 * x/net/websocket's server handshake, answered as it answers: 405 for a method other than GET, 400
 * without a key or for a version other than 13, 403 when no protocol the client offers is one of
 * `supported`, else 101 naming the first protocol that is (x/net checks nothing else, so neither
 * does this; ws would refuse some protocol names Kubernetes uses). The WebSocket and the
 * protocol, or undefined once refused.
 */
function accept(req: IncomingMessage, responder: Responder, supported: (protocol: string) => boolean): { ws: WebSocket; protocol: string } | undefined {
  const socket = responder.socket!;
  const refuse = (status: number, extra: string, body: string) => {
    socket.end(`HTTP/1.1 ${status} ${statusText(status)}\r\n${extra}\r\n${body}`);
    return undefined;
  };
  if (req.method !== "GET") return refuse(405, "", "bad method");
  const key = headerValue(req, "Sec-WebSocket-Key");
  if (key === "") return refuse(400, "", "mismatch challenge/response");
  if (headerValue(req, "Sec-WebSocket-Version") !== "13") return refuse(400, "Sec-WebSocket-Version: 13\r\n", "missing or bad WebSocket Version");
  const protocol = offeredProtocols(req).find(supported);
  if (protocol === undefined) return refuse(403, "", "");
  const acceptKey = createHash("sha1").update(key + acceptGuid).digest("base64");
  holdUntilTurnEnds(socket);
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey}\r\n` +
      `${protocol === "" ? "" : `Sec-WebSocket-Protocol: ${protocol}\r\n`}\r\n`,
  );
  // What WebSocketServer.completeUpgrade does once it has answered the handshake itself.
  const ws = new (WebSocket as unknown as new (address: null, protocols: undefined, options: { autoPong: boolean }) => ServerWebSocket)(null, undefined, {
    autoPong: true,
  });
  ws.setSocket(socket, Buffer.from(responder.head), { maxPayload: maxMessageSize, skipUTF8Validation: true, allowSynchronousEvents: true });
  return { ws, protocol };
}

/** wsstream.Conn: numbered channels multiplexed on one WebSocket. */
class ChannelConnection {
  readonly ws: WebSocket;
  private readonly protocol: ChannelProtocol;
  private readonly types: ChannelType[];
  /** What the client sent on each readable channel. */
  readonly inputs: Array<InputQueue | undefined>;
  private readonly idle: IdleTimeout;
  private closed = false;

  constructor(ws: WebSocket, protocol: ChannelProtocol, types: ChannelType[], idleTimeoutMs: number) {
    this.ws = ws;
    this.protocol = protocol;
    this.types = types;
    this.inputs = types.map((t) => (t === "read" || t === "readWrite" ? new InputQueue() : undefined));
    this.idle = new IdleTimeout(idleTimeoutMs, () => this.close());
    ws.on("message", (data: Buffer) => this.receive(data));
    ws.on("close", () => this.close());
    ws.on("error", () => this.close());
  }

  /** A message on a channel (dropped unless the channel is writable). */
  write(channel: number, data: Uint8Array): void {
    if (this.closed || (this.types[channel] !== "write" && this.types[channel] !== "readWrite")) return;
    if (this.socket) holdUntilTurnEnds(this.socket);
    if (this.protocol.binary) {
      const frame = new Uint8Array(data.length + 1);
      frame[0] = channel;
      frame.set(data, 1);
      this.ws.send(frame, { binary: true });
    } else {
      this.ws.send(String.fromCharCode(48 + channel) + Buffer.from(data).toString("base64"), { binary: false });
    }
    this.idle.touch();
  }

  /** The connection under the WebSocket (ws keeps it as `_socket`). */
  private get socket(): Duplex | undefined {
    return (this.ws as unknown as { _socket?: Duplex })._socket;
  }

  /** Resolves once the socket has taken what was sent. */
  drained(): Promise<void> {
    const socket = this.socket;
    if (!socket?.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once("drain", resolve);
      socket.once("close", resolve);
    });
  }

  /** Closes the channels and the WebSocket (a close frame, then the connection). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.idle.stop();
    for (const input of this.inputs) input?.end();
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(1000);
    // x/net closes the connection right after its close frame, without waiting for the client's.
    this.socket?.end();
  }

  /** A message from the client: text and binary alike, as x/net receives them. */
  private receive(data: Buffer): void {
    this.idle.touch();
    if (data.length === 0) return;
    if (this.protocol.closeSignal && data[0] === closeSignal) {
      if (data.length !== 2 || data[1]! >= this.types.length) {
        this.close();
        return;
      }
      this.inputs[data[1]!]?.end();
      return;
    }
    const channel = this.protocol.binary ? data[0]! : data[0]! - 48;
    const input = this.inputs[channel];
    if (!input) return;
    if (this.protocol.binary) {
      input.push(new Uint8Array(data.subarray(1)));
      return;
    }
    const text = data.subarray(1).toString("latin1");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return;
    input.push(new Uint8Array(Buffer.from(text, "base64")));
  }
}

const stdinChannel = 0;
const stdoutChannel = 1;
const stderrChannel = 2;
const errorChannel = 3;
const resizeChannel = 4;

/** createWebSocketStreams: the channels of an exec or attach (error and resize always open). */
export function acceptCommandChannels(req: IncomingMessage, responder: Responder, options: StreamOptions, idleTimeoutMs: number): CommandConnection | undefined {
  const accepted = accept(req, responder, (p) => commandProtocols.has(p));
  if (!accepted) return undefined;
  const { ws, protocol } = accepted;
  const conn = new ChannelConnection(
    ws,
    commandProtocols.get(protocol)!,
    [options.stdin ? "read" : "ignore", options.stdout ? "write" : "ignore", options.stderr ? "write" : "ignore", "write", "read"],
    idleTimeoutMs,
  );
  // Tells the client the connection is established.
  conn.write(options.stdout ? stdoutChannel : options.stderr ? stderrChannel : errorChannel, new Uint8Array(0));
  // Closing a channel one writes to sends nothing (wsstream closes only its reading side).
  const output = (channel: number) => ({ write: (chunk: Uint8Array) => conn.write(channel, chunk), close() {} });
  const streams: CommandStreams = { tty: options.tty, resize: resizeEvents(conn.inputs[resizeChannel]!) };
  if (options.stdin) streams.stdin = conn.inputs[stdinChannel]!;
  if (options.stdout) streams.stdout = output(stdoutChannel);
  if (options.stderr) streams.stderr = output(stderrChannel);
  const v4 = protocol === "v4.channel.k8s.io" || protocol === "v4.base64.channel.k8s.io" || protocol === "v5.channel.k8s.io";
  return {
    streams,
    writeStatus(status) {
      const bytes = v4 ? v4StatusBytes(status) : v1StatusBytes(status);
      if (bytes) conn.write(errorChannel, bytes);
    },
    close: () => conn.close(),
  };
}

/**
 * Port-forward over WebSocket: tunnelled SPDY when the client asks for it, else
 * handleWebSocketStreams: a data and an error channel for each port of the PortForward request,
 * each opened with the port number (two bytes, little-endian), all forwarded at once; the
 * connection closes when every one is done.
 */
export async function serveWebSocketPortForward(
  req: IncomingMessage,
  responder: Responder,
  ports: readonly number[],
  idleTimeoutMs: number,
  forward: Forwarder,
  describe: (port: number, err: unknown) => string,
): Promise<void> {
  // wsstream.IsWebSocketRequestWithTunnelingProtocol.
  const tunnelled = offeredProtocols(req).some((p) => p.startsWith("SPDY/3.1+") && p.endsWith(".k8s.io"));
  const accepted = accept(req, responder, (p) => (tunnelled ? p === tunnelledPortForwardProtocol : portForwardChannelProtocols.has(p)));
  if (!accepted) return;
  const { ws, protocol } = accepted;
  if (tunnelled) {
    const duplex = createWebSocketStream(ws);
    duplex.on("error", () => duplex.destroy());
    portForwardSession(duplex, new Uint8Array(0), idleTimeoutMs, forward, describe);
    return;
  }
  const conn = new ChannelConnection(
    ws,
    portForwardChannelProtocols.get(protocol)!,
    ports.flatMap((): ChannelType[] => ["readWrite", "write"]),
    idleTimeoutMs,
  );
  await Promise.all(
    ports.map(async (port, i) => {
      const portBytes = new Uint8Array([port & 0xff, port >> 8]);
      conn.write(i * 2, portBytes);
      conn.write(i * 2 + 1, portBytes);
      const data = conn.inputs[i * 2]!;
      try {
        await forward(port, { data, write: (chunk) => conn.write(i * 2, chunk), drained: () => conn.drained(), close: () => data.end() });
      } catch (err) {
        conn.write(i * 2 + 1, new TextEncoder().encode(describe(port, err)));
      }
    }),
  );
  conn.close();
}
