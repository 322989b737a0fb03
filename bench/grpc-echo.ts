// The cost of a unary CRI call over the wire layer, beside a bare grpc-js server answering the same
// Version call: over a unix socket (fake-cri always puts the authority shim there) and over TCP
// (no shim), plus the shim alone on a bare server, a client that sends the socket path as
// :authority (the shim rewrites every request), and the shim's per-request work without any I/O.
//   npx tsx bench/grpc-echo.ts
// Each variant runs `calls` sequential calls from a grpc-js client per round; rounds are
// interleaved and the median is reported, as wall time and as CPU time (client and server share
// this process, so CPU time is both sides together and less disturbed by other load).

import * as grpc from "@grpc/grpc-js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VersionRequest, VersionResponse } from "../src/cri/api/v1.ts";
import { AuthorityRewriter } from "../src/cri/transport/authority-shim.ts";
import { listenWithAuthorityShim, serveCri } from "../src/cri/transport/grpc.ts";
import { encodeWithoutIndexing } from "../src/cri/transport/hpack.ts";
import { measure, report } from "./measure.ts";

const calls = Number(process.env.CALLS ?? 3000);
const rounds = Number(process.env.ROUNDS ?? 5);
const dir = mkdtempSync(join(tmpdir(), "fake-cri-bench-"));
const version: VersionResponse = {
  version: "0.1.0",
  runtimeName: "containerd",
  runtimeVersion: "v1.6.20",
  runtimeApiVersion: "v1",
};

const versionMethod = {
  path: "/runtime.v1.RuntimeService/Version",
  requestStream: false,
  responseStream: false,
  requestSerialize: (m: VersionRequest) => Buffer.from(VersionRequest.encode(m).finish()),
  requestDeserialize: (b: Buffer) => VersionRequest.decode(b),
  responseSerialize: (m: VersionResponse) => Buffer.from(VersionResponse.encode(m).finish()),
  responseDeserialize: (b: Buffer) => VersionResponse.decode(b),
};

/** The plainest grpc-js server: one handler that answers Version. */
function bareServer(): grpc.Server {
  const server = new grpc.Server();
  server.addService({ version: versionMethod }, {
    version: (_call: unknown, callback: grpc.sendUnaryData<VersionResponse>) => callback(null, version),
  });
  return server;
}

