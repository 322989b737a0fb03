import { describe, expect, test } from "vitest";
import { VirtualClock } from "./clock.ts";
import { ContainerStore, ociSpec, type ContainerRecord } from "./containers.ts";
import { ContainerdError } from "./errdefs.ts";
import { EventExchange } from "./events.ts";
import { SeededIds } from "./ids.ts";
import { createFakeContainerd } from "./index.ts";
import { Operations } from "./operations.ts";

const spec = ociSpec({ process: { args: ["sleep", "infinity"] } });

function setup() {
  const clock = new VirtualClock();
  const fake = createFakeContainerd({ seed: 7, clock });
  const events = fake.events.subscribe();
  return { clock, fake, ns: fake.namespace("k8s.io"), events };
}

async function failure(promise: Promise<unknown>): Promise<ContainerdError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(ContainerdError);
    return e as ContainerdError;
  }
  throw new Error("expected a failure");
}

async function expectError(promise: Promise<unknown>, kind: ContainerdError["kind"], message: string): Promise<void> {
  const e = await failure(promise);
  expect(e.message).toBe(message);
  expect(e.kind).toBe(kind);
}

describe("containers.create", () => {
  test("stores the record with the client's default runtime and the clock's time", async () => {
    const { clock, ns, fake, events } = setup();
    const now = clock.peek();
    const c = await ns.containers.create({ id: "c1", labels: { a: "1", empty: "" }, image: "docker.io/library/busybox:latest", spec });
    expect(c).toEqual({
      id: "c1",
      labels: { a: "1" },
      image: "docker.io/library/busybox:latest",
      runtime: { name: "io.containerd.runc.v2" },
      spec,
      snapshotter: "",
      snapshotKey: "",
      extensions: {},
      createdAt: now,
      updatedAt: now,
    });
    expect(Object.isFrozen(c)).toBe(true);
    await fake.events.delivered();
    const [envelope] = events.drain();
    expect(envelope).toMatchObject({
      namespace: "k8s.io",
      topic: "/containers/create",
      event: { id: "c1", image: "docker.io/library/busybox:latest", runtime: { name: "io.containerd.runc.v2" } },
    });
  });

  test("keeps runtime options, snapshot fields and extensions", async () => {
    const { ns, fake, events } = setup();
    const options = { typeUrl: "containerd.runc.v1.Options", value: new Uint8Array([1, 2]) };
    const ext = { typeUrl: "x", value: new Uint8Array([3]) };
    const c = await ns.containers.create({
      id: "c1",
      runtime: { name: "io.containerd.runc.v2", options },
      spec,
      snapshotter: "overlayfs",
      snapshotKey: "c1",
      extensions: { meta: ext },
    });
    expect(c.runtime).toEqual({ name: "io.containerd.runc.v2", options });
    expect(c.extensions).toEqual({ meta: ext });
    expect([c.snapshotter, c.snapshotKey]).toEqual(["overlayfs", "c1"]);
    await fake.events.delivered();
    expect(events.drain()[0]!.event).toEqual({ id: "c1", image: "", runtime: { name: "io.containerd.runc.v2", options } });
  });

  test.each([
    [{ id: "" }, "create container failed validation: container.ID: identifier must not be empty: invalid argument"],
    [
      { id: "a/b" },
      'create container failed validation: container.ID: identifier "a/b" must match ^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$: invalid argument',
    ],
    [
      { id: "a".repeat(77) },
      `create container failed validation: container.ID: identifier "${"a".repeat(77)}" greater than maximum length (76 characters): invalid argument`,
    ],
    [
      { id: "x", extensions: { "": { typeUrl: "t", value: new Uint8Array() } } },
      "create container failed validation: container.Extension keys must not be zero-length: invalid argument",
    ],
    [
      { id: "x", labels: { "long-label-key": "v".repeat(4096) } },
      "create container failed validation: containers.Labels: label key and value greater than maximum size (4096 bytes), key: long-label: invalid argument",
    ],
    [{ id: "x", runtime: { name: "" } }, "create container failed validation: container.Runtime.Name must be set: invalid argument"],
    [{ id: "x", spec: undefined }, "create container failed validation: container.Spec must be set: invalid argument"],
    [
      { id: "x", snapshotKey: "k" },
      "create container failed validation: container.Snapshotter must be set if container.SnapshotKey is set: invalid argument",
    ],
  ])("rejects %j", async (input, message) => {
    const { ns } = setup();
    await expectError(ns.containers.create({ spec, ...input }), "invalid argument", message);
  });

  test("identifiers: 76 bytes is the limit, counted in UTF-8", async () => {
    const { ns } = setup();
    await ns.containers.create({ id: "a".repeat(76), spec });
    await ns.containers.create({ id: "a.b-c_d.9", spec });
    const e = await failure(ns.containers.create({ id: "é", spec }));
    expect(e.message).toContain('identifier "é" must match');
  });

  test("a label key and value may hold 4096 bytes together", async () => {
    const { ns } = setup();
    await ns.containers.create({ id: "x", labels: { k: "v".repeat(4095) }, spec });
    const e = await failure(ns.containers.create({ id: "y", labels: { k: "é".repeat(2048) }, spec }));
    expect(e.message).toContain("key: k: invalid argument");
  });

  test("an ID is unique within its namespace only", async () => {
    const { ns, fake } = setup();
    await ns.containers.create({ id: "c1", spec });
    await expectError(ns.containers.create({ id: "c1", spec }), "already exists", 'container "c1": already exists');
    await fake.namespace("other").containers.create({ id: "c1", spec });
  });
});

