import { describe, expect, test } from "vitest";
import { copyLimits, copyOfTree, type TreeView } from "./mount-propagation.ts";

/** A view of `tree` (path → content, directories implied by the paths below them). */
function viewOf(tree: Record<string, string>): TreeView {
  const encoder = new TextEncoder();
  return {
    readDir: async (path) => {
      const below = `${path}/`;
      const names = Object.keys(tree)
        .filter((p) => p.startsWith(below))
        .map((p) => p.slice(below.length).split("/")[0]!);
      return names.length > 0 || path === "/m" ? [...new Set(names)] : undefined;
    },
    readFile: async (path) => (path in tree ? encoder.encode(tree[path]) : undefined),
  };
}

describe("the copy of a mount the node sees", () => {
  test("each directory before what is in it, names in order", async () => {
    const copy = await copyOfTree(viewOf({ "/m/b": "2", "/m/a/x": "1" }), "/m");
    expect(copy?.map(({ path, change }) => `${change} ${path}`)).toEqual(["mkdir /m/a", "write /m/a/x", "write /m/b"]);
  });

  test("an empty mount copies nothing", async () => {
    expect(await copyOfTree(viewOf({}), "/m")).toEqual([]);
  });

  test("a tree past the limits is not copied at all", async () => {
    const many = Object.fromEntries(Array.from({ length: copyLimits.entries + 1 }, (_, i) => [`/m/f${i}`, ""]));
    expect(await copyOfTree(viewOf(many), "/m")).toBeUndefined();
    expect(await copyOfTree(viewOf({ "/m/big": "x".repeat(copyLimits.bytes + 1) }), "/m")).toBeUndefined();
  });
});
