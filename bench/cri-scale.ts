// One pod lifecycle (the eight calls of cri-lifecycle.ts) on a node that already runs many pods,
// each with one running container: what a pod costs should not grow with the pods beside it. A
// teardown that read every IPAM reservation, or a store that scanned its records, shows up here as
// a cost per lifecycle that rises with the count.
//
//   npx tsx bench/cri-scale.ts
//
// Environment: COUNTS (running pods, comma-separated, default 0,1000,10000), LIFECYCLES (timed
// lifecycles at each count, default 1,000).

import type * as v1 from "../src/cri/api/v1.ts";
import { createFakeCri } from "../src/harness/index.ts";

const counts = (process.env.COUNTS ?? "0,1000,10000").split(",").map(Number);
const lifecycles = Number(process.env.LIFECYCLES ?? 1_000);
const busybox = "docker.io/library/busybox:1.36";

function podConfig(i: number): v1.DeepPartial<v1.PodSandboxConfig> {
  const name = `pod-${i}`;
  const uid = `uid-${i}`;
  return {
    metadata: { name, namespace: "default", uid, attempt: 0 },
    hostname: name,
    logDirectory: `/var/log/pods/default_${name}_${uid}`,
    labels: { "io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": "default", "io.kubernetes.pod.uid": uid },
    linux: { cgroupParent: `/kubepods/besteffort/pod${uid}` },
  };
}

function containerConfig(name: string): v1.DeepPartial<v1.ContainerConfig> {
  return {
    metadata: { name, attempt: 0 },
    image: { image: busybox },
    command: ["sleep", "infinity"],
    logPath: `${name}/0.log`,
    labels: { "io.kubernetes.container.name": name },
    linux: {},
  };
}

const fake = await createFakeCri({ seed: 1, images: [busybox] });
const runtime = fake.runtime;

/** Starts a pod with one running container, and leaves it running. */
async function runPod(i: number): Promise<void> {
  const config = podConfig(i);
  const { podSandboxId } = await runtime.runPodSandbox({ config });
  const { containerId } = await runtime.createContainer({ podSandboxId, config: containerConfig("app"), sandboxConfig: config });
  await runtime.startContainer({ containerId });
}

/** The whole life of one pod, as cri-lifecycle.ts drives it. */
async function lifecycle(i: number): Promise<void> {
  const config = podConfig(i);
  const { podSandboxId } = await runtime.runPodSandbox({ config });
  const { containerId } = await runtime.createContainer({ podSandboxId, config: containerConfig("app"), sandboxConfig: config });
  await runtime.startContainer({ containerId });
  await runtime.containerStatus({ containerId });
  await runtime.stopContainer({ containerId, timeout: 0n });
  await runtime.removeContainer({ containerId });
  await runtime.stopPodSandbox({ podSandboxId });
  await runtime.removePodSandbox({ podSandboxId });
}

console.log(`one pod lifecycle beside running pods (each with a running container), ${lifecycles} lifecycles each:`);
let running = 0;
let next = 10_000_000;
// The JIT settles only after a few thousand lifecycles; before that the first count would read high.
for (let i = 0; i < 3000; i++) await lifecycle(next++);
for (const count of counts) {
  while (running < count) await runPod(running++);
  for (let i = 0; i < lifecycles / 2; i++) await lifecycle(next++);
  const start = performance.now();
  for (let i = 0; i < lifecycles; i++) await lifecycle(next++);
  const micros = ((performance.now() - start) * 1000) / lifecycles;
  console.log(`  ${count.toLocaleString("en-US").padStart(7)} running pods   ${micros.toFixed(0).padStart(6)} µs per lifecycle`);
}
await fake.close();