describe("containers.get", () => {
  test("finds a container only in its own namespace", async () => {
    const { ns, fake } = setup();
    const c = await ns.containers.create({ id: "c1", spec });
    expect(await ns.containers.get("c1")).toBe(c);
    await expectError(fake.namespace("default").containers.get("c1"), "not found", 'container "c1" in namespace "default": not found');
  });

  test("a namespace name is required and must be an identifier", async () => {
    const { fake } = setup();
    await expectError(fake.namespace("").containers.get("c1"), "failed precondition", "namespace is required: failed precondition");
    await expectError(
      fake.namespace("a/b").containers.list(),
      "invalid argument",
      'namespace validation: identifier "a/b" must match ^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$: invalid argument',
    );
  });
});

describe("containers.list", () => {
  async function seeded() {
    const s = setup();
    const add = (id: string, labels: Record<string, string>, image = "") =>
      s.ns.containers.create({ id, labels, image, spec, runtime: { name: id.startsWith("k") ? "io.containerd.kata.v2" : "io.containerd.runc.v2" } });
    await add("zeta", { kind: "sandbox", pod: "p1" }, "pause:3.5");
    await add("alpha", { kind: "container", pod: "p1" }, "nginx:1");
    await add("kappa", { kind: "container", pod: "p2", "a.b": "dotted" }, "nginx:1");
    await add("beta", {});
    return s;
  }
  const ids = (records: readonly ContainerRecord[]) => records.map((r) => r.id);

  test("lists in ID order", async () => {
    const { ns } = await seeded();
    expect(ids(await ns.containers.list())).toEqual(["alpha", "beta", "kappa", "zeta"]);
  });

  test.each([
    [['labels."kind"==container'], ["alpha", "kappa"]],
    [["labels.kind==sandbox"], ["zeta"]],
    [['labels."kind"==container,labels.pod==p2'], ["kappa"]],
    [['labels."a.b"==dotted'], ["kappa"]],
    [["labels.a.b==dotted"], ["kappa"]],
    [["labels.kind"], ["alpha", "kappa", "zeta"]],
    [["labels.kind!=container"], ["beta", "zeta"]],
    [["id==beta"], ["beta"]],
    [["id==missing"], []],
    [["image==nginx:1"], ["alpha", "kappa"]],
    [["image"], ["alpha", "kappa", "zeta"]],
    [["runtime.name==io.containerd.kata.v2"], ["kappa"]],
    [["image~=^nginx", "id==beta"], ["alpha", "beta", "kappa"]],
    [['labels.kind==container,id~="^a"'], ["alpha"]],
    [["labels.nothing==x"], []],
    [["runtime"], []],
    [["other==x"], []],
  ])("filter %j", async (filters, expected) => {
    const { ns } = await seeded();
    expect(ids(await ns.containers.list(...filters))).toEqual(expected);
  });

  test("the label index follows updates and deletes", async () => {
    const { ns } = await seeded();
    expect(ids(await ns.containers.list("labels.kind==container"))).toEqual(["alpha", "kappa"]);
    const alpha = await ns.containers.get("alpha");
    await ns.containers.update({ ...alpha, labels: { kind: "sandbox" } });
    await ns.containers.delete("kappa");
    await ns.containers.create({ id: "gamma", labels: { kind: "container" }, spec });
    expect(ids(await ns.containers.list("labels.kind==container"))).toEqual(["gamma"]);
    expect(ids(await ns.containers.list("labels.kind==sandbox"))).toEqual(["alpha", "zeta"]);
    await ns.containers.create({ id: "kappa", labels: { kind: "sandbox" }, spec });
    expect(ids(await ns.containers.list("labels.kind==sandbox"))).toEqual(["alpha", "kappa", "zeta"]);
    expect(ids(await ns.containers.list())).toEqual(["alpha", "beta", "gamma", "kappa", "zeta"]);
  });

  test("lists stay in ID order through creates, relabels and deletes between reads, few or many", async () => {
    const { ns } = setup();
    const expected = new Map<string, string>();
    let seed = 1;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const kinds = ["container", "sandbox"];
    for (let step = 0; step < 3000; step++) {
      const id = `c${random(400).toString(36)}`;
      const kind = kinds[random(2)]!;
      const had = expected.get(id);
      if (had === undefined) {
        await ns.containers.create({ id, labels: { kind, ns: "default" }, spec });
        expected.set(id, kind);
      } else if (random(3) === 0) {
        await ns.containers.delete(id);
        expected.delete(id);
      } else {
        await ns.containers.update({ ...(await ns.containers.get(id)), labels: { kind, ns: "default" } });
        expected.set(id, kind);
      }
      // Reads now and then (the merge of a few additions), and after long runs of writes (a whole sort).
      if (random(step < 1500 ? 5 : 400) !== 0) continue;
      const sorted = (ids: string[]) => ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const k of kinds) {
        expect(ids(await ns.containers.list(`labels.kind==${k}`))).toEqual(sorted([...expected].filter(([, v]) => v === k).map(([i]) => i)));
      }
      expect(ids(await ns.containers.list("labels.ns==default"))).toEqual(sorted([...expected.keys()]));
      expect(ids(await ns.containers.list())).toEqual(sorted([...expected.keys()]));
    }
  });

  test("a bad filter is an invalid argument, wrapped twice as the metadata store does", async () => {
    const { ns } = await seeded();
    await expectError(
      ns.containers.list("labels.kind=x"),
      "invalid argument",
      'filters: parse error: [labels.kind >|=|< x]: unsupported operator "=": invalid argument: invalid argument',
    );
  });

  test("an empty namespace lists nothing", async () => {
    const { fake } = setup();
    expect(await fake.namespace("empty").containers.list()).toEqual([]);
  });
});

