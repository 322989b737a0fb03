// What `fake-cri record`'s proxy adds to a CRI call, beside what a bare grpc-js proxy adds: a client
// in a process of its own makes sequential unary calls to an upstream (a bare grpc-js server with
// canned answers, in a third process) directly, through a bare grpc-js proxy (generic handlers that
// forward each method's bytes with the client's metadata and deadline), and through the recording
// proxy on a unix socket (the authority shim in front) and over TCP (no shim). Two calls: Version
// (a few bytes each way) and ListContainers answering 100 containers (about 25 KB).
//
//   npx tsx bench/record-proxy.ts
//
// Variants take turns in short blocks, in a rotating order, so the machine's drift reaches all of
// them alike; the figure per variant is the median per-call wall time over the rounds, and what a
// proxy adds is that minus the direct call's median. Also: what writing the trace costs per call
// (decoding and normalising, done once at the end, off the calls' path).
// Environment: ROUNDS (default 15), CALLS per block (default 300).

import * as grpc from "@grpc/grpc-js";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as v1 from "../src/cri/api/v1.ts";
import { buildTrace } from "../src/trace/build.ts";
import { startRecordingProxy } from "../src/trace/proxy.ts";

const rounds = Number(process.env.ROUNDS ?? 15);
const calls = Number(process.env.CALLS ?? 300);
const self = fileURLToPath(import.meta.url);

const listAnswer = v1.ListContainersResponse.fromPartial({
  containers: Array.from({ length: 100 }, (_, i) => ({
    id: i.toString(16).padStart(64, "0"),
    podSandboxId: "f".repeat(64),
    metadata: { name: `container-${i}`, attempt: 0 },
    image: { image: "docker.io/library/busybox:1.36" },
    imageRef: `sha256:${"d".repeat(64)}`,
    state: v1.ContainerState.CONTAINER_RUNNING,
    createdAt: 1_700_000_000_000_000_000n + BigInt(i),
    labels: { "io.kubernetes.pod.name": `pod-${i}`, "io.kubernetes.pod.namespace": "default", "io.kubernetes.container.name": `container-${i}` },
    annotations: { "io.kubernetes.container.hash": "1a2b3c4d", "io.kubernetes.container.restartCount": "0" },
  })),
});

const calledMethods = {
  version: { path: "/runtime.v1.RuntimeService/Version", request: v1.VersionRequest.encode({ version: "0.1.0" }).finish() },
  listContainers: { path: "/runtime.v1.RuntimeService/ListContainers", request: v1.ListContainersRequest.encode(v1.ListContainersRequest.fromPartial({})).finish() },
};

const identity = {
  requestSerialize: (b: Buffer) => b,
  requestDeserialize: (b: Buffer) => b,
  responseSerialize: (b: Buffer) => b,
  responseDeserialize: (b: Buffer) => b,
};

function bind(server: grpc.Server, address: string): Promise<number> {
  return new Promise((ok, fail) => server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (e, port) => (e ? fail(e) : ok(port))));
}

/** The upstream: canned Version and ListContainers answers. */
async function upstream(socket: string): Promise<void> {
  const server = new grpc.Server();
  const answers = {
    version: Buffer.from(v1.VersionResponse.encode({ version: "0.1.0", runtimeName: "containerd", runtimeVersion: "1.6.20", runtimeApiVersion: "v1" }).finish()),
    listContainers: Buffer.from(v1.ListContainersResponse.encode(listAnswer).finish()),
  };
  const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const [key, { path }] of Object.entries(calledMethods)) {
    definition[key] = { path, requestStream: false, responseStream: false, ...identity };
    handlers[key] = (_call: unknown, callback: grpc.sendUnaryData<Buffer>) => callback(null, answers[key as keyof typeof answers]);
  }
  server.addService(definition, handlers);
  await bind(server, `unix://${socket}`);
  process.stdout.write("ready\n");
}

/** A bare grpc-js proxy: every CRI v1 method's bytes forwarded with the client's metadata and deadline. */
async function bareProxy(socket: string, upstreamSocket: string): Promise<() => void> {
  const client = new grpc.Client(`unix://${upstreamSocket}`, grpc.credentials.createInsecure());
  const server = new grpc.Server();
  for (const service of [v1.RuntimeServiceDefinition, v1.ImageServiceDefinition]) {
    const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
    const handlers: grpc.UntypedServiceImplementation = {};
    for (const [key, method] of Object.entries(service.methods)) {
      if (method.responseStream) continue;
      const path = `/${service.fullName}/${method.name}`;
      definition[key] = { path, requestStream: false, responseStream: false, ...identity };
      handlers[key] = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        client.makeUnaryRequest(path, identity.requestSerialize, identity.responseDeserialize, call.request, call.metadata, { deadline: call.getDeadline() }, callback);
      };
    }
    server.addService(definition, handlers);
  }
  await bind(server, `unix://${socket}`);
  return () => {
    server.forceShutdown();
    client.close();
  };
}

