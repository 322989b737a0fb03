// ListPodSandbox: creation order; filters by ID (full, unique prefix; unknown and ambiguous match
// nothing), state and label selector, combined as containerd 1.6.20 combines them.

import { afterEach, describe, expect, test } from "vitest";
import { PodSandboxState } from "../api/v1.ts";
import { createFakeCri, type FakeCri } from "../../harness/index.ts";
import { podConfig } from "../testing/sandbox-fixtures.ts";

let fake: FakeCri;
afterEach(async () => {
  await fake?.close();
});

describe("ListPodSandbox", () => {
  test("filters as containerd does", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const a = (await fake.runtime.runPodSandbox({ config: podConfig("a", { labels: { app: "x", tier: "web" } }) })).podSandboxId;
    const b = (await fake.runtime.runPodSandbox({ config: podConfig("b", { labels: { app: "x" } }), runtimeHandler: "runc" })).podSandboxId;
    const c = (await fake.runtime.runPodSandbox({ config: podConfig("c", { annotations: { k: "v" } }) })).podSandboxId;
    await fake.runtime.stopPodSandbox({ podSandboxId: c });
    const ids = async (filter?: object) => (await fake.runtime.listPodSandbox(filter ? { filter } : {})).items.map((s) => s.id);

    expect(await ids()).toEqual([a, b, c]);
    expect(await ids({})).toEqual([a, b, c]);
    expect(await ids({ id: b })).toEqual([b]);
    expect(await ids({ id: b.slice(0, 10) })).toEqual([b]);
    expect(await ids({ id: "f".repeat(64) })).toEqual([]);
    expect(await ids({ id: "" })).toEqual([a, b, c]);
    expect(await ids({ state: {} })).toEqual([a, b]);
    expect(await ids({ state: { state: PodSandboxState.SANDBOX_NOTREADY } })).toEqual([c]);
    expect(await ids({ labelSelector: { app: "x" } })).toEqual([a, b]);
    expect(await ids({ labelSelector: { app: "x", tier: "web" } })).toEqual([a]);
    expect(await ids({ labelSelector: { app: "" } })).toEqual([]);
    expect(await ids({ id: a, state: { state: PodSandboxState.SANDBOX_NOTREADY } })).toEqual([]);

    const items = (await fake.runtime.listPodSandbox({})).items;
    expect(items[1]).toEqual({
      id: b,
      metadata: { name: "b", namespace: "ns", uid: "b-uid", attempt: 0 },
      state: PodSandboxState.SANDBOX_READY,
      createdAt: items[1]!.createdAt,
      labels: { app: "x" },
      annotations: {},
      runtimeHandler: "runc",
    });
    expect(items[2]!.annotations).toEqual({ k: "v" });
    expect((await fake.v1alpha2.runtime.listPodSandbox({ filter: { id: a } })).items.map((s) => s.id)).toEqual([a]);
  });

  test("an ambiguous prefix matches nothing", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const ids: string[] = [];
    for (let i = 0; i < 17; i++) ids.push((await fake.runtime.runPodSandbox({ config: podConfig(`p${i}`) })).podSandboxId);
    const prefix = ids.map((id) => id[0]!).find((digit, i, digits) => digits.indexOf(digit) !== i)!;
    expect((await fake.runtime.listPodSandbox({ filter: { id: prefix } })).items).toEqual([]);
  });
});
