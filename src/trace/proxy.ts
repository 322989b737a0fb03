// The proxy under `fake-cri record`: a transparent HTTP/2 relay between CRI clients and a CRI
// runtime that keeps a copy of every call. Each client connection gets a connection of its own to
// the upstream; each call (an HTTP/2 stream) is forwarded as it came, headers, messages and
// trailers unchanged, whatever the method, and its request and answer octets are kept as they pass
// (decoding waits until the trace is written, so a call costs the client no more than the relay).
// Node-only (node:http2).
//
// What the proxy answers itself:
// - the upstream cannot be reached or drops the connection: Unavailable, saying so;
// - the client's deadline (grpc-timeout) passes first: the upstream call is cancelled and the client
//   gets DeadlineExceeded "context deadline exceeded", as its own gRPC library would report it;
// - the upstream resets the call: the client's call is reset with the same HTTP/2 error code.
// On a unix socket the authority shim stands in front, as on `fake-cri serve`, so old Go clients
// that send the socket path as :authority get through.

import http2 from "node:http2";
import net from "node:net";
import { Code } from "../cri/errors.ts";
import { parseEndpoint, serveBehindAuthorityShim, type CriServer, type Endpoint } from "../cri/transport/grpc.ts";
import { decodeGrpcMessage, encodeGrpcMessage, grpcTimeoutMs } from "./grpc-headers.ts";

/** One call as it crossed the proxy: octets and times, nothing decoded yet. */
export interface Exchange {
  /** The HTTP/2 `:path`: `/runtime.v1.RuntimeService/Version`. */
  path: string;
  /** Which client connection made it: 1, 2, ... in the order they connected. */
  connection: number;
  /** performance.now() when the request headers arrived, and when the client had its status. */
  started: number;
  ended?: number;
  /** The client's deadline (grpc-timeout), in milliseconds from `started`. */
  timeoutMs?: number;
  /** DATA octets as they passed: gRPC length-prefixed messages, possibly split or joined. */
  request: Uint8Array[];
  response: Uint8Array[];
  /** The status the client was given; absent while the call is in flight or when the recording ended first. */
  status?: { code: number; message: string };
}

export interface RecordingProxy {
  /** Where clients connect: `unix:///path` or `tcp://host:port` (the bound port). */
  endpoint: string;
  /** Every call so far, in the order they started. */
  readonly exchanges: readonly Exchange[];
  /** Client connections so far. */
  readonly connections: number;
  /** Stops listening and drops every connection; calls in flight are left without a status. */
  close(): Promise<void>;
}

export interface RecordingProxyOptions {
  /** The runtime to forward to: `unix:///path` or `tcp://host:port`. */
  upstream: string;
  /** Where to listen: `unix:///path` (created 0600) or `tcp://host:port`. */
  listen: string;
}

/** CRI messages go up to 16 MiB; node:http2's default session memory (10 MB) would refuse them. */
const sessionOptions = { maxSessionMemory: 64 };

const { HTTP2_HEADER_STATUS, HTTP2_HEADER_CONTENT_TYPE, NGHTTP2_CANCEL } = http2.constants;

/** grpc-go's reading of an RST_STREAM error code (http2ErrConvTab), for the trace. */
/** How long a call may take to reach the proxy from its client, at most, on a loaded machine's loopback. */
const clientTransitMs = 25;

const resetCodes: Record<number, Code> = { 3: Code.ResourceExhausted, 7: Code.Unavailable, 8: Code.Canceled, 11: Code.ResourceExhausted, 12: Code.PermissionDenied };
const resetNames = [
  "NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR",
  "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
];

/** How grpc-go reads an answer without a grpc-status. */
const withoutTrailers = { code: Code.Internal, message: "server closed the stream without sending trailers" };

function statusOfHeaders(headers: http2.IncomingHttpHeaders): { code: number; message: string } | undefined {
  const code = headers["grpc-status"];
  if (typeof code !== "string") return undefined;
  const message = headers["grpc-message"];
  return { code: Number(code), message: typeof message === "string" ? decodeGrpcMessage(message) : "" };
}

function describeEndpoint(endpoint: Endpoint): string {
  return endpoint.kind === "unix" ? `unix://${endpoint.path}` : `tcp://${endpoint.host}:${endpoint.port}`;
}

