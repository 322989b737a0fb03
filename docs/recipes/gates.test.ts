// A gate holds a fake-containerd operation in flight, so a test can look at the world while a CRI
// call is half done, then let it go on (release) or fail it (fail).
import { expect, test } from "vitest";
import { createFakeCri } from "fake-cri";
import { PodSandboxState } from "fake-cri/api/v1";

test("while RunPodSandbox waits at task creation, the pod is not listed yet", async () => {
  const fake = await createFakeCri({ seed: 1 });
  const gate = fake.containerd.gates.hold("tasks.create");
  const running = fake.runtime.runPodSandbox({ config: { metadata: { name: "web", namespace: "default", uid: "web-1" } } });
  await gate.arrived;
  expect((await fake.runtime.listPodSandbox({})).items).toEqual([]);
  gate.release();
  const { podSandboxId } = await running;
  expect((await fake.runtime.listPodSandbox({})).items.map((p) => [p.id, p.state])).toEqual([[podSandboxId, PodSandboxState.SANDBOX_READY]]);
  await fake.close();
});