describe("containers.update", () => {
  test("without field paths replaces labels, spec, extensions, image and snapshot key", async () => {
    const { ns, clock, fake, events } = setup();
    const c = await ns.containers.create({ id: "c1", labels: { a: "1" }, image: "i1", spec, snapshotter: "overlayfs", snapshotKey: "k1" });
    await clock.advance(5);
    const newSpec = ociSpec({ process: { args: ["true"] } });
    const u = await ns.containers.update({ ...c, labels: { b: "2", gone: "" }, image: "i2", spec: newSpec, snapshotKey: "k2" });
    expect(u).toMatchObject({ labels: { b: "2" }, image: "i2", spec: newSpec, snapshotKey: "k2", createdAt: c.createdAt });
    expect(u.updatedAt > c.updatedAt).toBe(true);
    expect(await ns.containers.get("c1")).toEqual(u);
    await fake.events.delivered();
    expect(events.drain()[1]).toMatchObject({
      topic: "/containers/update",
      event: { id: "c1", image: "i2", labels: { b: "2" }, snapshotKey: "k2" },
    });
  });

  test("snapshotter and runtime cannot change in a full update", async () => {
    const { ns } = setup();
    const c = await ns.containers.create({ id: "c1", spec, snapshotter: "overlayfs" });
    await expectError(
      ns.containers.update({ ...c, snapshotter: "native" }),
      "invalid argument",
      "container.Snapshotter field is immutable: invalid argument",
    );
    await expectError(
      ns.containers.update({ ...c, runtime: { name: "io.containerd.runc.v1" } }),
      "invalid argument",
      "container.Runtime.Name field is immutable: invalid argument",
    );
  });

  test("field paths update single entries; a missing label value removes the label", async () => {
    const { ns } = setup();
    await ns.containers.create({ id: "c1", labels: { a: "1", b: "2" }, image: "i1", spec });
    const u = await ns.containers.update({ id: "c1", labels: { a: "9" }, image: "ignored" }, "labels.a", "labels.b", "labels.c");
    expect(u.labels).toEqual({ a: "9" });
    expect(u.image).toBe("i1");
    const v = await ns.containers.update({ id: "c1", image: "i2", snapshotter: "changed-but-not-asked" }, "image");
    expect(v.image).toBe("i2");
    expect(v.snapshotter).toBe("");
  });

  test("extensions are written over the stored ones, as containerd's bolt store does", async () => {
    const { ns } = setup();
    const x = { typeUrl: "x", value: new Uint8Array([1]) };
    const y = { typeUrl: "y", value: new Uint8Array([2]) };
    const c = await ns.containers.create({ id: "c1", spec, extensions: { x } });
    const u = await ns.containers.update({ ...c, extensions: { y } });
    expect(u.extensions).toEqual({ y });
    expect((await ns.containers.get("c1")).extensions).toEqual({ x, y });
    const w = await ns.containers.update({ id: "c1" }, "extensions.z");
    expect(w.extensions).toEqual({ x, y, z: { typeUrl: "", value: new Uint8Array() } });
  });

  test.each([
    [{ id: "" }, [], "invalid argument", "Container.ID required: invalid argument"],
    [{ id: "c1" }, ["runtime"], "invalid argument", 'cannot update "runtime" field on "c1": invalid argument'],
    [{ id: "nope" }, [], "not found", 'container "nope": not found'],
    [
      { id: "c1", labels: { k: "v".repeat(5000) } },
      ["labels.k"],
      "invalid argument",
      "update failed validation: containers.Labels: label key and value greater than maximum size (4096 bytes), key: k: invalid argument",
    ],
    [{ id: "c1" }, ["spec"], "invalid argument", "update failed validation: container.Spec must be set: invalid argument"],
  ] as const)("rejects %j with paths %j", async (input, paths, kind, message) => {
    const { ns } = setup();
    await ns.containers.create({ id: "c1", spec });
    await expectError(ns.containers.update(input, ...paths), kind, message);
  });

  test("a namespace that never held containers has no bucket to update in", async () => {
    const { fake } = setup();
    await expectError(
      fake.namespace("fresh").containers.update({ id: "c1", spec }),
      "not found",
      'cannot update container "c1" in namespace "fresh": not found',
    );
  });
});

