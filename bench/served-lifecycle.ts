// `fake-cri serve` as an operator runs it, driven from another process by a client that shares no
// code with the server (served-client.ts: grpc-js and a hand-written protobuf encoder): one pod's eight-call
// lifecycle, again and again, against the fake and, in the same run, against a bare grpc-js server
// (also a process of its own) answering the same eight calls with canned responses. Prints the
// p50 and p90 per lifecycle of both and their ratio, and the CPU each server process spent per
// lifecycle (all its threads, from /proc/<pid>/task/*/schedstat); with STRACE=1, also the fake's
// system calls per lifecycle (`strace -c -f` attached to the serving process for the timed
// lifecycles only). Rounds alternate between the servers, and each round's ratio is reported too
// (median and range), so that a machine busy with other work weighs on both alike.
//
//   node --import tsx bench/served-lifecycle.ts
//
// Environment: LIFECYCLES (per server per round, default 100), ROUNDS (default 10), WARMUP
// (lifecycles per server before timing, default 2000: the fake's CPU per lifecycle still falls by a
// third between 200 and 2000, while the JIT optimises the many functions a lifecycle runs once
// each), FAKE_CRI_ARGS (more `serve` flags, e.g. "--state /tmp/x/state.json"), FAKE_CRI_NODE_ARGS
// (Node flags for the fake's process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"), STRACE=1.
// Pods log into a temporary directory the fake is allowed to write (`--allow-host-root`).

import * as grpc from "@grpc/grpc-js";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { busybox, encode, imageService, lifecycle, methods, runtimeService, unary } from "./served-client.ts";
import { startServer, stopFakeCri } from "../test/fake-cri-process.ts";

// ---- the bare server (run as `served-lifecycle.ts --bare unix:///path`) ----

