// RemovePodSandbox: a ready sandbox is stopped first, its containers removed, its files, pause
// container and snapshot deleted and its name released; unknown IDs are success, ambiguous prefixes
// are not (containerd 1.6.20).

import { afterEach, describe, expect, test } from "vitest";
import { Code } from "../errors.ts";
import { createFakeCri, type FakeCri } from "../../harness/index.ts";
import { emptyFootprint, podConfig, rejection, sandboxFootprint } from "../testing/sandbox-fixtures.ts";

let fake: FakeCri;
afterEach(async () => {
  await fake?.close();
});

const busybox = "docker.io/library/busybox:1.36";

describe("RemovePodSandbox", () => {
  test("removes a ready sandbox with its running and created containers, and frees its name", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1, images: [busybox] });
    const { podSandboxId } = await fake.runtime.runPodSandbox({ config: podConfig("pod") });
    const ids: string[] = [];
    for (const name of ["running", "created"]) {
      const { containerId } = await fake.runtime.createContainer({
        podSandboxId,
        config: { metadata: { name }, image: { image: busybox }, command: ["sleep", "infinity"] },
        sandboxConfig: podConfig("pod"),
      });
      ids.push(containerId);
    }
    await fake.runtime.startContainer({ containerId: ids[0]! });

    expect(await fake.runtime.removePodSandbox({ podSandboxId })).toEqual({});
    expect(await sandboxFootprint(fake)).toEqual(emptyFootprint);
    expect((await fake.runtime.listContainers({})).containers).toEqual([]);
    expect(fake.service.containerNameIndex.size).toBe(0);
    expect((await fake.containerd.namespace("k8s.io").containers.list()).length).toBe(0);
    const status = await rejection(fake.runtime.podSandboxStatus({ podSandboxId }));
    expect([status.code, status.message]).toEqual([Code.NotFound, "an error occurred when try to find sandbox: not found"]);
    await fake.runtime.runPodSandbox({ config: podConfig("pod") });
  });

  test("twice, and for IDs nobody has, is success", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const { podSandboxId } = await fake.runtime.runPodSandbox({ config: podConfig("gone") });
    await fake.runtime.removePodSandbox({ podSandboxId });
    expect(await fake.runtime.removePodSandbox({ podSandboxId })).toEqual({});
    expect(await fake.runtime.removePodSandbox({ podSandboxId: "0123" })).toEqual({});
    expect(await fake.v1alpha2.runtime.removePodSandbox({ podSandboxId })).toEqual({});
  });

  test("an ambiguous or empty prefix fails and removes nothing", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    // Seventeen IDs over sixteen hex digits: two share their first digit.
    const ids: string[] = [];
    for (let i = 0; i < 17; i++) ids.push((await fake.runtime.runPodSandbox({ config: podConfig(`p${i}`) })).podSandboxId);
    const prefix = ids.map((id) => id[0]!).find((digit, i, digits) => digits.indexOf(digit) !== i)!;
    const before = await sandboxFootprint(fake);
    const err = await rejection(fake.runtime.removePodSandbox({ podSandboxId: prefix }));
    expect([err.code, err.message]).toEqual([
      Code.Unknown,
      `an error occurred when try to find sandbox "${prefix}": Multiple IDs found with provided prefix: ${prefix}`,
    ]);
    const empty = await rejection(fake.runtime.removePodSandbox({ podSandboxId: "" }));
    expect(empty.message).toBe('an error occurred when try to find sandbox "": Prefix can\'t be empty');
    expect(await sandboxFootprint(fake)).toEqual(before);
  });

  test("a pause container that cannot be deleted fails the removal, which a retry completes", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const { podSandboxId } = await fake.runtime.runPodSandbox({ config: podConfig("stuck") });
    fake.containerd.faults.inject({ op: "containers.delete", nth: 1, error: { kind: "unknown", message: "boom" } });
    const err = await rejection(fake.runtime.removePodSandbox({ podSandboxId }));
    expect([err.code, err.message]).toEqual([Code.Unknown, `failed to delete sandbox container "${podSandboxId}": boom`]);
    expect((await fake.runtime.listPodSandbox({})).items.map((s) => s.id)).toEqual([podSandboxId]);
    await fake.runtime.removePodSandbox({ podSandboxId });
    expect(await sandboxFootprint(fake)).toEqual(emptyFootprint);
  });
});
