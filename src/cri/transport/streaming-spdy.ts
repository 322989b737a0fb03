// Exec, attach and port-forward over SPDY/3.1, as containerd 1.6.20's streaming server serves them
// (apimachinery v0.22's httpstream.Handshake and spdy.ResponseUpgrader, remotecommand's protocol
// handlers v1 to v4, portforward's httpStreamHandler). The client names its protocols in
// X-Stream-Protocol-Version; the first the server knows wins and is echoed back with the 101. Then
// the client opens one stream per channel, marked by a streamType header. Node-only.

import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { CommandConnection, StreamOptions } from "./streaming-remotecommand.ts";
import { resizeEvents } from "./streaming-remotecommand.ts";
import { httpError, commaSeparated, goHeaderRepr, headerValue, headerValues, writeHead, type GoResponse, type Responder } from "./streaming-http.ts";
import { SpdyServerSession, type SpdyStream } from "./spdy-session.ts";
import { v1StatusBytes, v4StatusBytes } from "./streaming-status.ts";
import type { CommandStreams, ForwardedStream } from "../server/streaming-runtime.ts";
import { quote } from "../../go/strconv.ts";

/** remotecommand's protocols, the server's preference first. */
export const remoteCommandProtocols = ["v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io"];
export const portForwardProtocol = "portforward.k8s.io";

/** How long the client has to open an exec's streams, or both streams of a forwarded connection. */
export const streamCreationTimeoutMs = 30_000;

/** A protocol the client and server share, or the response that refused the client. */
type Handshake = { protocol: string; headers: Array<[string, string]> } | { refusal: GoResponse | undefined; error: string };

/**
 * httpstream.Handshake (apimachinery v0.22): without the header it fails without answering (its
 * caller decides what to answer); when no protocol is shared it answers 403, listing the server's.
 */
function handshake(req: IncomingMessage, serverProtocols: readonly string[]): Handshake {
  const clientProtocols = commaSeparated(headerValues(req, "X-Stream-Protocol-Version"));
  if (clientProtocols.length === 0) return { refusal: undefined, error: "unable to upgrade: X-Stream-Protocol-Version is required" };
  const protocol = clientProtocols.find((p) => serverProtocols.includes(p));
  if (protocol === undefined) {
    const error = `unable to upgrade: unable to negotiate protocol: client supports [${clientProtocols.join(" ")}], server accepts [${serverProtocols.join(" ")}]`;
    return { refusal: httpError(403, error, serverProtocols.map((p) => ["X-Accepted-Stream-Protocol-Versions", p])), error };
  }
  return { protocol, headers: [["X-Stream-Protocol-Version", protocol]] };
}

/**
 * spdy.ResponseUpgrader: a 101 on the connection, or a 400 when the request does not ask for the
 * upgrade (`headers` are what the handshake added to the response).
 */
function upgrade(req: IncomingMessage, responder: Responder, headers: Array<[string, string]>): Duplex | undefined {
  const connection = headerValue(req, "Connection").toLowerCase();
  const upgradeHeader = headerValue(req, "Upgrade").toLowerCase();
  const socket = responder.socket;
  if (!connection.includes("upgrade") || !upgradeHeader.includes("spdy/3.1") || !socket) {
    responder.respond(httpError(400, `unable to upgrade: missing upgrade headers in request: ${goHeaderRepr(req)}`, headers));
    return undefined;
  }
  // Go writes no Date on a 101.
  writeHead(socket, 101, [["Connection", "Upgrade"], ["Upgrade", "SPDY/3.1"], ...headers]);
  return socket;
}

/** A SPDY server session on a connection, fed the bytes that came before it was set up. */
function startSession(socket: Duplex, head: Uint8Array, idleTimeoutMs: number, onStream: (stream: SpdyStream) => string | undefined): SpdyServerSession {
  const session = new SpdyServerSession(socket, { idleTimeoutMs, onStream });
  if (head.length > 0) socket.unshift(head);
  return session;
}

