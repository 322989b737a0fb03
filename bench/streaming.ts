// The streaming server's costs, from a client in another process (bench/streaming-client.ts), the
// servers each in a process of their own (bench/streaming-server.ts):
//   ROUNDS=6 EXECS=300 FORWARD_MIB=64 node --import tsx bench/streaming.ts
//
// 1. An exec's round trip, what `crictl exec <id> echo hi` does after its Exec RPC: connect,
//    upgrade, open the streams, read "hi\n", the Success status, the close. Over WebSocket
//    (v4.channel.k8s.io) and SPDY, beside a bare server that sends the same bytes in the same
//    framing without running anything (the ws library for WebSocket, the fake's own frame codec
//    for SPDY). The figure the target (≤ 1.5x) is judged on is the server's CPU time per exec,
//    read with process.cpuUsage in the server's process around each batch: on a loaded machine
//    wall time mostly measures the wait for a core. Each round runs the four batches in turn
//    (the order alternating between rounds); the ratio is taken within a round, and the median
//    of the rounds is reported beside their range. Wall-time medians are printed too.
// 2. Port-forward throughput: a pod's process writes as fast as the forward takes it, the client
//    reads through a SPDY port-forward session; beside the same bytes over a bare loopback TCP
//    socket between the same two processes.

import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

const execs = Number(process.env.EXECS ?? 300);
const rounds = Number(process.env.ROUNDS ?? 5);
const forwardMiB = Number(process.env.FORWARD_MIB ?? 512);

const tsx = (script: string, ...args: string[]) =>
  spawn(process.execPath, ["--import", "tsx", new URL(script, import.meta.url).pathname, ...args], { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, FORWARD_MIB: String(forwardMiB) } });

/** A server process, asked one JSON line at a time. */
async function server(kind: "fake" | "bare"): Promise<{ ask: (command: object) => Promise<unknown>; child: ReturnType<typeof tsx> }> {
  const child = tsx("./streaming-server.ts", kind);
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await lines.next();
    if (line.done) throw new Error(`the ${kind} server exited`);
    return JSON.parse(line.value) as unknown;
  };
  await next();
  return {
    child,
    ask: (command) => {
      child.stdin.write(`${JSON.stringify(command)}\n`);
      return next();
    },
  };
}

/** Runs the client process on `jobs`; its results, one number per job. */
function client(jobs: object[]): Promise<number[]> {
  const child = tsx("./streaming-client.ts");
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d));
  child.stdin.end(JSON.stringify(jobs));
  return new Promise((resolve, reject) => child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`client exited ${code}`)))));
}

const servers = { fake: await server("fake"), bare: await server("bare") };

type Variant = "bare websocket" | "fake websocket" | "bare spdy" | "fake spdy";
const variants: Variant[] = ["bare websocket", "fake websocket", "bare spdy", "fake spdy"];
const cpu: Record<Variant, number[]> = { "bare websocket": [], "fake websocket": [], "bare spdy": [], "fake spdy": [] };
const wall: Record<Variant, number[]> = { "bare websocket": [], "fake websocket": [], "bare spdy": [], "fake spdy": [] };
const forward: number[] = [];
const tcp: number[] = [];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function batch(variant: Variant): Promise<void> {
  const [which, kind] = variant.split(" ") as ["fake" | "bare", "websocket" | "spdy"];
  const { ask } = servers[which];
  const urls = (await ask({ urls: execs })) as string[];
  const before = (await ask({ cpu: true })) as number;
  const times = await client(urls.map((url) => ({ kind, url })));
  cpu[variant].push(((await ask({ cpu: true })) as number - before) / execs);
  wall[variant].push(median(times));
}

for (let round = 0; round < rounds; round++) {
  for (const variant of round % 2 === 0 ? variants : [...variants].reverse()) await batch(variant);
  const { url, tcpPort } = (await servers.fake.ask({ forward: true })) as { url: string; tcpPort: number };
  forward.push((await client([{ kind: "forward", url, bytes: forwardMiB << 20 }]))[0]!);
  tcp.push((await client([{ kind: "tcp", port: tcpPort, bytes: forwardMiB << 20 }]))[0]!);
}

const range = (xs: number[], digits: number) => `${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}`;
const summary = (xs: number[], digits: number) => `${median(xs).toFixed(digits)} (${range(xs, digits)})`;
const ratios = (of: Variant, to: Variant) => cpu[of].map((x, i) => x / cpu[to][i]!);
console.log(`exec round trip, ${execs} execs per batch, ${rounds} rounds: server CPU per exec, median of the rounds (range), µs`);
for (const variant of variants) console.log(`  ${variant.padEnd(16)} ${summary(cpu[variant], 0).padEnd(20)} wall median ${summary(wall[variant], 0)}`);
console.log(`  fake / bare CPU   WebSocket ${summary(ratios("fake websocket", "bare websocket"), 2)}x, SPDY ${summary(ratios("fake spdy", "bare spdy"), 2)}x  (target <= 1.5x)`);
console.log(`port-forward, ${forwardMiB} MiB from a pod's process (MB/s):`);
console.log(`  fake over SPDY          ${range(forward, 0)}`);
console.log(`  bare loopback TCP       ${range(tcp, 0)}`);

for (const { child } of Object.values(servers)) child.stdin.end();
