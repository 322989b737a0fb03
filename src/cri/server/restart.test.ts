import { afterEach, describe, expect, test } from "vitest";
import { VirtualClock } from "../../../fake-containerd/index.ts";
import { ContainerState } from "../api/v1.ts";
import { readTextFile } from "../../node/host-fs.ts";
import { SandboxState } from "../store/sandbox-status.ts";
import { createFakeCri, type FakeCri } from "../../harness/index.ts";
import { hexId, nodeBuilder } from "../testing/node-builder.ts";

let fake: FakeCri | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup() {
  fake = await createFakeCri({ seed: 7 });
  return { fake, node: nodeBuilder(fake.containerd, fake.hostFs, fake.config), clock: fake.clock as VirtualClock };
}


describe("recovering sandboxes", () => {
  test("a running pause task: READY with its pid, name reserved, network namespace loaded", async () => {
    const { fake, node } = await setup();
    const task = await node.sandbox(hexId(1), "web");
    await fake.restart();
    const sandbox = fake.service.sandboxStore.get(hexId(1));
    expect(sandbox.status.get()).toMatchObject({ state: SandboxState.Ready, pid: task!.pid });
    expect(sandbox.status.get().createdAt).toBe((await fake.containerd.namespace("k8s.io").containers.get(hexId(1))).createdAt);
    expect(fake.service.sandboxNameIndex.keyOf("web_ns_web-uid_0")).toBe(hexId(1));
    expect(sandbox.netns?.path).toBe(`/var/run/netns/cni-${hexId(1).slice(0, 8)}`);
    expect(sandbox.stopCh.isStopped).toBe(false);
  });

  test("the exit monitor is attached again: the pause process dying makes the sandbox NOTREADY", async () => {
    const { fake, node } = await setup();
    await node.sandbox(hexId(1), "web");
    await fake.restart();
    fake.containerd.faults.crashTask({ namespace: "k8s.io", containerId: hexId(1), exitStatus: 137 });
    await fake.service.sandboxStore.get(hexId(1)).stopCh.stopped();
    expect(fake.service.sandboxStore.get(hexId(1)).status.get()).toMatchObject({ state: SandboxState.NotReady, pid: 0 });
    expect(await fake.containerd.namespace("k8s.io").tasks.list()).toEqual([]);
  });

  test("no task, or a stopped one (deleted on the way): NOTREADY", async () => {
    const { fake, node } = await setup();
    await node.sandbox(hexId(1), "a", { task: "none" });
    await node.sandbox(hexId(2), "b", { task: "stopped" });
    await fake.restart();
    expect(fake.service.sandboxStore.get(hexId(1)).status.get().state).toBe(SandboxState.NotReady);
    expect(fake.service.sandboxStore.get(hexId(2)).status.get().state).toBe(SandboxState.NotReady);
    expect(fake.service.sandboxStore.get(hexId(2)).stopCh.isStopped).toBe(true);
    expect(await fake.containerd.namespace("k8s.io").tasks.list()).toEqual([]);
  });

  test("a task that cannot be read leaves the sandbox UNKNOWN (still listed, name reserved)", async () => {
    const { fake, node } = await setup();
    await node.sandbox(hexId(1), "a");
    fake.containerd.faults.makeTaskUnreadable({ namespace: "k8s.io", containerId: hexId(1) });
    await fake.restart();
    const sandbox = fake.service.sandboxStore.get(hexId(1));
    expect(sandbox.status.get()).toMatchObject({ state: SandboxState.Unknown, pid: 0 });
    expect(fake.service.recoveryProblems.map((p) => [p.what, p.error.message])).toEqual([
      ["sandbox status", "failed to load task: ttrpc: closed: unknown"],
    ]);
    expect(fake.service.sandboxNameIndex.keyOf("a_ns_a-uid_0")).toBe(hexId(1));
  });

  test("a sandbox container without metadata is skipped, as containerd logs and skips it", async () => {
    const { fake } = await setup();
    await fake.containerd.namespace("k8s.io").containers.create({
      id: hexId(9),
      labels: { "io.cri-containerd.kind": "sandbox" },
      spec: { typeUrl: "types.containerd.io/opencontainers/runtime-spec/1/Spec", value: new TextEncoder().encode("{}") },
    });
    await fake.restart();
    expect(fake.service.sandboxStore.size).toBe(0);
    expect(fake.service.recoveryProblems.map((p) => p.error.message)).toEqual([
      'metadata extension "io.cri-containerd.sandbox.metadata" not found',
    ]);
  });
});

