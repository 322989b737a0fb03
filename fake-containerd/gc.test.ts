import { describe, expect, test } from "vitest";
import { collectGarbage } from "./gc.ts";
import { buildImage, type ImageDescription } from "./images/build.ts";
import { unpackImage } from "./images/unpack.ts";
import { createFakeContainerd, ociSpec } from "./index.ts";

const shell: ImageDescription = { name: "docker.io/library/shell:1", layers: [{ "/bin/sh": "sh" }, { "/etc/passwd": "root:x:0:0::/:/bin/sh\n" }] };
const other: ImageDescription = { name: "docker.io/library/other:1", layers: [{ "/bin/sh": "sh" }, { "/app": "app" }] };

async function node() {
  const fake = createFakeContainerd({ seed: 1 });
  const ns = fake.namespace("k8s.io");
  const snapshots = ns.snapshots.get("overlayfs");
  const images = [];
  for (const description of [shell, other]) {
    const { built } = await buildImage(ns.images, description);
    await unpackImage(ns.images, snapshots, description.name);
    images.push(built);
  }
  return { fake, ns, snapshots, shellImage: images[0]!, otherImage: images[1]! };
}

const keys = async (list: () => Promise<Array<{ name: string }>>) => (await list()).map((s) => s.name).sort();

describe("collectGarbage", () => {
  test("with every image still recorded, nothing is collected", async () => {
    const { ns } = await node();
    expect(await collectGarbage(ns, ["overlayfs"])).toEqual({ content: [], snapshots: [] });
  });

  test("an image's removal frees its own blobs and snapshots, not the layer another image shares", async () => {
    const { ns, snapshots, shellImage, otherImage } = await node();
    await ns.images.delete(shell.name);
    const removed = await collectGarbage(ns, ["overlayfs"]);
    expect(removed.content.sort()).toEqual(
      [shellImage.manifest.digest, shellImage.config.digest, shellImage.layers[1]!.digest].sort(),
    );
    expect(removed.snapshots).toEqual([`overlayfs/${shellImage.chainId}`]);
    expect((await ns.content.list()).map((i) => i.digest).sort()).toEqual(otherImage.blobs.map((b) => b.descriptor.digest).sort());
    expect(await keys(() => snapshots.list())).toEqual([otherImage.diffIds[0]!, otherImage.chainId].sort());
  });

  test("removing every image empties content and snapshots, children before parents", async () => {
    const { ns, snapshots } = await node();
    await ns.images.delete(shell.name);
    await ns.images.delete(other.name);
    const removed = await collectGarbage(ns, ["overlayfs"]);
    expect(removed.snapshots.at(-1)).toMatch(/^overlayfs\/sha256:/);
    expect(await ns.content.list()).toEqual([]);
    expect(await snapshots.list()).toEqual([]);
  });

  test("a container's snapshot keeps its parents after the image is gone; its blobs go", async () => {
    const { ns, snapshots, shellImage } = await node();
    await snapshots.prepare("ctr-1", shellImage.chainId);
    await ns.containers.create({ id: "ctr-1", image: shell.name, spec: ociSpec({}), snapshotter: "overlayfs", snapshotKey: "ctr-1" });
    await ns.images.delete(shell.name);
    await ns.images.delete(other.name);
    const removed = await collectGarbage(ns, ["overlayfs"]);
    expect(removed.content.length).toBeGreaterThan(0);
    expect(await ns.content.list()).toEqual([]);
    expect(await keys(() => snapshots.list())).toEqual(["ctr-1", shellImage.diffIds[0]!, shellImage.chainId].sort());
  });

  test("gc.root content and snapshots stay, with what they reference", async () => {
    const { ns, snapshots, shellImage } = await node();
    await ns.content.update({ digest: shellImage.config.digest, labels: { "containerd.io/gc.root": "2024-01-01T00:00:00Z" } }, "labels.containerd.io/gc.root");
    await snapshots.prepare("scratch", "", { labels: { "containerd.io/gc.root": "2024-01-01T00:00:00Z" } });
    await ns.images.delete(shell.name);
    await ns.images.delete(other.name);
    await collectGarbage(ns, ["overlayfs"]);
    // The config references the top snapshot (the unpacker's gc.ref.snapshot label), so the chain stays.
    expect((await ns.content.list()).map((i) => i.digest)).toEqual([shellImage.config.digest]);
    expect(await keys(() => snapshots.list())).toEqual(["scratch", shellImage.diffIds[0]!, shellImage.chainId].sort());
  });

  test("what the caller protects stays as a lease keeps it, with what it references", async () => {
    const { ns, snapshots, shellImage, otherImage } = await node();
    await ns.images.delete(shell.name);
    await ns.images.delete(other.name);
    const removed = await collectGarbage(ns, ["overlayfs"], {
      content: (digest) => digest === shellImage.manifest.digest,
      snapshot: (snapshotter, key) => snapshotter === "overlayfs" && key === otherImage.chainId,
    });
    expect((await ns.content.list()).map((i) => i.digest).sort()).toEqual(shellImage.blobs.map((b) => b.descriptor.digest).sort());
    expect(await keys(() => snapshots.list())).toEqual([shellImage.diffIds[0]!, shellImage.chainId, otherImage.chainId].sort());
    expect(removed.content).toEqual(expect.arrayContaining([otherImage.manifest.digest, otherImage.config.digest]));
  });
});
