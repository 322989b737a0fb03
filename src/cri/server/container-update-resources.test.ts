import { afterEach, describe, expect, test } from "vitest";
import { Code } from "../errors.ts";
import type { FakeCri } from "../../harness/index.ts";
import { create, createAndStart, newFake, rejection, runPod, status, type Pod } from "../testing/container-fixtures.ts";

let fake: FakeCri;
let pod: Pod;

afterEach(async () => {
  await fake?.close();
});

async function setUp(options: Parameters<typeof newFake>[0] = {}) {
  fake = await newFake(options);
  pod = await runPod(fake);
}

const specOf = async (id: string) => JSON.parse((await fake.runtime.containerStatus({ containerId: id, verbose: true })).info.info!).runtimeSpec;

describe("UpdateContainerResources", () => {
  test("a created container: the spec and the status change, for the start to apply", async () => {
    await setUp();
    const id = await create(fake, pod, "app");
    await fake.runtime.updateContainerResources({ containerId: id, linux: { cpuShares: 256n } });
    expect((await status(fake, id)).resources?.linux).toMatchObject({ cpuShares: 256n, memoryLimitInBytes: 0n });
    expect((await specOf(id)).linux.resources.cpu).toEqual({ shares: 256 });
  });

  test("a running container: the task gets the new limits too; limits add up across updates", async () => {
    await setUp();
    const id = await createAndStart(fake, pod, "app");
    await fake.runtime.updateContainerResources({ containerId: id, linux: { cpuShares: 512n, memoryLimitInBytes: 134217728n } });
    await fake.runtime.updateContainerResources({ containerId: id, linux: { cpusetCpus: "0" } });
    expect((await status(fake, id)).resources?.linux).toMatchObject({
      cpuShares: 512n,
      cpusetCpus: "0",
      memoryLimitInBytes: 134217728n,
      memorySwapLimitInBytes: 134217728n,
    });
    const metrics = await fake.containerd.namespace("k8s.io").tasks.metrics(`id==${id}`);
    expect(metrics[0]!.data.memory.usageLimit).toBe(134217728n);
  });

  test("an update without resources changes nothing and succeeds; so does one after the container exited", async () => {
    await setUp();
    const id = await createAndStart(fake, pod, "app", ["sleep", "infinity"], { linux: { resources: { cpuShares: 100n } } });
    await fake.runtime.updateContainerResources({ containerId: id });
    expect((await status(fake, id)).resources?.linux?.cpuShares).toBe(100n);
    await fake.runtime.stopContainer({ containerId: id });
    await fake.runtime.updateContainerResources({ containerId: id, linux: { cpuShares: 128n } });
    expect((await status(fake, id)).resources?.linux?.cpuShares).toBe(128n);
  });

  test("unknown IDs and failures to update the spec or the task, which leave the old spec", async () => {
    await setUp();
    const unknown = await rejection(fake.runtime.updateContainerResources({ containerId: "zzzz", linux: { cpuShares: 2n } }));
    expect([unknown.code, unknown.message]).toEqual([Code.NotFound, "failed to find container: not found"]);
    const id = await createAndStart(fake, pod, "app");
    fake.containerd.faults.inject({ op: "containers.update", subject: id, times: 1, error: { kind: "unknown", message: "boom: unknown" } });
    const spec = await rejection(fake.runtime.updateContainerResources({ containerId: id, linux: { cpuShares: 2n } }));
    expect(spec.message).toBe("failed to update resources: failed to update container spec: boom: unknown");
    fake.containerd.faults.inject({ op: "tasks.update", subject: id, times: 1, error: { kind: "unknown", message: "cgroup says no: unknown" } });
    const task = await rejection(fake.runtime.updateContainerResources({ containerId: id, linux: { cpuShares: 3n } }));
    expect(task.message).toBe("failed to update resources: failed to update resources: cgroup says no: unknown");
    expect((await specOf(id)).linux.resources.cpu).toBeUndefined();
    expect((await status(fake, id)).resources?.linux?.cpuShares).toBe(0n);
  });
});