describe("recovering containers", () => {
  test("running task + RUNNING checkpoint: running, and its exit is recorded when it comes", async () => {
    const { fake, node, clock } = await setup();
    await node.sandbox(hexId(1), "p");
    const task = await node.container(hexId(2), hexId(1), "c", { status: { startedAt: 200n, pid: 1001 } });
    await fake.restart();
    const container = fake.service.containerStore.get(hexId(2));
    expect(container.status.get()).toMatchObject({ createdAt: 100n, startedAt: 200n, pid: 1001, unknown: false });
    expect(container.status.state()).toBe(ContainerState.CONTAINER_RUNNING);
    expect(fake.service.containerNameIndex.keyOf("c_p_ns_p-uid_0")).toBe(hexId(2));
    const at = clock.peek();
    fake.containerd.faults.crashTask({ namespace: "k8s.io", containerId: hexId(2), exitStatus: 3 });
    await container.stopCh.stopped();
    expect(container.status.get()).toMatchObject({ exitCode: 3, pid: 0 });
    expect(container.status.get().finishedAt).toBeGreaterThanOrEqual(at);
    expect(readTextFile(fake.hostFs, `${fake.config.rootDir}/containers/${hexId(2)}/status`)).toContain('"ExitCode":3');
    void task;
  });

  test("running task but a CREATED checkpoint (the plugin died mid-start): running from now, with the task's pid", async () => {
    const { fake, node } = await setup();
    const task = await node.container(hexId(2), hexId(1), "c");
    await fake.restart();
    const status = fake.service.containerStore.get(hexId(2)).status.get();
    expect(status.startedAt).toBeGreaterThan(0n);
    expect(status.pid).toBe(task!.pid);
  });

  test("a RUNNING checkpoint without a task: exited with 255, reason Unknown", async () => {
    const { fake, node } = await setup();
    await node.container(hexId(2), hexId(1), "c", { task: "none", status: { startedAt: 200n, pid: 5 } });
    await fake.restart();
    const container = fake.service.containerStore.get(hexId(2));
    expect(container.status.get()).toMatchObject({ exitCode: 255, reason: "Unknown", unknown: false });
    expect(container.status.state()).toBe(ContainerState.CONTAINER_EXITED);
    expect(container.stopCh.isStopped).toBe(true);
  });

  test("a stopped task: exited with the task's status and time, task deleted", async () => {
    const { fake, node } = await setup();
    await node.container(hexId(2), hexId(1), "c", { task: "stopped", status: { startedAt: 200n, pid: 5 } });
    const [info] = await fake.containerd.namespace("k8s.io").tasks.list();
    await fake.restart();
    const status = fake.service.containerStore.get(hexId(2)).status.get();
    expect(status.exitCode).toBe(137);
    expect(status.finishedAt).toBe(info!.exitedAt);
    expect(await fake.containerd.namespace("k8s.io").tasks.list()).toEqual([]);
  });

  test("a created task with a CREATED checkpoint: the task is deleted, the container stays CREATED with fresh IO", async () => {
    const { fake, node } = await setup();
    await node.container(hexId(2), hexId(1), "c", { task: "created" });
    await fake.restart();
    const container = fake.service.containerStore.get(hexId(2));
    expect(container.status.state()).toBe(ContainerState.CONTAINER_CREATED);
    expect(container.io).toBeDefined();
    expect(await fake.containerd.namespace("k8s.io").tasks.list()).toEqual([]);
  });

  test("a created task with a RUNNING checkpoint is a contradiction: UNKNOWN", async () => {
    const { fake, node } = await setup();
    await node.container(hexId(2), hexId(1), "c", { task: "created", status: { startedAt: 5n } });
    await fake.restart();
    const container = fake.service.containerStore.get(hexId(2));
    expect(container.status.state()).toBe(ContainerState.CONTAINER_UNKNOWN);
    expect(fake.service.recoveryProblems.map((p) => p.error.message)).toEqual([
      'unexpected container state for created task: "CONTAINER_RUNNING"',
    ]);
  });

  test("an unreadable task: UNKNOWN, keeping what the checkpoint says", async () => {
    const { fake, node } = await setup();
    await node.container(hexId(2), hexId(1), "c", { status: { startedAt: 200n, pid: 9 } });
    fake.containerd.faults.makeTaskUnreadable({ namespace: "k8s.io", containerId: hexId(2) });
    await fake.restart();
    const container = fake.service.containerStore.get(hexId(2));
    expect(container.status.get()).toMatchObject({ unknown: true, startedAt: 200n, pid: 9, exitCode: 0 });
    expect(container.status.state()).toBe(ContainerState.CONTAINER_UNKNOWN);
  });

  test("no checkpoint: the unknown status (exit code 255, reason Unknown), then what the task says", async () => {
    const { fake, node } = await setup();
    await node.container(hexId(2), hexId(1), "c", { task: "none", status: "none" });
    await node.container(hexId(3), hexId(1), "d", { task: "running", status: "none" });
    fake.containerd.faults.makeTaskUnreadable({ namespace: "k8s.io", containerId: hexId(3) });
    await fake.restart();
    expect(fake.service.containerStore.get(hexId(2)).status.get()).toMatchObject({ exitCode: 255, reason: "Unknown", unknown: true });
    expect(fake.service.containerStore.get(hexId(3)).status.state()).toBe(ContainerState.CONTAINER_UNKNOWN);
    expect(fake.service.recoveryProblems.map((p) => p.error.message)[0]).toBe(
      `failed to read status from "${fake.config.rootDir}/containers/${hexId(2)}/status": open ${fake.config.rootDir}/containers/${hexId(2)}/status: no such file or directory`,
    );
  });

  test("an UNKNOWN container whose task then exits becomes EXITED", async () => {
    const { fake, node } = await setup();
    await node.container(hexId(2), hexId(1), "c", { task: "running", status: "none" });
    await fake.restart();
    const container = fake.service.containerStore.get(hexId(2));
    expect(container.status.state()).toBe(ContainerState.CONTAINER_UNKNOWN);
    fake.containerd.faults.crashTask({ namespace: "k8s.io", containerId: hexId(2), exitStatus: 1 });
    await container.stopCh.stopped();
    expect(container.status.get()).toMatchObject({ unknown: false, exitCode: 1 });
    expect(container.status.state()).toBe(ContainerState.CONTAINER_EXITED);
  });

  test("a running container's output reaches its log again after the restart", async () => {
    const { fake, node, clock } = await setup();
    fake.containerd.processes.onContainer({ containerId: hexId(2) }, { output: [{ stream: "stdout", data: "after\n", atMs: 1000 }] });
    await node.container(hexId(2), hexId(1), "c", { status: { startedAt: 1n, pid: 1 }, logPath: "/var/log/pods/p/c/0.log" });
    await fake.restart();
    await clock.advance(1000);
    expect(readTextFile(fake.hostFs, "/var/log/pods/p/c/0.log")).toMatch(/^\S+ stdout F after\n$/);
  });
});

