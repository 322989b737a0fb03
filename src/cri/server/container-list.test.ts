import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { ContainerConfig, type ContainerFilter, ContainerState, type DeepPartial } from "../api/v1.ts";
import type { CallContext } from "../service-types.ts";
import { listContainers } from "./container-list.ts";
import { ContainerdContainer } from "../store/containerd-container.ts";
import { emptyContainerStatus } from "../store/container-status.ts";
import { Container, ContainerStatusStorage } from "../store/container-store.ts";
import type { FakeCri } from "../../harness/index.ts";
import { advance, create, createAndStart, newFake, runPod, type Pod } from "../testing/container-fixtures.ts";

let fake: FakeCri;

describe("ListContainers", () => {
  let pod: Pod;
  let other: Pod;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    fake = await newFake();
    pod = await runPod(fake, "pod");
    other = await runPod(fake, "other");
    ids.web = await createAndStart(fake, pod, "web", ["sleep", "infinity"], { labels: { role: "web", tier: "front" } });
    ids.idle = await create(fake, pod, "idle", ["sleep", "infinity"], { labels: { role: "idle" } });
    ids.done = await createAndStart(fake, other, "done", ["true"], { labels: { role: "web", tier: "back" } });
    await advance(fake, 0);
  });

  afterAll(async () => {
    await fake.close();
  });

  const list = async (filter?: DeepPartial<ContainerFilter>) =>
    (await fake.runtime.listContainers(filter ? { filter } : {})).containers.map((c) => c.id).sort();

  test("every container without a filter, with the fields of toCRIContainer", async () => {
    expect(await list()).toEqual([ids.web, ids.idle, ids.done].sort());
    const web = (await fake.runtime.listContainers({ filter: { id: ids.web } })).containers[0]!;
    expect(web).toMatchObject({
      id: ids.web,
      podSandboxId: pod.id,
      metadata: { name: "web", attempt: 0 },
      image: { image: "docker.io/library/busybox:1.36" },
      state: ContainerState.CONTAINER_RUNNING,
      labels: { role: "web", tier: "front" },
    });
    expect(web.imageRef).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  test("by ID, full or a unique prefix; an unknown or ambiguous prefix matches nothing", async () => {
    expect(await list({ id: ids.idle! })).toEqual([ids.idle]);
    expect(await list({ id: ids.idle!.slice(0, 6) })).toEqual([ids.idle]);
    expect(await list({ id: "zzzz" })).toEqual([]);
    expect(await list({ id: ids.idle! + "0" })).toEqual([]);
  });

  test("by sandbox, full ID or a unique prefix", async () => {
    expect(await list({ podSandboxId: pod.id })).toEqual([ids.web, ids.idle].sort());
    expect(await list({ podSandboxId: other.id.slice(0, 5) })).toEqual([ids.done]);
    expect(await list({ podSandboxId: "zzzz" })).toEqual([]);
  });

  test("by state", async () => {
    expect(await list({ state: { state: ContainerState.CONTAINER_RUNNING } })).toEqual([ids.web]);
    expect(await list({ state: { state: ContainerState.CONTAINER_CREATED } })).toEqual([ids.idle]);
    expect(await list({ state: { state: ContainerState.CONTAINER_EXITED } })).toEqual([ids.done]);
    expect(await list({ state: { state: ContainerState.CONTAINER_UNKNOWN } })).toEqual([]);
  });

  test("by label selector (every pair must match) and in combination", async () => {
    expect(await list({ labelSelector: { role: "web" } })).toEqual([ids.web, ids.done].sort());
    expect(await list({ labelSelector: { role: "web", tier: "back" } })).toEqual([ids.done]);
    expect(await list({ labelSelector: { role: "web", tier: "side" } })).toEqual([]);
    expect(await list({ labelSelector: { nope: "" } })).toEqual([]);
    expect(await list({ labelSelector: { role: "web" }, podSandboxId: pod.id })).toEqual([ids.web]);
    expect(await list({ labelSelector: { role: "web" }, state: { state: ContainerState.CONTAINER_EXITED } })).toEqual([ids.done]);
    expect(await list({ id: ids.web!, podSandboxId: other.id })).toEqual([]);
  });

  test("v1alpha2 lists the same", async () => {
    const alpha = (await fake.v1alpha2.runtime.listContainers({ filter: { labelSelector: { role: "web" } } })).containers.map((c) => c.id);
    expect(alpha.sort()).toEqual([ids.web, ids.done].sort());
  });
});

