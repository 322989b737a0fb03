// One pod's whole life through the CRI, as a kubelet drives it: RunPodSandbox, CreateContainer,
// StartContainer, ContainerStatus, StopContainer, RemoveContainer, StopPodSandbox,
// RemovePodSandbox. Measured in-process (the harness's clients: no encoding), over the unix socket
// (fake.serve + connectCri), and, in the same run and through the same client, against a bare
// grpc-js server answering the same eight method paths with canned responses, so the socket figure
// reads as a ratio to gRPC's own cost on this machine at this moment. A third server, fake-cri's
// wire layer (serveCri: the authority shim, status mapping) with the same canned responses, splits
// fake-cri's socket figure into what the wire layer adds and what the CRI work adds. Then the cost
// of each RPC, and the heap a running pod and a running container hold.
//
//   node --expose-gc --import tsx bench/cri-lifecycle.ts
//
// Targets (issue 21): in-process <= 100 µs per lifecycle; over the socket <= 1.5x the bare server;
// <= 6 KiB per running pod and <= 8 KiB per running container.
// Anchors: a real containerd ~400 ms per lifecycle; Kubernetes' Go FakeRuntimeService 2.7 µs.
// Environment: ROUNDS (in-process rounds, default 5), SOCKET_ROUNDS (default 30) and CALLS (lifecycles
// per server per socket round, default 50): the three servers take turns in short blocks, in a
// rotating order, so that the machine's drift reaches all of them alike; ratios are the median of
// the per-round ratios.
// PODS (memory: running pods, default 2,000) x CONTAINERS_PER_POD (running containers, default 5).
// CPU figures are the whole process (client and server, and V8's helper threads).

import * as grpc from "@grpc/grpc-js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v1 from "../src/cri/api/v1.ts";
import { connectCri, serveCri } from "../src/cri/transport/grpc.ts";
import { createFakeCri, type FakeCri } from "../src/harness/index.ts";
import { busybox, containerConfig, lifecycle, podConfig, rpcNames } from "./lifecycle.ts";
import { measureAsync, memoryUsed, report } from "./measure.ts";

// The memory figures come last; fail before minutes of timing rather than after.
if (!("gc" in globalThis)) throw new Error("run with node --expose-gc --import tsx bench/cri-lifecycle.ts");

const rounds = Number(process.env.ROUNDS ?? 5);
const socketRounds = Number(process.env.SOCKET_ROUNDS ?? 30);
const socketLifecycles = Number(process.env.CALLS ?? 50);
const pods = Number(process.env.PODS ?? 2_000);
const containersPerPod = Number(process.env.CONTAINERS_PER_POD ?? 5);

const dir = mkdtempSync(join(tmpdir(), "fake-cri-lifecycle-"));

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Sample {
  wallMicros: number;
  cpuMicros: number;
}

/** `n` sequential lifecycles: wall and CPU time per lifecycle (CPU is both sides when they share the process). */
async function sample(n: number, first: number, run: (i: number) => Promise<void>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < n; i++) await run(first + i);
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wallMicros: (wall * 1000) / n, cpuMicros: (used.user + used.system) / n };
}

async function inProcess(fake: FakeCri): Promise<void> {
  let next = 0;
  report(await measureAsync("BenchmarkLifecycle/in-process", () => lifecycle(fake.runtime, next++), 2000));

  // Per RPC: the same lifecycles with a timestamp after each call, several rounds, median.
  const laps = rpcNames.map(() => [] as number[]);
  const cpuPerLifecycle: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const total = new Array<number>(rpcNames.length).fill(0);
    const n = 2000;
    const cpu = process.cpuUsage();
    for (let k = 0; k < n; k++) {
      let last = performance.now();
      await lifecycle(fake.runtime, next++, (rpc) => {
        const now = performance.now();
        total[rpc]! += now - last;
        last = now;
      });
    }
    const used = process.cpuUsage(cpu);
    cpuPerLifecycle.push((used.user + used.system) / n);
    total.forEach((t, rpc) => laps[rpc]!.push((t * 1000) / n));
  }
  console.log(`in-process, per RPC (median of ${rounds} rounds of 2,000 lifecycles, wall µs):`);
  rpcNames.forEach((name, rpc) => console.log(`  ${name.padEnd(20)} ${median(laps[rpc]!).toFixed(1).padStart(9)}`));
  const sum = rpcNames.reduce((s, _, rpc) => s + median(laps[rpc]!), 0);
  console.log(`  ${"lifecycle".padEnd(20)} ${sum.toFixed(1).padStart(9)}   (CPU ${median(cpuPerLifecycle).toFixed(1)} µs)`);
}

