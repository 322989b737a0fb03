// ListContainers at 100,000 containers, in-process: with a label selector (the target,
// <= 5 ms; Kubernetes' Go FakeRuntimeService scans in 34 ms), by sandbox, by state, and unfiltered.
// The containers go straight into the CRI container store with a kubelet's labels (creating
// 100,000 through CreateContainer measures something else).
//
//   npx tsx bench/cri-list.ts

import { ContainerConfig, ContainerState } from "../src/cri/api/v1.ts";
import { listContainers } from "../src/cri/server/container-list.ts";
import { ContainerdContainer } from "../src/cri/store/containerd-container.ts";
import { emptyContainerStatus } from "../src/cri/store/container-status.ts";
import { Container, ContainerStatusStorage } from "../src/cri/store/container-store.ts";
import { createFakeCri } from "../src/harness/index.ts";
import { measureAsync, report } from "./measure.ts";

const containers = 100_000;
const perPod = 10;

const fake = await createFakeCri({ seed: 1 });
const c = fake.service;
const sandboxId = (pod: number) => `${pod.toString(16).padStart(8, "0")}`.padEnd(64, "a");
const seedStart = performance.now();
for (let i = 0; i < containers; i++) {
  const pod = Math.floor(i / perPod);
  const id = i.toString(16).padStart(64, "0");
  const status = { ...emptyContainerStatus(), createdAt: 1n, startedAt: i % 3 === 0 ? 0n : 2n };
  const labels = {
    "io.kubernetes.container.name": `ctr-${i % perPod}`,
    "io.kubernetes.pod.name": `pod-${pod}`,
    "io.kubernetes.pod.namespace": `ns-${pod % 100}`,
    "io.kubernetes.pod.uid": `uid-${pod}`,
    app: `app-${pod % 1000}`,
  };
  const metadata = {
    id,
    name: `ctr-${i % perPod}_pod-${pod}_ns_uid-${pod}_0`,
    sandboxId: sandboxId(pod),
    config: ContainerConfig.fromPartial({ metadata: { name: `ctr-${i % perPod}` }, image: { image: "busybox" }, labels }),
    imageRef: "sha256:x",
    logPath: "",
    stopSignal: "",
    processLabel: "",
  };
  c.containerStore.add(
    new Container(metadata, new ContainerStatusStorage(c.hostFs, `/status/${id}`, status), new ContainerdContainer(c.client, id)),
  );
}
console.log(`seeded ${containers} containers in ${(performance.now() - seedStart).toFixed(0)} ms`);

const call = { signal: new AbortController().signal };
const cases: Array<[string, Parameters<typeof listContainers>[1]]> = [
  ["label selector, 100 of 100,000 (app)", { filter: { id: "", podSandboxId: "", state: undefined, labelSelector: { app: "app-7" } } }],
  ["label selector, 10 (pod uid)", { filter: { id: "", podSandboxId: "", state: undefined, labelSelector: { "io.kubernetes.pod.uid": "uid-4242" } } }],
  ["two labels, 100", { filter: { id: "", podSandboxId: "", state: undefined, labelSelector: { app: "app-7", "io.kubernetes.pod.namespace": "ns-7" } } }],
  ["sandbox ID, 10", { filter: { id: "", podSandboxId: sandboxId(4242), state: undefined, labelSelector: {} } }],
  ["state RUNNING, ~66,667", { filter: { id: "", podSandboxId: "", state: { state: ContainerState.CONTAINER_RUNNING }, labelSelector: {} } }],
  ["no filter, 100,000", { filter: undefined }],
];
for (const [name, request] of cases) {
  const found = (await listContainers(c, request, call)).containers.length;
  report(await measureAsync(`ListContainers ${name} [${found}]`, () => listContainers(c, request, call), 1000));
}
report(
  await measureAsync(
    "in-process client, label selector [100]",
    () => fake.runtime.listContainers({ filter: { labelSelector: { app: "app-7" } } }),
    1000,
  ),
);
await fake.close();
