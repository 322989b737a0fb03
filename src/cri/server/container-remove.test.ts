import { afterEach, describe, expect, test } from "vitest";
import { ContainerState } from "../api/v1.ts";
import { Code } from "../errors.ts";
import type { FakeCri } from "../../harness/index.ts";
import { advance, containerLeftovers, create, createAndStart, newFake, nothingLeft, rejection, runPod, status, type Pod } from "../testing/container-fixtures.ts";

let fake: FakeCri;
let pod: Pod;

afterEach(async () => {
  await fake?.close();
});

async function setUp() {
  fake = await newFake();
  pod = await runPod(fake);
}

describe("RemoveContainer", () => {
  test("removes a created container with everything it had: containerd container, snapshot, directories, name", async () => {
    await setUp();
    const id = await create(fake, pod, "app");
    expect((await containerLeftovers(fake, pod.id)).store).toBe(1);
    expect(await fake.runtime.removeContainer({ containerId: id })).toEqual({});
    expect(await containerLeftovers(fake, pod.id)).toEqual(nothingLeft);
    const err = await rejection(fake.runtime.containerStatus({ containerId: id }));
    expect([err.code, err.message]).toEqual([Code.NotFound, `an error occurred when try to find container "${id}": not found`]);
    await create(fake, pod, "app");
  });

  test("a running container is killed first (exit 137) and then removed", async () => {
    await setUp();
    const id = await createAndStart(fake, pod, "app");
    const exits = fake.containerd.events.subscribe('topic=="/tasks/exit"');
    await fake.runtime.removeContainer({ containerId: id });
    const exit = (await exits.next()).value!;
    expect(exit.event).toMatchObject({ containerId: id, exitStatus: 137 });
    exits.unsubscribe();
    expect(await containerLeftovers(fake, pod.id)).toEqual(nothingLeft);
  });

  test("an exited container is removed; removing twice, an unknown ID or an unknown prefix succeeds", async () => {
    await setUp();
    const id = await createAndStart(fake, pod, "once", ["true"]);
    await advance(fake, 0);
    expect((await status(fake, id)).state).toBe(ContainerState.CONTAINER_EXITED);
    await fake.runtime.removeContainer({ containerId: id });
    await fake.runtime.removeContainer({ containerId: id });
    await fake.runtime.removeContainer({ containerId: "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210" });
    await fake.runtime.removeContainer({ containerId: "fedcba98" });
    expect(await containerLeftovers(fake, pod.id)).toEqual(nothingLeft);
  });

  test("an empty or ambiguous ID is an error, not a no-op", async () => {
    await setUp();
    const empty = await rejection(fake.runtime.removeContainer({ containerId: "" }));
    expect([empty.code, empty.message]).toEqual([Code.Unknown, `an error occurred when try to find container "": Prefix can't be empty`]);
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push(await create(fake, pod, `c${i}`));
    const sorted = ids.sort();
    let prefix = "";
    for (let i = 1; i < sorted.length && prefix === ""; i++) {
      let n = 0;
      while (sorted[i - 1]![n] === sorted[i]![n]) n++;
      prefix = sorted[i]!.slice(0, n);
    }
    const ambiguous = await rejection(fake.runtime.removeContainer({ containerId: prefix }));
    expect(ambiguous.message).toBe(`an error occurred when try to find container "${prefix}": Multiple IDs found with provided prefix: ${prefix}`);
    expect(fake.service.containerStore.size).toBe(20);
  });

  test("a failed containerd delete leaves the container and lets a later remove finish", async () => {
    await setUp();
    const id = await create(fake, pod, "app");
    fake.containerd.faults.inject({ op: "containers.delete", subject: id, times: 1, error: { kind: "unknown", message: "boom: unknown" } });
    const err = await rejection(fake.runtime.removeContainer({ containerId: id }));
    expect(err.message).toBe(`failed to delete containerd container "${id}": boom: unknown`);
    expect(fake.service.containerStore.get(id).status.get().removing).toBe(false);
    expect((await status(fake, id)).state).toBe(ContainerState.CONTAINER_CREATED);
    await fake.runtime.removeContainer({ containerId: id });
    expect(await containerLeftovers(fake, pod.id)).toEqual(nothingLeft);
  });

  test("a containerd container deleted behind the plugin's back fails the removal, as containerd's first Info does", async () => {
    await setUp();
    const id = await create(fake, pod, "app");
    await fake.containerd.namespace("k8s.io").containers.delete(id, { snapshotCleanup: true });
    const err = await rejection(fake.runtime.removeContainer({ containerId: id }));
    expect([err.code, err.message]).toEqual([Code.NotFound, `get container info: container "${id}" in namespace "k8s.io": not found`]);
    expect(fake.service.containerStore.size).toBe(1);
  });

  test("a container being started cannot be removed", async () => {
    await setUp();
    const id = await create(fake, pod, "app");
    const gate = fake.containerd.gates.hold("tasks.create", id);
    const start = fake.runtime.startContainer({ containerId: id });
    await gate.arrived;
    const err = await rejection(fake.runtime.removeContainer({ containerId: id }));
    expect(err.message).toBe(`failed to set removing state for container "${id}": container is in starting state, can't be removed`);
    gate.release();
    await start;
    expect((await status(fake, id)).state).toBe(ContainerState.CONTAINER_RUNNING);
  });
});
