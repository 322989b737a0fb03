// StopPodSandbox: its containers are killed first, then the pause task; the network goes; stopping
// again is fine; unknown IDs and ambiguous prefixes fail as in containerd 1.6.20.

import { afterEach, describe, expect, test } from "vitest";
import type { VirtualClock } from "../../../fake-containerd/index.ts";
import { ContainerState, PodSandboxState } from "../api/v1.ts";
import { Code } from "../errors.ts";
import { createFakeCri, type FakeCri } from "../../harness/index.ts";
import { ipamDataDir } from "./sandbox-network.ts";
import { podConfig, rejection, sandboxFootprint } from "../testing/sandbox-fixtures.ts";

let fake: FakeCri;
afterEach(async () => {
  await fake?.close();
});

const busybox = "docker.io/library/busybox:1.36";

async function container(podSandboxId: string, name: string, command: string[]) {
  const sandboxConfig = podConfig("pod");
  const { containerId } = await fake.runtime.createContainer({
    podSandboxId,
    config: { metadata: { name }, image: { image: busybox }, command, logPath: `${name}.log` },
    sandboxConfig,
  });
  return containerId;
}

describe("StopPodSandbox", () => {
  test("kills the running containers (137), leaves created ones created, then stops the pause task", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1, images: [busybox] });
    fake.containerd.processes.onContainer({ args: ["trap-term"] }, { ignoreSigterm: true });
    const { podSandboxId } = await fake.runtime.runPodSandbox({ config: podConfig("pod") });
    const running = await container(podSandboxId, "running", ["trap-term"]);
    await fake.runtime.startContainer({ containerId: running });
    const created = await container(podSandboxId, "created", ["sleep", "1"]);

    await fake.runtime.stopPodSandbox({ podSandboxId });
    const runningStatus = (await fake.runtime.containerStatus({ containerId: running })).status!;
    expect([runningStatus.state, runningStatus.exitCode, runningStatus.reason]).toEqual([ContainerState.CONTAINER_EXITED, 137, "Error"]);
    expect((await fake.runtime.containerStatus({ containerId: created })).status?.state).toBe(ContainerState.CONTAINER_CREATED);
    const status = (await fake.runtime.podSandboxStatus({ podSandboxId })).status!;
    expect([status.state, status.network?.ip]).toEqual([PodSandboxState.SANDBOX_NOTREADY, ""]);
    const footprint = await sandboxFootprint(fake);
    expect([footprint.tasks, footprint.netns, footprint.addresses, footprint.names]).toEqual([[], [], [], 1]);
  });

  test("twice is fine, and by a unique prefix", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const { podSandboxId } = await fake.runtime.runPodSandbox({ config: podConfig("twice") });
    await fake.runtime.stopPodSandbox({ podSandboxId: podSandboxId.slice(0, 8) });
    expect(await fake.runtime.stopPodSandbox({ podSandboxId })).toEqual({});
    expect(await fake.v1alpha2.runtime.stopPodSandbox({ podSandboxId })).toEqual({});
  });

  test("a pause task that died on its own is noticed, and the stop still tears the network down", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const { podSandboxId } = await fake.runtime.runPodSandbox({ config: podConfig("died") });
    fake.containerd.faults.crashTask({ namespace: "k8s.io", containerId: podSandboxId, exitStatus: 137 });
    await waitFor(async () => (await fake.runtime.podSandboxStatus({ podSandboxId })).status?.state === PodSandboxState.SANDBOX_NOTREADY);
    // The network namespace is still there until the stop.
    expect((await fake.runtime.podSandboxStatus({ podSandboxId })).status?.network?.ip).toBe("10.88.0.2");
    await fake.runtime.stopPodSandbox({ podSandboxId });
    expect((await sandboxFootprint(fake)).addresses).toEqual([]);
  });

  test.each([
    ["an unknown ID", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", Code.NotFound, "not found"],
    ["an unknown prefix", "0123", Code.NotFound, "not found"],
  ])("%s is NotFound", async (_, id, code, cause) => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const err = await rejection(fake.runtime.stopPodSandbox({ podSandboxId: id }));
    expect([err.code, err.message]).toEqual([code, `an error occurred when try to find sandbox "${id}": ${cause}`]);
  });

  test("teardown finds a reservation by reading the IPAM directory only when someone else changed it", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1, images: [busybox] });
    const dataDir = ipamDataDir(fake.service);
    const ids: string[] = [];
    for (const name of ["a", "b", "c", "d"]) ids.push((await fake.runtime.runPodSandbox({ config: podConfig(name) })).podSandboxId);
    const reads: string[] = [];
    const readDir = fake.hostFs.readDir.bind(fake.hostFs);
    fake.hostFs.readDir = (path) => {
      reads.push(path);
      return readDir(path);
    };
    // Stop, then remove (which stops again, as containerd 1.6 does): the second teardown finds no
    // reservation; one read of the directory serves every later teardown.
    for (const podSandboxId of ids.slice(0, 2)) {
      await fake.runtime.stopPodSandbox({ podSandboxId });
      await fake.runtime.removePodSandbox({ podSandboxId });
    }
    expect(reads.filter((path) => path === dataDir)).toHaveLength(1);
    // A reservation written by somebody else for a sandbox whose own address is gone is still found.
    const [, , third, fourth] = ids as [string, string, string, string];
    const ip = (await fake.runtime.podSandboxStatus({ podSandboxId: third })).status!.network!.ip;
    fake.hostFs.removeAll(`${dataDir}/${ip}`);
    fake.hostFs.writeFile(`${dataDir}/10.88.9.9`, `${third}\r\neth0\n`);
    await fake.runtime.stopPodSandbox({ podSandboxId: third });
    expect(fake.hostFs.exists(`${dataDir}/10.88.9.9`)).toBe(false);
    expect(reads.filter((path) => path === dataDir)).toHaveLength(2);
    await fake.runtime.stopPodSandbox({ podSandboxId: fourth });
    expect((await sandboxFootprint(fake)).addresses).toEqual([]);
  });

  test("an empty ID", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const err = await rejection(fake.runtime.stopPodSandbox({ podSandboxId: "" }));
    expect([err.code, err.message]).toEqual([Code.Unknown, 'an error occurred when try to find sandbox "": Prefix can\'t be empty']);
  });

  test("a pause task that cannot be killed fails the stop with the sandbox's state", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const { podSandboxId } = await fake.runtime.runPodSandbox({ config: podConfig("stubborn") });
    fake.containerd.faults.inject({ op: "tasks.kill", error: { kind: "unknown", message: "boom" } });
    const err = await rejection(fake.runtime.stopPodSandbox({ podSandboxId }));
    expect([err.code, err.message]).toEqual([
      Code.Unknown,
      `failed to stop sandbox container "${podSandboxId}" in "SANDBOX_READY" state: failed to kill sandbox container: boom`,
    ]);
    expect((await fake.runtime.podSandboxStatus({ podSandboxId })).status?.state).toBe(PodSandboxState.SANDBOX_READY);
  });

  test("waiting for the pause task ends with the client's deadline; the stop completes later", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const clock = fake.clock as VirtualClock;
    const { podSandboxId } = await fake.runtime.runPodSandbox({ config: podConfig("slow") });
    const gate = fake.containerd.gates.hold("tasks.delete", podSandboxId);
    const stop = rejection(fake.runtime.stopPodSandbox({ podSandboxId }, { timeoutMs: 2000 }));
    await gate.arrived;
    await clock.advance(2000);
    expect((await stop).code).toBe(Code.DeadlineExceeded);
    gate.release();
    await waitFor(async () => (await fake.runtime.podSandboxStatus({ podSandboxId })).status?.state === PodSandboxState.SANDBOX_NOTREADY);
    await fake.runtime.stopPodSandbox({ podSandboxId });
    expect((await sandboxFootprint(fake)).addresses).toEqual([]);
  });
});

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error("condition never held");
}