/** A client connection and its own connection to the upstream, made when its first call comes. */
class Connection {
  readonly number: number;
  private readonly upstream: Endpoint;
  private session: http2.ClientHttp2Session | undefined;
  /** Why the upstream connection failed, for the calls that were on it. */
  private failure: Error | undefined;

  constructor(number: number, upstream: Endpoint) {
    this.number = number;
    this.upstream = upstream;
  }

  /** The upstream connection, connecting again if the last one is gone. */
  upstreamSession(): http2.ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const upstream = this.upstream;
    // Until the upstream says otherwise (grpc-go never does), node:http2 would allow only 100
    // calls at once on the connection and queue the rest; the client already keeps to its limit.
    const options = { ...sessionOptions, peerMaxConcurrentStreams: 1 << 30 };
    const session =
      upstream.kind === "unix"
        ? http2.connect("http://localhost", { ...options, createConnection: () => net.connect(upstream.path) })
        : http2.connect(`http://${upstream.host}:${upstream.port}`, options);
    this.failure = undefined;
    session.on("error", (err) => (this.failure = err));
    this.session = session;
    return session;
  }

  /** Why calls on the upstream connection could not go on. */
  unavailable(err: Error | undefined): string {
    const cause = this.failure ?? (err?.cause instanceof Error ? err.cause : err);
    const why = cause ? `: ${cause.message}` : "";
    return `fake-cri record: the upstream ${describeEndpoint(this.upstream)} is unavailable${why}`;
  }

  close(): void {
    this.session?.destroy();
  }
}

export async function startRecordingProxy(options: RecordingProxyOptions): Promise<RecordingProxy> {
  const upstream = parseEndpoint(options.upstream);
  const listen = parseEndpoint(options.listen);
  const exchanges: Exchange[] = [];
  const sessions = new Map<http2.ServerHttp2Session, Connection>();
  let connections = 0;
  let stopping = false;

  const server = http2.createServer(sessionOptions);
  server.on("session", (session) => {
    const connection = new Connection(++connections, upstream);
    sessions.set(session, connection);
    session.on("error", () => {});
    session.once("close", () => {
      sessions.delete(session);
      connection.close();
    });
  });
  // A session's "session" event comes before any of its streams.
  server.on("stream", (stream, headers) => {
    forward(stream, headers, sessions.get(stream.session as http2.ServerHttp2Session)!, exchanges, () => stopping);
  });

  const shutdown = (): void => {
    stopping = true;
    server.close();
    for (const [session, connection] of sessions) {
      session.destroy();
      connection.close();
    }
  };
  let served: CriServer;
  if (listen.kind === "unix") {
    served = await serveBehindAuthorityShim(listen.path, {
      listen: (path) => listening(server, (done) => server.listen(path, done)),
      shutdown,
    });
  } else {
    await listening(server, (done) => server.listen(listen.port, listen.host, done));
    const { port } = server.address() as net.AddressInfo;
    served = { endpoint: `tcp://${listen.host}:${port}`, close: async () => shutdown() };
  }
  return {
    endpoint: served.endpoint,
    exchanges,
    get connections() {
      return connections;
    },
    close: () => served.close(),
  };
}

