// How long one large request holds everyone else: `fake-cri serve` from another process, one
// client sending RunPodSandbox with N labels while another calls Version every 2 ms; prints the
// request's size, how long it took, and the longest any Version waited meanwhile. The fake serves
// every client from one thread, and a request's work (decoding it, copying and checking its labels,
// storing them) runs to its end, so the wait grows with the request; this measures by how much.
//
//   node --import tsx bench/served-large-request.ts
//
// Environment: LABELS (comma-separated counts, default "1000,10000,100000,400000").

import * as grpc from "@grpc/grpc-js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, stopFakeCri } from "../test/fake-cri-process.ts";
import { encode, runtimeService, unary, type Field } from "./served-client.ts";

const counts = (process.env.LABELS ?? "1000,10000,100000,400000").split(",").map(Number);

const dir = mkdtempSync(join(tmpdir(), "fake-cri-large-"));
const server = await startServer([process.execPath, "bin/fake-cri.js", "serve", "--listen", `unix://${join(dir, "fake.sock")}`]);
const big = new grpc.Client(server.endpoint, grpc.credentials.createInsecure());
const small = new grpc.Client(server.endpoint, grpc.credentials.createInsecure());
const version = encode([]);
try {
  await unary(small, `${runtimeService}/Version`, version);
  console.log("one large RunPodSandbox against fake-cri serve; another client's Version meanwhile:");
  for (const n of counts) {
    const labels: Field[] = Array.from({ length: n }, (_, i) => [6, [[1, `key-${i}`], [2, `value-${i}`]]]);
    const request = encode([[1, [[1, [[1, `pod-${n}`], [2, `uid-${n}`], [3, "large"]]], ...labels]]]);
    let stop = false;
    let worst = 0;
    const pinger = (async () => {
      while (!stop) {
        const sent = performance.now();
        await unary(small, `${runtimeService}/Version`, version);
        worst = Math.max(worst, performance.now() - sent);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    await unary(big, `${runtimeService}/RunPodSandbox`, request);
    const took = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
    stop = true;
    await pinger;
    const mib = request.length / 2 ** 20;
    console.log(
      `  ${String(n).padStart(7)} labels (${mib.toFixed(2)} MiB): took ${took.toFixed(0)} ms; Version waited at most ${worst.toFixed(0)} ms (${(worst / mib).toFixed(0)} ms per MiB)`,
    );
  }
} finally {
  big.close();
  small.close();
  await stopFakeCri(server);
  rmSync(dir, { recursive: true, force: true });
}
