// The streaming server under bad input: a malformed upgrade, a frame on an unknown stream, frames
// too large or unreadable, a client that vanishes mid-stream. Each is answered or closed, the server
// goes on serving the next client, and the exec's process and the token are gone afterwards.
// (What a well-behaved client sees is pinned by golden/streams.)

import { X509Certificate } from "node:crypto";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import { hostname } from "node:os";
import type { TLSSocket } from "node:tls";
import { afterEach, describe, expect, test } from "vitest";
import { exchange, type ClientStep } from "../../../golden/streams/exchange.ts";
import { createFakeCri, type FakeCri } from "../../harness/index.ts";
import { deflate } from "pako";
import { defaultCriConfig } from "../config.ts";
import { FrameWriter, headerDictionary, spdyHeaders } from "./spdy-frames.ts";
import { streamingServerSettings } from "./streaming-server.ts";

let fake: FakeCri;

afterEach(async () => {
  await fake?.close();
});

async function runningContainer(): Promise<string> {
  fake = await createFakeCri({ seed: 1, images: ["busybox:1.36"] });
  const config = { metadata: { name: "p", namespace: "default", uid: "p" } };
  const { podSandboxId } = await fake.runtime.runPodSandbox({ config });
  const { containerId } = await fake.runtime.createContainer({
    podSandboxId,
    sandboxConfig: config,
    config: { metadata: { name: "c" }, image: { image: "busybox:1.36" }, command: ["sleep", "infinity"] },
  });
  await fake.runtime.startContainer({ containerId });
  return containerId;
}

const spdyExec: ClientStep[] = [
  { http: { method: "POST", headers: { Connection: "Upgrade", Upgrade: "SPDY/3.1", "X-Stream-Protocol-Version": "v4.channel.k8s.io" } } },
  { synStream: { streamId: 1, headers: { streamType: "error" } } },
  { synStream: { streamId: 3, headers: { streamType: "stdout" } } },
];

/** An exec of `echo ok` over SPDY works: the server is still serving. */
async function stillServes(containerId: string): Promise<void> {
  const { url } = await fake.runtime.exec({ containerId, cmd: ["echo", "ok"], stdout: true });
  const events = await exchange(url, spdyExec);
  expect(events).toContainEqual({ spdy: { type: "data", streamId: 3, fin: false, data: "ok\n" } });
  expect(events).toContainEqual({ spdy: { type: "data", streamId: 1, fin: false, data: '{"metadata":{},"status":"Success"}' } });
}

