// After a containerd restart the CRI plugin reloads its pods and containers from containerd. When a
// task's shim is gone, the plugin cannot read the task: the container shows as CONTAINER_UNKNOWN
// and its pod as SANDBOX_NOTREADY, with the fields below.
import { expect, test } from "vitest";
import { createFakeCri } from "fake-cri";
import { ContainerState, PodSandboxState } from "fake-cri/api/v1";

test("a container whose shim is gone after a restart is UNKNOWN, with the status it had", async () => {
  const fake = await createFakeCri({ seed: 1, images: ["busybox:1.36"] });
  const pod = { metadata: { name: "web", namespace: "default", uid: "web-1" } };
  const { podSandboxId } = await fake.runtime.runPodSandbox({ config: pod });
  const app = { metadata: { name: "app" }, image: { image: "busybox:1.36" } };
  const { containerId } = await fake.runtime.createContainer({ podSandboxId, config: app, sandboxConfig: pod });
  await fake.runtime.startContainer({ containerId });
  const before = (await fake.runtime.containerStatus({ containerId })).status!;

  for (const id of [podSandboxId, containerId]) {
    fake.containerd.faults.makeTaskUnreadable({ namespace: "k8s.io", containerId: id });
  }
  await fake.restart();

  const { status } = await fake.runtime.containerStatus({ containerId });
  expect(status).toMatchObject({
    state: ContainerState.CONTAINER_UNKNOWN,
    createdAt: before.createdAt,
    startedAt: before.startedAt,
    finishedAt: 0n,
    exitCode: 0,
    reason: "",
  });
  const sandbox = await fake.runtime.podSandboxStatus({ podSandboxId });
  expect(sandbox.status!.state).toBe(PodSandboxState.SANDBOX_NOTREADY);
  await fake.close();
});
