// Serves the CRI over gRPC the way containerd's CRI plugin does: RuntimeService and ImageService in
// v1 and v1alpha2 on one server, v1alpha2 answered by the v1 handlers, containerd's 16 MiB message
// limits, and grpc-go's status texts where grpc-js would word them differently. Also a typed client
// for tests and the harness. Runs on Node, Deno and Bun (uses @grpc/grpc-js and node: modules).

import * as grpc from "@grpc/grpc-js";
import { randomUUID } from "node:crypto";
import type { EventEmitter } from "node:events";
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, unlink } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import * as v1 from "../api/v1.ts";
import * as v1alpha2 from "../api/v1alpha2.ts";
import { v1alpha2Image, v1alpha2Runtime } from "../api-convert.ts";
import { AuthorityRewriter } from "./authority-shim.ts";
import {
  canceled,
  clientContextError,
  Code,
  CriError,
  deadlineExceeded,
  statusOf,
} from "../errors.ts";
import {
  bindService,
  type BoundMethod,
  type CallContext,
  type CriServices,
  type MethodDefinition,
  type ResponseOf,
  type ServiceDefinition,
  type ServiceImplementation,
} from "../service-types.ts";

export type {
  CallContext,
  CriImageService,
  RequestOf,
  ResponseOf,
  CriRuntimeService,
  CriServices,
  MethodDefinition,
  MethodHandler,
  ServiceDefinition,
  ServiceImplementation,
  V1alpha2ImageService,
  V1alpha2RuntimeService,
} from "../service-types.ts";

/** containerd's defaults.DefaultMaxRecvMsgSize and DefaultMaxSendMsgSize, which its config applies. */
export const maxMessageSize = 16 << 20;

/**
 * The most UTF-8 bytes of a status message the server sends. The message travels percent-encoded
 * in an HTTP/2 trailer (up to three bytes each), and Node's HTTP/2 refuses to send, or a client to
 * take, a header block over 64 KiB: a longer one left the call unanswered and the connection
 * broken. containerd echoes IDs and names into its messages, so a long input makes a long message.
 */
export const maxStatusMessageBytes = 8 << 10;

/** Where serveCri listens when not told: a socket in the temp dir, unique to the server. */
function defaultListen(): string {
  return `unix://${join(tmpdir(), `fake-cri-${randomUUID()}.sock`)}`;
}

/** A parsed endpoint: a unix socket path, or a TCP host and port. */
export type Endpoint = { kind: "unix"; path: string } | { kind: "tcp"; host: string; port: number };

/** Parses `unix:///absolute/path` or `tcp://host:port` (`tcp://:port` is loopback). */
export function parseEndpoint(endpoint: string): Endpoint {
  const unix = /^unix:\/\/(\/.+)$/.exec(endpoint);
  if (unix) return { kind: "unix", path: unix[1]! };
  const tcp = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]*):(\d{1,5})$/.exec(endpoint);
  if (tcp && Number(tcp[2]) <= 65535) return { kind: "tcp", host: tcp[1] || "127.0.0.1", port: Number(tcp[2]) };
  throw new Error(`unsupported endpoint ${JSON.stringify(endpoint)}: want unix:///absolute/path or tcp://host:port`);
}

/** How serveCri serves. */
export interface ServeOptions {
  /** `unix:///path` (the default, in the temp dir) or `tcp://host:port`; port 0 picks a free one. */
  listen?: string;
}

/** A running gRPC server of the CRI. */
export interface CriServer {
  /** Where clients connect: `unix:///path` or `tcp://127.0.0.1:PORT` with the port that was bound. */
  endpoint: string;
  /** Stops listening, cancels calls in flight and removes the socket file. */
  close(): Promise<void>;
}

/**
 * Serves `services` (v1 handlers) as runtime.v1 and runtime.v1alpha2 RuntimeService + ImageService.
 * A unix socket is created 0600; a stale socket file is replaced only if nothing answers on it. On
 * a unix socket, requests pass through the authority shim so old Go clients are accepted.
 */
