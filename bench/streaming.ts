// The streaming server's costs, from a client in another process (bench/streaming-client.ts):
//   npx tsx bench/streaming.ts
//
// 1. An exec's round trip, what `crictl exec <id> echo hi` does after its Exec RPC: connect,
//    upgrade, open the streams, read "hi\n", the Success status, the close. Over WebSocket
//    (v4.channel.k8s.io) beside a bare ws server that answers the same bytes without running
//    anything (the anchor: ≤ 1.5x), and over SPDY. URLs are asked for in-process beforehand.
// 2. Port-forward throughput: a pod's process writes as fast as the forward takes it, the client
//    reads through a SPDY port-forward session; beside the same bytes over a bare loopback TCP
//    socket between the two processes.
// Rounds alternate between the variants; medians and ranges are reported.

import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { WebSocketServer } from "ws";
import { createFakeCri } from "../src/harness/index.ts";

const execs = Number(process.env.EXECS ?? 300);
const rounds = Number(process.env.ROUNDS ?? 5);
const forwardMiB = Number(process.env.FORWARD_MIB ?? 512);

const fake = await createFakeCri({ seed: 1, images: ["busybox:1.36"] });
const pod = { metadata: { name: "bench", namespace: "default", uid: "bench" } };
const { podSandboxId } = await fake.runtime.runPodSandbox({ config: pod });
const { containerId } = await fake.runtime.createContainer({
  podSandboxId,
  sandboxConfig: pod,
  config: { metadata: { name: "c" }, image: { image: "busybox:1.36" }, command: ["sleep", "infinity"] },
});
await fake.runtime.startContainer({ containerId });

// A process of the pod that sends the client as many bytes as it asks for, as fast as it takes them.
const chunk = new Uint8Array(256 * 1024).fill(0x61);
fake.containerd.processes.onContainer({ args: ["source"] }, async (p) => {
  p.listen(9000, async (socket) => {
    for (let sent = 0; sent < forwardMiB << 20; sent += chunk.length) {
      socket.write(chunk);
      await socket.drained();
    }
    socket.end();
  });
  await p.exited;
});
const { containerId: source } = await fake.runtime.createContainer({
  podSandboxId,
  sandboxConfig: pod,
  config: { metadata: { name: "source" }, image: { image: "busybox:1.36" }, command: ["source"] },
});
await fake.runtime.startContainer({ containerId: source });

// The anchor: a bare WebSocket server sending what an exec of echo hi sends.
const status = Buffer.from('\u0003{"metadata":{},"status":"Success"}');
const bare = new WebSocketServer({ port: 0, host: "127.0.0.1", handleProtocols: (protocols) => [...protocols][0] ?? false });
bare.on("connection", (ws) => {
  ws.send(Buffer.from([1]));
  ws.send(Buffer.from("\u0001hi\n"));
  ws.send(status);
  ws.close(1000);
});
await new Promise((resolve) => bare.once("listening", resolve));
const bareUrl = `http://127.0.0.1:${(bare.address() as { port: number }).port}/exec/bare`;

// The bare socket for throughput: the same bytes straight from this process.
const tcp = createServer((socket) => {
  let sent = 0;
  const pump = () => {
    while (sent < forwardMiB << 20) {
      sent += chunk.length;
      if (!socket.write(chunk)) return void socket.once("drain", pump);
    }
    socket.end();
  };
  pump();
});
await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
const tcpPort = (tcp.address() as { port: number }).port;

/** Runs the client process on `jobs`; its results, one number per job. */
function client(jobs: object[]): Promise<number[]> {
  const child = spawn(process.execPath, ["--import", "tsx", new URL("./streaming-client.ts", import.meta.url).pathname], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d));
  child.stdin.end(JSON.stringify(jobs));
  return new Promise((resolve, reject) => child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`client exited ${code}`)))));
}

async function execUrls(): Promise<string[]> {
  const urls: string[] = [];
  for (let i = 0; i < execs; i++) urls.push((await fake.runtime.exec({ containerId, cmd: ["echo", "hi"], stdout: true, stderr: true })).url);
  return urls;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results: Record<string, number[]> = { bare: [], websocket: [], spdy: [], forward: [], tcp: [] };
for (let round = 0; round < rounds; round++) {
  results.bare!.push(median(await client(Array.from({ length: execs }, () => ({ kind: "websocket", url: bareUrl })))));
  results.websocket!.push(median(await client((await execUrls()).map((url) => ({ kind: "websocket", url })))));
  results.spdy!.push(median(await client((await execUrls()).map((url) => ({ kind: "spdy", url })))));
  const { url } = await fake.runtime.portForward({ podSandboxId, port: [9000] });
  results.forward!.push((await client([{ kind: "forward", url, bytes: forwardMiB << 20 }]))[0]!);
  results.tcp!.push((await client([{ kind: "tcp", port: tcpPort, bytes: forwardMiB << 20 }]))[0]!);
}

const range = (xs: number[], digits: number) => `${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}`;
console.log(`exec round trip, median of ${execs} per round, ${rounds} rounds (µs):`);
console.log(`  bare ws server          ${range(results.bare!, 0)}`);
console.log(`  fake over WebSocket     ${range(results.websocket!, 0)}  (${range(results.websocket!.map((x, i) => x / results.bare![i]!), 2)}x the bare server)`);
console.log(`  fake over SPDY          ${range(results.spdy!, 0)}  (${range(results.spdy!.map((x, i) => x / results.bare![i]!), 2)}x)`);
console.log(`port-forward, ${forwardMiB} MiB from a pod's process (MB/s):`);
console.log(`  fake over SPDY          ${range(results.forward!, 0)}`);
console.log(`  bare loopback TCP       ${range(results.tcp!, 0)}`);

bare.close();
tcp.close();
await fake.close();
