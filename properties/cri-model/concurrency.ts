// Many clients at once against the fake in-process. fast-check's scheduler decides, at every
// fake-containerd operation (the points where containerd's CRI plugin waits on containerd and
// another RPC can run), which pending call goes on next, so each run tries another interleaving.
//
// Checked: of concurrent RunPodSandbox (CreateContainer) calls for one name exactly one wins and
// every other is told the name is reserved for the winner; after a concurrent mix of lifecycle
// calls the plugin's stores, name registrars and fake-containerd agree with one another; and once
// everything is removed nothing is left: no name reserved, no record, no containerd container, no
// task.

import fc from "fast-check";
import { ContainerState } from "../../src/cri/api/v1.ts";
import { SandboxState } from "../../src/cri/store/sandbox-status.ts";
import type { FakeCri } from "../../src/harness/index.ts";
import { statusOf } from "../../src/cri/errors.ts";
import { Disagreement, expectSame } from "./observe.ts";
import { referenceFake } from "./target.ts";

const busybox = "docker.io/library/busybox:1.36";

type Settled = { ok: true; id: string } | { ok: false; message: string };

async function settle(call: Promise<{ id: string }>): Promise<Settled> {
  try {
    return { ok: true, ...(await call) };
  } catch (err) {
    return { ok: false, message: statusOf(err).message };
  }
}

const podConfig = (name: string) => ({
  metadata: { name, namespace: "model", uid: `${name}-uid`, attempt: 0 },
  hostname: name,
  logDirectory: `/var/log/pods/model/${name}`,
  linux: {},
});

const containerConfig = (name: string) => ({
  metadata: { name, attempt: 0 },
  image: { image: busybox },
  command: ["sleep", "infinity"],
  logPath: `${name}.log`,
  linux: {},
});

/** Each name's calls: exactly one won; every other was refused with the winner's ID. */
function expectOneWinnerPerName(kind: "sandbox" | "container", calls: Array<{ name: string; result: Settled }>): Map<string, string> {
  const winners = new Map<string, string>();
  for (const name of new Set(calls.map((c) => c.name))) {
    const mine = calls.filter((c) => c.name === name);
    const won = mine.flatMap((c) => (c.result.ok ? [c.result.id] : []));
    if (won.length !== 1) throw new Disagreement(`${won.length} concurrent creators of the ${kind} name ${name} won: ${JSON.stringify(mine)}`);
    winners.set(name, won[0]!);
    for (const c of mine) {
      if (c.result.ok) continue;
      const expected = `failed to reserve ${kind} name "${name}": name "${name}" is reserved for "${won[0]}"`;
      expectSame(`a losing creator of ${kind} name ${name}`, c.result.message, expected);
    }
  }
  return winners;
}

/** The plugin's stores, its name registrars and fake-containerd tell the same story. */
export async function expectConsistentNode(fake: FakeCri): Promise<void> {
  const service = fake.service;
  const sandboxes = service.sandboxStore.list();
  const containers = service.containerStore.list();
  const sandboxIds = new Set(sandboxes.map((s) => s.metadata.id));
  for (const [kind, registrar, records] of [
    ["sandbox", service.sandboxNameIndex, sandboxes.map((s) => s.metadata)],
    ["container", service.containerNameIndex, containers.map((c) => c.metadata)],
  ] as const) {
    const held = records.filter((r) => registrar.keyOf(r.name) === r.id).length;
    if (held !== records.length || registrar.size !== records.length) {
      throw new Disagreement(`${registrar.size} ${kind} names reserved for ${records.length} ${kind}s, ${held} of them by their owner`);
    }
  }
  for (const c of containers) {
    if (!sandboxIds.has(c.metadata.sandboxId)) throw new Disagreement(`container ${c.metadata.id} outlives its pod ${c.metadata.sandboxId}`);
  }
  const namespace = fake.containerd.namespace("k8s.io");
  const expectedContainers = [...sandboxIds, ...containers.map((c) => c.metadata.id)].sort();
  expectSame("fake-containerd's containers", (await namespace.containers.list()).map((c) => c.id).sort(), expectedContainers);
  const running = [
    ...sandboxes.filter((s) => s.status.get().state === SandboxState.Ready).map((s) => s.metadata.id),
    ...containers.filter((c) => c.status.state() === ContainerState.CONTAINER_RUNNING).map((c) => c.metadata.id),
  ].sort();
  const tasks = (await namespace.tasks.list()).map((t) => t.id).sort();
  expectSame("fake-containerd's tasks", tasks, running);
}

/** One lifecycle call of the concurrent mix, on a pod and container name. */
type MixedCall = { op: "runPod" | "stopPod" | "removePod" | "create" | "start" | "stopContainer" | "removeContainer"; pod: number; container: number };

