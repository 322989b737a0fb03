// A registry in front of the reference's local registry that misbehaves on purpose, for recording
// what containerd's image_pull_progress_timeout does: `/v2/stall/<repository>/...` and
// `/v2/slow/<repository>/...` are `/v2/<repository>/...` upstream, answered as upstream answers, except
// a blob larger than `stallAfterBytes`: under stall/ its first `stallAfterBytes` bytes are sent and then
// nothing (the connection stays open until the client gives up), under slow/ it is sent in ten pieces
// half a second apart (no gap near the timeout, the whole well beyond it). Loopback only.
//
// Usage (start.sh runs it in the instance's network namespace):
//   tsx scripts/reference/stalling-registry.ts <listen host:port> <upstream host:port>

import { request, createServer, type IncomingMessage, type ServerResponse } from "node:http";

const [listen, upstream] = process.argv.slice(2);
if (!listen || !upstream) throw new Error("usage: stalling-registry.ts <listen host:port> <upstream host:port>");

/** Bytes of a stalled blob sent before the stall: more than the busybox image's config, less than its layer. */
const stallAfterBytes = 512 * 1024;
const slowPieces = 10;
const slowGapMs = 500;

type Mode = "stall" | "slow";

function route(url: string): { mode: Mode; path: string } | undefined {
  const match = /^\/v2\/(stall|slow)\/(.+)$/.exec(url);
  return match ? { mode: match[1] as Mode, path: `/v2/${match[2]}` } : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function relayBody(mode: Mode, from: IncomingMessage, to: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of from) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const isBlob = from.statusCode === 200 && body.length > stallAfterBytes;
  if (!isBlob) {
    to.end(body);
    return;
  }
  if (mode === "stall") {
    to.write(body.subarray(0, stallAfterBytes));
    return; // never finished: the client's progress timeout ends it
  }
  const piece = Math.ceil(body.length / slowPieces);
  for (let offset = 0; offset < body.length; offset += piece) {
    if (offset > 0) await sleep(slowGapMs);
    if (to.destroyed) return;
    to.write(body.subarray(offset, offset + piece));
  }
  to.end();
}

const [upstreamHost, upstreamPort] = upstream.split(":");
const server = createServer((req, res) => {
  const routed = route(req.url ?? "");
  const path = routed?.path ?? req.url ?? "/";
  const forwarded = request({ host: upstreamHost, port: Number(upstreamPort), method: req.method, path, headers: req.headers }, (answer) => {
    const headers = { ...answer.headers };
    if (typeof headers.location === "string" && routed) headers.location = headers.location.replace(/^\/v2\//, `/v2/${routed.mode}/`);
    res.writeHead(answer.statusCode ?? 502, headers);
    if (!routed || req.method === "HEAD" || !path.includes("/blobs/")) answer.pipe(res);
    else void relayBody(routed.mode, answer, res);
  });
  forwarded.on("error", (err) => res.destroy(err));
  req.pipe(forwarded);
});
const [listenHost, listenPort] = listen.split(":");
server.listen(Number(listenPort), listenHost);
