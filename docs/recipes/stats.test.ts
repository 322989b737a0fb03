// ContainerStats and PodSandboxStats. Pod stats need the pod's cgroup parent (linux.cgroupParent),
// as in containerd, which reads the pod's cgroup: without it the call fails.
import { expect, test } from "vitest";
import { createFakeCri } from "fake-cri";

test("container and pod stats; a pod without linux.cgroupParent has none", async () => {
  const fake = await createFakeCri({ seed: 1, images: ["busybox:1.36"] });
  const pod = { metadata: { name: "web", namespace: "default", uid: "web-1" }, linux: { cgroupParent: "/kubepods/pod-web-1" } };
  const { podSandboxId } = await fake.runtime.runPodSandbox({ config: pod });
  const app = { metadata: { name: "app" }, image: { image: "busybox:1.36" } };
  const { containerId } = await fake.runtime.createContainer({ podSandboxId, config: app, sandboxConfig: pod });
  await fake.runtime.startContainer({ containerId });

  const { stats } = await fake.runtime.containerStats({ containerId });
  expect(stats).toMatchObject({ attributes: { id: containerId, metadata: { name: "app" } } });
  expect(typeof stats!.memory!.workingSetBytes!.value).toBe("bigint");
  const { stats: podStats } = await fake.runtime.podSandboxStats({ podSandboxId });
  expect(podStats!.attributes!.id).toBe(podSandboxId);
  expect(podStats!.linux!.containers.map((c) => c.attributes!.id)).toEqual([containerId]);

  const bare = await fake.runtime.runPodSandbox({ config: { metadata: { name: "bare", namespace: "default", uid: "bare-1" } } });
  await expect(fake.runtime.podSandboxStats({ podSandboxId: bare.podSandboxId })).rejects.toMatchObject({
    message: expect.stringContaining("has no cgroup parent"),
  });
  await fake.close();
});
