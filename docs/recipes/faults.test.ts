// fake-containerd faults fail an operation inside containerd; the CRI answers as containerd's CRI
// plugin does, wrapping the text and mapping the error kind to a gRPC code. Faults are data: they are
// saved with the state, and close() reports those that never fired.
import { expect, test } from "vitest";
import { createFakeCri } from "fake-cri";
import { ErrorKind } from "fake-cri/fake-containerd";
import { Code } from "fake-cri/errors";

test("a failing image store fails PullImage with containerd's code and text", async () => {
  const fake = await createFakeCri({ seed: 1 });
  fake.containerd.faults.inject({ op: "images.create", error: { kind: ErrorKind.Unavailable, message: "bolt: database not open: unavailable" } });
  await expect(fake.image.pullImage({ image: { image: "busybox:1.36" } })).rejects.toMatchObject({
    code: Code.Unavailable,
    message: 'failed to pull and unpack image "docker.io/library/busybox:1.36": bolt: database not open: unavailable',
  });
  // Only the first matching call fails (nth: 1 would too); the next pull succeeds.
  fake.containerd.faults.clear();
  await fake.image.pullImage({ image: { image: "busybox:1.36" } });
  await fake.close();
});

test("a misspelt operation is refused at once, with the name it was probably meant to be", async () => {
  const fake = await createFakeCri({ seed: 1 });
  // @ts-expect-error "task.start" is not an operation; the types say so too.
  expect(() => fake.containerd.faults.inject({ op: "task.start" })).toThrow('did you mean "tasks.start"?');
  await fake.close();
});
