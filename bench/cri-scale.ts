// One pod lifecycle (the eight calls of cri-lifecycle.ts) on a node that already runs many
// containers: what a pod costs should not grow with the containers beside it. A teardown that read
// every IPAM reservation, a namespace join that looked for its PID among every task, or a store that
// scanned its records, shows up here as a cost per lifecycle that rises with the count.
//
//   node --expose-gc --max-old-space-size=8192 --import tsx bench/cri-scale.ts
//
// At each count the lifecycles run in blocks that take turns between the crowded node and an empty
// one in the same process, so that the machine's drift and the process's heap (a collection walks
// every live container) reach both alike: the ratio is what the neighbours cost a pod's own calls.
// The crowded node's heap after a collection, grown by pods then by their containers, gives the
// memory a running pod and a running container hold at that count.
//
// Environment: COUNTS (running containers, comma-separated, default 0,10000,100000), PER_POD
// (running containers per running pod, default 10), ROUNDS (block pairs per count, default 6),
// BLOCK (lifecycles per block, default 300).

import { createFakeCri, type FakeCri } from "../src/harness/index.ts";
import { busybox, containerConfig, lifecycle, podConfig } from "./lifecycle.ts";
import { memoryUsed } from "./measure.ts";

if (!("gc" in globalThis)) throw new Error("run with node --expose-gc --max-old-space-size=8192 --import tsx bench/cri-scale.ts");

const counts = (process.env.COUNTS ?? "0,10000,100000").split(",").map(Number);
const perPod = Number(process.env.PER_POD ?? 10);
const rounds = Number(process.env.ROUNDS ?? 6);
const block = Number(process.env.BLOCK ?? 300);

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

const crowded = await createFakeCri({ seed: 1, images: [busybox] });
const empty = await createFakeCri({ seed: 2, images: [busybox] });
let next = 10_000_000;

/** CPU µs (the whole process) per lifecycle over a block. */
async function timedBlock(fake: FakeCri): Promise<number> {
  const cpu = process.cpuUsage();
  for (let i = 0; i < block; i++) await lifecycle(fake.runtime, next++);
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / block;
}

let pods = 0;
let containers = 0;
/** Grows the crowded node to `count` running containers, in new pods of PER_POD each: the heap a pod and a container added. */
async function grow(count: number): Promise<{ perPod: number; perContainer: number } | undefined> {
  if (count <= containers) return undefined;
  const before = await memoryUsed();
  const added: Array<{ id: string; config: ReturnType<typeof podConfig> }> = [];
  for (let c = containers; c < count; c += perPod) {
    const config = podConfig(pods++);
    added.push({ id: (await crowded.runtime.runPodSandbox({ config })).podSandboxId, config });
  }
  await crowded.containerd.events.delivered();
  const withPods = await memoryUsed();
  const from = containers;
  for (const { id, config } of added) {
    for (let k = 0; k < perPod && containers < count; k++, containers++) {
      const { containerId } = await crowded.runtime.createContainer({ podSandboxId: id, config: containerConfig(`c${k}`), sandboxConfig: config });
      await crowded.runtime.startContainer({ containerId });
    }
  }
  await crowded.containerd.events.delivered();
  const withContainers = await memoryUsed();
  return { perPod: (withPods - before) / added.length, perContainer: (withContainers - withPods) / (containers - from) };
}

console.log(`one pod lifecycle beside running containers (${perPod} per pod); CPU µs per lifecycle, median of ${rounds} blocks of ${block}:`);
console.log(`  ${"running".padStart(8)} ${"crowded".padStart(8)} ${"empty".padStart(8)}  ratio   heap per running pod / container added`);
// The JIT settles only after a few thousand lifecycles; before that the first count would read high.
for (let i = 0; i < 3000; i++) await lifecycle(i % 2 ? crowded.runtime : empty.runtime, next++);
for (const count of counts) {
  const grown = await grow(count);
  const crowdedCpu: number[] = [];
  const emptyCpu: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Each goes first in turn, so neither always follows the other's garbage.
    if (r % 2 === 0) {
      crowdedCpu.push(await timedBlock(crowded));
      emptyCpu.push(await timedBlock(empty));
    } else {
      emptyCpu.push(await timedBlock(empty));
      crowdedCpu.push(await timedBlock(crowded));
    }
  }
  const ratio = median(crowdedCpu.map((c, r) => c / emptyCpu[r]!));
  const memory = grown ? `${kib(grown.perPod)} / ${kib(grown.perContainer)}` : "";
  console.log(
    `  ${count.toLocaleString("en-US").padStart(8)} ${median(crowdedCpu).toFixed(0).padStart(8)} ${median(emptyCpu).toFixed(0).padStart(8)}  ${ratio.toFixed(2).padStart(5)}   ${memory}`,
  );
}
await crowded.close();
await empty.close();