/** The eight responses a bare server gives, whatever it is asked. */
const cannedId = "a".repeat(64);
const canned: Record<(typeof rpcNames)[number], unknown> = {
  RunPodSandbox: { podSandboxId: cannedId },
  CreateContainer: { containerId: cannedId },
  StartContainer: {},
  ContainerStatus: {
    status: { id: cannedId, metadata: { name: "app", attempt: 0 }, state: v1.ContainerState.CONTAINER_RUNNING, image: { image: busybox } },
    info: {},
  },
  StopContainer: {},
  RemoveContainer: {},
  StopPodSandbox: {},
  RemovePodSandbox: {},
};

/** The plainest grpc-js server on a unix socket answering the same eight method paths. */
async function bareServer(path: string): Promise<() => void> {
  const server = new grpc.Server();
  const methods = v1.RuntimeServiceDefinition.methods as unknown as Record<
    string,
    { name: string; requestType: { decode(b: Uint8Array): unknown }; responseType: { fromPartial(o: unknown): unknown; encode(m: unknown): { finish(): Uint8Array } } }
  >;
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const [key, method] of Object.entries(methods)) {
    if (!(rpcNames as readonly string[]).includes(method.name)) continue;
    const response = method.responseType.fromPartial(canned[method.name as (typeof rpcNames)[number]]);
    definition[key] = {
      path: `/${v1.RuntimeServiceDefinition.fullName}/${method.name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (m: unknown) => m as Buffer,
      requestDeserialize: (b: Buffer) => method.requestType.decode(b),
      responseSerialize: (m: unknown) => Buffer.from(method.responseType.encode(m).finish()),
      responseDeserialize: (b: Buffer) => b,
    };
    handlers[key] = (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(null, response);
  }
  server.addService(definition, handlers);
  await new Promise<void>((ok, fail) =>
    server.bindAsync(`unix://${path}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? fail(e) : ok())),
  );
  return () => server.forceShutdown();
}

/** fake-cri's own wire layer (serveCri, with its authority shim) answering with the canned responses. */
async function cannedWireLayer(path: string): Promise<() => Promise<void>> {
  const methods = v1.RuntimeServiceDefinition.methods as unknown as Record<string, { name: string; responseType: { fromPartial(o: unknown): unknown } }>;
  const runtime: Record<string, () => Promise<unknown>> = {};
  for (const [key, method] of Object.entries(methods)) {
    if (!(rpcNames as readonly string[]).includes(method.name)) continue;
    const response = method.responseType.fromPartial(canned[method.name as (typeof rpcNames)[number]]);
    runtime[key] = async () => response;
  }
  const server = await serveCri({ runtime } as Parameters<typeof serveCri>[0], { listen: `unix://${path}` });
  return server.close;
}