describe("ListContainers over the store's indexes", () => {
  let scale: FakeCri | undefined;
  afterEach(async () => {
    await scale?.close();
    scale = undefined;
  });

  const labelValues = ["a", "b", "c"];
  const sandboxes = ["s1", "s2", "s3"].map((s) => s.padEnd(64, "0"));

  /** Containers straight into the store, as many as a test needs (creating them by RPC is slower). */
  function seed(target: FakeCri, specs: ReadonlyArray<{ sandbox: number; labels: Record<string, string>; state: ContainerState }>): Container[] {
    const containers = specs.map((spec, i) => {
      const id = i.toString(16).padStart(64, "0");
      const status = { ...emptyContainerStatus(), createdAt: BigInt(i + 1) };
      if (spec.state !== ContainerState.CONTAINER_CREATED) status.startedAt = 10n;
      if (spec.state === ContainerState.CONTAINER_EXITED) status.finishedAt = 20n;
      if (spec.state === ContainerState.CONTAINER_UNKNOWN) status.unknown = true;
      const metadata = {
        id,
        name: `c${i}`,
        sandboxId: sandboxes[spec.sandbox]!,
        config: ContainerConfig.fromPartial({ metadata: { name: `c${i}` }, labels: spec.labels }),
        imageRef: "sha256:x",
        logPath: "",
        stopSignal: "",
        processLabel: "",
      };
      const storage = new ContainerStatusStorage(target.hostFs, `/status/${id}`, status);
      return new Container(metadata, storage, new ContainerdContainer(target.service.client, id));
    });
    for (const c of containers) target.service.containerStore.add(c);
    return containers;
  }

  const state = fc.constantFrom(
    ContainerState.CONTAINER_CREATED,
    ContainerState.CONTAINER_RUNNING,
    ContainerState.CONTAINER_EXITED,
    ContainerState.CONTAINER_UNKNOWN,
  );
  const labels = fc.dictionary(fc.constantFrom("app", "tier", "zone"), fc.constantFrom(...labelValues), { maxKeys: 3 });
  const spec = fc.record({ sandbox: fc.nat({ max: 2 }), labels, state });
  const filter = fc.record(
    {
      podSandboxId: fc.constantFrom(...sandboxes, sandboxes[0]!.slice(0, 2), "zz"),
      labelSelector: labels,
      state: state.map((s) => ({ state: s })),
    },
    { requiredKeys: [] },
  );

  test("any filter lists exactly what a scan of every container with containerd's rules lists", async () => {
    scale = await newFake();
    const target = scale;
    const call: CallContext = { signal: new AbortController().signal };
    await fc.assert(
      fc.asyncProperty(fc.array(spec, { maxLength: 40 }), filter, async (specs, f) => {
        for (const c of target.service.containerStore.list()) target.service.containerStore.delete(c.id);
        const containers = seed(target, specs);
        const request = { filter: { id: "", podSandboxId: "", labelSelector: {}, state: undefined, ...f } };
        const got = (await listContainers(target.service, request, call)).containers.map((c) => c.id).sort();
        // These sandboxes are not in the sandbox store, so a prefix of one names nothing.
        const sandbox = request.filter.podSandboxId;
        const expected = containers
          .filter((c) => sandbox === "" || c.metadata.sandboxId === sandbox)
          .filter((c) => request.filter.state === undefined || c.status.state() === request.filter.state.state)
          .filter((c) => Object.entries(request.filter.labelSelector).every(([k, v]) => c.metadata.config.labels[k] === v))
          .map((c) => c.id)
          .sort();
        expect(got).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  test("a label-filtered list of a few thousand containers comes from the index", async () => {
    scale = await newFake();
    const n = 5000;
    seed(
      scale,
      Array.from({ length: n }, (_, i) => ({ sandbox: i % 3, labels: { app: `app-${i % 500}`, tier: "x" }, state: ContainerState.CONTAINER_RUNNING })),
    );
    // Counted, not timed: the list looks at the containers the store's index selects, not at all 5,000.
    const store = scale.service.containerStore;
    const select = store.select.bind(store);
    let looked = 0;
    store.select = (query) => [...select(query)].map((container) => (looked++, container));
    const { containers } = await scale.runtime.listContainers({ filter: { labelSelector: { app: "app-7" } } });
    expect(containers).toHaveLength(n / 500);
    expect(looked).toBe(n / 500);
  });
});
