import { afterEach, describe, expect, test } from "vitest";
import type { VirtualClock } from "../../../fake-containerd/index.ts";
import { buildImage } from "../../../fake-containerd/images/build.ts";
import { ContainerState } from "../api/v1.ts";
import { createFakeCri, synthesizeImage, type FakeCri } from "../../harness/index.ts";
import { hexId, nodeBuilder } from "../testing/node-builder.ts";

let fake: FakeCri | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** A fake with a running container (its exit monitor attached by recovery). */
async function withRunningContainer(script?: Parameters<FakeCri["containerd"]["processes"]["onContainer"]>[1]) {
  fake = await createFakeCri({ seed: 3 });
  if (script) fake.containerd.processes.onContainer({ containerId: hexId(2) }, script);
  const node = nodeBuilder(fake.containerd, fake.hostFs, fake.config);
  await node.container(hexId(2), hexId(1), "c", { status: { startedAt: 200n, pid: 1 } });
  await fake.restart();
  return { fake, clock: fake.clock as VirtualClock, container: fake.service.containerStore.get(hexId(2)) };
}

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
};

describe("task exits", () => {
  test("the exit is recorded (code, time), the task deleted, the stop signal closed", async () => {
    const { fake, clock, container } = await withRunningContainer({ exit: { code: 4, afterMs: 500 } });
    await clock.advance(500);
    await container.stopCh.stopped();
    const status = container.status.get();
    expect(status).toMatchObject({ exitCode: 4, pid: 0, reason: "" });
    expect(container.status.state()).toBe(ContainerState.CONTAINER_EXITED);
    expect(await fake.containerd.namespace("k8s.io").tasks.list()).toEqual([]);
  });

  test("an exit already recorded (by StopContainer, say) is kept", async () => {
    const { fake, container } = await withRunningContainer();
    container.status.updateSync((s) => ({ ...s, finishedAt: 999n, exitCode: 42 }));
    fake.containerd.faults.crashTask({ namespace: "k8s.io", containerId: hexId(2), exitStatus: 9 });
    await settle();
    expect(container.status.get()).toMatchObject({ finishedAt: 999n, exitCode: 42 });
  });

  test("a failed exit handling is retried after the back-off (1 s, then doubling)", async () => {
    const { fake, clock, container } = await withRunningContainer();
    fake.containerd.faults.inject({ op: "tasks.delete", subject: hexId(2), times: 2, error: { kind: "unknown", message: "shim busy" } });
    fake.containerd.faults.crashTask({ namespace: "k8s.io", containerId: hexId(2), exitStatus: 2 });
    await settle();
    const monitor = fake.service.eventMonitor;
    expect(monitor.errors.map((e) => e.message)).toEqual(["failed to stop container: shim busy"]);
    expect(monitor.backedOff()).toEqual([hexId(2)]);
    expect(container.status.state()).toBe(ContainerState.CONTAINER_RUNNING);
    await clock.advance(1000);
    expect(monitor.errors.map((e) => e.message)).toEqual([
      "failed to stop container: shim busy",
      "failed to handle container TaskExit event: failed to stop container: shim busy",
    ]);
    await clock.advance(1000);
    expect(container.status.state()).toBe(ContainerState.CONTAINER_RUNNING);
    await clock.advance(1000);
    expect(container.status.get()).toMatchObject({ exitCode: 2 });
    expect(monitor.backedOff()).toEqual([]);
    expect((fake.clock as VirtualClock).pendingTimers()).toBe(0);
  });
});

describe("/tasks/oom", () => {
  test("an OOM kill gives the reason OOMKilled and exit code 137", async () => {
    const { clock, container } = await withRunningContainer({ oom: { afterMs: 100 } });
    await clock.advance(100);
    await container.stopCh.stopped();
    await settle();
    expect(container.status.get()).toMatchObject({ reason: "OOMKilled", exitCode: 137 });
  });

  test("an OOM event for a container the plugin does not know is ignored", async () => {
    fake = await createFakeCri({ seed: 3 });
    await fake.containerd.events.publish("k8s.io", "/tasks/oom", { containerId: "nobody" });
    await settle();
    expect(fake.service.eventMonitor.errors).toEqual([]);
  });
});

describe("/images/*", () => {
  test("an image created in containerd appears in the CRI image store, managed and with its ID record", async () => {
    fake = await createFakeCri({ seed: 3 });
    const images = fake.containerd.namespace("k8s.io").images;
    const { built } = await buildImage(images, synthesizeImage("docker.io/library/nginx:1", fake.config.sandboxImage));
    await fake.containerd.events.delivered();
    await settle();
    const image = fake.service.imageStore.get(built.config.digest);
    expect(image.references).toEqual(["docker.io/library/nginx:1", built.config.digest]);
    expect((await images.get("docker.io/library/nginx:1")).labels).toEqual({ "io.cri-containerd.image": "managed" });
    await images.delete("docker.io/library/nginx:1");
    await settle();
    expect(fake.service.imageStore.get(built.config.digest).references).toEqual([built.config.digest]);
    expect(fake.service.imageStore.idOfReference("docker.io/library/nginx:1")).toBeUndefined();
  });

  test("events in other namespaces are not the plugin's", async () => {
    fake = await createFakeCri({ seed: 3 });
    await buildImage(fake.containerd.namespace("default").images, synthesizeImage("docker.io/library/nginx:1", fake.config.sandboxImage));
    await settle();
    expect(fake.service.imageStore.idOfReference("docker.io/library/nginx:1")).toBeUndefined();
  });
});

describe("stopping the plugin", () => {
  test("exit monitors of a stopped plugin do nothing; the restarted one handles the exit", async () => {
    const { fake } = await withRunningContainer();
    const old = fake.service;
    const oldContainer = old.containerStore.get(hexId(2));
    await fake.restart();
    fake.containerd.faults.crashTask({ namespace: "k8s.io", containerId: hexId(2), exitStatus: 5 });
    const current = fake.service.containerStore.get(hexId(2));
    await current.stopCh.stopped();
    expect(current.status.get().exitCode).toBe(5);
    expect(oldContainer.stopCh.isStopped).toBe(false);
    expect(old.eventMonitor.errors).toEqual([]);
  });
});
