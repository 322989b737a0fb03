// The README's first example, run as written (only `console.log` became `expect`), so it stays true.
import { expect, test } from "vitest";
import { createFakeCri } from "./index.ts";

test("README: an OOM-killed container and a kubelet-style name clash, in milliseconds", async () => {
  const fake = await createFakeCri({ seed: 1, images: ["busybox:1.36"] });
  // What the container's process does: print a line, then get OOM-killed 50 ms later (fake time).
  fake.containerd.processes.onContainer(
    { image: "docker.io/library/busybox:1.36" },
    { output: [{ stream: "stdout", data: "starting\n" }], oom: { afterMs: 50 } },
  );

  const pod = { metadata: { name: "web", namespace: "default", uid: "web-uid" }, logDirectory: "/var/log/pods/web" };
  const { podSandboxId } = await fake.runtime.runPodSandbox({ config: pod });
  const { containerId } = await fake.runtime.createContainer({
    podSandboxId,
    sandboxConfig: pod,
    config: { metadata: { name: "app" }, image: { image: "busybox:1.36" }, logPath: "app.log" },
  });
  await fake.runtime.startContainer({ containerId });
  await fake.advance(50);

  const { status } = await fake.runtime.containerStatus({ containerId });
  expect([status?.state, status?.exitCode, status?.reason]).toEqual([2, 137, "OOMKilled"]); // CONTAINER_EXITED
  expect(new TextDecoder().decode(fake.hostFs.readFile("/var/log/pods/web/app.log"))).toMatch(/^\S+ stdout F starting\n$/);

  // The same pod again, as a kubelet retry would send it: containerd's exact error.
  const clash = await fake.runtime.runPodSandbox({ config: pod }).catch((e) => e);
  expect([clash.code, clash.message]).toEqual([
    9, // FailedPrecondition
    `failed to reserve sandbox name "web_default_web-uid_0": name "web_default_web-uid_0" is reserved for "${podSandboxId}"`,
  ]);
  await fake.close();
});
