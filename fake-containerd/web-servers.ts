// Stand-ins for the web servers of the images tests point HTTP at (critest's nginx and httpd, a
// pod's own): a container whose command is nginx, or httpd / httpd-foreground, listens where the
// image's configuration says (nginx's `listen N;` in /etc/nginx/conf.d/*.conf, httpd's `Listen N`
// in /usr/local/apache2/conf/httpd.conf; 80 without one) and serves files from the document root
// (/usr/share/nginx/html, /usr/local/apache2/htdocs) as those servers answer: GET and HEAD,
// index.html for a directory, their 404 page, keep-alive. The version they report is the image's
// NGINX_VERSION or HTTPD_VERSION. They stop cleanly (exit 0) on the signals the servers stop on.

import { baseName } from "./emulation/index.ts";
import { readClock } from "./clock.ts";
import type { Socket } from "./network.ts";
import type { ProcessContext, ScriptFunction } from "./processes/script.ts";

interface ServerKind {
  /** The signals that stop it cleanly (exit 0); it ignores the others. */
  stopSignals: number[];
  configFiles(p: ProcessContext): Promise<string[]>;
  listenDirective: RegExp;
  documentRoot: string;
  serverHeader(env: readonly string[]): string;
  /** The page for a path with no file. */
  notFound(serverHeader: string): string;
  /** What the server writes when it starts (its log). */
  startupLog(p: ProcessContext): string;
  /** What else it does as it starts (nginx's master: its pid file, titles, workers); returns what it undoes on a clean stop. */
  setUp?(p: ProcessContext): Promise<() => void>;
}

const sigint = 2;
const sigquit = 3;
const sigterm = 15;
const sigwinch = 28;

const nginx: ServerKind = {
  stopSignals: [sigterm, sigint, sigquit],
  async configFiles(p) {
    const names = ((await p.readDir("/etc/nginx/conf.d")) ?? []).filter((n) => n.endsWith(".conf")).sort();
    return names.map((n) => `/etc/nginx/conf.d/${n}`);
  },
  listenDirective: /^\s*listen\s+(?:[^\s;]*:)?(\d+)[^;]*;/gm,
  documentRoot: "/usr/share/nginx/html",
  serverHeader: (env) => withVersion("nginx", envValue(env, "NGINX_VERSION")),
  notFound: (server) =>
    `<html>\r\n<head><title>404 Not Found</title></head>\r\n<body bgcolor="white">\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>${server}</center>\r\n</body>\r\n</html>\r\n`,
  startupLog: () => "",
  setUp: startNginxMaster,
};

/**
 * nginx's master process as it starts in the foreground: it writes its PID (as its PID namespace
 * numbers it) and a newline to the `pid` file of nginx.conf, names itself "nginx: master process"
 * and its command line, and forks `worker_processes` workers named "nginx: worker process"
 * (`auto`: one per CPU; the fake's node has one). A clean stop deletes the pid file.
 */
async function startNginxMaster(p: ProcessContext): Promise<() => void> {
  const conf = new TextDecoder().decode((await p.readFile("/etc/nginx/nginx.conf")) ?? new Uint8Array(0));
  // The official image builds nginx with --pid-path=/var/run/nginx.pid.
  const pidFile = /^\s*pid\s+([^\s;]+)\s*;/m.exec(conf)?.[1] ?? "/var/run/nginx.pid";
  const workers = Number(/^\s*worker_processes\s+(\d+)\s*;/m.exec(conf)?.[1] ?? 1);
  p.changeFile({ path: pidFile, change: "write", data: `${p.pidInNamespace}\n` });
  p.setCommandLine([`nginx: master process ${p.args.join(" ")}`]);
  for (let k = 0; k < workers; k++) p.fork(["nginx: worker process"]);
  return () => p.changeFile({ path: pidFile, change: "remove" });
}

const httpd: ServerKind = {
  // SIGWINCH is httpd's graceful stop (its image's STOPSIGNAL).
  stopSignals: [sigterm, sigint, sigwinch],
  configFiles: () => Promise.resolve(["/usr/local/apache2/conf/httpd.conf"]),
  listenDirective: /^\s*Listen\s+(?:\S*:)?(\d+)\s*$/gm,
  documentRoot: "/usr/local/apache2/htdocs",
  serverHeader: (env) => `${withVersion("Apache", envValue(env, "HTTPD_VERSION"))} (Unix)`,
  notFound: () =>
    '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n</body></html>\n',
  startupLog: (p) => {
    const at = new Date(Number(readClock(p.clock) / 1_000_000n)).toUTCString();
    return `[${at}] [core:notice] [pid 1] AH00094: Command line: '${p.args.join(" ")}'\n`;
  },
};