describe("recovering the rest", () => {
  test("directories of sandboxes and containers that no longer exist are removed; stray files stay", async () => {
    const { fake, node } = await setup();
    await node.container(hexId(2), hexId(1), "c", { task: "none" });
    const root = fake.config.rootDir;
    fake.hostFs.mkdirAll(`${root}/containers/${hexId(3)}`);
    fake.hostFs.mkdirAll(`${fake.config.stateDir}/sandboxes/${hexId(4)}`);
    fake.hostFs.writeFile(`${root}/containers/stray-file`, "x");
    await fake.restart();
    expect(fake.hostFs.readDir(`${root}/containers`)).toEqual([hexId(2), "stray-file"]);
    expect(fake.hostFs.readDir(`${fake.config.stateDir}/sandboxes`)).toEqual([]);
  });

  test("images come back from containerd's records, with references and IDs", async () => {
    const { fake } = await setup();
    const before = fake.service.imageStore.list();
    await fake.restart();
    expect(fake.service.imageStore.list()).toEqual(before);
    expect(before.map((i) => i.references[0])).toEqual(["registry.k8s.io/pause:3.6"]);
  });

  test("a saved node continues: containers, statuses and names come back in a new fake", async () => {
    const { fake, node } = await setup();
    await node.sandbox(hexId(1), "p");
    await node.container(hexId(2), hexId(1), "c", { status: { startedAt: 200n, pid: 1 } });
    const state = JSON.parse(JSON.stringify(fake.saveState()));
    await fake.close();
    const again = await createFakeCri({ state });
    try {
      expect(again.service.containerStore.get(hexId(2)).status.state()).toBe(ContainerState.CONTAINER_RUNNING);
      expect(again.service.sandboxStore.get(hexId(1)).status.get().state).toBe(SandboxState.Ready);
    } finally {
      await again.close();
    }
  });
});