export async function serveCri(services: CriServices, options: ServeOptions = {}): Promise<CriServer> {
  const endpoint = parseEndpoint(options.listen ?? defaultListen());
  const server = new grpc.Server({
    // grpc-js refuses a larger request from its length prefix, before reading the rest of it.
    "grpc.max_receive_message_length": maxMessageSize,
    // The send limit is enforced in the handlers, with grpc-go's texts.
    "grpc.max_send_message_length": -1,
    interceptors: [statusInterceptor],
  });
  const runtime = services.runtime ?? {};
  const image = services.image ?? {};
  addService(server, v1.RuntimeServiceDefinition, runtime);
  addService(server, v1.ImageServiceDefinition, image);
  addService(server, v1alpha2.RuntimeServiceDefinition, services.v1alpha2?.runtime ?? v1alpha2Runtime(runtime));
  addService(server, v1alpha2.ImageServiceDefinition, services.v1alpha2?.image ?? v1alpha2Image(image));

  if (endpoint.kind === "tcp") {
    const host = endpoint.host;
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${endpoint.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
        err ? reject(err) : resolve(bound),
      ),
    );
    return {
      endpoint: `tcp://${host}:${port}`,
      close: async () => server.forceShutdown(),
    };
  }
  return serveBehindAuthorityShim(endpoint.path, {
    listen: (privatePath) =>
      new Promise<void>((resolve, reject) =>
        server.bindAsync(`unix://${privatePath}`, grpc.ServerCredentials.createInsecure(), (err) =>
          err ? reject(err) : resolve(),
        ),
      ),
    shutdown: () => server.forceShutdown(),
  });
}

/** The longest unix socket path the kernel takes (sun_path holds it with its NUL). */
const maxSocketPathBytes = process.platform === "linux" ? 107 : 103;

/** Fails before anything is made when the kernel would cut `path` short (and bind a socket elsewhere). */
function checkSocketPath(path: string, what: string): void {
  const length = Buffer.byteLength(path);
  if (length > maxSocketPathBytes) {
    throw new Error(`listen unix ${path}: ${what} is ${length} bytes long; a unix socket path may have at most ${maxSocketPathBytes}`);
  }
}

/**
 * An HTTP/2 server that can listen on a unix socket path and be stopped with every call in flight.
 * @internal
 */
export interface PrivateServer {
  /** Listens on the unix socket at `path`. */
  listen(path: string): Promise<void>;
  /** Stops listening and ends every call. */
  shutdown(): void;
}

/**
 * Serves `server` on the unix socket `path`, created 0600, with the authority shim in front so old
 * Go clients are let in: the server listens on a socket of its own in a private directory, the
 * public socket is the shim's. (serveCri's unix socket, and fake-cri record's.) A path the kernel
 * would cut short is refused before anything is made, and a start that fails leaves nothing behind.
 * @internal
 */
export async function serveBehindAuthorityShim(path: string, server: PrivateServer): Promise<CriServer> {
  const privateBase = join(tmpdir(), "fake-cri-grpc-");
  checkSocketPath(path, "the socket path");
  checkSocketPath(`${privateBase}XXXXXX/grpc.sock`, "a socket in the temp dir (TMPDIR)");
  const madeDir = await claimSocketPath(path);
  await sweepAbandonedPrivateDirs(privateBase);
  const privateDir = await mkdtemp(privateBase).catch(async (err: unknown) => {
    if (madeDir) await rm(madeDir, { recursive: true, force: true });
    throw err;
  });
  const upstream = join(privateDir, "grpc.sock");
  let shim: AuthorityShim | undefined;
  try {
    await server.listen(upstream);
    shim = await listenWithAuthorityShim(path, upstream);
    await chmod(path, 0o600);
  } catch (err) {
    server.shutdown();
    if (shim) {
      await shim.close();
      await unlink(path).catch(() => undefined);
    }
    await rm(privateDir, { recursive: true, force: true });
    if (madeDir) await rm(madeDir, { recursive: true, force: true });
    throw err;
  }
  const listening = shim;
  const { ino } = await lstat(path);
  let closing: Promise<void> | undefined;
  return {
    endpoint: `unix://${path}`,
    close: () =>
      (closing ??= (async () => {
        const shimClosed = listening.close();
        server.shutdown();
        await shimClosed;
        await rm(privateDir, { recursive: true, force: true });
        // Another server may own the path by now; only remove our own socket.
        const now = await lstat(path).catch(() => undefined);
        if (now?.ino === ino) await unlink(path).catch(() => undefined);
      })()),
  };
}