/** The stand-in for a container's command, when it names one of the servers. */
export function webServerFor(args: readonly string[]): ScriptFunction | undefined {
  const program = args[0] === undefined ? "" : baseName(args[0]);
  if (program === "nginx") return (p) => serve(p, nginx);
  if (program === "httpd" || program === "httpd-foreground") return (p) => serve(p, httpd);
  return undefined;
}

async function serve(p: ProcessContext, kind: ServerKind): Promise<number> {
  const ports = new Set<number>();
  for (const file of await kind.configFiles(p)) {
    const text = new TextDecoder().decode((await p.readFile(file)) ?? new Uint8Array(0));
    for (const match of text.matchAll(kind.listenDirective)) ports.add(Number(match[1]));
  }
  if (ports.size === 0) ports.add(80);
  const server = kind.serverHeader(p.env);
  for (const port of ports) p.listen(port, (socket) => serveConnection(p, kind, server, socket));
  const tearDown = await kind.setUp?.(p);
  const log = kind.startupLog(p);
  if (log !== "") p.write("stderr", log);
  p.onSignal((signal) => {
    if (!kind.stopSignals.includes(signal)) return;
    tearDown?.();
    p.exit(0);
  });
  await p.exited;
  return 0;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("latin1");

/** HTTP/1.x on one connection: requests answered in turn until either side closes. */
async function serveConnection(p: ProcessContext, kind: ServerKind, server: string, socket: Socket): Promise<void> {
  let buffered = "";
  for await (const chunk of socket.data) {
    buffered += decoder.decode(chunk);
    for (;;) {
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) break;
      const head = buffered.slice(0, end);
      const lines = head.split("\r\n");
      const [method = "", target = "", version = ""] = lines[0]!.split(" ");
      const headers = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(":")).trim().toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
      const bodyLength = Number(headers.get("content-length") ?? 0);
      if (buffered.length < end + 4 + bodyLength) break;
      buffered = buffered.slice(end + 4 + bodyLength);
      const keepAlive = version === "HTTP/1.1" ? headers.get("connection")?.toLowerCase() !== "close" : headers.get("connection")?.toLowerCase() === "keep-alive";
      await respond(p, kind, server, socket, method, target, keepAlive);
      if (!keepAlive) {
        socket.end();
        return;
      }
    }
  }
  socket.end();
}

async function respond(p: ProcessContext, kind: ServerKind, server: string, socket: Socket, method: string, target: string, keepAlive: boolean): Promise<void> {
  const path = normalPath(target.split("?")[0]!);
  let status = "200 OK";
  let file: Uint8Array | undefined;
  if (path === undefined) status = "400 Bad Request";
  else if (method !== "GET" && method !== "HEAD") status = "405 Not Allowed";
  else {
    file = (await p.readFile(`${kind.documentRoot}${path}`)) ?? (await p.readFile(`${kind.documentRoot}${path.replace(/\/?$/, "/")}index.html`));
    if (file === undefined) status = "404 Not Found";
  }
  const page = file ?? encoder.encode(status.startsWith("404") ? kind.notFound(server) : "");
  const date = new Date(Number(readClock(p.clock) / 1_000_000n)).toUTCString();
  const head = [
    `HTTP/1.1 ${status}`,
    `Server: ${server}`,
    `Date: ${date}`,
    "Content-Type: text/html",
    `Content-Length: ${page.length}`,
    `Connection: ${keepAlive ? "keep-alive" : "close"}`,
    ...(file ? ["Accept-Ranges: bytes"] : []),
  ].join("\r\n");
  socket.write(`${head}\r\n\r\n`);
  if (method !== "HEAD") socket.write(page);
  await socket.drained();
}

/** The request path without dot segments, as a server resolves it before reading a file; undefined when it does not decode. */
function normalPath(path: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  const parts: string[] = [];
  for (const part of decoded.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}${path.endsWith("/") && parts.length > 0 ? "/" : ""}`;
}

function envValue(env: readonly string[], name: string): string | undefined {
  return [...env].reverse().find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1);
}

function withVersion(name: string, version: string | undefined): string {
  return version ? `${name}/${version}` : name;
}