/** Resolves once `listen` has the server listening, rejects with its error. */
function listening(server: http2.Http2Server, listen: (done: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    listen(() => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** Relays one call to the upstream and back, keeping its octets in a new Exchange. */
function forward(
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  connection: Connection,
  exchanges: Exchange[],
  stopping: () => boolean,
): void {
  const exchange: Exchange = {
    path: String(headers[":path"]),
    connection: connection.number,
    started: performance.now(),
    request: [],
    response: [],
  };
  const timeoutMs = grpcTimeoutMs(headers["grpc-timeout"]);
  if (timeoutMs !== undefined) exchange.timeoutMs = timeoutMs;
  exchanges.push(exchange);

  /** The client's status is decided (the upstream's trailers came, or the proxy answered). */
  let finished = false;
  /** The proxy answered the client itself: nothing more from upstream goes to it. */
  let answered = false;
  /** Trailers to send once the response's data is out (waitForTrailers). */
  let trailers: http2.OutgoingHttpHeaders | undefined;
  let upstreamError: Error | undefined;
  const finish = (status: Exchange["status"]): void => {
    if (finished) return;
    finished = true;
    clearTimeout(deadline);
    exchange.ended = performance.now();
    // A call the end of the recording cut short has no status: the client never got one from upstream.
    if (status && !stopping()) exchange.status = status;
  };
  /** Ends the client's call with a status of the proxy's own. */
  const answer = (code: number, message: string): void => {
    finish({ code, message });
    answered = true;
    if (stream.destroyed || stream.closed) return;
    const status = { "grpc-status": String(code), "grpc-message": encodeGrpcMessage(message) };
    if (!stream.headersSent) {
      stream.respond({ [HTTP2_HEADER_STATUS]: 200, [HTTP2_HEADER_CONTENT_TYPE]: "application/grpc", ...status }, { endStream: true });
    } else {
      trailers = status;
      stream.end();
    }
  };

  let session: http2.ClientHttp2Session;
  let call: http2.ClientHttp2Stream;
  try {
    session = connection.upstreamSession();
    call = session.request(headers, { endStream: false, waitForTrailers: false });
  } catch (err) {
    answer(Code.Unavailable, connection.unavailable(err as Error));
    return;
  }

  const deadline = timeoutMs === undefined ? undefined : setTimeout(() => {
    call.close(NGHTTP2_CANCEL);
    answer(Code.DeadlineExceeded, "context deadline exceeded");
  }, timeoutMs);

  // Client -> upstream.
  stream.on("data", (chunk: Buffer) => {
    exchange.request.push(chunk);
    if (!call.write(chunk)) {
      stream.pause();
      call.once("drain", () => stream.resume());
    }
  });
  stream.on("end", () => call.end());
  stream.on("error", () => {});
  stream.on("close", () => {
    if (finished) return;
    // The client went away (cancelled, or its deadline passed first on its side). Its deadline began
    // when it sent the call, a moment before the call arrived here: a close that comes that moment
    // before our own reckoning of the deadline is the deadline too.
    call.close(NGHTTP2_CANCEL);
    const late = exchange.timeoutMs !== undefined && performance.now() - exchange.started >= exchange.timeoutMs - clientTransitMs;
    finish(late ? { code: Code.DeadlineExceeded, message: "context deadline exceeded" } : { code: Code.Canceled, message: "context canceled" });
  });
  stream.on("wantTrailers", () => {
    if (trailers) stream.sendTrailers(trailers);
    else stream.close(NGHTTP2_CANCEL);
  });

  // Upstream -> client.
  call.on("response", (responseHeaders, flags) => {
    if (answered || stream.destroyed) return;
    if (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) {
      // Trailers-only: the status is in these headers.
      finish(statusOfHeaders(responseHeaders) ?? withoutTrailers);
      stream.respond(responseHeaders, { endStream: true });
    } else {
      stream.respond(responseHeaders, { waitForTrailers: true });
    }
  });
  // The trailers event can come before the last data events (they pass through the stream's buffer).
  call.on("data", (chunk: Buffer) => {
    if (answered || stream.destroyed) return;
    exchange.response.push(chunk);
    if (!stream.write(chunk)) {
      call.pause();
      stream.once("drain", () => call.resume());
    }
  });
  call.on("trailers", (received) => {
    if (answered || stream.destroyed) return;
    trailers = received;
    finish(statusOfHeaders(received) ?? withoutTrailers);
  });
  call.on("end", () => {
    if (stream.headersSent && !stream.destroyed && !stream.writableEnded) stream.end();
  });
  call.on("error", (err) => (upstreamError = err));
  call.on("close", () => {
    if (finished) return;
    if (call.rstCode !== undefined && call.rstCode !== http2.constants.NGHTTP2_NO_ERROR && !session.destroyed) {
      // The upstream reset the call: the client's is reset the same way, and reads it as grpc-go does.
      const name = resetNames[call.rstCode] ?? `ERR ${call.rstCode}`;
      finish({ code: resetCodes[call.rstCode] ?? Code.Internal, message: `stream terminated by RST_STREAM with error code: ${name}` });
      stream.close(call.rstCode);
      return;
    }
    answer(Code.Unavailable, connection.unavailable(upstreamError));
  });
}