const mixedCall = fc.record({
  op: fc.constantFrom<MixedCall["op"]>("runPod", "stopPod", "removePod", "create", "create", "start", "start", "stopContainer", "removeContainer"),
  pod: fc.nat(1),
  container: fc.nat(1),
});

export function concurrencyProperty() {
  return fc.asyncProperty(
    fc.scheduler(),
    fc.array(fc.nat(2), { minLength: 2, maxLength: 6 }),
    fc.array(fc.nat(1), { minLength: 2, maxLength: 6 }),
    fc.array(mixedCall, { minLength: 2, maxLength: 8 }),
    async (s, podNames, containerNames, mix) => {
      // The refusals' texts are 1.6's (2.x's differ only in their code and the container's hint).
      const fake = await referenceFake(1, "1.6");
      try {
        await fake.image.pullImage({ image: { image: busybox } });
        const operations = fake.containerd.operations;
        const enter = operations.enter.bind(operations);
        operations.enter = (call) => s.schedule(Promise.resolve(), `${call.op} ${call.subject ?? ""}`).then(() => enter(call));
        const run = <T>(calls: Promise<T>[]) => s.waitFor(Promise.all(calls));

        // Concurrent pods, few names.
        const pods = podNames.map((n) => `pod${n}`);
        const podResults = await run(
          pods.map(async (name) => ({
            name: `${name}_model_${name}-uid_0`,
            result: await settle(fake.runtime.runPodSandbox({ config: podConfig(name) }).then((r) => ({ id: r.podSandboxId }))),
          })),
        );
        const podIds = [...expectOneWinnerPerName("sandbox", podResults).values()];
        const firstPod = podResults.find((p) => p.result.ok)!;
        const firstPodName = pods[podResults.indexOf(firstPod)]!;

        // Concurrent containers in one pod, few names.
        const containerResults = await run(
          containerNames.map(async (n) => ({
            name: `c${n}_${firstPodName}_model_${firstPodName}-uid_0`,
            result: await settle(
              fake.runtime
                .createContainer({ podSandboxId: podIds[0]!, config: containerConfig(`c${n}`), sandboxConfig: podConfig(firstPodName) })
                .then((r) => ({ id: r.containerId })),
            ),
          })),
        );
        expectOneWinnerPerName("container", containerResults);

        // A concurrent mix of lifecycle calls on those names: outcomes depend on the order, but
        // the node must stay consistent.
        await run(
          mix.map(async ({ op, pod, container }) => {
            const name = `mix${pod}`;
            const pods = (await fake.runtime.listPodSandbox({})).items.filter((p) => p.metadata?.name === name);
            const podId = pods[0]?.id ?? "0123456789ab";
            const containers = (await fake.runtime.listContainers({})).containers.filter((c) => c.metadata?.name === `m${container}`);
            const containerId = containers[0]?.id ?? "0123456789ab";
            const call = {
              runPod: () => fake.runtime.runPodSandbox({ config: podConfig(name) }),
              stopPod: () => fake.runtime.stopPodSandbox({ podSandboxId: podId }),
              removePod: () => fake.runtime.removePodSandbox({ podSandboxId: podId }),
              create: () => fake.runtime.createContainer({ podSandboxId: podId, config: containerConfig(`m${container}`), sandboxConfig: podConfig(name) }),
              start: () => fake.runtime.startContainer({ containerId }),
              stopContainer: () => fake.runtime.stopContainer({ containerId, timeout: 0n }),
              removeContainer: () => fake.runtime.removeContainer({ containerId }),
            }[op];
            await settle(call().then(() => ({ id: "" })));
          }),
        );
        await s.waitIdle();
        operations.enter = enter;
        await expectConsistentNode(fake);

        // Everything removed: nothing may be left behind.
        for (const pod of (await fake.runtime.listPodSandbox({})).items) {
          await fake.runtime.stopPodSandbox({ podSandboxId: pod.id });
          await fake.runtime.removePodSandbox({ podSandboxId: pod.id });
        }
        await expectConsistentNode(fake);
        const service = fake.service;
        const left = {
          sandboxes: service.sandboxStore.list().length,
          containers: service.containerStore.list().length,
          sandboxNames: service.sandboxNameIndex.size,
          containerNames: service.containerNameIndex.size,
          containerdContainers: (await fake.containerd.namespace("k8s.io").containers.list()).length,
          tasks: (await fake.containerd.namespace("k8s.io").tasks.list()).length,
        };
        expectSame("what is left after removing everything", left, {
          sandboxes: 0,
          containers: 0,
          sandboxNames: 0,
          containerNames: 0,
          containerdContainers: 0,
          tasks: 0,
        });
      } finally {
        await fake.close();
      }
    },
  );
}
