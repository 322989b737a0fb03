import { afterEach, describe, expect, test } from "vitest";
import { Code } from "../errors.ts";
import type { FakeCri } from "../../harness/index.ts";
import { advance, create, createAndStart, newFake, rejection, runPod, type Pod } from "../testing/container-fixtures.ts";

let fake: FakeCri;
let pod: Pod;

afterEach(async () => {
  await fake?.close();
});

async function setUp() {
  fake = await newFake();
  pod = await runPod(fake);
}

describe("ContainerStats", () => {
  test("a running container's CPU and memory from its task's cgroup v2 metrics, and its writable layer", async () => {
    await setUp();
    fake.containerd.processes.onContainer({ args: ["busy"] }, { usage: { cpuMillicores: 500, memoryBytes: 64 * 1024 * 1024 } });
    const id = await createAndStart(fake, pod, "busy", ["busy"], { labels: { app: "x" }, linux: { resources: { memoryLimitInBytes: 256n * 1024n * 1024n } } });
    await advance(fake, 10_000);
    const first = (await fake.runtime.containerStats({ containerId: id })).stats!;
    expect(first.attributes).toEqual({ id, metadata: { name: "busy", attempt: 0 }, labels: { app: "x" }, annotations: {} });
    // Half a core for ten seconds (the virtual clock ticks a microsecond per reading).
    expect(Number(first.cpu?.usageCoreNanoSeconds?.value)).toBeCloseTo(5_000_000_000, -5);
    expect(first.cpu?.usageNanoCores?.value).toBe(0n);
    expect(first.memory).toMatchObject({
      workingSetBytes: { value: 64n * 1024n * 1024n },
      usageBytes: { value: 64n * 1024n * 1024n },
      rssBytes: { value: 64n * 1024n * 1024n },
      availableBytes: { value: 192n * 1024n * 1024n },
    });
    expect(first.writableLayer?.fsId?.mountpoint).toBe("/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs");
    await advance(fake, 10_000);
    const second = (await fake.runtime.containerStats({ containerId: id.slice(0, 7) })).stats!;
    // Half a core over the interval.
    expect(Number(second.cpu?.usageNanoCores?.value)).toBeCloseTo(500_000_000, -4);
  });

  test("without a task there are no metrics: created and exited containers fail", async () => {
    await setUp();
    const created = await create(fake, pod, "created");
    const err = await rejection(fake.runtime.containerStats({ containerId: created }));
    expect([err.code, err.message]).toEqual([Code.Unknown, "unexpected metrics response: []"]);
    const unknown = await rejection(fake.runtime.containerStats({ containerId: "zzzz" }));
    expect([unknown.code, unknown.message]).toEqual([Code.NotFound, "failed to find container: not found"]);
  });
});

describe("ListContainerStats", () => {
  test("filters by ID, sandbox and labels; containers without a task have attributes and writable layer only", async () => {
    await setUp();
    const other = await runPod(fake, "other");
    const web = await createAndStart(fake, pod, "web", ["sleep", "infinity"], { labels: { role: "web" } });
    const idle = await create(fake, pod, "idle", ["sleep", "infinity"], { labels: { role: "idle" } });
    const db = await createAndStart(fake, other, "db", ["sleep", "infinity"], { labels: { role: "db" } });
    const ids = async (filter?: object) => (await fake.runtime.listContainerStats(filter ? { filter } : {})).stats.map((s) => s.attributes!.id).sort();
    expect(await ids()).toEqual([web, idle, db].sort());
    expect(await ids({})).toEqual([web, idle, db].sort());
    expect(await ids({ id: web.slice(0, 8) })).toEqual([web]);
    expect(await ids({ podSandboxId: other.id.slice(0, 8) })).toEqual([db]);
    expect(await ids({ labelSelector: { role: "idle" } })).toEqual([idle]);
    expect(await ids({ labelSelector: { role: "none" } })).toEqual([]);
    expect(await ids({ id: web, podSandboxId: other.id })).toEqual([]);
    const [idleStats] = (await fake.runtime.listContainerStats({ filter: { id: idle } })).stats;
    expect(idleStats!.cpu).toBeUndefined();
    expect(idleStats!.memory).toBeUndefined();
    expect(idleStats!.writableLayer).toBeDefined();
  });
});
