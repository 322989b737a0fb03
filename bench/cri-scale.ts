// One pod lifecycle (the eight calls of cri-lifecycle.ts) on a node that already runs many pods,
// each with one running container: what a pod costs should not grow with the pods beside it. A
// teardown that read every IPAM reservation, or a store that scanned its records, shows up here as
// a cost per lifecycle that rises with the count.
//
//   npx tsx bench/cri-scale.ts
//
// Environment: COUNTS (running pods, comma-separated, default 0,1000,10000), LIFECYCLES (timed
// lifecycles at each count, default 1,000).

import { createFakeCri } from "../src/harness/index.ts";
import { busybox, containerConfig, lifecycle, podConfig } from "./lifecycle.ts";

const counts = (process.env.COUNTS ?? "0,1000,10000").split(",").map(Number);
const lifecycles = Number(process.env.LIFECYCLES ?? 1_000);
const fake = await createFakeCri({ seed: 1, images: [busybox] });
const runtime = fake.runtime;

/** Starts a pod with one running container, and leaves it running. */
async function runPod(i: number): Promise<void> {
  const config = podConfig(i);
  const { podSandboxId } = await runtime.runPodSandbox({ config });
  const { containerId } = await runtime.createContainer({ podSandboxId, config: containerConfig("app"), sandboxConfig: config });
  await runtime.startContainer({ containerId });
}

console.log(`one pod lifecycle beside running pods (each with a running container), ${lifecycles} lifecycles each:`);
let running = 0;
let next = 10_000_000;
// The JIT settles only after a few thousand lifecycles; before that the first count would read high.
for (let i = 0; i < 3000; i++) await lifecycle(runtime, next++);
for (const count of counts) {
  while (running < count) await runPod(running++);
  for (let i = 0; i < lifecycles / 2; i++) await lifecycle(runtime, next++);
  const start = performance.now();
  for (let i = 0; i < lifecycles; i++) await lifecycle(runtime, next++);
  const micros = ((performance.now() - start) * 1000) / lifecycles;
  console.log(`  ${count.toLocaleString("en-US").padStart(7)} running pods   ${micros.toFixed(0).padStart(6)} µs per lifecycle`);
}
await fake.close();