async function bareServer(endpoint: string): Promise<void> {
  const server = new grpc.Server();
  const id = "a".repeat(64);
  const canned: Record<(typeof methods)[number], Uint8Array> = {
    RunPodSandbox: encode([[1, id]]),
    CreateContainer: encode([[1, id]]),
    StartContainer: encode([]),
    ContainerStatus: encode([[1, [[1, id], [2, [[1, "app"]]], [3, 1], [9, [[1, busybox]]]]]]),
    StopContainer: encode([]),
    RemoveContainer: encode([]),
    StopPodSandbox: encode([]),
    RemovePodSandbox: encode([]),
  };
  const definition: Record<string, grpc.MethodDefinition<Buffer, Uint8Array>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const method of methods) {
    definition[method] = {
      path: `${runtimeService}/${method}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (m: Buffer) => m,
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (m: Uint8Array) => Buffer.from(m),
      responseDeserialize: (b: Buffer) => b,
    };
    handlers[method] = (_call: unknown, callback: grpc.sendUnaryData<Uint8Array>) => callback(null, canned[method]);
  }
  server.addService(definition, handlers);
  await new Promise<void>((ok, fail) => server.bindAsync(endpoint, grpc.ServerCredentials.createInsecure(), (e) => (e ? fail(e) : ok())));
  process.stdout.write(`${endpoint}\n`);
}

const percentile = (xs: readonly number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p)]!;

/** CPU ms a process has run, all its threads (the scheduler's nanoseconds, not clock ticks). */
function cpuMs(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // A thread that ended meanwhile.
    }
  }
  return ns / 1e6;
}

async function main(): Promise<void> {
  const lifecycles = Number(process.env.LIFECYCLES ?? 100);
  const rounds = Number(process.env.ROUNDS ?? 10);
  const warmup = Number(process.env.WARMUP ?? 2000);
  const dir = mkdtempSync(join(tmpdir(), "fake-cri-served-"));
  const logRoot = join(dir, "logs");
  mkdirSync(logRoot);
  const words = (text: string | undefined) => (text ?? "").split(/\s+/).filter((a) => a !== "");
  const extra = words(process.env.FAKE_CRI_ARGS);
  const fake = await startServer([process.execPath, ...words(process.env.FAKE_CRI_NODE_ARGS), "bin/fake-cri.js", "serve", "--listen", `unix://${join(dir, "fake.sock")}`, "--allow-host-root", logRoot, ...extra]);
  const bare = await startServer([process.execPath, "--import", "tsx", "bench/served-lifecycle.ts", "--bare", `unix://${join(dir, "bare.sock")}`]);
  const clients = {
    fake: new grpc.Client(fake.endpoint.replace(/^tcp:\/\//, ""), grpc.credentials.createInsecure()),
    bare: new grpc.Client(bare.endpoint, grpc.credentials.createInsecure()),
  };
  try {
    await unary(clients.fake, `${imageService}/PullImage`, encode([[1, [[1, busybox]]]]));
    let next = 0;
    for (let i = 0; i < warmup; i++) for (const client of Object.values(clients)) await lifecycle(client, next++, logRoot);

    const pids = { fake: fake.child.pid!, bare: bare.child.pid! };
    const times = { fake: [] as number[], bare: [] as number[] };
    const cpu = { fake: [] as number[], bare: [] as number[] };
    const ratios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const p50 = { fake: 0, bare: 0 };
      for (const key of r % 2 === 0 ? (["fake", "bare"] as const) : (["bare", "fake"] as const)) {
        const round: number[] = [];
        const cpuBefore = cpuMs(pids[key]);
        for (let i = 0; i < lifecycles; i++) {
          const t = performance.now();
          await lifecycle(clients[key], next++, logRoot);
          round.push(performance.now() - t);
        }
        cpu[key].push((cpuMs(pids[key]) - cpuBefore) / lifecycles);
        times[key].push(...round);
        p50[key] = percentile(round, 0.5);
      }
      ratios.push(p50.fake / p50.bare);
    }
    const ms = (x: number) => `${x.toFixed(2)} ms`;
    console.log(`served lifecycle (8 calls), ${rounds} rounds of ${lifecycles} per server, client in its own process:`);
    console.log(`  fake-cri serve ${extra.join(" ")}`.trimEnd());
    const cpuLine = (key: "fake" | "bare") => `CPU per lifecycle ${ms(percentile(cpu[key], 0.5))} (${ms(Math.min(...cpu[key]))}-${ms(Math.max(...cpu[key]))})`;
    console.log(`    p50 ${ms(percentile(times.fake, 0.5))}, p90 ${ms(percentile(times.fake, 0.9))}; ${cpuLine("fake")}`);
    console.log(`  bare grpc-js, canned answers`);
    console.log(`    p50 ${ms(percentile(times.bare, 0.5))}, p90 ${ms(percentile(times.bare, 0.9))}; ${cpuLine("bare")}`);
    console.log(`  ratio of p50s: ${(percentile(times.fake, 0.5) / percentile(times.bare, 0.5)).toFixed(2)}x (issue 21's target <= 1.5x)`);
    console.log(
      `  ratio of p50s by round: median ${percentile(ratios, 0.5).toFixed(2)}x, ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}x; ` +
        `ratio of CPU: ${(percentile(cpu.fake, 0.5) / percentile(cpu.bare, 0.5)).toFixed(2)}x`,
    );

    if (process.env.STRACE === "1") await syscalls(fake.child.pid!, clients.fake, next, lifecycles * rounds, logRoot, dir);
  } finally {
    for (const client of Object.values(clients)) client.close();
    await stopFakeCri(fake);
    await stopFakeCri(bare);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `strace -c -f` on the serving process while `n` lifecycles run: calls per lifecycle, by name. */
async function syscalls(pid: number, client: grpc.Client, first: number, n: number, logRoot: string, dir: string): Promise<void> {
  const output = join(dir, "strace.txt");
  const strace = spawn("strace", ["-c", "-f", "-p", String(pid), "-o", output], { stdio: "ignore" });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  for (let i = 0; i < n; i++) await lifecycle(client, first + i, logRoot);
  await new Promise<void>((resolve) => {
    strace.once("exit", () => resolve());
    strace.kill("SIGINT");
  });
  const rows = readFileSync(output, "utf8")
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 5 && /^\d/.test(cols[0]!) && cols.at(-1) !== "total");
  const perLifecycle = rows
    .map((cols) => ({ name: cols.at(-1)!, calls: Number(cols[3]) }))
    .sort((a, b) => b.calls - a.calls);
  const total = perLifecycle.reduce((s, r) => s + r.calls, 0);
  console.log(`  system calls of fake-cri serve per lifecycle (strace -c -f, ${n} lifecycles): ${(total / n).toFixed(1)}`);
  console.log(`    ${perLifecycle.slice(0, 12).map((r) => `${r.name} ${(r.calls / n).toFixed(1)}`).join(", ")}`);
  const disk = ["fsync", "fdatasync", "openat", "rename", "mkdir", "rmdir", "unlink", "write", "pwrite64", "writev", "read", "pread64"];
  console.log(`    ${disk.map((name) => `${name} ${((perLifecycle.find((r) => r.name === name)?.calls ?? 0) / n).toFixed(1)}`).join(", ")}`);
}

if (process.argv[2] === "--bare") await bareServer(process.argv[3]!);
else await main();