async function overSocket(fake: FakeCri): Promise<void> {
  const served = await fake.serve(`unix://${join(dir, "fake-cri.sock")}`);
  const barePath = join(dir, "bare.sock");
  const stopBare = await bareServer(barePath);
  const wirePath = join(dir, "wire.sock");
  const stopWire = await cannedWireLayer(wirePath);
  const clients = {
    ours: connectCri(served.endpoint).runtime,
    wire: connectCri(`unix://${wirePath}`).runtime,
    bare: connectCri(`unix://${barePath}`).runtime,
  };
  const samples = { ours: [] as Sample[], wire: [] as Sample[], bare: [] as Sample[] };
  let next = 10_000_000;
  for (let i = 0; i < 100; i++) for (const client of Object.values(clients)) await lifecycle(client, next++);
  const order = ["ours", "wire", "bare"] as const;
  for (let r = 0; r < socketRounds; r++) {
    for (let k = 0; k < order.length; k++) {
      const key = order[(r + k) % order.length]!;
      samples[key].push(await sample(socketLifecycles, next, (i) => lifecycle(clients[key], i)));
      next += socketLifecycles;
    }
  }
  const row = (name: string, s: Sample[]) =>
    console.log(
      `  ${name.padEnd(42)} ${median(s.map((x) => x.wallMicros)).toFixed(0).padStart(9)} ${median(s.map((x) => x.cpuMicros)).toFixed(0).padStart(9)}`,
    );
  console.log(
    `over the unix socket (${socketRounds} rounds of ${socketLifecycles} lifecycles per server, median µs per lifecycle):`,
  );
  console.log(`  ${"".padEnd(42)} ${"wall".padStart(9)} ${"cpu".padStart(9)}`);
  row("fake-cri (serve + connectCri)", samples.ours);
  row("fake-cri's wire layer, canned answers", samples.wire);
  row("bare grpc-js, same 8 calls, canned answers", samples.bare);
  const ratio = (of: Sample[], pick: (s: Sample) => number) => median(of.map((s, r) => pick(s) / pick(samples.bare[r]!)));
  for (const [name, of] of [["fake-cri", samples.ours], ["wire layer alone", samples.wire]] as const) {
    console.log(
      `  ratio ${name} / bare: wall ${ratio(of, (s) => s.wallMicros).toFixed(2)}x, cpu ${ratio(of, (s) => s.cpuMicros).toFixed(2)}x` +
        (of === samples.ours ? " (target <= 1.5x)" : ""),
    );
  }
  await stopWire();
  stopBare();
  await served.close();
}

/**
 * The heap held by running pods, then by their running containers (each with its status
 * checkpoint, spec, log file and task): sandboxes first, containers added after, so each is
 * reported on its own.
 */
async function memory(): Promise<void> {
  const fake = await createFakeCri({ seed: 2, images: [busybox] });
  const empty = await memoryUsed();
  const sandboxes: Array<{ id: string; config: v1.DeepPartial<v1.PodSandboxConfig> }> = [];
  for (let p = 0; p < pods; p++) {
    const config = podConfig(p);
    sandboxes.push({ id: (await fake.runtime.runPodSandbox({ config })).podSandboxId, config });
  }
  await fake.containerd.events.delivered();
  const withPods = await memoryUsed();
  for (const { id, config } of sandboxes) {
    for (let k = 0; k < containersPerPod; k++) {
      const { containerId } = await fake.runtime.createContainer({ podSandboxId: id, config: containerConfig(`c${k}`), sandboxConfig: config });
      await fake.runtime.startContainer({ containerId });
    }
  }
  await fake.containerd.events.delivered();
  const withContainers = await memoryUsed();
  const containers = pods * containersPerPod;
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  console.log(`memory (heap + array buffers after gc), ${pods} running pods, then ${containers} running containers in them:`);
  console.log(`  per running pod (sandbox)       ${kib((withPods - empty) / pods).padStart(12)}`);
  console.log(`  per running container           ${kib((withContainers - withPods) / containers).padStart(12)}`);
  await fake.close();
}

const fake = await createFakeCri({ seed: 1, images: [busybox] });
await inProcess(fake);
// SOCKET_ROUNDS=0: the in-process figures and the memory only.
if (socketRounds > 0) await overSocket(fake);
await fake.close();
await memory();
rmSync(dir, { recursive: true, force: true });