/** The client: for each line `target method`, `calls` sequential calls; answers the median µs per call. */
async function clientProcess(): Promise<void> {
  const clients = new Map<string, grpc.Client>();
  let input = "";
  process.stdin.on("data", async (chunk: Buffer) => {
    input += chunk.toString();
    for (let nl = input.indexOf("\n"); nl >= 0; nl = input.indexOf("\n")) {
      const [target, method] = input.slice(0, nl).split(" ") as [string, keyof typeof calledMethods];
      input = input.slice(nl + 1);
      let client = clients.get(target);
      if (!client) clients.set(target, (client = new grpc.Client(target, grpc.credentials.createInsecure())));
      const { path, request } = calledMethods[method];
      const call = () =>
        new Promise<void>((ok, fail) =>
          client.makeUnaryRequest(path, identity.requestSerialize, identity.responseDeserialize, Buffer.from(request), new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (err) =>
            err ? fail(err) : ok(),
          ),
        );
      for (let i = 0; i < 20; i++) await call();
      const start = performance.now();
      for (let i = 0; i < calls; i++) await call();
      process.stdout.write(`${((performance.now() - start) * 1000) / calls}\n`);
    }
  });
}

function child(args: string[]): { process: ChildProcess; lines: AsyncIterator<string> } {
  const proc = spawn(process.execPath, ["--import", "tsx", self, ...args], { stdio: ["pipe", "pipe", "inherit"] });
  async function* lines(): AsyncGenerator<string> {
    let buffered = "";
    for await (const chunk of proc.stdout!) {
      buffered += (chunk as Buffer).toString();
      for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
        yield buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
      }
    }
  }
  return { process: proc, lines: lines() };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "fake-cri-bench-record-"));
  const upstreamSocket = join(dir, "upstream.sock");
  const server = child(["upstream", upstreamSocket]);
  await server.lines.next();
  const stopBare = await bareProxy(join(dir, "bare.sock"), upstreamSocket);
  const recording = await startRecordingProxy({ upstream: `unix://${upstreamSocket}`, listen: `unix://${join(dir, "record.sock")}` });
  const recordingTcp = await startRecordingProxy({ upstream: `unix://${upstreamSocket}`, listen: "tcp://127.0.0.1:0" });
  const variants = [
    { name: "direct (no proxy)", target: `unix://${upstreamSocket}` },
    { name: "bare grpc-js proxy, unix", target: `unix://${join(dir, "bare.sock")}` },
    { name: "fake-cri record, unix (shim)", target: recording.endpoint },
    { name: "fake-cri record, tcp (no shim)", target: recordingTcp.endpoint.slice("tcp://".length) },
  ];
  const client = child(["client"]);
  const samples = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    for (const method of Object.keys(calledMethods)) {
      for (let i = 0; i < variants.length; i++) {
        const variant = variants[(i + round) % variants.length]!;
        client.process.stdin!.write(`${variant.target} ${method}\n`);
        const micros = Number((await client.lines.next()).value);
        const key = `${method}|${variant.name}`;
        samples.set(key, [...(samples.get(key) ?? []), micros]);
      }
    }
  }
  console.log(`${calls} sequential unary calls per block from a client process, ${rounds} rounds; median µs per call (range), added over direct:`);
  for (const method of Object.keys(calledMethods)) {
    const direct = median(samples.get(`${method}|${variants[0]!.name}`)!);
    for (const variant of variants) {
      const xs = samples.get(`${method}|${variant.name}`)!;
      const added = variant === variants[0] ? "" : `  +${(median(xs) - direct).toFixed(0)}`;
      console.log(`${method.padEnd(15)} ${variant.name.padEnd(32)} ${median(xs).toFixed(0).padStart(6)} (${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)})${added}`);
    }
  }

  // What the trace costs to write, per call (at the end, off the calls' path): 300 calls of each method.
  for (const { path } of Object.values(calledMethods)) {
    const exchanges = recording.exchanges.filter((e) => e.path === path).slice(0, 300);
    const cpu = process.cpuUsage();
    buildTrace(exchanges, { name: "bench", upstream: "bench", recordedAt: new Date(), started: 0, ended: performance.now(), connections: 1 });
    const used = process.cpuUsage(cpu);
    console.log(`writing the trace, ${path}: ${((used.user + used.system) / exchanges.length).toFixed(0)} µs CPU per call (decode, normalise)`);
  }

  client.process.kill();
  server.process.kill();
  stopBare();
  await recording.close();
  await recordingTcp.close();
  rmSync(dir, { recursive: true, force: true });
}

const [role, ...rest] = process.argv.slice(2);
if (role === "upstream") await upstream(rest[0]!);
else if (role === "client") await clientProcess();
else await main();