describe("containers.delete", () => {
  test("deletes and publishes /containers/delete", async () => {
    const { ns, fake, events } = setup();
    await ns.containers.create({ id: "c1", spec });
    await ns.containers.delete("c1");
    await expectError(ns.containers.get("c1"), "not found", 'container "c1" in namespace "k8s.io": not found');
    await fake.events.delivered();
    expect(events.drain().map((e) => [e.topic, e.event])).toEqual([
      ["/containers/create", { id: "c1", image: "", runtime: { name: "io.containerd.runc.v2" } }],
      ["/containers/delete", { id: "c1" }],
    ]);
  });

  test("refuses while a task exists, stopped or not", async () => {
    const { ns } = setup();
    await ns.containers.create({ id: "c1", spec });
    const task = await ns.tasks.create("c1");
    await expectError(ns.containers.delete("c1"), "failed precondition", "cannot delete running task c1: failed precondition");
    await task.kill(9);
    await expectError(ns.containers.delete("c1"), "failed precondition", "cannot delete running task c1: failed precondition");
    await task.delete();
    await ns.containers.delete("c1");
  });

  test("a missing container is reported as the client's lookup reports it", async () => {
    const { ns } = setup();
    await expectError(ns.containers.delete("c1"), "not found", 'container "c1" in namespace "k8s.io": not found');
  });

  test("snapshot cleanup removes the snapshot first and ignores one already gone", async () => {
    const clock = new VirtualClock();
    const operations = new Operations(clock);
    const ctx = { clock, ids: new SeededIds(1), operations, events: new EventExchange(clock, operations) };
    const removed: string[] = [];
    let failWith: ContainerdError | undefined;
    const store = new ContainerStore(ctx, "k8s.io", {
      hasTask: () => false,
      touchNamespace: () => {},
      removeSnapshot: async (snapshotter, key) => {
        if (failWith) throw failWith;
        removed.push(`${snapshotter}/${key}`);
      },
    });
    await store.create({ id: "a", spec, snapshotter: "overlayfs", snapshotKey: "ka" });
    await store.create({ id: "b", spec, snapshotter: "overlayfs", snapshotKey: "kb" });
    await store.create({ id: "c", spec, snapshotter: "overlayfs", snapshotKey: "kc" });
    await store.delete("a", { snapshotCleanup: true });
    await store.delete("b");
    expect(removed).toEqual(["overlayfs/ka"]);
    failWith = new ContainerdError("not found", "snapshot kc does not exist: not found");
    await store.delete("c", { snapshotCleanup: true });
    await store.create({ id: "d", spec, snapshotter: "overlayfs", snapshotKey: "kd" });
    failWith = new ContainerdError("unknown", "disk on fire: unknown");
    await expectError(store.delete("d", { snapshotCleanup: true }), "unknown", "disk on fire: unknown");
    expect((await store.list()).map((r) => r.id)).toEqual(["d"]);
  });
});
