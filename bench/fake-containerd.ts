// fake-containerd's costs: a container's whole life (create, task create, start, kill, wait, task
// delete, container delete) per second in-process; heap per container at 100,000 containers; and
// listing 100,000 containers by label.
//
//   node --expose-gc --import tsx bench/fake-containerd.ts

import { createFakeContainerd, ociSpec, signals } from "../fake-containerd/index.ts";
import { measureAsync, memoryUsed, report } from "./measure.ts";

// The memory figures come last; fail before minutes of timing rather than after.
if (!("gc" in globalThis)) throw new Error("run with node --expose-gc --import tsx bench/fake-containerd.ts");

const containers = 100_000;

/** The labels the CRI layer puts on a container. */
function criLabels(i: number): Record<string, string> {
  return {
    "io.cri-containerd.kind": i % 10 === 0 ? "sandbox" : "container",
    "io.kubernetes.pod.name": `pod-${Math.floor(i / 10)}`,
    "io.kubernetes.pod.namespace": "default",
    "io.kubernetes.pod.uid": `uid-${Math.floor(i / 10)}`,
    "io.kubernetes.container.name": `ctr-${i % 10}`,
  };
}

/** A spec of typical size (about 2 KiB of JSON), unique per container as the CRI layer's are. */
function typicalSpec(i: number) {
  return ociSpec({
    ociVersion: "1.0.2-dev",
    process: {
      args: ["/app", `--instance=${i}`],
      env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", `HOSTNAME=pod-${i}`],
      cwd: "/",
      capabilities: { bounding: ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW"] },
    },
    root: { path: "rootfs" },
    mounts: ["/proc", "/dev", "/dev/pts", "/dev/mqueue", "/sys", "/etc/hosts", "/etc/resolv.conf"].map((destination) => ({
      destination,
      type: "bind",
      source: `/var/lib/kubelet/pods/uid-${i}${destination}`,
      options: ["rbind", "rprivate", "rw"],
    })),
    linux: {
      resources: { memory: { limit: 268435456 }, cpu: { shares: 256, quota: 50000, period: 100000 } },
      cgroupsPath: `/kubepods/burstable/pod-uid-${i}/${i}`,
      namespaces: ["pid", "ipc", "uts", "mount", "network"].map((type) => ({ type })),
      maskedPaths: ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/sys/firmware"],
    },
  });
}

async function lifecycle(): Promise<void> {
  const fake = createFakeContainerd({ seed: 1 });
  const ns = fake.namespace("k8s.io");
  const spec = ociSpec({ process: { args: ["sleep", "infinity"] } });
  report(
    await measureAsync("ContainerLifecycle", async (i) => {
      const id = `c${i}`;
      await ns.containers.create({ id, labels: criLabels(i), spec });
      const task = await ns.tasks.create(id);
      const exited = task.wait();
      await task.start();
      await task.kill(signals.SIGKILL);
      await exited;
      await task.delete();
      await ns.containers.delete(id);
    }),
  );
}

async function memory(label: string, spec: (i: number) => ReturnType<typeof ociSpec>, withTasks: boolean) {
  const before = await memoryUsed();
  const fake = createFakeContainerd({ seed: 1 });
  const ns = fake.namespace("k8s.io");
  for (let i = 0; i < containers; i++) {
    const id = fake.ids.next();
    await ns.containers.create({ id, labels: criLabels(i), spec: spec(i) });
    if (withTasks) await (await ns.tasks.create(id)).start();
  }
  await fake.events.delivered();
  const after = await memoryUsed();
  console.log(`${label.padEnd(40)} ${((after - before) / containers).toFixed(0).padStart(10)} bytes/container`);
  return fake;
}

async function listing(): Promise<void> {
  const tiny = ociSpec({ process: { args: ["x"] } });
  const fake = await memory("Memory/ContainerOnly/tinySpec", () => tiny, false);
  const ns = fake.namespace("k8s.io");
  const count = async (...filters: string[]) => (await ns.containers.list(...filters)).length;
  console.log(`listing ${containers} containers:`, {
    all: await count(),
    containers: await count('labels."io.cri-containerd.kind"==container'),
    sandboxes: await count('labels."io.cri-containerd.kind"==sandbox'),
    onePod: await count('labels."io.kubernetes.pod.uid"==uid-4242'),
  });
  report(await measureAsync("List/all", () => ns.containers.list(), 500));
  report(await measureAsync('List/labels."kind"==container (90k)', () => ns.containers.list('labels."io.cri-containerd.kind"==container'), 500));
  report(await measureAsync('List/labels."kind"==sandbox (10k)', () => ns.containers.list('labels."io.cri-containerd.kind"==sandbox'), 500));
  report(await measureAsync('List/labels."pod.uid"==x (10)', () => ns.containers.list('labels."io.kubernetes.pod.uid"==uid-4242'), 500));
  report(
    await measureAsync(
      "List/kind==container,pod.uid==x",
      () => ns.containers.list('labels."io.cri-containerd.kind"==container,labels."io.kubernetes.pod.uid"==uid-4242'),
      500,
    ),
  );
  report(await measureAsync("List/image~=regexp (scan)", () => ns.containers.list("image~=^nginx"), 500));
  // A write between lists: the list is rebuilt rather than served from the cache.
  let n = 0;
  report(
    await measureAsync(
      'CreateThenList/labels."kind"==container',
      async () => {
        await ns.containers.create({ id: `new-${n++}`, labels: criLabels(1), spec: tiny });
        return ns.containers.list('labels."io.cri-containerd.kind"==container');
      },
      500,
    ),
  );
  report(
    await measureAsync(
      "CreateThenList/all",
      async () => {
        await ns.containers.create({ id: `new-${n++}`, labels: criLabels(1), spec: tiny });
        return ns.containers.list();
      },
      500,
    ),
  );
}

await lifecycle();
await listing();
await memory("Memory/ContainerAndRunningTask/tinySpec", () => ociSpec({ process: { args: ["x"] } }), true);
await memory("Memory/ContainerOnly/typicalSpec", typicalSpec, false);
