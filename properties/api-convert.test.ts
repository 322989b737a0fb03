// Every v1alpha2 request and response survives the trip through v1 and back, the way containerd
// answers v1alpha2 calls (encode with one version, decode with the other): nothing the old API
// carries is lost or changed by the new one. Messages are generated from the field layout of the
// generated code (read from each type's encode function), so every field of every message is
// exercised, nested messages, repeated fields and maps included.

import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import * as v1 from "../src/cri/api/v1.ts";
import * as v1alpha2 from "../src/cri/api/v1alpha2.ts";
import { convertMessage, v1alpha2Image, v1alpha2Runtime } from "../src/cri/api-convert.ts";
import type { MessageType, ServiceDefinition } from "../src/cri/service-types.ts";

type Scalar = "string" | "bool" | "int32" | "int64" | "uint32" | "uint64" | "double" | "bytes";
type Kind = { scalar: Scalar } | { message: string };
interface Field {
  name: string;
  kind: Kind;
  shape: "single" | "repeated" | "map";
}

/** Each message's fields, read from the statements of its generated encode function. */
function readSchema(source: string): Map<string, Field[]> {
  const schema = new Map<string, Field[]>();
  const encoders = source.matchAll(
    /^export const (\w+): MessageFns<\s*\1\s*> = \{\n {2}encode\([\s\S]*?\): BinaryWriter \{\n([\s\S]*?)^ {4}return writer;\n {2}\},/gm,
  );
  for (const [, type, body] of encoders) {
    const fields: Field[] = [];
    const lines = body!.split("\n");
    lines.forEach((line, i) => {
      const next = lines[i + 1] ?? "";
      let m: RegExpExecArray | null;
      if ((m = /writer\.uint32\(\d+\)\.(\w+)\(message\.(\w+)\);/.exec(line))) {
        fields.push({ name: m[2]!, kind: { scalar: m[1] as Scalar }, shape: "single" });
      } else if ((m = /^\s*(\w+)\.encode\(message\.(\w+), writer/.exec(line))) {
        fields.push({ name: m[2]!, kind: { message: m[1]! }, shape: "single" });
      } else if ((m = /^\s*for \(const v of message\.(\w+)\) \{/.exec(line))) {
        const element = /^\s*(\w+)\.encode\(v!, writer/.exec(next)?.[1];
        // int64 elements come after a range check, a few lines down.
        const scalar = lines
          .slice(i + 1, i + 6)
          .map((l) => /writer(?:\.uint32\(\d+\))?\.(\w+)\(v!?\);/.exec(l)?.[1])
          .find((k) => k !== undefined);
        if (element) fields.push({ name: m[1]!, kind: { message: element }, shape: "repeated" });
        else if (scalar) fields.push({ name: m[1]!, kind: { scalar: scalar as Scalar }, shape: "repeated" });
        else throw new Error(`${type}.${m[1]}: unrecognised repeated field`);
      } else if ((m = /Object\.entries\(message\.(\w+)\)\.forEach/.exec(line))) {
        const entry = /^\s*(\w+)\.encode\(\{ key/.exec(next)?.[1];
        if (!entry) throw new Error(`${type}.${m[1]}: unrecognised map field`);
        fields.push({ name: m[1]!, kind: { message: entry }, shape: "map" });
      }
    });
    schema.set(type!, fields);
  }
  return schema;
}

const v1alpha2Source = readFileSync(new URL("../src/cri/api/v1alpha2.ts", import.meta.url), "utf8");
const schema = readSchema(v1alpha2Source);

const scalarArbitraries: Record<Scalar, fc.Arbitrary<unknown>> = {
  string: fc.string({ unit: "binary", maxLength: 12 }),
  bool: fc.boolean(),
  int32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  uint32: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  int64: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  uint64: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  double: fc.double(),
  bytes: fc.uint8Array({ maxLength: 12 }),
};

const messageArbitraries = new Map<string, fc.Arbitrary<Record<string, unknown>>>();
const building = new Set<string>();

/** Messages of `type` with every field drawn at random (nested messages included). */
function messageOf(type: string): fc.Arbitrary<Record<string, unknown>> {
  const known = messageArbitraries.get(type);
  if (known) return known;
  const fields = schema.get(type);
  if (!fields) throw new Error(`no encode function found for ${type}`);
  // The CRI has no recursive messages; if one appears, this needs fc.letrec.
  if (building.has(type)) throw new Error(`${type} is recursive`);
  building.add(type);
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of fields) {
    if (field.shape === "map") {
      const entry = schema.get((field.kind as { message: string }).message)!;
      const value = entry.find((f) => f.name === "value")!;
      record[field.name] = fc.dictionary(fc.string({ unit: "binary", maxLength: 8 }), kindArbitrary(value.kind), { maxKeys: 3 });
      continue;
    }
    const element = kindArbitrary(field.kind);
    record[field.name] =
      field.shape === "repeated"
        ? fc.array(element, { maxLength: 3 })
        : "message" in field.kind
          ? fc.option(element, { nil: undefined, freq: 3 })
          : element;
  }
  const arbitrary = fc.record(record) as fc.Arbitrary<Record<string, unknown>>;
  building.delete(type);
  messageArbitraries.set(type, arbitrary);
  return arbitrary;
}

function kindArbitrary(kind: Kind): fc.Arbitrary<unknown> {
  return "scalar" in kind ? scalarArbitraries[kind.scalar] : messageOf(kind.message);
}

/** Every request and response type of a v1alpha2 service with its v1 counterpart. */
function messagePairs(alpha: ServiceDefinition, current: ServiceDefinition) {
  return Object.entries(alpha.methods).flatMap(([key, method]) => {
    const counterpart = current.methods[key];
    if (!counterpart) throw new Error(`${alpha.fullName}/${method.name} has no v1 counterpart`);
    return [
      { name: `${method.name} request`, alpha: method.requestType, v1: counterpart.requestType },
      { name: `${method.name} response`, alpha: method.responseType, v1: counterpart.responseType },
    ];
  });
}

function typeName(type: MessageType<unknown>): string {
  const found = Object.entries(v1alpha2).find(([, value]) => value === type);
  if (!found) throw new Error("message type not exported by v1alpha2.ts");
  return found[0];
}

const pairs = [
  ...messagePairs(v1alpha2.RuntimeServiceDefinition, v1.RuntimeServiceDefinition),
  ...messagePairs(v1alpha2.ImageServiceDefinition, v1.ImageServiceDefinition),
];

describe("v1alpha2 -> v1 -> v1alpha2", () => {
  test("reads the layout of every generated message", () => {
    expect(schema.size).toBe([...v1alpha2Source.matchAll(/^export const \w+: MessageFns</gm)].length);
    for (const [type, fields] of schema) {
      const empty = (v1alpha2 as unknown as Record<string, MessageType<object>>)[type]!.fromPartial({} as never);
      expect([type, fields.map((f) => f.name).sort()]).toEqual([type, Object.keys(empty).sort()]);
    }
  });

  test("covers every v1alpha2 RPC (both directions of each)", () => {
    const methods = Object.keys(v1alpha2.RuntimeServiceDefinition.methods).length +
      Object.keys(v1alpha2.ImageServiceDefinition.methods).length;
    expect(pairs.length).toBe(2 * methods);
    expect(() => v1alpha2Runtime({})).not.toThrow();
    expect(() => v1alpha2Image({})).not.toThrow();
  });

  test.each(pairs)("$name round-trips (1,000 runs)", ({ alpha, v1: current }) => {
    const arbitrary = messageOf(typeName(alpha));
    fc.assert(
      fc.property(arbitrary, (generated) => {
        const message = alpha.fromPartial(generated as never);
        const wire = alpha.encode(message).finish();
        const asV1 = convertMessage(alpha, current, message);
        const back = convertMessage(current, alpha, asV1);
        // The same octets on the wire, and the same message as v1alpha2 reads it. Node's strict
        // comparison first: vitest's matcher, which says what differs, costs most of 58,000 runs.
        const wireAsV1 = current.encode(asV1).finish();
        if (!isDeepStrictEqual(wireAsV1, wire)) expect(wireAsV1).toEqual(wire);
        const decoded = alpha.decode(wire);
        if (!isDeepStrictEqual(back, decoded)) expect(back).toEqual(decoded);
      }),
      { numRuns: 1000 },
    );
  });
});