/**
 * createHTTPStreamStreams: negotiates, upgrades, and waits for the streams the request asked for
 * (an error stream always; resize with a tty from v3 on). Undefined when the client was refused,
 * went away, or did not open its streams in time.
 */
export function acceptCommandStreams(req: IncomingMessage, responder: Responder, options: StreamOptions, idleTimeoutMs: number): Promise<CommandConnection | undefined> {
  const agreed = handshake(req, remoteCommandProtocols);
  if (!("protocol" in agreed)) {
    // The handshake may have answered already; the handler answers again, and Go appends the
    // second body to the first.
    const second = httpError(400, agreed.error);
    responder.respond(agreed.refusal ? { ...agreed.refusal, body: agreed.refusal.body + second.body } : second);
    return Promise.resolve(undefined);
  }
  const version = agreed.protocol === "channel.k8s.io" ? 1 : Number(agreed.protocol[1]);
  const wanted = 1 + Number(options.stdin) + Number(options.stdout) + Number(options.stderr) + Number(options.tty && version >= 3);
  const streams: Partial<Record<"error" | "stdin" | "stdout" | "stderr" | "resize", SpdyStream>> = {};
  let received = 0;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), streamCreationTimeoutMs);
    timer.unref?.();
    const socket = upgrade(req, responder, agreed.headers);
    if (!socket) {
      clearTimeout(timer);
      resolve(undefined);
      return;
    }
    const session: SpdyServerSession = startSession(socket, responder.head, idleTimeoutMs, (stream) => {
      const type = stream.header("streamType");
      if (type === "error" || type === "stdin" || type === "stdout" || type === "stderr" || (type === "resize" && version >= 3)) {
        streams[type] = stream;
        // Counted once replied, which happens as soon as this returns.
        queueMicrotask(() => {
          if (++received !== wanted) return;
          clearTimeout(timer);
          resolve(commandConnection(session, streams, version, options));
        });
      }
      return undefined;
    });
    void session.closed.then(() => {
      clearTimeout(timer);
      if (received < wanted) resolve(undefined);
    });
  });
}

function commandConnection(
  session: SpdyServerSession,
  streams: Partial<Record<"error" | "stdin" | "stdout" | "stderr" | "resize", SpdyStream>>,
  version: number,
  options: StreamOptions,
): CommandConnection {
  const { error, stdin, stdout, stderr, resize } = streams;
  if (version === 1) {
    // What 1.0 kubelets did, kept for v1: the server's side of stdin is closed, and the error
    // stream is reset before anything could be written on it.
    stdin?.close();
    error?.reset();
  }
  const commandStreams: CommandStreams = { tty: options.tty };
  if (stdin) commandStreams.stdin = stdin.data;
  if (stdout) commandStreams.stdout = { write: (chunk) => stdout.write(chunk), close: () => stdout.close() };
  if (stderr) commandStreams.stderr = { write: (chunk) => stderr.write(chunk), close: () => stderr.close() };
  if (resize) commandStreams.resize = resizeEvents(resize.data);
  return {
    streams: commandStreams,
    writeStatus(status) {
      const bytes = version === 4 ? v4StatusBytes(status) : v1StatusBytes(status);
      if (bytes) error?.write(bytes);
    },
    close: () => session.close(),
  };
}

/** What a forwarded connection is handed to: the CRI plugin's portForward. */
export type Forwarder = (port: number, stream: ForwardedStream) => Promise<void>;

/**
 * handleHTTPStreams: negotiates portforward.k8s.io and upgrades; then every pair of streams the
 * client opens (data and error, tied by a requestID header) is one forwarded connection.
 * `describe` words the error a failed forward writes on its error stream.
 */