/** Execs still known to the container's task (an exec is deleted once it has exited). */
async function liveExecs(containerId: string): Promise<number> {
  const task = await fake.containerd.namespace("k8s.io").tasks.get(containerId);
  return (await task.pids()).filter((p) => p.info !== undefined).length;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

describe("the streaming server under bad input", () => {
  test("a malformed request is answered 400 and closed", async () => {
    const id = await runningContainer();
    const { url } = await fake.runtime.exec({ containerId: id, cmd: ["true"], stdout: true });
    const events = await exchange(url, [{ raw: { hex: Buffer.from("NOT HTTP AT ALL\r\n\r\n").toString("hex") } }]);
    expect(events[0]).toMatchObject({ http: { status: "400 Bad Request" } });
    expect(events.at(-1)).toEqual({ closed: true });
    await stillServes(id);
  });

  test("a SPDY upgrade whose first bytes are not SPDY frames is closed; the token is spent", async () => {
    const id = await runningContainer();
    const { url } = await fake.runtime.exec({ containerId: id, cmd: ["true"], stdout: true });
    const events = await exchange(url, [spdyExec[0]!, { raw: { hex: "8003ffff00000000" } }]);
    expect(events).toEqual([expect.objectContaining({ http: expect.objectContaining({ status: "101 Switching Protocols" }) }), { closed: true }]);
    expect(fake.service.streaming.waiting).toBe(0);
    expect((await exchange(url, spdyExec))[0]).toMatchObject({ http: { status: "404 Not Found" } });
    await stillServes(id);
  });

  test("data on a stream that does not exist is dropped; the exec goes on", async () => {
    const id = await runningContainer();
    const { url } = await fake.runtime.exec({ containerId: id, cmd: ["echo", "ok"], stdout: true });
    const events = await exchange(url, [spdyExec[0]!, { data: { streamId: 99, text: "stray" } }, ...spdyExec.slice(1)]);
    expect(events).toContainEqual({ spdy: { type: "data", streamId: 3, fin: false, data: "ok\n" } });
    expect(events.at(-1)).toEqual({ closed: true });
  });

  test("a stream ID that does not rise is reset with PROTOCOL_ERROR; the connection stays", async () => {
    const id = await runningContainer();
    const { url } = await fake.runtime.exec({ containerId: id, cmd: ["echo", "ok"], stdout: true });
    const events = await exchange(url, [spdyExec[0]!, spdyExec[1]!, { synStream: { streamId: 1, headers: { streamType: "stdout" } } }, spdyExec[2]!]);
    expect(events).toContainEqual({ spdy: { type: "rstStream", streamId: 1, status: 1 } });
    expect(events).toContainEqual({ spdy: { type: "data", streamId: 3, fin: false, data: "ok\n" } });
  });

  test("a 16 MiB data frame (the largest SPDY has) reaches the process; the server keeps serving", async () => {
    const id = await runningContainer();
    const { url } = await fake.runtime.exec({ containerId: id, cmd: ["cat"], stdin: true, stdout: true });
    const writer = new FrameWriter();
    // Stream IDs of the exchange's own writer are on a separate compression context: only DATA here.
    const big = writer.encode({ type: "data", streamId: 3, fin: true, data: new Uint8Array(0xffffff).fill(0x61) });
    const events = await exchange(url, [
      spdyExec[0]!,
      spdyExec[1]!,
      { synStream: { streamId: 3, headers: { streamType: "stdin" } } },
      { synStream: { streamId: 5, headers: { streamType: "stdout" } } },
      { raw: { hex: hex(big) } },
    ]);
    const echoed = events.filter((e) => "spdy" in e && e.spdy.streamId === 5 && e.spdy.type === "data").map((e) => ("spdy" in e ? String(e.spdy.data) : "")).join("");
    expect(echoed.length).toBe(0xffffff);
    expect(events).toContainEqual({ spdy: { type: "data", streamId: 1, fin: false, data: '{"metadata":{},"status":"Success"}' } });
    await stillServes(id);
  });

  test("a header block that inflates past 1 MiB closes the connection", async () => {
    const id = await runningContainer();
    const { url } = await fake.runtime.exec({ containerId: id, cmd: ["true"], stdout: true });
    // A SYN_STREAM whose 2 MiB of headers deflate to a few KiB.
    const plain = new FrameWriter().encode({
      type: "synStream",
      streamId: 1,
      associatedToStreamId: 0,
      priority: 0,
      fin: false,
      unidirectional: false,
      headers: spdyHeaders({ streamType: "error", padding: "x".repeat(2 << 20) }),
    });
    const block = plain.subarray(8 + 10 + 2).slice();
    const stored: number[] = [];
    for (let at = 0; at < block.length; ) {
      const length = block[at + 1]! | (block[at + 2]! << 8);
      stored.push(...block.subarray(at + 5, at + 5 + length));
      at += 5 + length;
    }
    const compressed = deflate(Uint8Array.from(stored), { dictionary: headerDictionary });
    const bomb = new Uint8Array(18 + compressed.length);
    bomb.set(plain.subarray(0, 18));
    new DataView(bomb.buffer).setUint32(4, 10 + compressed.length);
    bomb.set(compressed, 18);
    expect(bomb.length).toBeLessThan(64 << 10);
    const events = await exchange(url, [spdyExec[0]!, { raw: { hex: hex(bomb) } }]);
    expect(events.at(-1)).toEqual({ closed: true });
    expect(events.filter((e) => "spdy" in e)).toEqual([]);
    await stillServes(id);
  });

  test("a client that vanishes mid-exec: its stdin ends, the process exits, the exec is deleted", async () => {
    const id = await runningContainer();
    const { url } = await fake.runtime.exec({ containerId: id, cmd: ["cat"], stdin: true, stdout: true });
    const target = new URL(url);
    const writer = new FrameWriter();
    const socket = connect(Number(target.port), target.hostname);
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(`POST ${target.pathname} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n`);
    for (const [streamId, streamType] of [[1, "error"], [3, "stdin"], [5, "stdout"]] as const) {
      socket.write(writer.encode({ type: "synStream", streamId, associatedToStreamId: 0, priority: 0, fin: false, unidirectional: false, headers: spdyHeaders({ streamType }) }));
    }
    socket.write(writer.encode({ type: "data", streamId: 3, fin: false, data: new TextEncoder().encode("partial") }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await liveExecs(id)).toBe(1);
    socket.destroy();
    for (let i = 0; i < 50 && (await liveExecs(id)) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await liveExecs(id)).toBe(0);
    expect(fake.service.streaming.waiting).toBe(0);
    await stillServes(id);
  });

  test("a WebSocket message beyond 32 MiB closes the connection", async () => {
    const id = await runningContainer();
    const { url } = await fake.runtime.exec({ containerId: id, cmd: ["cat"], stdin: true, stdout: true });
    const target = new URL(url);
    const socket = connect(Number(target.port), target.hostname);
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.resume();
    socket.write(
      `GET ${target.pathname} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: ZmFrZS1jcmktdGVzdHMhIQ==\r\n` +
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n",
    );
    // A masked binary frame announcing 33 MiB (the 64-bit length form); no payload need follow.
    const length = Buffer.alloc(8);
    length.writeBigUInt64BE(33n << 20n);
    socket.write(Buffer.concat([Buffer.from([0x82, 0xff]), length, Buffer.from([1, 2, 3, 4])]));
    await new Promise((resolve) => socket.once("close", resolve));
    for (let i = 0; i < 50 && (await liveExecs(id)) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await liveExecs(id)).toBe(0);
    await stillServes(id);
  });
});

describe("enable_tls_streaming", () => {
  test("without a key pair the server makes a self-signed chain, as containerd does, and serves HTTPS", async () => {
    fake = await createFakeCri({ seed: 1, images: ["busybox:1.36"], config: { enableTlsStreaming: true } });
    const config = { metadata: { name: "p", namespace: "default", uid: "p" } };
    const { podSandboxId } = await fake.runtime.runPodSandbox({ config });
    const { url } = await fake.runtime.portForward({ podSandboxId });
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/portforward\/[\w-]{8}$/);
    const { status, certificates } = await new Promise<{ status: number; certificates: X509Certificate[] }>((resolve, reject) => {
      const req = httpsRequest(url.replace(/[^/]+$/, "notatokn"), { rejectUnauthorized: false }, (res) => {
        const chain: X509Certificate[] = [];
        for (let cert = (res.socket as TLSSocket).getPeerX509Certificate(); cert && chain.length < 3; cert = cert.issuerCertificate) {
          chain.push(cert);
          if (cert.issuer === cert.subject) break;
        }
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode!, certificates: chain }));
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(404);
    const [server, ca] = certificates;
    expect(server?.subject).toMatch(new RegExp(`^CN=${hostname()}@\\d+$`));
    expect(server?.issuer).toMatch(new RegExp(`^CN=${hostname()}-ca@\\d+$`));
    expect(server?.checkIssued(ca!)).toBe(true);
    expect(server?.subjectAltName).toContain("IP Address:127.0.0.1");
    expect(ca?.ca).toBe(true);
  });

  test("a half-configured key pair is refused with containerd's words", async () => {
    const base = defaultCriConfig();
    const settings = (tls: Partial<typeof base>) => streamingServerSettings({ ...base, ...tls });
    await expect(settings({ enableTlsStreaming: true, x509KeyPairStreaming: { tlsCertFile: "/c.pem", tlsKeyFile: "" } })).rejects.toThrow(
      "failed to create stream server: invalid stream server configuration: must set X509KeyPairStreaming.TLSKeyFile",
    );
    await expect(settings({ x509KeyPairStreaming: { tlsCertFile: "", tlsKeyFile: "/k.pem" } })).rejects.toThrow(
      "invalid stream server configuration: X509KeyPairStreaming.TLSKeyFile is set but EnableTLSStreaming is not set",
    );
    await expect(settings({ enableTlsStreaming: true, x509KeyPairStreaming: { tlsCertFile: "/nonexistent/c.pem", tlsKeyFile: "/nonexistent/k.pem" } })).rejects.toThrow(
      "failed to create stream server: failed to load x509 key pair for stream server: ENOENT",
    );
    expect((await settings({ streamIdleTimeout: "90s" })).idleTimeoutMs).toBe(90_000);
  });
});