/**
 * Removes the private directories of servers that were killed before they could (SIGKILL): a
 * `<base>XXXXXX` directory holding nothing but a grpc.sock nobody answers on. A directory whose
 * socket is not made yet, or answers, belongs to a live server and stays.
 */
async function sweepAbandonedPrivateDirs(base: string): Promise<void> {
  const prefix = basename(base);
  const names = await readdir(dirname(base)).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((name) => name.startsWith(prefix) && name.length === prefix.length + 6)
      .map(async (name) => {
        const dir = join(dirname(base), name);
        const entries = await readdir(dir).catch(() => undefined);
        if (entries?.length !== 1 || entries[0] !== "grpc.sock") return;
        const socket = join(dir, "grpc.sock");
        if (!(await lstat(socket).catch(() => undefined))?.isSocket()) return;
        if ((await probeSocket(socket)) !== "ECONNREFUSED") return;
        await rm(dir, { recursive: true, force: true });
      }),
  );
}

/** Connects to the unix socket at `path` and hangs up: "answered", or the error's code. */
function probeSocket(path: string): Promise<string> {
  return new Promise((resolve) => {
    const probe = net.connect(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve("answered");
    });
    probe.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
  });
}

/**
 * Makes room for a socket at `path`, removing a leftover socket file that nobody answers on.
 * Returns the first directory it had to make for it, for a failed start to remove.
 */
async function claimSocketPath(path: string): Promise<string | undefined> {
  const inUse = new Error(`listen unix ${path}: bind: address already in use`);
  const existing = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw err;
  });
  if (!existing) return mkdir(dirname(path), { recursive: true, mode: 0o700 });
  if (!existing.isSocket()) throw inUse;
  if ((await probeSocket(path)) === "answered") throw inUse;
  await unlink(path);
  return undefined;
}