export function servePortForward(req: IncomingMessage, responder: Responder, idleTimeoutMs: number, forward: Forwarder, describe: (port: number, err: unknown) => string): void {
  const agreed = handshake(req, [portForwardProtocol]);
  if (!("protocol" in agreed)) {
    // Here the handshake's error is only logged: without a refusal the handler returns unanswered.
    responder.respond(agreed.refusal ?? { status: 200, headers: [], body: "" });
    return;
  }
  const socket = upgrade(req, responder, agreed.headers);
  if (socket) portForwardSession(socket, responder.head, idleTimeoutMs, forward, describe);
}

interface StreamPair {
  data?: SpdyStream;
  error?: SpdyStream;
  timer: ReturnType<typeof setTimeout>;
}

const encoder = new TextEncoder();

/**
 * httpStreamHandler: a SPDY session whose streams are checked as they come (a bad one is refused),
 * paired by request ID, and forwarded a pair at a time, until the client goes away.
 */
export function portForwardSession(socket: Duplex, head: Uint8Array, idleTimeoutMs: number, forward: Forwarder, describe: (port: number, err: unknown) => string): SpdyServerSession {
  const pairs = new Map<string, StreamPair>();
  const accept = (stream: SpdyStream): void => {
    const type = stream.header("streamType") as "data" | "error";
    let requestId = stream.header("requestID");
    // Clients before request IDs opened the error stream first, the data stream next.
    if (requestId === "") requestId = String(type === "error" ? stream.id : stream.id - 2);
    let pair = pairs.get(requestId);
    if (!pair) {
      const created: StreamPair = {
        timer: setTimeout(() => {
          pairs.delete(requestId);
          created.error?.write(encoder.encode(`(conn=${connectionName}, request=${requestId}) timed out waiting for streams`));
        }, streamCreationTimeoutMs),
      };
      created.timer.unref?.();
      pair = created;
      pairs.set(requestId, created);
    }
    if (pair[type]) {
      pair.error?.write(encoder.encode(`error processing stream for request ${requestId}: ${type} stream already assigned`));
      return;
    }
    pair[type] = stream;
    const { data, error } = pair;
    if (!data || !error) return;
    clearTimeout(pair.timer);
    pairs.delete(requestId);
    const port = Number(data.header("port"));
    void forward(port, data)
      .catch((err: unknown) => error.write(encoder.encode(describe(port, err))))
      .finally(() => {
        error.close();
        data.close();
      });
  };
  const session = startSession(socket, head, idleTimeoutMs, (stream) => {
    const refusal = portForwardStream(stream);
    // Paired once accepted: anything written on it goes after the SYN_REPLY.
    if (refusal === undefined) queueMicrotask(() => accept(stream));
    return refusal;
  });
  void session.readEnded.then(() => {
    for (const pair of pairs.values()) clearTimeout(pair.timer);
    session.close();
  });
  return session;
}

/** httpStreamReceived: the checks a port-forward stream passes before it is accepted. */
function portForwardStream(stream: SpdyStream): string | undefined {
  const portText = stream.header("port");
  if (portText === "") return `${quote("port")} header is required`;
  const port = parsePort(portText);
  if (typeof port === "string") return port;
  if (port < 1) return `port ${quote(portText)} must be > 0`;
  const type = stream.header("streamType");
  if (type === "") return `${quote("streamType")} header is required`;
  if (type !== "error" && type !== "data") return `invalid stream type ${quote(type)}`;
  return undefined;
}

/** strconv.ParseUint(s, 10, 16), with the handler's wording of a failure. */
function parsePort(text: string): number | string {
  if (!/^[0-9]+$/.test(text)) return `unable to parse ${quote(text)} as a port: strconv.ParseUint: parsing ${quote(text)}: invalid syntax`;
  const port = Number(text);
  if (port > 0xffff) return `unable to parse ${quote(text)} as a port: strconv.ParseUint: parsing ${quote(text)}: value out of range`;
  return port;
}

/** The connection as Go's %p prints it in the timeout message; a fake has no pointer to show. */
const connectionName = "0xc000000000";