async function bareOnUnix(path: string): Promise<() => void> {
  const server = bareServer();
  await new Promise<void>((ok, fail) =>
    server.bindAsync(`unix://${path}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? fail(e) : ok())),
  );
  return () => server.forceShutdown();
}

async function bareOnTcp(): Promise<{ target: string; stop: () => void }> {
  const server = bareServer();
  const port = await new Promise<number>((ok, fail) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? fail(e) : ok(p))),
  );
  return { target: `127.0.0.1:${port}`, stop: () => server.forceShutdown() };
}

/** The bare server behind the same shim serveCri puts on its unix socket. */
async function bareBehindShim(path: string, upstream: string): Promise<() => Promise<void>> {
  const stopServer = await bareOnUnix(upstream);
  const shim = await listenWithAuthorityShim(path, upstream);
  return async () => {
    await shim.close();
    stopServer();
  };
}

interface Variant {
  name: string;
  target: string;
  authority?: string;
}

interface Sample {
  wallMicros: number;
  cpuMicros: number;
}

async function run(variant: Variant): Promise<Sample> {
  const options: grpc.ChannelOptions = variant.authority ? { "grpc.default_authority": variant.authority } : {};
  const client = new grpc.Client(variant.target, grpc.credentials.createInsecure(), options);
  const call = () =>
    new Promise<VersionResponse>((ok, fail) =>
      client.makeUnaryRequest(
        versionMethod.path,
        versionMethod.requestSerialize,
        versionMethod.responseDeserialize,
        { version: "0.1.0" },
        (err, res) => (err ? fail(err) : ok(res!)),
      ),
    );
  for (let i = 0; i < 200; i++) await call();
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < calls; i++) await call();
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  client.close();
  return { wallMicros: (wall * 1000) / calls, cpuMicros: (used.user + used.system) / calls };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const stops: (() => void | Promise<void>)[] = [];
  const bareUnix = join(dir, "bare.sock");
  stops.push(await bareOnUnix(bareUnix));
  const shimUnix = join(dir, "bare-shim.sock");
  stops.push(await bareBehindShim(shimUnix, join(dir, "bare-upstream.sock")));
  const bareTcp = await bareOnTcp();
  stops.push(bareTcp.stop);
  const services = { runtime: { version: async () => version } };
  const ours = await serveCri(services, { listen: `unix://${join(dir, "fake-cri.sock")}` });
  stops.push(ours.close);
  const oursTcp = await serveCri(services, { listen: "tcp://127.0.0.1:0" });
  stops.push(oursTcp.close);
  const oursPath = ours.endpoint.slice("unix://".length);

  const variants: Variant[] = [
    { name: "unix  bare grpc-js", target: `unix://${bareUnix}` },
    { name: "unix  bare grpc-js + authority shim", target: `unix://${shimUnix}` },
    { name: "unix  fake-cri (shim)", target: ours.endpoint },
    { name: "unix  fake-cri, client sends path authority", target: ours.endpoint, authority: oursPath },
    { name: "tcp   bare grpc-js", target: bareTcp.target },
    { name: "tcp   fake-cri (no shim)", target: oursTcp.endpoint.slice("tcp://".length) },
  ];
  const samples = new Map<string, Sample[]>(variants.map((v) => [v.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) samples.get(v.name)!.push(await run(v));
  }
  console.log(`${calls} sequential Version calls per round, ${rounds} rounds, median per call:`);
  console.log(`${"variant".padEnd(46)} ${"wall µs".padStart(9)} ${"cpu µs".padStart(9)}`);
  for (const v of variants) {
    const s = samples.get(v.name)!;
    console.log(
      `${v.name.padEnd(46)} ${median(s.map((x) => x.wallMicros)).toFixed(1).padStart(9)} ${median(s.map((x) => x.cpuMicros)).toFixed(1).padStart(9)}`,
    );
  }
  for (const stop of stops) await stop();
  rmSync(dir, { recursive: true, force: true });

  // The shim's own work per request, no I/O: one gRPC request's frames (HEADERS + DATA) as a
  // current client sends them (decoded, passed through) and as an old one does (decoded, rebuilt).
  const request = (authority: string): Uint8Array => {
    const block = encodeWithoutIndexing(
      [
        [":method", "POST"],
        [":scheme", "http"],
        [":path", "/runtime.v1.RuntimeService/Version"],
        [":authority", authority],
        ["content-type", "application/grpc"],
        ["user-agent", "grpc-go/1.27.1"],
        ["te", "trailers"],
        ["grpc-timeout", "1999967u"],
      ].map(([name, value]) => ({ name: name!, value: value!, neverIndexed: false })),
    );
    const frames = new Uint8Array(9 + block.length + 9 + 12);
    frames.set([block.length >> 8 >> 8, (block.length >> 8) & 0xff, block.length & 0xff, 1, 4, 0, 0, 0, 1]);
    frames.set(block, 9);
    frames.set([0, 0, 12, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 7, 10, 5, 48, 46, 49, 46, 48], 9 + block.length);
    return frames;
  };
  const preface = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  for (const [name, authority] of [
    ["BenchmarkShimCurrentClientRequest", "localhost"],
    ["BenchmarkShimOldClientRequest", "/run/containerd/containerd.sock"],
  ] as const) {
    const rewriter = new AuthorityRewriter();
    rewriter.push(preface);
    const frames = request(authority);
    report(measure(name, () => rewriter.push(frames)));
  }
}

await main();