/** @internal */
export interface AuthorityShim {
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

/**
 * @internal
 * Listens on the unix socket `path` and relays each connection to the gRPC server on `upstream`,
 * client->server octets through an AuthorityRewriter (so old Go clients are let in), server->client
 * octets unchanged. Relaying between two native sockets costs less than handing grpc-js a JS
 * stream in place of a socket (Node's HTTP/2 then runs it through a JS stream wrapper).
 */
export async function listenWithAuthorityShim(path: string, upstream: string): Promise<AuthorityShim> {
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  const listener = net.createServer((client) => {
    const server = net.connect(upstream);
    track(client);
    track(server);
    const rewriter = new AuthorityRewriter();
    const drop = (): void => {
      client.destroy();
      server.destroy();
    };
    client.on("data", (chunk: Buffer) => {
      let parts: Uint8Array[];
      try {
        parts = rewriter.push(chunk);
      } catch {
        drop();
        return;
      }
      if (parts.length > 1) server.cork();
      let more = true;
      for (const part of parts) more = server.write(part);
      if (parts.length > 1) server.uncork();
      if (!more) {
        client.pause();
        server.once("drain", () => client.resume());
      }
    });
    client.on("end", () => server.end());
    server.pipe(client);
    for (const socket of [client, server]) {
      socket.on("error", drop);
      socket.on("close", drop);
    }
  });
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(path, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  return {
    close: () => {
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      return closed;
    },
  };
}

// ---- server side: one grpc-js handler per method ----

function addService<D extends ServiceDefinition>(
  server: grpc.Server,
  service: D,
  implementation: ServiceImplementation<D>,
): void {
  const definition: Record<string, grpc.MethodDefinition<Buffer, Uint8Array>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const [key, bound] of bindService(service, implementation)) {
    definition[key] = {
      path: bound.path,
      requestStream: false,
      responseStream: bound.method.responseStream,
      originalName: key,
      // Requests are decoded and responses encoded in the handlers, where the size limits apply.
      requestSerialize: (bytes: Buffer) => bytes,
      requestDeserialize: (bytes: Buffer) => bytes,
      responseSerialize: (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      responseDeserialize: (bytes: Buffer) => bytes,
    };
    handlers[key] = bound.method.responseStream ? streamHandler(bound) : unaryHandler(bound);
  }
  server.addService(definition, handlers);
}

/** grpc-js's text for a request over the receive limit, which grpc-go words otherwise. */
const grpcJsTooLarge = /^Received message larger than max \((\d+) vs (\d+)\)$/;

/**
 * Every status the server sends, its own and grpc-js's, passes here: grpc-js's receive-limit text
 * becomes grpc-go's, and a message too long for a trailer is cut (saying so). grpc-js sends its
 * own statuses (the receive limit, a bad encoding) from the call it hands the first interceptor,
 * past any interceptor above it, so that call's sendStatus is the one replaced.
 */
const statusInterceptor: grpc.ServerInterceptor = (_method, call) => {
  const send = call.sendStatus.bind(call);
  call.sendStatus = (status) => {
    const tooLarge = status.details === undefined ? null : grpcJsTooLarge.exec(status.details);
    const details = tooLarge ? `grpc: received message larger than max (${tooLarge[1]} vs. ${tooLarge[2]})` : status.details;
    send(details === undefined ? status : { ...status, details: fitStatusMessage(details) });
  };
  // grpc-js types an interceptor's result as its wrapping class; any call of the interface serves.
  return call as grpc.ServerInterceptingCall;
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `message`, or its first bytes (whole characters) and a note of how long it was. */
export function fitStatusMessage(message: string): string {
  // A UTF-8 character is at most 3 bytes per UTF-16 unit: shorter strings fit without counting.
  if (message.length * 3 <= maxStatusMessageBytes) return message;
  const bytes = encoder.encode(message);
  if (bytes.length <= maxStatusMessageBytes) return message;
  const note = ` ... [fake-cri: status message cut to fit an HTTP/2 trailer; it was ${bytes.length} bytes]`;
  let end = maxStatusMessageBytes - note.length;
  while ((bytes[end]! & 0xc0) === 0x80) end--;
  return decoder.decode(bytes.subarray(0, end)) + note;
}

function serviceError(err: unknown): grpc.ServiceError {
  const { code, message } = statusOf(err);
  return Object.assign(new Error(message), { code, details: message, metadata: new grpc.Metadata() });
}

/** A request grpc-js let through (its receive limit refused larger ones), decoded. */
function decodeRequest(method: MethodDefinition, bytes: Buffer): unknown {
  try {
    return method.requestType.decode(bytes);
  } catch (err) {
    throw new CriError(
      Code.Internal,
      `grpc: failed to unmarshal the received message ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** grpc-go words the limit differently for a unary response and for a stream message. */
function encodeResponse(method: MethodDefinition, response: unknown, prefix: "grpc: " | ""): Uint8Array {
  const bytes = method.responseType.encode(response).finish();
  if (bytes.length > maxMessageSize) {
    throw new CriError(
      Code.ResourceExhausted,
      `${prefix}trying to send message larger than max (${bytes.length} vs. ${maxMessageSize})`,
    );
  }
  return bytes;
}

type ServerCall = grpc.ServerUnaryCall<Buffer, Uint8Array> | grpc.ServerWritableStream<Buffer, Uint8Array>;

/**
 * When a call's deadline passes, grpc-js answers DEADLINE_EXCEEDED "Deadline exceeded" on its own,
 * a moment before the client's timer fires (it rounds grpc-timeout down to whole milliseconds). A
 * grpc-go server sends nothing then; its client reports its own "context deadline exceeded". grpc-js
 * has no option for this, so the timer is stopped on the call object beneath the handler's.
 */
function leaveDeadlineToClient(call: ServerCall): void {
  const base = (call as unknown as { call?: { deadlineTimer?: ReturnType<typeof setTimeout> | null } }).call;
  if (base?.deadlineTimer) clearTimeout(base.deadlineTimer);
}

/**
 * A call's CallContext. Its signal aborts when the deadline passes or the client cancels; the
 * handler is not stopped, as a Go handler is not stopped when its context ends. The signal and the
 * metadata are made when a handler first asks for them: most calls never do, and an
 * AbortController costs more than the rest of the wire layer's work on a call.
 */
class ServerCallContext implements CallContext {
  deadline?: Date;
  private controller: AbortController | undefined;
  /** Why the call ended before anyone asked for the signal. */
  private endedBy: Error | undefined;
  private metadataRecord: Record<string, string[]> | undefined;
  private readonly call: ServerCall;

  constructor(call: ServerCall) {
    this.call = call;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.endedBy) this.controller.abort(this.endedBy);
    }
    return this.controller.signal;
  }

  get metadata(): Record<string, string[]> {
    if (!this.metadataRecord) {
      this.metadataRecord = {};
      for (const [key, values] of Object.entries(this.call.metadata.toJSON())) {
        this.metadataRecord[key] = values.map((v) => (typeof v === "string" ? v : v.toString("latin1")));
      }
    }
    return this.metadataRecord;
  }

  abort(reason: Error): void {
    if (this.controller) this.controller.abort(reason);
    else this.endedBy ??= reason;
  }
}

function callContext(call: ServerCall): { context: CallContext; finished: () => void } {
  leaveDeadlineToClient(call);
  const context = new ServerCallContext(call);
  const deadlineValue = call.getDeadline();
  const deadline = deadlineValue instanceof Date ? deadlineValue.getTime() : deadlineValue;
  const timer = Number.isFinite(deadline)
    ? setTimeout(() => context.abort(deadlineExceeded()), Math.max(0, deadline - Date.now()))
    : undefined;
  timer?.unref();
  const onCancelled = (): void => context.abort(Date.now() >= deadline ? deadlineExceeded() : canceled());
  // Every kind of server call is an EventEmitter; naming that keeps the union's overloads callable.
  const events: Pick<EventEmitter, "once" | "off"> = call;
  events.once("cancelled", onCancelled);
  if (Number.isFinite(deadline)) context.deadline = new Date(deadline);
  return {
    context,
    finished: () => {
      clearTimeout(timer);
      events.off("cancelled", onCancelled);
    },
  };
}

function unaryHandler({ method, handler }: BoundMethod): grpc.handleUnaryCall<Buffer, Uint8Array> {
  return (call, callback) => {
    if (handler.kind === "unknown-method") {
      callback(serviceError(handler.error));
      return;
    }
    const run = handler.call as (request: unknown, call: CallContext) => Promise<unknown>;
    const { context, finished } = callContext(call);
    new Promise((resolve) => resolve(run(decodeRequest(method, call.request), context)))
      .then((response) => callback(null, encodeResponse(method, response, "grpc: ")))
      .catch((err: unknown) => callback(serviceError(err)))
      .finally(finished);
  };
}

function streamHandler({ method, handler }: BoundMethod): grpc.handleServerStreamingCall<Buffer, Uint8Array> {
  return (call) => {
    if (handler.kind === "unknown-method") {
      call.emit("error", serviceError(handler.error));
      return;
    }
    const run = handler.call as (request: unknown, call: CallContext) => AsyncIterable<unknown>;
    const { context, finished } = callContext(call);
    const { signal } = context;
    (async () => {
      for await (const response of run(decodeRequest(method, call.request), context)) {
        if (signal.aborted) return;
        if (!call.write(encodeResponse(method, response, ""))) await drained(call, signal);
      }
      if (!signal.aborted) call.end();
    })()
      .catch((err: unknown) => {
        if (!signal.aborted) call.emit("error", serviceError(err));
      })
      .finally(finished);
  };
}

function drained(call: grpc.ServerWritableStream<Buffer, Uint8Array>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.off("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    call.once("drain", done);
    signal.addEventListener("abort", done, { once: true });
  });
}

// ---- client side ----

/** Per-call options of a gRPC client's methods. */
export interface CallOptions {
  /** The call's deadline, in milliseconds from now. */
  timeoutMs?: number;
  /** Cancels the call. */
  signal?: AbortSignal;
}

/** What a client method takes as its request: the message's fields, any of them left out. */
export type RequestInput<M> = M extends { requestType: { fromPartial(object: infer P): unknown } } ? P : never;

/** A unary method returns a promise; a server-streaming one an async iterable. Errors are CriErrors. */
export type ClientMethod<M> = M extends { responseStream: true }
  ? (request?: RequestInput<M>, options?: CallOptions) => AsyncIterable<ResponseOf<M>>
  : (request?: RequestInput<M>, options?: CallOptions) => Promise<ResponseOf<M>>;

/** A client of one CRI service: a method per RPC, keyed like the generated definition (`runPodSandbox`). */
export type ServiceClient<D extends ServiceDefinition> = {
  [K in keyof D["methods"]]: ClientMethod<D["methods"][K]>;
};

/** A client of both CRI services in one API version, on one connection. */
export interface CriClient<Runtime extends ServiceDefinition, Image extends ServiceDefinition> {
  runtime: ServiceClient<Runtime>;
  image: ServiceClient<Image>;
  /** Closes the connection. */
  close(): void;
}

/** connectCri's client of CRI v1. */
export type CriV1Client = CriClient<v1.RuntimeServiceDefinition, v1.ImageServiceDefinition>;
/** connectCri's client of CRI v1alpha2. */
export type CriV1alpha2Client = CriClient<v1alpha2.RuntimeServiceDefinition, v1alpha2.ImageServiceDefinition>;

/**
 * A client for the CRI server at `endpoint` (`unix:///path` or `tcp://host:port`), speaking v1 or
 * v1alpha2. Requests may be partial messages. A failed call rejects with a CriError carrying the
 * status; a deadline or cancellation on this side reads as grpc-go reports it ("context deadline
 * exceeded", "context canceled").
 */
export function connectCri(endpoint: string, version?: "v1"): CriV1Client;
export function connectCri(endpoint: string, version: "v1alpha2"): CriV1alpha2Client;
export function connectCri(endpoint: string, version: "v1" | "v1alpha2" = "v1"): CriV1Client | CriV1alpha2Client {
  const channel = openChannel(endpoint);
  const api = version === "v1" ? v1 : v1alpha2;
  return {
    runtime: serviceClient(channel, api.RuntimeServiceDefinition),
    image: serviceClient(channel, api.ImageServiceDefinition),
    close: () => channel.close(),
  } as CriV1Client | CriV1alpha2Client;
}

/** A client of both CRI API versions on one connection, shaped as a fake's in-process clients are. */
export interface CriClientOfBothVersions {
  /** RuntimeService, CRI v1. */
  runtime: ServiceClient<v1.RuntimeServiceDefinition>;
  /** ImageService, CRI v1. */
  image: ServiceClient<v1.ImageServiceDefinition>;
  /** Both services in CRI v1alpha2. */
  v1alpha2: {
    runtime: ServiceClient<v1alpha2.RuntimeServiceDefinition>;
    image: ServiceClient<v1alpha2.ImageServiceDefinition>;
  };
  /** Closes the connection. */
  close(): void;
}

/**
 * A typed client for any CRI runtime at `endpoint` (`unix:///path` or `tcp://host:port`): a fake's
 * serve() socket, `fake-cri serve`, or a real containerd or CRI-O. It has the shape of a fake's
 * in-process clients (`runtime`, `image`, `v1alpha2.runtime`, `v1alpha2.image`), so a test can
 * switch between the two. Requests may be partial messages; 64-bit integers are bigint; a failed
 * call rejects with a CriError (`code`, `message`).
 */
export function createCriClient(endpoint: string): CriClientOfBothVersions {
  const channel = openChannel(endpoint);
  return {
    runtime: serviceClient(channel, v1.RuntimeServiceDefinition),
    image: serviceClient(channel, v1.ImageServiceDefinition),
    v1alpha2: {
      runtime: serviceClient(channel, v1alpha2.RuntimeServiceDefinition),
      image: serviceClient(channel, v1alpha2.ImageServiceDefinition),
    },
    close: () => channel.close(),
  };
}

function openChannel(endpoint: string): grpc.Client {
  const parsed = parseEndpoint(endpoint);
  const target = parsed.kind === "unix" ? `unix://${parsed.path}` : `${parsed.host}:${parsed.port}`;
  return new grpc.Client(target, grpc.credentials.createInsecure(), {
    "grpc.max_receive_message_length": maxMessageSize,
    "grpc.max_send_message_length": maxMessageSize,
  });
}

function serviceClient<D extends ServiceDefinition>(channel: grpc.Client, service: D): ServiceClient<D> {
  const client: Record<string, unknown> = {};
  for (const [key, method] of Object.entries(service.methods)) {
    const path = `/${service.fullName}/${method.name}`;
    const serialize = (message: unknown): Buffer => {
      const bytes = method.requestType.encode(message).finish();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    };
    const deserialize = (bytes: Buffer): unknown => method.responseType.decode(bytes);
    const message = (request: unknown): unknown => method.requestType.fromPartial((request ?? {}) as never);
    client[key] = method.responseStream
      ? (request?: unknown, options: CallOptions = {}) =>
          streamCall(channel, path, serialize, deserialize, message(request), options)
      : (request?: unknown, options: CallOptions = {}) =>
          unaryCall(channel, path, serialize, deserialize, message(request), options);
  }
  return client as ServiceClient<D>;
}

function callDeadline(options: CallOptions): number | undefined {
  return options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
}

function clientError(err: grpc.ServiceError, deadline: number | undefined, signal: AbortSignal | undefined): CriError {
  if (err.code === grpc.status.CANCELLED && signal?.aborted) return clientContextError(Code.Canceled);
  if (err.code === grpc.status.DEADLINE_EXCEEDED && deadline !== undefined && Date.now() >= deadline) {
    return clientContextError(Code.DeadlineExceeded);
  }
  return new CriError(err.code as Code, err.details);
}

function unaryCall(
  channel: grpc.Client,
  path: string,
  serialize: (message: unknown) => Buffer,
  deserialize: (bytes: Buffer) => unknown,
  request: unknown,
  options: CallOptions,
): Promise<unknown> {
  const { signal } = options;
  const deadline = callDeadline(options);
  return new Promise((resolve, reject) => {
    const call = channel.makeUnaryRequest(
      path,
      serialize,
      deserialize,
      request,
      new grpc.Metadata(),
      deadline === undefined ? {} : { deadline },
      (err, response) => {
        signal?.removeEventListener("abort", cancel);
        if (err) reject(clientError(err, deadline, signal));
        else resolve(response);
      },
    );
    const cancel = (): void => call.cancel();
    if (signal?.aborted) cancel();
    else signal?.addEventListener("abort", cancel, { once: true });
  });
}

async function* streamCall(
  channel: grpc.Client,
  path: string,
  serialize: (message: unknown) => Buffer,
  deserialize: (bytes: Buffer) => unknown,
  request: unknown,
  options: CallOptions,
): AsyncIterable<unknown> {
  const { signal } = options;
  const deadline = callDeadline(options);
  const call = channel.makeServerStreamRequest(
    path,
    serialize,
    deserialize,
    request,
    new grpc.Metadata(),
    deadline === undefined ? {} : { deadline },
  );
  const cancel = (): void => call.cancel();
  if (signal?.aborted) cancel();
  else signal?.addEventListener("abort", cancel, { once: true });
  try {
    for await (const response of call) yield response;
  } catch (err) {
    throw clientError(err as grpc.ServiceError, deadline, signal);
  } finally {
    signal?.removeEventListener("abort", cancel);
    call.cancel();
  }
}
