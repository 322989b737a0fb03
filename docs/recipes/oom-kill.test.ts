// A container the OOM killer ends: exit code 137, reason OOMKilled. The script says when (on the
// fake's clock); a real memory hog under a memory limit (`tail /dev/zero`) is emulated too.
import { expect, test } from "vitest";
import { createFakeCri } from "fake-cri";
import { ContainerState } from "fake-cri/api/v1";

test("a scripted OOM kill: CONTAINER_EXITED, exit code 137, reason OOMKilled", async () => {
  const fake = await createFakeCri({ seed: 1, images: ["busybox:1.36"] });
  fake.containerd.processes.onContainer({ image: "busybox:1.36" }, { oom: { afterMs: 50 } });
  const pod = { metadata: { name: "hog", namespace: "default", uid: "hog-1" } };
  const { podSandboxId } = await fake.runtime.runPodSandbox({ config: pod });
  const hog = { metadata: { name: "hog" }, image: { image: "busybox:1.36" } };
  const { containerId } = await fake.runtime.createContainer({ podSandboxId, config: hog, sandboxConfig: pod });
  await fake.runtime.startContainer({ containerId });
  await fake.advance(50);
  const { status } = await fake.runtime.containerStatus({ containerId });
  expect(status).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 137, reason: "OOMKilled" });
  await fake.close();
});
