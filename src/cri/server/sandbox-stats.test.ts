// PodSandboxStats and ListPodSandboxStats: figures from the pod's tasks' metrics, containerd 1.6.20's
// errors for a pod without a cgroup parent or not ready, and the list's filters.

import { afterEach, describe, expect, test } from "vitest";
import type { VirtualClock } from "../../../fake-containerd/index.ts";
import { NamespaceMode } from "../api/v1.ts";
import { Code } from "../errors.ts";
import { createFakeCri, type FakeCri } from "../../harness/index.ts";
import { podConfig, rejection } from "../testing/sandbox-fixtures.ts";

let fake: FakeCri;
afterEach(async () => {
  await fake?.close();
});

const busybox = "docker.io/library/busybox:1.36";
const withParent = (name: string, extra = {}) => podConfig(name, { linux: { cgroupParent: "/kubepods", ...extra } });

describe("PodSandboxStats", () => {
  test("sums the pod's tasks: CPU (with a rate from the second sample on), memory, processes, and its containers' stats", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1, images: [busybox] });
    const clock = fake.clock as VirtualClock;
    fake.containerd.processes.onContainer({ image: busybox }, { usage: { cpuMillicores: 500, memoryBytes: 8 << 20 } });
    const { podSandboxId } = await fake.runtime.runPodSandbox({ config: podConfig("pod", { labels: { app: "x" }, linux: { cgroupParent: "/kubepods" } }) });
    const { containerId } = await fake.runtime.createContainer({
      podSandboxId,
      config: { metadata: { name: "app" }, image: { image: busybox }, command: ["sleep", "infinity"] },
      sandboxConfig: withParent("pod"),
    });
    await fake.runtime.startContainer({ containerId });
    await clock.advance(1000);

    const first = (await fake.runtime.podSandboxStats({ podSandboxId })).stats!;
    expect(first.attributes).toEqual({
      id: podSandboxId,
      metadata: { name: "pod", namespace: "ns", uid: "pod-uid", attempt: 0 },
      labels: { app: "x" },
      annotations: {},
    });
    const linux = first.linux!;
    // The script's 8 MiB and the emulated pause (emulation/resources.ts).
    expect(linux.memory?.usageBytes?.value).toBe(BigInt((8 << 20) + 438_272));
    expect(linux.memory?.availableBytes?.value).toBe(0n);
    expect(linux.cpu?.usageNanoCores?.value).toBe(0n);
    expect(linux.process?.processCount?.value).toBe(1n);
    expect(linux.network?.defaultInterface?.name).toBe("eth0");
    expect(linux.containers.map((s) => s.attributes?.id)).toEqual([containerId]);

    await clock.advance(1000);
    const second = (await fake.runtime.podSandboxStats({ podSandboxId })).stats!.linux!;
    // The script's 500 millicores over the last second, the pause none (the virtual clock ticks a little on every read).
    const used = second.cpu!.usageCoreNanoSeconds!.value - linux.cpu!.usageCoreNanoSeconds!.value;
    const elapsed = second.cpu!.timestamp - linux.cpu!.timestamp;
    expect(Number(used)).toBeCloseTo(500_000_000, -5);
    expect(second.cpu?.usageNanoCores?.value).toBe(BigInt(Math.trunc((Number(used) / Number(elapsed)) * 1e9)));
  });

  test("a host-network pod has no network figures", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    // No hostname: runc refuses one without the pod's own UTS namespace.
    const config = { ...withParent("host", { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } }), hostname: "" };
    const { podSandboxId } = await fake.runtime.runPodSandbox({ config });
    expect((await fake.runtime.podSandboxStats({ podSandboxId })).stats?.linux?.network).toBeUndefined();
  });

  test("errors: no cgroup parent, not ready, unknown", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const plain = (await fake.runtime.runPodSandbox({ config: podConfig("plain") })).podSandboxId;
    const stopped = (await fake.runtime.runPodSandbox({ config: withParent("stopped") })).podSandboxId;
    await fake.runtime.stopPodSandbox({ podSandboxId: stopped });

    const noParent = await rejection(fake.runtime.podSandboxStats({ podSandboxId: plain }));
    expect([noParent.code, noParent.message]).toEqual([
      Code.Unknown,
      `failed getting metrics for sandbox ${plain}: failed to get cgroup metrics for sandbox ${plain} because cgroupPath is empty`,
    ]);
    const notReady = await rejection(fake.runtime.podSandboxStats({ podSandboxId: stopped.slice(0, 9) }));
    expect([notReady.code, notReady.message]).toEqual([
      Code.Unknown,
      `failed to decode pod sandbox metrics ${stopped.slice(0, 9)}: failed to get pod sandbox stats since sandbox container "${stopped}" is not in ready state`,
    ]);
    const unknown = await rejection(fake.runtime.podSandboxStats({ podSandboxId: "abc" }));
    expect([unknown.code, unknown.message]).toEqual([Code.NotFound, "an error occurred when trying to find sandbox abc: not found"]);
  });
});

describe("ListPodSandboxStats", () => {
  test("without a filter every sandbox counts, so a stopped one fails the call; a filter keeps only ready ones", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const one = (await fake.runtime.runPodSandbox({ config: withParent("one") })).podSandboxId;
    const two = (await fake.runtime.runPodSandbox({ config: podConfig("two", { labels: { app: "x" }, linux: { cgroupParent: "/kubepods" } }) })).podSandboxId;
    const ids = async (filter?: object) =>
      (await fake.runtime.listPodSandboxStats(filter ? { filter } : {})).stats.map((s) => s.attributes?.id);
    expect(await ids()).toEqual([one, two]);
    expect(await ids({ id: two.slice(0, 7) })).toEqual([two]);
    expect(await ids({ labelSelector: { app: "x" } })).toEqual([two]);
    expect(await ids({ labelSelector: { app: "y" } })).toEqual([]);

    await fake.runtime.stopPodSandbox({ podSandboxId: two });
    const err = await rejection(fake.runtime.listPodSandboxStats({}));
    expect([err.code, err.message]).toEqual([
      Code.Unknown,
      `failed to decode sandbox container metrics for sandbox "${two}": failed to get pod sandbox stats since sandbox container "${two}" is not in ready state`,
    ]);
    expect(await ids({ id: two })).toEqual([]);
    expect(await ids({})).toEqual([one]);

    await fake.runtime.runPodSandbox({ config: podConfig("three") });
    const noParent = await rejection(fake.runtime.listPodSandboxStats({ filter: {} }));
    expect(noParent.message).toMatch(/^failed to obtain metrics for sandbox "[0-9a-f]{64}": failed to get cgroup metrics for sandbox [0-9a-f]{64} because cgroupPath is empty$/);
  });
});
