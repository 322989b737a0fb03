// With a seed the fake's clock is virtual: nothing that waits on it (a stop's grace period, a
// script's delays, a client deadline) happens until fake.advance(ms). A call left waiting for a
// second of real time says so on the console.
import { expect, test } from "vitest";
import { createFakeCri } from "fake-cri";
import { ContainerState } from "fake-cri/api/v1";

test("StopContainer waits out the grace period on the fake's clock, then kills", async () => {
  const fake = await createFakeCri({ seed: 1, images: ["busybox:1.36"] });
  fake.containerd.processes.onContainer({ image: "busybox:1.36" }, { ignoreSigterm: true });
  const pod = { metadata: { name: "web", namespace: "default", uid: "web-1" } };
  const { podSandboxId } = await fake.runtime.runPodSandbox({ config: pod });
  const app = { metadata: { name: "app" }, image: { image: "busybox:1.36" } };
  const { containerId } = await fake.runtime.createContainer({ podSandboxId, config: app, sandboxConfig: pod });
  await fake.runtime.startContainer({ containerId });

  let stopped = false;
  const stopping = fake.runtime.stopContainer({ containerId, timeout: 30n }).then(() => (stopped = true));
  await fake.advance(29_000);
  expect(stopped).toBe(false);
  await fake.advance(1_000);
  await stopping;
  const { status } = await fake.runtime.containerStatus({ containerId });
  expect(status).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 137 });
  await fake.close();
});
