import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { JsonAnyValue } from "../../../fake-containerd/index.ts";
import { defaultUnixSpec, specAny, specJson, type RuntimeSpec } from "./oci-defaults.ts";

const decoder = new TextDecoder();

/** A value with every object's keys in order, so that equal ones also agree on key order. */
function withKeyOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withKeyOrder);
  if (value !== null && typeof value === "object") return Object.keys(value).map((k) => [k, withKeyOrder((value as Record<string, unknown>)[k])]);
  return value;
}

function expectDocumentMatchesBytes(any: JsonAnyValue): void {
  const parsed: unknown = JSON.parse(decoder.decode(any.value));
  expect(any.json()).toStrictEqual(parsed);
  expect(withKeyOrder(any.json())).toStrictEqual(withKeyOrder(parsed));
}

/** Strings with what Go escapes or replaces: <, >, &, U+2028, lone surrogates, controls, non-ASCII. */
const awkwardString = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.constantFrom("<a&b>", "\u2028\u2029", "\ud800", "x\udc00y", "\ud83d\ude00", "é", "\u0000\u001f", '"\\', "__proto__", "1", "10"),
);
/** What the generated specs vary: strings and map keys JSON must escape, 64-bit and 32-bit numbers. */
const extras = fc.record({
  strings: fc.array(awkwardString, { maxLength: 4 }),
  map: fc.dictionary(awkwardString, awkwardString, { maxKeys: 5 }),
  int64: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
  uid: fc.integer({ min: 0, max: 0xffff_ffff }),
});

function spec(extra: { strings: string[]; map: Record<string, string>; int64: bigint; uid: number }): RuntimeSpec {
  const s = defaultUnixSpec("id");
  s.hostname = extra.strings[0] ?? "";
  s.process!.args = extra.strings;
  s.process!.env = extra.strings.map((v) => `K=${v}`);
  s.process!.user.uid = extra.uid;
  s.process!.oomScoreAdj = -extra.uid;
  s.annotations = extra.map;
  s.linux!.sysctl = extra.map;
  s.linux!.resources = { ...s.linux!.resources, memory: { limit: extra.int64, swap: extra.int64 }, unified: extra.map };
  s.linux!.resources.hugepageLimits = [{ pageSize: "2MB", limit: extra.int64 }];
  return s;
}

describe("the spec as a container record holds it", () => {
  test("its bytes are written when first read, as specJson writes the spec", () => {
    const s = defaultUnixSpec("abc");
    const any = specAny(s);
    expect(any.typeUrl).toBe("types.containerd.io/opencontainers/runtime-spec/1/Spec");
    expect(decoder.decode(any.value)).toBe(specJson(s));
    expect(any.value).toBe(any.value);
    // Spreading, saving or comparing the Any reads its bytes too.
    expect({ ...any }.value).toEqual(any.value);
  });

  test("its document is what JSON.parse makes of its bytes, key order included (1,000 runs)", () => {
    fc.assert(
      fc.property(
        extras,
        (extra) => expectDocumentMatchesBytes(specAny(spec(extra))),
      ),
      { numRuns: 1000 },
    );
  });

  test("odd values a hand-written base spec may hold read back the same way", () => {
    const s = defaultUnixSpec("id") as unknown as { process: Record<string, unknown>; linux: Record<string, unknown> };
    s.process.args = ["a", 1, null, { x: [true] }];
    s.process.cwd = 7;
    s.linux.sysctl = { b: 2, a: { c: "d" } };
    expectDocumentMatchesBytes(specAny(s as unknown as RuntimeSpec));
  });

  test("a picked document holds the picked members as the whole document does (1,000 runs)", () => {
    const pick = { process: { args: true, env: true, cwd: true }, hostname: true, linux: { resources: true, namespaces: true }, mounts: { type: true } } as const;
    fc.assert(
      fc.property(
        extras,
        (extra) => {
          const any = specAny(spec(extra));
          const whole = any.json() as { process: Record<string, unknown>; hostname?: string; linux: Record<string, unknown>; mounts: unknown };
          const picked = any.json(pick) as typeof whole;
          for (const member of ["args", "env", "cwd"]) expect(picked.process[member]).toStrictEqual(whole.process[member]);
          for (const member of ["resources", "namespaces"]) expect(picked.linux[member]).toStrictEqual(whole.linux[member]);
          expect(picked.hostname).toStrictEqual(whole.hostname);
          expect(picked.mounts).toStrictEqual(whole.mounts);
        },
      ),
      { numRuns: 1000 },
    );
  });

  test("each document is a fresh copy", () => {
    const any = specAny(defaultUnixSpec("id"));
    const first = any.json() as { process: { args?: string[] } };
    first.process.args = ["changed"];
    expect((any.json() as { process: { args?: string[] } }).process.args).toBeUndefined();
  });
});
