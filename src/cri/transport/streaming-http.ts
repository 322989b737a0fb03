// The HTTP side of containerd's streaming server, answered as Go's net/http and go-restful answer:
// the routes (GET and POST of /exec/{token}, /attach/{token}, /portforward/{token}), the error
// responses (http.Error, http.NotFound, go-restful's own 404 and 405), and the request a handler
// hijacks for an upgrade, whose response is written on the socket by hand. Node-only.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { quote } from "../../go/strconv.ts";
import { holdUntilTurnEnds } from "./write-batching.ts";

export type StreamMethod = "exec" | "attach" | "portforward";

export type Route = { kind: "stream"; method: StreamMethod; token: string } | { kind: "notFound" } | { kind: "methodNotAllowed" };

const methods = new Set<string>(["exec", "attach", "portforward"]);

/** go-restful's routing of the streaming server's three paths (GET and POST each). */
export function routeOf(httpMethod: string, path: string): Route {
  const parts = path.split("/");
  if (parts.length !== 3 || parts[0] !== "" || !methods.has(parts[1]!) || parts[2] === "") return { kind: "notFound" };
  if (httpMethod !== "GET" && httpMethod !== "POST") return { kind: "methodNotAllowed" };
  return { kind: "stream", method: parts[1] as StreamMethod, token: parts[2]! };
}

/** A response as a Go handler sets it up: its own headers (written sorted), the body. */
export interface GoResponse {
  status: number;
  headers: Array<[string, string]>;
  body: string;
  /** The Content-Type net/http sniffs for a handler that set none (written after Content-Length). */
  sniffedType?: string;
}

const statusTexts: Record<number, string> = {
  101: "Switching Protocols",
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  500: "Internal Server Error",
};

export function statusText(status: number): string {
  return statusTexts[status] ?? "";
}

/** http.Error: the message and a newline as plain text. */
export function httpError(status: number, message: string, headers: Array<[string, string]> = []): GoResponse {
  return {
    status,
    headers: [...headers, ["Content-Type", "text/plain; charset=utf-8"], ["X-Content-Type-Options", "nosniff"]],
    body: `${message}\n`,
  };
}

/** http.NotFound: what an unknown, used or expired token gets. */
export const tokenNotFound = (): GoResponse => httpError(404, "404 page not found");

/** go-restful's answer to a path no route has. */
export const routeNotFound = (): GoResponse => ({ status: 404, headers: [], body: "404: Page Not Found", sniffedType: "text/plain; charset=utf-8" });

/** go-restful's answer to a route's path with another method. */
export const methodNotAllowed = (): GoResponse => ({ status: 405, headers: [], body: "405: Method Not Allowed", sniffedType: "text/plain; charset=utf-8" });

/** Where a handler's answer goes: a plain response, or the socket of an upgrade request. */
export interface Responder {
  respond(response: GoResponse): void;
  /** The connection, for an upgrade request (Node hands it over); undefined for a plain request. */
  readonly socket: Duplex | undefined;
  /** Bytes the client sent after the upgrade request's headers. */
  readonly head: Uint8Array;
}

/** The header lines Go writes for a response: the handler's sorted, then its own. */
function headerLines(response: GoResponse): Array<[string, string]> {
  return [
    ...sortedHeaders(response.headers),
    ["Date", new Date().toUTCString()],
    ["Content-Length", String(Buffer.byteLength(response.body))],
    ...(response.sniffedType ? [["Content-Type", response.sniffedType] as [string, string]] : []),
  ];
}

/** A plain request: Node writes the response, with Go's headers and no Connection header of its own. */
export function plainResponder(res: ServerResponse): Responder {
  return {
    socket: undefined,
    head: new Uint8Array(0),
    respond(response) {
      res.sendDate = false;
      res.removeHeader("Connection");
      res.writeHead(response.status, statusText(response.status), headerLines(response));
      res.end(response.body);
    },
  };
}

/**
 * An upgrade request (Node hands over the connection): the response is written on the socket,
 * which then goes back to the HTTP server for the next request, as Go keeps the connection.
 */
export function socketResponder(socket: Duplex, head: Uint8Array, reuse: (socket: Duplex) => void): Responder {
  return {
    socket,
    head,
    respond(response) {
      writeHead(socket, response.status, headerLines(response));
      socket.write(response.body);
      if (head.length > 0) socket.unshift(head);
      reuse(socket);
    },
  };
}

/** A status line and headers as they are, on a hijacked connection (sent with what follows in the same turn). */
export function writeHead(socket: Duplex, status: number, headers: Array<[string, string]>): void {
  holdUntilTurnEnds(socket);
  socket.write(`HTTP/1.1 ${status} ${statusText(status)}\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`);
}

/** Go writes a handler's headers sorted by name (each name's values in the order added). */
export function sortedHeaders(headers: Array<[string, string]>): Array<[string, string]> {
  return headers.map((h, i) => [h, i] as const).sort((a, b) => (a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1])).map(([h]) => h);
}

/** textproto.CanonicalMIMEHeaderKey. */
export function canonicalHeaderKey(key: string): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(key)) return key;
  return key.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

/** Each request's headers as goHeaders made them: a request is asked for a header several times. */
const parsedHeaders = new WeakMap<IncomingMessage, ReadonlyMap<string, readonly string[]>>();

/** The request's headers as Go has them (canonical keys, values in order, Host taken out). */
function goHeaders(req: IncomingMessage): ReadonlyMap<string, readonly string[]> {
  const parsed = parsedHeaders.get(req);
  if (parsed) return parsed;
  const headers = new Map<string, string[]>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const key = canonicalHeaderKey(req.rawHeaders[i]!);
    if (key === "Host") continue;
    headers.set(key, [...(headers.get(key) ?? []), req.rawHeaders[i + 1]!]);
  }
  parsedHeaders.set(req, headers);
  return headers;
}

/** All values of a header (http.Header[key]). */
export function headerValues(req: IncomingMessage, key: string): readonly string[] {
  return goHeaders(req).get(canonicalHeaderKey(key)) ?? [];
}

/** http.Header.Get: the first value, or "". */
export function headerValue(req: IncomingMessage, key: string): string {
  return headerValues(req, key)[0] ?? "";
}

/** fmt's %#v of the request's http.Header (keys sorted, as fmt prints maps). */
export function goHeaderRepr(req: IncomingMessage): string {
  const headers = goHeaders(req);
  const keys = [...headers.keys()].sort();
  const entries = keys.map((k) => `${quote(k)}:[]string{${headers.get(k)!.map((v) => quote(v)).join(", ")}}`);
  return `http.Header{${entries.join(", ")}}`;
}

/** httpstream.IsUpgradeRequest: a Connection header mentions upgrade. */
export function isUpgradeRequest(req: IncomingMessage): boolean {
  return headerValues(req, "Connection").some((v) => v.toLowerCase().includes("upgrade"));
}

/** wsstream.IsWebSocketRequest. */
export function isWebSocketRequest(req: IncomingMessage): boolean {
  return headerValue(req, "Upgrade").toLowerCase() === "websocket" && isUpgradeRequest(req);
}

/** The comma-separated values of a header, spaces trimmed, empty ones dropped (httpstream's parsing). */
export function commaSeparated(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(",")).map((v) => v.replace(/^ +| +$/g, "")).filter((v) => v !== "");
}
