// Laws of the reference grammar port and of the prefix-lookup structures (truncindex, digestset)
// that must hold for any input, beyond the recorded goldens.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { DigestSet } from "../src/go/digestset.ts";
import {
  familiarString,
  isNameOnly,
  isTagged,
  parseNamed,
  parseNormalizedNamed,
  referenceName,
  referenceString,
  tagNameOnly,
} from "../src/go/reference.ts";
import { TruncIndex } from "../src/go/truncindex.ts";
import {
  digestPrefix,
  idPrefix,
  imageRef,
  sharedPrefixDigest,
  sharedPrefixId,
} from "./arbitraries/image-ref.ts";

const runs = { numRuns: 1000 };

/** What a thrown error says, or the value: the shape both the port and a model can be compared in. */
function outcome(run: () => unknown): { ok: unknown } | { error: string } {
  try {
    return { ok: run() };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

describe("reference", () => {
  test("the familiar string of a normalized reference normalizes back to it", () => {
    fc.assert(
      fc.property(imageRef(), (s) => {
        const named = parseNormalizedNamed(s);
        const back = parseNormalizedNamed(familiarString(named));
        // Go's familiar form drops "docker.io/", so when the first path segment looks like a
        // registry ("a.b", "localhost") the familiar string no longer names Docker Hub and reads
        // back as already qualified: a known ambiguity of the docker grammar, kept as Go has it.
        const firstSegment = named.path.split("/")[0]!;
        const looksLikeRegistry = /[.:]/.test(firstSegment) || firstSegment === "localhost";
        if (named.domain === "docker.io" && named.path.includes("/") && looksLikeRegistry) {
          expect(referenceString(back)).toBe(familiarString(named));
        } else {
          expect(back).toEqual(named);
        }
      }),
      runs,
    );
  });

  test("parseNormalizedNamed is idempotent on referenceString, whose output parseNamed accepts as canonical", () => {
    fc.assert(
      fc.property(imageRef(), (s) => {
        const named = parseNormalizedNamed(s);
        const canonical = referenceString(named);
        expect(parseNormalizedNamed(canonical)).toEqual(named);
        expect(parseNamed(canonical)).toEqual(named);
      }),
      runs,
    );
  });

  test("tagNameOnly adds latest only when there is neither a tag nor a digest", () => {
    fc.assert(
      fc.property(imageRef(), (s) => {
        const named = parseNormalizedNamed(s);
        const tagged = tagNameOnly(named);
        if (isNameOnly(named)) {
          expect(isTagged(tagged) && tagged.tag === "latest").toBe(true);
          expect(referenceString(tagged)).toBe(referenceName(named) + ":latest");
        } else {
          expect(tagged).toBe(named);
        }
      }),
      runs,
    );
  });
});

type IndexCommand = { op: "add" | "delete"; id: string } | { op: "get"; prefix: string };

describe("truncindex", () => {
  const command: fc.Arbitrary<IndexCommand> = fc.oneof(
    fc.record({ op: fc.constantFrom("add" as const, "delete" as const), id: sharedPrefixId() }),
    fc.record({ op: fc.constant("get" as const), prefix: idPrefix() }),
  );

  /** The index's contract, by a linear scan over a plain set. */
  function modelStep(ids: Set<string>, c: IndexCommand): ReturnType<typeof outcome> {
    return outcome(() => {
      if (c.op === "get") {
        if (c.prefix === "") throw new Error("Prefix can't be empty");
        const found = [...ids].filter((id) => id.startsWith(c.prefix));
        if (found.length === 0) throw new Error("ID does not exist");
        if (found.length > 1) throw new Error(`Multiple IDs found with provided prefix: ${c.prefix}`);
        return found[0];
      }
      if (c.op === "add") {
        if (c.id.includes(" ")) throw new Error("illegal character: ' '");
        if (c.id === "") throw new Error("Prefix can't be empty");
        if (ids.has(c.id)) throw new Error(`id already exists: '${c.id}'`);
        ids.add(c.id);
        return undefined;
      }
      if (!ids.delete(c.id)) throw new Error(`no such id: '${c.id}'`);
      return undefined;
    });
  }

  test("get, add and delete agree with a linear scan, and iterate lists the IDs in order", () => {
    fc.assert(
      fc.property(fc.array(sharedPrefixId(), { maxLength: 12 }), fc.array(command, { maxLength: 40 }), (initial, commands) => {
        const index = new TruncIndex(initial);
        const model = new Set(initial.filter((id) => id !== "" && !id.includes(" ")));
        for (const c of commands) {
          const actual = outcome(() => (c.op === "get" ? index.get(c.prefix) : index[c.op](c.id)));
          expect(actual, JSON.stringify(c)).toEqual(modelStep(model, c));
        }
        const listed: string[] = [];
        index.iterate((id) => listed.push(id));
        expect(listed).toEqual([...model].sort());
      }),
      runs,
    );
  });
});

describe("digestset", () => {
  /** A lookup by a linear scan: every digest whose algorithm fits and whose hex starts with the prefix. */
  function scan(digests: Set<string>, short: string): ReturnType<typeof outcome> {
    return outcome(() => {
      const sep = short.indexOf(":");
      const [alg, prefix] = sep === -1 ? ["", short] : [short.slice(0, sep), short.slice(sep + 1)];
      const found = [...digests].filter((d) => {
        const [dAlg, dHex] = d.split(":") as [string, string];
        return (alg === "" || dAlg === alg) && dHex.startsWith(prefix);
      });
      if (found.length === 0) throw new Error("digest not found");
      if (found.length > 1) throw new Error("ambiguous digest string");
      return found[0];
    });
  }

  const lookupsFrom = (pool: string[], algorithms: readonly string[]) =>
    fc.array(fc.oneof(digestPrefix(algorithms), fc.constantFrom(...pool)), { minLength: 1, maxLength: 10 });

  test("a lookup by hex prefix alone agrees with a linear scan, over mixed algorithms", () => {
    const pool = fc.array(sharedPrefixDigest(["sha256", "sha384", "sha512"]), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(
        pool.chain((digests) => fc.tuple(fc.constant(digests), lookupsFrom(digests.map((d) => d.split(":")[1]!), []))),
        ([digests, lookups]) => {
          const set = new DigestSet();
          for (const d of digests) set.add(d);
          for (const short of lookups) expect(outcome(() => set.lookup(short)), short).toEqual(scan(new Set(digests), short));
        },
      ),
      runs,
    );
  });

  test("an alg:prefix or full lookup agrees with a linear scan when the set holds one algorithm", () => {
    const algorithm = fc.constantFrom("sha256" as const, "sha512" as const);
    fc.assert(
      fc.property(
        algorithm.chain((alg) =>
          fc
            .array(sharedPrefixDigest([alg]), { minLength: 1, maxLength: 12 })
            .chain((digests) => fc.tuple(fc.constant(digests), lookupsFrom(digests, [alg]))),
        ),
        ([digests, lookups]) => {
          const set = new DigestSet();
          for (const d of digests) set.add(d);
          for (const short of lookups) expect(outcome(() => set.lookup(short)), short).toEqual(scan(new Set(digests), short));
        },
      ),
      runs,
    );
  });
});
