import { describe, expect, test } from "vitest";
import { VirtualClock } from "./clock.ts";
import { ociSpec } from "./containers.ts";
import { ContainerdError } from "./errdefs.ts";
import { createFakeContainerd } from "./index.ts";

const spec = ociSpec({ process: { args: ["sh"] } });

async function expectError(promise: Promise<unknown>, kind: string, message: string): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ContainerdError);
  expect((error as ContainerdError).message).toBe(message);
  expect((error as ContainerdError).kind).toBe(kind);
}

function setup() {
  const fake = createFakeContainerd({ seed: 3, clock: new VirtualClock() });
  return { fake, events: fake.events.subscribe() };
}

describe("namespaces", () => {
  test("create, get, list and delete, with events in the namespace itself", async () => {
    const { fake, events } = setup();
    await fake.namespaces.create("b", { team: "x", unset: "" });
    await fake.namespaces.create("a");
    expect(await fake.namespaces.list()).toEqual(["a", "b"]);
    expect(await fake.namespaces.get("b")).toEqual({ name: "b", labels: { team: "x" } });
    await fake.namespaces.delete("a");
    expect(await fake.namespaces.list()).toEqual(["b"]);
    await fake.events.delivered();
    expect(events.drain().map((e) => [e.namespace, e.topic, e.event])).toEqual([
      ["b", "/namespaces/create", { name: "b", labels: { team: "x", unset: "" } }],
      ["a", "/namespaces/create", { name: "a", labels: {} }],
      ["a", "/namespaces/delete", { name: "a" }],
    ]);
  });

  test("storing something creates the namespace, without an event", async () => {
    const { fake, events } = setup();
    await fake.namespace("k8s.io").containers.create({ id: "c1", spec });
    expect(await fake.namespaces.list()).toEqual(["k8s.io"]);
    await fake.events.delivered();
    expect(events.drain().map((e) => e.topic)).toEqual(["/containers/create"]);
  });

  test("looking at a namespace does not create it; an unknown one reads as having no labels", async () => {
    const { fake } = setup();
    await fake.namespace("ghost").containers.list();
    expect(await fake.namespaces.list()).toEqual([]);
    expect(await fake.namespaces.get("ghost")).toEqual({ name: "ghost", labels: {} });
  });

  test("create rejects bad names, oversized labels and duplicates", async () => {
    const { fake } = setup();
    await expectError(fake.namespaces.create(""), "invalid argument", "identifier must not be empty: invalid argument");
    await expectError(
      fake.namespaces.create("a b"),
      "invalid argument",
      'identifier "a b" must match ^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$: invalid argument',
    );
    await expectError(
      fake.namespaces.create("n", { k: "v".repeat(4096) }),
      "invalid argument",
      "namespace.Labels: label key and value greater than maximum size (4096 bytes), key: k: invalid argument",
    );
    await fake.namespaces.create("n");
    await expectError(fake.namespaces.create("n"), "already exists", 'namespace "n": already exists');
  });

  test("delete needs an existing, empty namespace", async () => {
    const { fake } = setup();
    await expectError(fake.namespaces.delete("nope"), "not found", 'namespace "nope": not found');
    const ns = fake.namespace("k8s.io");
    await ns.containers.create({ id: "c1", spec });
    await expectError(
      fake.namespaces.delete("k8s.io"),
      "failed precondition",
      'namespace "k8s.io" must be empty, but it still has containers: failed precondition',
    );
    await ns.containers.delete("c1");
    await fake.namespaces.delete("k8s.io");
    // The containers bucket went with the namespace.
    await expectError(
      ns.containers.update({ id: "c1", spec }),
      "not found",
      'cannot update container "c1" in namespace "k8s.io": not found',
    );
  });

  test("snapshots, blobs and images keep a namespace alive too, in containerd's order", async () => {
    const { fake } = setup();
    const ns = fake.namespace("busy");
    await ns.snapshots.get("overlayfs").prepare("k");
    await ns.containers.create({ id: "c1", spec });
    expect(await fake.namespaces.list()).toEqual(["busy"]);
    await expectError(
      fake.namespaces.delete("busy"),
      "failed precondition",
      'namespace "busy" must be empty, but it still has containers, snapshots on "overlayfs" snapshotter: failed precondition',
    );
  });

  test("objects never cross namespaces", async () => {
    const { fake } = setup();
    await fake.namespace("a").containers.create({ id: "c1", spec, labels: { x: "1" } });
    await fake.namespace("b").containers.create({ id: "c2", spec, labels: { x: "1" } });
    expect((await fake.namespace("a").containers.list("labels.x==1")).map((c) => c.id)).toEqual(["c1"]);
    await fake.namespace("a").tasks.create("c1");
    await expectError(fake.namespace("b").tasks.get("c1"), "not found", 'no running task found: container "c1" in namespace "b": not found');
    expect(await fake.namespace("b").tasks.list()).toEqual([]);
  });
});
