import { describe, expect, test } from "vitest";
import { rejection, testContext, text, thrown, untext } from "../content/test-support.ts";
import { SnapshotterBackend } from "./backend.ts";
import { SnapshotStore, snapshotFields } from "./store.ts";
import { parseFilters } from "../filters.ts";

const root = "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs";

function setup() {
  const { ctx, events, clock } = testContext();
  const backend = new SnapshotterBackend("overlayfs");
  return { snapshots: new SnapshotStore(ctx, "k8s.io", backend), backend, events, clock, ctx };
}

/** A committed chain base <- mid, each with one file. */
async function chain(snapshots: SnapshotStore) {
  await snapshots.prepare("base-active");
  snapshots.writeFile("base-active", "/etc/os-release", "base");
  await snapshots.commit("base", "base-active");
  await snapshots.prepare("mid-active", "base");
  snapshots.writeFile("mid-active", "/etc/hostname", "mid");
  await snapshots.commit("mid", "mid-active");
}

describe("snapshot store", () => {
  test("prepare without a parent is a bind mount of a fresh directory", async () => {
    const { snapshots, events } = setup();
    expect(await snapshots.prepare("a", "", { labels: { x: "1" } })).toEqual([
      { type: "bind", source: `${root}/snapshots/1/fs`, options: ["rw", "rbind"] },
    ]);
    const info = await snapshots.stat("a");
    expect(info).toMatchObject({ name: "a", parent: "", kind: "active", labels: { x: "1" } });
    expect(events).toEqual([{ namespace: "k8s.io", topic: "/snapshot/prepare", event: { key: "a", parent: "" } }]);
  });

  test("mounts on a chain are overlays with the parents as lowerdirs, nearest first", async () => {
    const { snapshots } = setup();
    await chain(snapshots);
    expect(await snapshots.prepare("rw", "mid")).toEqual([
      {
        type: "overlay",
        source: "overlay",
        options: ["index=off", `workdir=${root}/snapshots/3/work`, `upperdir=${root}/snapshots/3/fs`, `lowerdir=${root}/snapshots/2/fs:${root}/snapshots/1/fs`],
      },
    ]);
    expect(await snapshots.mounts("rw")).toEqual(await snapshots.mounts("rw"));
    expect(await snapshots.view("v1", "base")).toEqual([{ type: "bind", source: `${root}/snapshots/1/fs`, options: ["ro", "rbind"] }]);
    expect(await snapshots.view("v2", "mid")).toEqual([
      { type: "overlay", source: "overlay", options: ["index=off", `lowerdir=${root}/snapshots/2/fs:${root}/snapshots/1/fs`] },
    ]);
    expect(await snapshots.view("v0")).toEqual([{ type: "bind", source: `${root}/snapshots/6/fs`, options: ["ro", "rbind"] }]);
    expect((await snapshots.stat("v2")).kind).toBe("view");
  });

  test("a custom snapshotter name and root", async () => {
    const { ctx } = testContext();
    const snapshots = new SnapshotStore(ctx, "k8s.io", new SnapshotterBackend("stargz", "/tmp/sn"));
    expect(snapshots.snapshotter).toBe("stargz");
    expect(await snapshots.prepare("a")).toEqual([{ type: "bind", source: "/tmp/sn/snapshots/1/fs", options: ["rw", "rbind"] }]);
    expect(new SnapshotterBackend("stargz").root).toBe("/var/lib/containerd/io.containerd.snapshotter.v1.stargz");
  });

  test("the native snapshotter bind-mounts its directories", async () => {
    const { ctx } = testContext();
    const snapshots = new SnapshotStore(ctx, "k8s.io", new SnapshotterBackend("native"));
    const root = "/var/lib/containerd/io.containerd.snapshotter.v1.native";
    expect(await snapshots.prepare("a-active")).toEqual([{ type: "bind", source: `${root}/snapshots/1`, options: ["rbind", "rw"] }]);
    await snapshots.commit("a", "a-active");
    expect(await snapshots.prepare("b", "a")).toEqual([{ type: "bind", source: `${root}/snapshots/2`, options: ["rbind", "rw"] }]);
    expect(await snapshots.view("v", "a")).toEqual([{ type: "bind", source: `${root}/snapshots/1`, options: ["rbind", "ro"] }]);
    expect((await rejection(snapshots.mounts("a"))).message).toBe(
      "failed to get snapshot mount: requested snapshot k8s.io/2/a not active or view: failed precondition",
    );
  });

  test("prepare and view errors", async () => {
    const { snapshots } = setup();
    await snapshots.prepare("a");
    let err = await rejection(snapshots.prepare("a"));
    expect([err.kind, err.message]).toEqual(["already exists", 'snapshot "a": already exists']);
    err = await rejection(snapshots.view("b", "missing"));
    expect([err.kind, err.message]).toEqual(["not found", "parent snapshot missing does not exist: not found"]);
    err = await rejection(snapshots.prepare("b", "a"));
    expect([err.kind, err.message]).toEqual(["invalid argument", 'failed to create snapshot: parent "k8s.io/1/a" is not committed snapshot: invalid argument']);
    await snapshots.prepare("c-active");
    await snapshots.commit("c", "c-active");
    err = await rejection(snapshots.prepare("d", "", { labels: { "containerd.io/snapshot.ref": "c" } }));
    expect([err.kind, err.message]).toEqual(["already exists", 'target snapshot "c": already exists']);
    err = await rejection(snapshots.prepare("d", "", { labels: { k: "v".repeat(4096) } }));
    expect(err.message).toBe("info.Labels: label key and value greater than maximum size (4096 bytes), key: k: invalid argument");
  });

  test("the metadata sequence advances even when the backend refuses", async () => {
    const { snapshots } = setup();
    await snapshots.prepare("a");
    await rejection(snapshots.prepare("b", "a"));
    await snapshots.prepare("c-active");
    await snapshots.commit("c", "c-active");
    // Keys 1 (a), 2 (b, refused), 3 (c-active), 4 (commit of c); backend IDs 1 and 2.
    const err = await rejection(snapshots.commit("c2", "c"));
    expect(err.message).toBe('failed to commit snapshot: snapshot "k8s.io/4/c" is not active: failed precondition');
    expect(await snapshots.prepare("e", "c")).toEqual([
      { type: "overlay", source: "overlay", options: ["index=off", `workdir=${root}/snapshots/3/work`, `upperdir=${root}/snapshots/3/fs`, `lowerdir=${root}/snapshots/2/fs`] },
    ]);
  });

  test("commit moves the active snapshot to its name, keeping parent and ID", async () => {
    const { snapshots, events } = setup();
    await chain(snapshots);
    const mid = await snapshots.stat("mid");
    expect(mid).toMatchObject({ name: "mid", parent: "base", kind: "committed", labels: {} });
    expect((await rejection(snapshots.stat("mid-active"))).message).toBe("snapshot mid-active does not exist: not found");
    expect(events.filter((e) => e.topic === "/snapshot/commit").map((e) => e.event)).toEqual([
      { key: "base-active", name: "base" },
      { key: "mid-active", name: "mid" },
    ]);
  });

  test("commit errors", async () => {
    const { snapshots } = setup();
    await chain(snapshots);
    await snapshots.prepare("x", "mid");
    let err = await rejection(snapshots.commit("mid", "x"));
    expect([err.kind, err.message]).toEqual(["already exists", 'snapshot "mid": already exists']);
    err = await rejection(snapshots.commit("y", "nope"));
    expect([err.kind, err.message]).toEqual(["not found", "snapshot nope does not exist: not found"]);
    await snapshots.view("v", "mid");
    err = await rejection(snapshots.commit("y", "v"));
    expect(err.kind).toBe("failed precondition");
    expect(err.message).toMatch(/^failed to commit snapshot: snapshot "k8s\.io\/\d+\/v" is not active: failed precondition$/);
    err = await rejection(snapshots.commit("y", "x", { labels: { k: "v".repeat(4096) } }));
    expect(err.kind).toBe("invalid argument");
  });

  test("remove refuses snapshots with children and publishes /snapshot/remove", async () => {
    const { snapshots, events } = setup();
    await chain(snapshots);
    let err = await rejection(snapshots.remove("base"));
    expect([err.kind, err.message]).toEqual(["failed precondition", "cannot remove snapshot with child: failed precondition"]);
    err = await rejection(snapshots.remove("nope"));
    expect([err.kind, err.message]).toEqual(["not found", "snapshot nope does not exist: not found"]);
    await snapshots.remove("mid");
    await snapshots.remove("base");
    expect(await snapshots.list()).toEqual([]);
    expect(events.filter((e) => e.topic === "/snapshot/remove").map((e) => e.event)).toEqual([{ key: "mid" }, { key: "base" }]);
  });

  test("mounts of a committed snapshot fail", async () => {
    const { snapshots } = setup();
    await chain(snapshots);
    const err = await rejection(snapshots.mounts("mid"));
    expect([err.kind, err.message]).toEqual(["failed precondition", "failed to get active mount: requested snapshot k8s.io/4/mid not active or view: failed precondition"]);
    expect((await rejection(snapshots.mounts("nope"))).message).toBe("snapshot nope does not exist: not found");
  });

  test("update changes labels only", async () => {
    const { snapshots } = setup();
    await snapshots.prepare("a", "", { labels: { x: "1", "containerd.io/snapshot/keep": "k" } });
    let info = await snapshots.update({ name: "a", labels: { y: "2" } }, "labels.y");
    expect(info.labels).toEqual({ x: "1", y: "2", "containerd.io/snapshot/keep": "k" });
    info = await snapshots.update({ name: "a", labels: { z: "3" } });
    expect(info.labels).toEqual({ z: "3" });
    info = await snapshots.update({ name: "a", labels: { w: "4" } }, "labels");
    expect(info.labels).toEqual({ w: "4" });
    let err = await rejection(snapshots.update({ name: "a" }, "parent"));
    expect(err.message).toBe('cannot update "parent" field on snapshot "a": invalid argument');
    err = await rejection(snapshots.update({ name: "" }));
    expect([err.kind, err.message]).toEqual(["invalid argument", "invalid argument"]);
    err = await rejection(snapshots.update({ name: "nope" }));
    expect(err.message).toBe("snapshot nope does not exist: not found");
    err = await rejection(snapshots.update({ name: "a", labels: { k: "v".repeat(4096) } }));
    expect(err.kind).toBe("invalid argument");
  });

  test("usage is live while active and recorded at commit", async () => {
    const { snapshots } = setup();
    await snapshots.prepare("a");
    expect(await snapshots.usage("a")).toEqual({ size: 4096n, inodes: 1n });
    snapshots.writeFile("a", "/data/big", new Uint8Array(5000));
    expect(await snapshots.usage("a")).toEqual({ size: 4096n + 4096n + 8192n, inodes: 3n });
    await snapshots.commit("c", "a");
    expect(await snapshots.usage("c")).toEqual({ size: 16384n, inodes: 3n });
    await snapshots.view("v", "c");
    expect(await snapshots.usage("v")).toEqual({ size: 0n, inodes: 0n });
    expect((await rejection(snapshots.usage("nope"))).message).toBe("snapshot nope does not exist: not found");
  });

  test("list and walk in key order with containerd's filter fields", async () => {
    const { snapshots } = setup();
    await chain(snapshots);
    await snapshots.prepare("zz", "mid", { labels: { role: "rw" } });
    expect((await snapshots.list()).map((i) => i.name)).toEqual(["base", "mid", "zz"]);
    const names = async (filter: string) => (await snapshots.list(parseFilters([filter]))).map((i) => i.name);
    expect(await names("kind==active")).toEqual(["zz"]);
    expect(await names("parent==base")).toEqual(["mid"]);
    expect(await names('labels."role"==rw')).toEqual(["zz"]);
    expect(await names("kind==committed,name~=^m")).toEqual(["mid"]);
    expect(snapshotFields(await snapshots.stat("zz")).field(["name"])).toBe("zz");
    const walked: string[] = [];
    await snapshots.walk((i) => {
      walked.push(i.name);
    });
    expect(walked).toEqual(["base", "mid", "zz"]);
  });

  test("namespaces share the backend's IDs but not their snapshots", async () => {
    const { ctx, snapshots, backend } = setup();
    const other = new SnapshotStore(ctx, "default", backend);
    await snapshots.prepare("a");
    expect(await other.prepare("a")).toEqual([{ type: "bind", source: `${root}/snapshots/2/fs`, options: ["rw", "rbind"] }]);
    expect((await other.list()).map((i) => i.name)).toEqual(["a"]);
  });

  test("merged files: parents, whiteouts, symlinks", async () => {
    const { snapshots } = setup();
    await chain(snapshots);
    await snapshots.prepare("rw", "mid");
    expect(untext(snapshots.readFile("rw", "/etc/os-release"))).toBe("base");
    expect(untext(snapshots.readFile("mid", "etc/hostname"))).toBe("mid");
    snapshots.writeFile("rw", "/etc/os-release", "changed");
    expect(untext(snapshots.readFile("rw", "/etc/os-release"))).toBe("changed");
    expect(untext(snapshots.readFile("mid", "/etc/os-release"))).toBe("base");
    snapshots.removePath("rw", "/etc/hostname");
    expect(thrown(() => snapshots.readFile("rw", "/etc/hostname")).message).toBe("open /etc/hostname: no such file or directory");
    expect(snapshots.statPath("rw", "/etc")).toEqual({ type: "dir", mode: 0o755, size: 4096 });
    expect(snapshots.statPath("rw", "/etc/hostname")).toBeUndefined();
    expect(thrown(() => snapshots.readFile("rw", "/etc")).message).toBe("read /etc: is a directory");
    expect(thrown(() => snapshots.writeFile("mid", "/x", "y")).message).toBe('snapshot "mid" is not active: failed precondition');
    expect(thrown(() => snapshots.removePath("rw", "/missing")).message).toBe("remove /missing: no such file or directory");
    expect(text("changed")).toEqual(snapshots.readFile("rw", "/etc/os-release"));
  });

  test("a directory made where a lower layer's was removed is opaque: nothing of the old one shows", async () => {
    const { snapshots } = setup();
    await chain(snapshots);
    await snapshots.prepare("rw", "mid");
    expect(snapshots.readDir("rw", "/etc")?.sort()).toEqual(["hostname", "os-release"]);
    snapshots.removePath("rw", "/etc");
    expect(snapshots.readDir("rw", "/etc")).toBeUndefined();
    snapshots.makeDir("rw", "/etc");
    snapshots.makeDir("rw", "/etc");
    expect(snapshots.readDir("rw", "/etc")).toEqual([]);
    snapshots.makeDir("rw", "/new/deep", 0o700);
    expect(snapshots.statPath("rw", "/new/deep")).toEqual({ type: "dir", mode: 0o700, size: 4096 });
    expect(snapshots.readDir("rw", "/")?.sort()).toEqual(["etc", "new"]);
    expect(thrown(() => snapshots.makeDir("mid", "/x")).message).toBe('snapshot "mid" is not active: failed precondition');
  });

  test("faults and gates apply to snapshot operations", async () => {
    const { snapshots, ctx } = setup();
    ctx.operations.injectFault({ op: "snapshots.prepare", subject: "bad", error: { kind: "unavailable", message: "no space" } });
    expect((await rejection(snapshots.prepare("bad"))).message).toBe("no space");
    await snapshots.prepare("good");
    const gate = ctx.operations.hold("snapshots.remove");
    const pending = snapshots.remove("good");
    await gate.arrived;
    expect((await snapshots.list()).length).toBe(1);
    gate.release();
    await pending;
    expect(await snapshots.list()).toEqual([]);
  });

  test("state round-trips with the backend", async () => {
    const { snapshots, backend, ctx } = setup();
    await chain(snapshots);
    await snapshots.prepare("rw", "mid", { labels: { a: "b" } });
    snapshots.writeFile("rw", "/bin/tool", new Uint8Array([0, 1, 2, 255]), 0o755);
    const restoredBackend = SnapshotterBackend.fromState(JSON.parse(JSON.stringify(backend.toState())));
    const restored = SnapshotStore.fromState(ctx, "k8s.io", restoredBackend, JSON.parse(JSON.stringify(snapshots.toState())));
    expect(await restored.list()).toEqual(await snapshots.list());
    expect(await restored.mounts("rw")).toEqual(await snapshots.mounts("rw"));
    expect(await restored.usage("rw")).toEqual(await snapshots.usage("rw"));
    expect(await restored.usage("mid")).toEqual(await snapshots.usage("mid"));
    expect(restored.readFile("rw", "/bin/tool")).toEqual(new Uint8Array([0, 1, 2, 255]));
    await restored.prepare("next");
    expect((await restored.mounts("next"))[0]!.source).toBe(`${root}/snapshots/4/fs`);
    // Parent links survive too: a parent is refused until its children are gone, by both layers.
    expect((await rejection(restored.remove("mid"))).message).toBe("cannot remove snapshot with child: failed precondition");
    const midKey = restoredBackend.toState().snapshots.find((s) => s.key.endsWith("/mid"))!.key;
    expect(() => restoredBackend.remove(midKey)).toThrow("failed to remove: cannot remove snapshot with child");
    await restored.remove("rw");
    await restored.remove("mid");
    expect((await restored.list()).map((s) => s.name).sort()).toEqual(["base", "next"]);
  });
});
