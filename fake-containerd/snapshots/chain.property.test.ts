// Laws of unpacked snapshot chains, for any stack of layers: each snapshot's usage is its own
// layer's disk usage (so a chain's total is the sum of its layers), the top snapshot reads like a
// plain model of overlay semantics (files, and the names each directory lists), and removal succeeds exactly when no child remains.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { layerStack } from "../../properties/arbitraries/images.ts";
import { ContentStore } from "../content/store.ts";
import { testContext, untext } from "../content/test-support.ts";
import { isKind } from "../errdefs.ts";
import { buildImage, layerEntries, type LayerDescription } from "../images/build.ts";
import { chainIds } from "../images/resolve.ts";
import { ImageStore } from "../images/store.ts";
import { unpackImage } from "../images/unpack.ts";
import { SnapshotterBackend } from "./backend.ts";
import { SnapshotStore } from "./store.ts";

async function unpacked(layers: LayerDescription[]) {
  const { ctx } = testContext();
  const images = new ImageStore(ctx, "k8s.io", new ContentStore(ctx, "k8s.io"));
  const snapshots = new SnapshotStore(ctx, "k8s.io", new SnapshotterBackend("overlayfs"));
  const { built } = await buildImage(images, { name: "img", layers });
  await unpackImage(images, snapshots, "img");
  return { snapshots, chain: chainIds(built.diffIds) };
}

/** ext4 with 4 KiB blocks: the root, then one inode per path the layer leaves, blocks by kind. */
function expectedUsage(layer: LayerDescription): { size: bigint; inodes: bigint } {
  const blocks = new Map<string, bigint>();
  const drop = (path: string) => {
    for (const key of [...blocks.keys()]) if (key === path || key.startsWith(`${path}/`)) blocks.delete(key);
  };
  for (const entry of layerEntries(layer)) {
    const path = entry.name.replace(/\/$/, "");
    const slash = path.lastIndexOf("/");
    const base = path.slice(slash + 1);
    if (base === ".wh..wh..opq") continue;
    if (base.startsWith(".wh.")) {
      const target = `${path.slice(0, slash + 1)}${base.slice(4)}`;
      drop(target);
      blocks.set(target, 0n);
      continue;
    }
    if (entry.type !== "dir") drop(path);
    const size = entry.type === "dir" ? 4096n : entry.type === "symlink" ? (new TextEncoder().encode(entry.linkname).length < 60 ? 0n : 4096n) : ((BigInt(entry.data!.length) + 4095n) / 4096n) * 4096n;
    blocks.set(path, size);
  }
  return { size: [...blocks.values()].reduce((a, b) => a + b, 4096n), inodes: BigInt(blocks.size + 1) };
}

type ModelNode = { kind: "file"; content: string } | { kind: "dir" } | { kind: "symlink" };

/** The merged filesystem as a map, applying each layer's opaque markers and whiteouts, then its entries. */
function mergedModel(layers: LayerDescription[]): { model: Map<string, ModelNode>; seen: Set<string> } {
  const model = new Map<string, ModelNode>();
  const seen = new Set<string>();
  const dropBelow = (path: string) => {
    for (const key of [...model.keys()]) if (key.startsWith(`${path}/`)) model.delete(key);
  };
  for (const layer of layers) {
    const entries = layerEntries(layer).map((e) => ({ ...e, path: e.name.replace(/\/$/, "") }));
    for (const e of entries) {
      const slash = e.path.lastIndexOf("/");
      const base = e.path.slice(slash + 1);
      if (base === ".wh..wh..opq") dropBelow(e.path.slice(0, slash));
      else if (base.startsWith(".wh.")) {
        const target = `${e.path.slice(0, slash + 1)}${base.slice(4)}`;
        model.delete(target);
        dropBelow(target);
        seen.add(target);
      }
    }
    for (const e of entries) {
      if (e.path.split("/").at(-1)!.startsWith(".wh.")) continue;
      seen.add(e.path);
      const node: ModelNode = e.type === "dir" ? { kind: "dir" } : e.type === "symlink" ? { kind: "symlink" } : { kind: "file", content: untext(e.data!) };
      if (node.kind !== "dir" || model.get(e.path)?.kind !== "dir") dropBelow(e.path);
      model.set(e.path, node);
    }
  }
  return { model, seen };
}

/** The names directly under `dir` in the model ("" is the root), sorted; parents a layer left implicit count too. */
function childrenOf(model: Map<string, ModelNode>, dir: string): string[] {
  const prefix = dir === "" ? "" : `${dir}/`;
  const names = new Set<string>();
  for (const path of model.keys()) if (path.startsWith(prefix) && path.length > prefix.length) names.add(path.slice(prefix.length).split("/")[0]!);
  return [...names].sort();
}

describe("unpacked snapshot chains", () => {
  test("each snapshot's usage is its layer's, so the chain's is the sum of its layers'", async () => {
    await fc.assert(
      fc.asyncProperty(layerStack(), async (layers) => {
        const { snapshots, chain } = await unpacked(layers);
        let total = { size: 0n, inodes: 0n };
        let expectedTotal = { size: 0n, inodes: 0n };
        for (const [i, id] of chain.entries()) {
          const usage = await snapshots.usage(id);
          const expected = expectedUsage(layers[i]!);
          expect(usage).toEqual(expected);
          total = { size: total.size + usage.size, inodes: total.inodes + usage.inodes };
          expectedTotal = { size: expectedTotal.size + expected.size, inodes: expectedTotal.inodes + expected.inodes };
        }
        expect(total).toEqual(expectedTotal);
      }),
      { numRuns: 200 },
    );
  });

  test("the top snapshot reads like the merged model", async () => {
    await fc.assert(
      fc.asyncProperty(layerStack(), async (layers) => {
        const { snapshots, chain } = await unpacked(layers);
        const top = chain.at(-1)!;
        const { model, seen } = mergedModel(layers);
        for (const path of seen) {
          const node = model.get(path);
          const stat = snapshots.statPath(top, path);
          if (!node) expect(stat).toBeUndefined();
          else if (node.kind === "file") expect(untext(snapshots.readFile(top, path))).toBe(node.content);
          else if (node.kind === "dir") {
            expect(stat?.type).toBe("dir");
            expect(snapshots.readDir(top, path)?.sort()).toEqual(childrenOf(model, path));
          }
        }
        expect(snapshots.readDir(top, "/")?.sort()).toEqual(childrenOf(model, ""));
      }),
      { numRuns: 300 },
    );
  });

  test("a snapshot can be removed exactly when it has no child; top-down always works", async () => {
    await fc.assert(
      fc.asyncProperty(
        layerStack(),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (layers, picks) => {
          const { snapshots, chain } = await unpacked(layers);
          await snapshots.prepare("container-rw", chain.at(-1)!);
          const remaining = [...chain, "container-rw"];
          for (const pick of picks) {
            const key = remaining[pick % remaining.length]!;
            const hasChild = remaining.indexOf(key) < remaining.length - 1;
            try {
              await snapshots.remove(key);
              expect(hasChild).toBe(false);
              remaining.pop();
            } catch (error) {
              expect(hasChild).toBe(true);
              expect(isKind(error, "failed precondition")).toBe(true);
            }
            if (remaining.length === 0) break;
          }
          for (const key of [...remaining].reverse()) await snapshots.remove(key);
          expect(await snapshots.list()).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
