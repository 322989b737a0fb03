// Arbitraries for the runtime option messages (src/go/toml-options.ts, src/go/typeurl.ts) and the
// TOML tables containerd's config would hold for them.
import fc from "fast-check";
import type { TomlTable, TomlValue } from "smol-toml";
import {
  type GoField,
  type RuntimeOptions,
  type RuntimeOptionsTypeUrl,
  fieldKeyCandidates,
  optionsStructs,
} from "../../src/go/toml-options.ts";

/** Text of whole code points (no lone surrogates, which UTF-8 cannot carry). */
const text = () =>
  fc.oneof(
    fc.string({ unit: "binary", maxLength: 12 }),
    fc.constantFrom("", "/usr/local/bin/runc", "runc", "\ufeffbom", "é😀", "\u0000\u001f\u007f"),
  );

const int32 = () => fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(-(2 ** 31), -1, 0, 1, 2 ** 31 - 1));
const uint32 = () => fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(0, 1, 2 ** 31, 2 ** 32 - 1));

function fieldValue(field: GoField<unknown>): fc.Arbitrary<boolean | string | number> {
  switch (field.type) {
    case "bool":
      return fc.boolean();
    case "string":
      return text();
    case "int32":
      return int32();
    default:
      return uint32();
  }
}

function varint(n: bigint): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** One well-formed field whose number no option message uses (all use 1 to 15). */
const unknownWireField = () =>
  fc
    .tuple(
      fc.integer({ min: 16, max: 2 ** 29 - 1 }),
      fc.oneof(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => ({ wireType: 0, body: varint(v) })),
        fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => ({ wireType: 1, body: [...b] })),
        fc.uint8Array({ maxLength: 6 }).map((b) => ({ wireType: 2, body: [...varint(BigInt(b.length)), ...b] })),
        fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => ({ wireType: 5, body: [...b] })),
      ),
    )
    .map(([number, { wireType, body }]) => [...varint(BigInt(number * 8 + wireType)), ...body]);

/** XXX_unrecognized as gogo would have collected it: nil, or a run of unknown fields. */
export function unknownWireFields(): fc.Arbitrary<Uint8Array | undefined> {
  return fc.option(
    fc.array(unknownWireField(), { minLength: 1, maxLength: 3 }).map((fields) => Uint8Array.from(fields.flat())),
    { nil: undefined },
  );
}

/**
 * A value of one option type, with unknown wire fields where the Go struct keeps them, and now and
 * then an XXX_sizecache that config set (never zero, which reads the same as unset).
 */
export function optionsOfType(typeUrl: RuntimeOptionsTypeUrl): fc.Arbitrary<RuntimeOptions> {
  const struct = optionsStructs[typeUrl];
  const props: Record<string, fc.Arbitrary<boolean | string | number>> = {};
  let keepsUnknown = false;
  for (const field of struct.fields as readonly GoField<unknown>[]) {
    if (typeof field.target === "object") props[field.target.prop] = fieldValue(field);
    if (field.target === "unrecognized") keepsUnknown = true;
  }
  const sizeCache = fc.option(int32().filter((n) => n !== 0), { nil: undefined, freq: 4 });
  return fc
    .tuple(fc.record(props), keepsUnknown ? unknownWireFields() : fc.constant(undefined), sizeCache)
    .map(([message, unrecognized, cache]) => {
      const options = { typeUrl, message: { ...struct.codec.create(), ...message } } as unknown as RuntimeOptions;
      if (unrecognized !== undefined) options.unrecognized = unrecognized;
      if (cache !== undefined) options.sizeCache = cache;
      return options;
    });
}

/** A value of any of the four option types. */
export function runtimeOptions(): fc.Arbitrary<RuntimeOptions> {
  return fc.constantFrom(...(Object.keys(optionsStructs) as RuntimeOptionsTypeUrl[])).chain(optionsOfType);
}

/**
 * An [options] table that decodes into `options`: each non-zero field under one of the keys go-toml
 * tries for it (integers as bigint, XXX_unrecognized as an array of bytes, XXX_sizecache too), zero
 * fields sometimes written out, and keys that match no field mixed in.
 */
export function optionsTable(options: RuntimeOptions): fc.Arbitrary<TomlTable> {
  const message = options.message as unknown as Record<string, unknown>;
  const entries: fc.Arbitrary<[string, TomlValue] | null>[] = [];
  for (const field of optionsStructs[options.typeUrl].fields as readonly GoField<unknown>[]) {
    let value: TomlValue | undefined;
    if (typeof field.target === "object") {
      const v = message[field.target.prop] as boolean | string | number;
      value = typeof v === "number" ? BigInt(v) : v;
    } else if (field.target === "unrecognized" && options.unrecognized !== undefined) {
      value = Array.from(options.unrecognized, BigInt);
    } else if (field.target === "sizeCache" && options.sizeCache !== undefined) {
      value = BigInt(options.sizeCache);
    }
    if (value === undefined) continue;
    const isZero = value === false || value === "" || value === 0n;
    const written = value;
    const keyed = fc.constantFrom(...fieldKeyCandidates(field.name)).map((key): [string, TomlValue] => [key, written]);
    entries.push(isZero ? fc.option(keyed, { nil: null }) : keyed);
  }
  const unrelated = fc.array(
    fc.tuple(fc.string({ maxLength: 6 }).map((s) => `x-${s}`), fc.oneof(fc.boolean(), text(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }))),
    { maxLength: 3 },
  );
  return fc.tuple(fc.tuple(...entries), unrelated).map(([fields, extra]) => {
    const table: TomlTable = {};
    for (const [k, v] of extra) table[k] = v;
    for (const entry of fields) if (entry !== null) table[entry[0]] = entry[1];
    return table;
  });
}
