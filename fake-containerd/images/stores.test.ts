import { describe, expect, test } from "vitest";
import type { NamespacedStoreFactory } from "../index.ts";
import { testContext, untext } from "../content/test-support.ts";
import { snapshotterBackend } from "../snapshots/snapshotters.ts";
import { buildImage } from "./build.ts";
import { imageStores } from "./stores.ts";
import { unpackImage } from "./unpack.ts";

// The factories fit the root object's namespaced-store slot.
const factories: Record<string, NamespacedStoreFactory> = imageStores;

function namespace(ctx: ReturnType<typeof testContext>["ctx"], name: string, saved: Record<string, unknown> = {}) {
  const content = imageStores.content(ctx, name, saved.content);
  const images = imageStores.images(ctx, name, saved.images);
  const snapshots = imageStores.snapshots(ctx, name, saved.snapshots);
  return { content, images, snapshots };
}

describe("namespaced stores for the root object", () => {
  test("are built content first and report what keeps a namespace alive", async () => {
    expect(Object.keys(factories)).toEqual(["content", "images", "snapshots"]);
    const { ctx } = testContext();
    expect(() => imageStores.images(ctx, "nowhere", undefined)).toThrow(
      "fake-containerd: the content store of namespace nowhere must be built before its image store",
    );
    const ns = namespace(ctx, "k8s.io");
    expect([ns.content.remaining(), ns.images.remaining(), ns.snapshots.remaining()]).toEqual([[], [], []]);
    await buildImage(ns.images, { name: "x", layers: [{ a: "1" }] });
    await unpackImage(ns.images, ns.snapshots.get(), "x");
    await ns.snapshots.get("native").prepare("scratch");
    expect([ns.content.remaining(), ns.images.remaining(), ns.snapshots.remaining()]).toEqual([
      ["blobs"],
      ["images"],
      ['snapshots on "native" snapshotter', 'snapshots on "overlayfs" snapshotter'],
    ]);
    await ns.snapshots.get("native").remove("scratch");
    expect(ns.snapshots.remaining()).toEqual(['snapshots on "overlayfs" snapshotter']);
  });

  test("namespaces share a snapshotter backend, and save and restore their shares of it", async () => {
    const { ctx } = testContext();
    const a = namespace(ctx, "a");
    const b = namespace(ctx, "b");
    await buildImage(a.images, { name: "x", layers: [{ f: "a" }] });
    await buildImage(b.images, { name: "x", layers: [{ f: "a" }, { g: "b" }] });
    const ua = await unpackImage(a.images, a.snapshots.get(), "x");
    const ub = await unpackImage(b.images, b.snapshots.get(), "x");
    await b.snapshots.get().prepare("rw", ub.chainId);
    const mounts = await b.snapshots.get().mounts("rw");
    expect(mounts[0]!.options.at(-1)).toBe(
      "lowerdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/3/fs:/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/2/fs",
    );

    const saved = (ns: typeof a) => JSON.parse(JSON.stringify({ content: ns.content.toState(), images: ns.images.toState(), snapshots: ns.snapshots.toState() }));
    const savedA = saved(a);
    const savedB = saved(b);
    const { ctx: later } = testContext();
    const a2 = namespace(later, "a", savedA);
    const b2 = namespace(later, "b", savedB);
    expect(await a2.snapshots.get().list()).toEqual(await a.snapshots.get().list());
    expect(await b2.snapshots.get().mounts("rw")).toEqual(mounts);
    expect(untext(a2.snapshots.get().readFile(ua.chainId, "/f"))).toBe("a");
    expect(untext(b2.snapshots.get().readFile(ub.chainId, "/g"))).toBe("b");
    expect(await a2.images.size("x")).toBe(await a.images.size("x"));
    await a2.snapshots.get().prepare("next");
    expect((await a2.snapshots.get().mounts("next"))[0]!.source).toBe("/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/5/fs");
  });

  test("a snapshotter's root can be chosen before first use", async () => {
    const { ctx } = testContext();
    snapshotterBackend(ctx, "overlayfs", "/run/fake");
    const ns = namespace(ctx, "k8s.io");
    expect((await ns.snapshots.get().prepare("a"))[0]!.source).toBe("/run/fake/snapshots/1/fs");
  });
});
