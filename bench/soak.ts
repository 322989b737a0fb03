// A soak: 20,000 pod lifecycles (the eight calls of served-lifecycle.ts) against one `fake-cri
// serve`, from a client in another process, the server's resident memory sampled as they go: it
// should stay flat, as a node whose pods come and go holds nothing for the gone ones. Run against
// the default server and against one keeping its node with --state (its journal compacted as it
// grows); prints RSS every 2,000 lifecycles, the time per lifecycle, and the state's files at the end.
//
//   node --import tsx bench/soak.ts
//
// Environment: LIFECYCLES (default 20,000), MODES ("default,state").

import * as grpc from "@grpc/grpc-js";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { busybox, encode, imageService, lifecycle, unary } from "./served-client.ts";
import { startServer, stopFakeCri } from "../test/fake-cri-process.ts";

const lifecycles = Number(process.env.LIFECYCLES ?? 20_000);
const modes = (process.env.MODES ?? "default,state").split(",");
const every = Math.max(1, Math.floor(lifecycles / 10));

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function rssOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
}

async function soak(mode: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "fake-cri-soak-"));
  const logRoot = join(dir, "logs");
  mkdirSync(logRoot);
  const state = join(dir, "node", "state.json");
  const args = [process.execPath, "bin/fake-cri.js", "serve", "--listen", `unix://${join(dir, "fake.sock")}`, "--allow-host-root", logRoot];
  const server = await startServer(mode === "state" ? [...args, "--state", state] : args);
  const client = new grpc.Client(server.endpoint, grpc.credentials.createInsecure());
  const pid = server.child.pid!;
  try {
    await unary(client, `${imageService}/PullImage`, encode([[1, [[1, busybox]]]]));
    console.log(`soak, fake-cri serve${mode === "state" ? " --state" : ""}: ${lifecycles} lifecycles, server RSS`);
    const samples: string[] = [`0: ${mib(rssOf(pid))}`];
    let journalPeak = 0;
    const started = performance.now();
    for (let i = 1; i <= lifecycles; i++) {
      await lifecycle(client, i, logRoot);
      if (mode === "state" && i % 100 === 0) journalPeak = Math.max(journalPeak, statSync(`${state}.journal`, { throwIfNoEntry: false })?.size ?? 0);
      if (i % every === 0) samples.push(`${i}: ${mib(rssOf(pid))}`);
    }
    const perLifecycle = (performance.now() - started) / lifecycles;
    console.log(`  ${samples.join(", ")}`);
    console.log(`  ${perLifecycle.toFixed(2)} ms per lifecycle`);
    if (mode === "state") {
      console.log(`  journal at most ${mib(journalPeak)}; state file ${mib(statSync(state).size)} at the end`);
    }
  } finally {
    client.close();
    await stopFakeCri(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const mode of modes) await soak(mode);
