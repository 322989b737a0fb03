// A kubelet whose RunPodSandbox times out retries with the same pod, and containerd answers that the
// name is still reserved by the first attempt, which is still running. A gate holds the first
// attempt inside containerd (at task creation) while the client's deadline passes.
import { expect, test } from "vitest";
import { createFakeCri } from "fake-cri";
import { Code } from "fake-cri/errors";

test("a retry after a deadline finds the pod's name reserved by the attempt still in flight", async () => {
  const fake = await createFakeCri({ seed: 1 });
  const pod = { metadata: { name: "web", namespace: "default", uid: "web-1" } };
  const gate = fake.containerd.gates.hold("tasks.create");

  const first = expect(fake.runtime.runPodSandbox({ config: pod }, { timeoutMs: 100 })).rejects.toMatchObject({
    code: Code.DeadlineExceeded,
    message: "context deadline exceeded",
  });
  await gate.arrived;
  await fake.advance(100); // the client's deadline, on the fake's clock
  await first;

  const retry = await fake.runtime.runPodSandbox({ config: pod }).catch((err: unknown) => err);
  expect(retry).toMatchObject({
    code: Code.FailedPrecondition,
    message: expect.stringMatching(/^failed to reserve sandbox name "web_default_web-1_0": name "web_default_web-1_0" is reserved for "[0-9a-f]{64}"$/),
  });

  gate.release(); // the first attempt goes on and fails on its canceled context, freeing the name
  await fake.advance(0);
  const { podSandboxId } = await fake.runtime.runPodSandbox({ config: pod });
  expect(podSandboxId).toMatch(/^[0-9a-f]{64}$/);
  await fake.close();
});
