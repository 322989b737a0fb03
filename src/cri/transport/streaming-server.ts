// containerd's stream server (1.6.20 pkg/cri/streaming server.go, started by pkg/cri/server
// streaming.go): HTTP, or HTTPS with enable_tls_streaming, on stream_server_address and
// stream_server_port, serving the URLs Exec, Attach and PortForward hand out. A request's token is
// consumed first (unknown, used and expired tokens all get 404), then the request is upgraded to
// SPDY/3.1 or WebSocket and the streams are handed to the CRI plugin. Connections idle for
// stream_idle_timeout are closed. Node-only, like grpc.ts.

import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { readFile } from "node:fs/promises";
import { networkInterfaces } from "node:os";
import { parseDuration } from "../../go/duration.ts";
import type { CriConfig } from "../config.ts";
import type { CriService } from "../server/service.ts";
import { selfSignedCertificate } from "./streaming-tls.ts";
import { describePortForwardError, forwardPort } from "../server/sandbox-portforward.ts";
import type { StreamOptions } from "./streaming-remotecommand.ts";
import { serveCommand, type Command } from "./streaming-remotecommand.ts";
import { acceptCommandStreams, servePortForward, type Forwarder } from "./streaming-spdy.ts";
import { acceptCommandChannels, serveWebSocketPortForward } from "./streaming-websocket.ts";
import {
  isWebSocketRequest,
  methodNotAllowed,
  plainResponder,
  routeNotFound,
  routeOf,
  socketResponder,
  tokenNotFound,
  type Responder,
} from "./streaming-http.ts";

export interface StreamingServerOptions {
  /** stream_server_address; IPv6 addresses without brackets. */
  address: string;
  /** stream_server_port: "0" picks a free port. */
  port: string;
  /** stream_idle_timeout in milliseconds; 0 for none. */
  idleTimeoutMs: number;
  /** A certificate and key (PEM) to serve HTTPS with. */
  tls?: { cert: string; key: string };
  /** The CRI plugin whose tokens the server redeems (a function: restart() brings a new one). */
  service(): CriService;
}

export interface StreamingServer {
  /** `http://<address>:<port>` (https with TLS): where the URLs the RPCs return point. */
  readonly baseUrl: string;
  /** Stops listening and closes every connection, streams and all. */
  close(): Promise<void>;
}

/**
 * newStreamServer's reading of the plugin config: the address ("" is the node's own, as
 * ResolveBindAddress picks it), the idle timeout, and the TLS mode with containerd's errors.
 */
export async function streamingServerSettings(config: CriConfig): Promise<Omit<StreamingServerOptions, "service">> {
  const settings: Omit<StreamingServerOptions, "service"> = {
    address: config.streamServerAddress === "" ? nodeAddress() : config.streamServerAddress,
    port: config.streamServerPort,
    idleTimeoutMs: config.streamIdleTimeout === "" ? defaultIdleTimeoutMs : Number(parseDuration(config.streamIdleTimeout) / 1_000_000n),
  };
  const { tlsCertFile, tlsKeyFile } = config.x509KeyPairStreaming;
  const invalid = (message: string) => new Error(`failed to create stream server: invalid stream server configuration: ${message}`);
  if (!config.enableTlsStreaming) {
    if (tlsCertFile !== "") throw invalid("X509KeyPairStreaming.TLSCertFile is set but EnableTLSStreaming is not set");
    if (tlsKeyFile !== "") throw invalid("X509KeyPairStreaming.TLSKeyFile is set but EnableTLSStreaming is not set");
    return settings;
  }
  if (tlsCertFile !== "" && tlsKeyFile === "") throw invalid("must set X509KeyPairStreaming.TLSKeyFile");
  if (tlsCertFile === "" && tlsKeyFile !== "") throw invalid("must set X509KeyPairStreaming.TLSCertFile");
  if (tlsCertFile === "") return { ...settings, tls: await selfSignedCertificate() };
  try {
    return { ...settings, tls: { cert: await readFile(tlsCertFile, "utf8"), key: await readFile(tlsKeyFile, "utf8") } };
  } catch (err) {
    throw new Error(`failed to create stream server: failed to load x509 key pair for stream server: ${(err as Error).message}`);
  }
}

