// A container whose process cannot start (a missing executable): StartContainer fails with runc's
// text, and the container is left EXITED with exit code 128 and reason StartError.
import { expect, test } from "vitest";
import { createFakeCri } from "fake-cri";
import { ContainerState } from "fake-cri/api/v1";
import { Code } from "fake-cri/errors";

test("a command the image lacks: StartContainer fails and the container is a StartError (128)", async () => {
  const fake = await createFakeCri({ seed: 1, images: ["busybox:1.36"] });
  const pod = { metadata: { name: "web", namespace: "default", uid: "web-1" } };
  const { podSandboxId } = await fake.runtime.runPodSandbox({ config: pod });
  const app = { metadata: { name: "app" }, image: { image: "busybox:1.36" }, command: ["/no/such/binary"] };
  const { containerId } = await fake.runtime.createContainer({ podSandboxId, config: app, sandboxConfig: pod });

  const err = await fake.runtime.startContainer({ containerId }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: Code.Unknown, message: expect.stringContaining('exec: "/no/such/binary": stat /no/such/binary: no such file or directory') });
  const { status } = await fake.runtime.containerStatus({ containerId });
  expect(status).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 128, reason: "StartError" });
  await fake.close();
});
