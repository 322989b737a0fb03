import { describe, expect, test } from "vitest";
import { AmbiguousPrefixError, IdNotExistError, TruncIndex } from "./truncindex.ts";

/** Deterministic 64-hex IDs, as containerd generates for containers and sandboxes. */
function ids(count: number): string[] {
  let state = 0x2545f491;
  const hex = () => {
    let out = "";
    while (out.length < 64) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      out += (state >>> 0).toString(16).padStart(8, "0");
    }
    return out;
  };
  return Array.from({ length: count }, hex);
}

describe("TruncIndex", () => {
  test("holds 100,000 IDs with prefix lookups that do not scan", () => {
    const all = ids(100_000);
    const index = new TruncIndex(all);
    const wrong = all.filter((id) => index.get(id.slice(0, 12)) !== id);
    expect(wrong).toEqual([]);
    // A lookup walks one trie edge per character at most, however many IDs there are (counted, not
    // timed: a timed bound fails on a loaded machine).
    const mapGet = Map.prototype.get;
    let childLookups = 0;
    Map.prototype.get = function (this: Map<unknown, unknown>, key: unknown) {
      childLookups++;
      return mapGet.call(this, key);
    };
    try {
      for (const id of all.slice(0, 1000)) index.get(id.slice(0, 12));
    } finally {
      Map.prototype.get = mapGet;
    }
    expect(childLookups).toBeGreaterThan(0);
    expect(childLookups).toBeLessThanOrEqual(1000 * 12);
    expect(() => index.get("a")).toThrow(AmbiguousPrefixError);
    for (const id of all.slice(0, 50_000)) index.delete(id);
    expect(() => index.get(all[0]!)).toThrow(IdNotExistError);
    expect(index.get(all[50_000]!)).toBe(all[50_000]);
    const listed: string[] = [];
    index.iterate((id) => listed.push(id));
    expect(listed).toEqual(all.slice(50_000).sort());
  });

  test("iterates in UTF-8 byte order, which puts astral characters after U+FFFF", () => {
    const index = new TruncIndex(["😀", "\uffff", "z", "é"]);
    const listed: string[] = [];
    index.iterate((id) => listed.push(id));
    expect(listed).toEqual(["z", "é", "\uffff", "😀"]);
  });

  test("a handler may change the index while iterating", () => {
    const index = new TruncIndex(["a1", "a2", "b"]);
    const seen: string[] = [];
    index.iterate((id) => {
      seen.push(id);
      index.delete(id);
    });
    expect(seen).toEqual(["a1", "a2", "b"]);
    expect(() => index.get("a")).toThrow(IdNotExistError);
  });

  test("the ambiguous-prefix error carries the prefix", () => {
    const index = new TruncIndex(["abc1", "abc2"]);
    try {
      index.get("ab");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AmbiguousPrefixError);
      expect((e as AmbiguousPrefixError).prefix).toBe("ab");
    }
  });
});