/** streaming.DefaultConfig's StreamIdleTimeout. */
const defaultIdleTimeoutMs = 4 * 3600_000;

/** The address of the node's first interface that is not loopback (loopback when it has none). */
function nodeAddress(): string {
  const external = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .find((a) => !a.internal && a.family === "IPv4");
  return external?.address ?? "127.0.0.1";
}

/** Listens on `address:port`, as containerd's stream server does. */
export async function startStreamingServer(options: StreamingServerOptions): Promise<StreamingServer> {
  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }) : createHttpServer();
  // Go's server waits up to 30 minutes for a request's headers; nothing else limits a request.
  server.headersTimeout = 30 * 60_000;
  server.requestTimeout = 0;
  const upgraded = new Set<Duplex>();
  server.on("request", (req, res) => {
    req.resume();
    handle(options, req, plainResponder(res)).catch((err: unknown) => failed(err, res.socket ?? undefined));
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.on("close", () => upgraded.delete(socket));
    socket.on("error", () => socket.destroy());
    const reuse = (again: Duplex) => {
      upgraded.delete(again);
      server.emit("connection", again);
    };
    handle(options, req, socketResponder(socket, new Uint8Array(head), reuse)).catch((err: unknown) => failed(err, socket));
  });
  server.on("clientError", (_err, socket: Socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request");
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(options.port), options.address, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address();
  const boundPort = typeof bound === "object" && bound ? bound.port : Number(options.port);
  const host = options.address.includes(":") ? `[${options.address}]` : options.address;
  return {
    baseUrl: `${options.tls ? "https" : "http"}://${host}:${boundPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of upgraded) socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A handler that threw: Go's server would recover and close the connection; so does this, and says why. */
function failed(err: unknown, socket: Duplex | undefined): void {
  process.stderr.write(`fake-cri: streaming server: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  socket?.destroy();
}

/** serveExec, serveAttach, servePortForward: the token first, then the transport the client asked for. */
async function handle(options: StreamingServerOptions, req: IncomingMessage, responder: Responder): Promise<void> {
  const route = routeOf(req.method ?? "", new URL(req.url ?? "/", "http://stream").pathname);
  if (route.kind === "notFound") return responder.respond(routeNotFound());
  if (route.kind === "methodNotAllowed") return responder.respond(methodNotAllowed());
  const c = options.service();
  const cached = c.streaming.consume(route.token);
  if (!cached || cached.method !== route.method) return responder.respond(tokenNotFound());
  const websocket = isWebSocketRequest(req) && responder.socket !== undefined;
  if (cached.method === "portforward") {
    const sandboxId = cached.request.podSandboxId;
    const forward: Forwarder = (port, stream) => forwardPort(c, sandboxId, port, stream);
    const describe = (port: number, err: unknown) => describePortForwardError(sandboxId, port, err);
    if (websocket) await serveWebSocketPortForward(req, responder, cached.request.port, options.idleTimeoutMs, forward, describe);
    else servePortForward(req, responder, options.idleTimeoutMs, forward, describe);
    return;
  }
  const { request } = cached;
  const streamOptions: StreamOptions = { stdin: request.stdin, stdout: request.stdout, stderr: request.stderr, tty: request.tty };
  const conn = websocket
    ? await acceptCommandChannels(req, responder, streamOptions, options.idleTimeoutMs)
    : await acceptCommandStreams(req, responder, streamOptions, options.idleTimeoutMs);
  if (!conn) return;
  const command: Command =
    cached.method === "exec" ? { kind: "exec", containerId: request.containerId, cmd: cached.request.cmd } : { kind: "attach", containerId: request.containerId };
  await serveCommand(c, command, conn);
}
