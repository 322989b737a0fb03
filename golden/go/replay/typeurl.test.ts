// Replays golden/go/typeurl.json against src/go/typeurl.ts: TypeURL, MarshalAny and UnmarshalAny
// on the four runtime option types, values given as the Go struct's fields by Go name.
import { type RuntimeOptions, type RuntimeOptionsTypeUrl, optionsStructs } from "../../../src/go/toml-options.ts";
import { marshalAny, typeUrlOf, unmarshalAny } from "../../../src/go/typeurl.ts";
import { fromHex, goFields, toHex } from "./options-fields.ts";
import { expect, test } from "vitest";
import { type GoldenException, type GoString, goBytes, loadGolden, outcomeOf, replayGolden } from "./golden.ts";

/** The options value with these Go fields (the inverse of goFields). */
function optionsFromFields(typeUrl: RuntimeOptionsTypeUrl, fields: Record<string, unknown>): RuntimeOptions {
  const struct = optionsStructs[typeUrl];
  const message = struct.codec.create() as unknown as Record<string, unknown>;
  const options = { typeUrl, message } as unknown as RuntimeOptions;
  for (const field of struct.fields) {
    const value = fields[field.name];
    if (field.target === "unrecognized") {
      if (typeof value === "string") options.unrecognized = fromHex(value);
    } else if (field.target === "sizeCache") options.sizeCache = value as number;
    else if (field.target !== "none") message[field.target.prop] = value;
  }
  return options;
}

const goTypeUrls: Record<string, RuntimeOptionsTypeUrl> = {
  "runcoptions.Options": "containerd.runc.v1.Options",
  "runctypes.RuncOptions": "containerd.linux.runc.RuncOptions",
  "runhcsoptions.Options": "containerd.runhcs.v1.Options",
  "runtimeoptions.Options": "runtimeoptions.v1.Options",
};

function hasRawBytes(fields: unknown): boolean {
  return Object.values(fields as Record<string, unknown>).some((v) => typeof v === "object" && v !== null);
}

const exceptions: GoldenException[] = [
  {
    fn: "UnmarshalAny",
    reason:
      "a string field holding bytes that are not UTF-8: Go keeps the bytes, a JS string cannot, so they decode to U+FFFD",
    applies: (c) => c.out !== undefined && hasRawBytes((c.out as { fields: unknown }).fields),
  },
];

replayGolden(
  "typeurl",
  {
    TypeURL: (goName: string) =>
      outcomeOf(() => {
        const typeUrl = goTypeUrls[goName]!;
        return typeUrlOf({ typeUrl, message: optionsStructs[typeUrl].codec.create() } as RuntimeOptions);
      }),
    MarshalAny: (input: { typeUrl: RuntimeOptionsTypeUrl; fields: Record<string, unknown> }) =>
      outcomeOf(() => {
        const any = marshalAny(optionsFromFields(input.typeUrl, input.fields));
        return { typeUrl: any.typeUrl, value: toHex(any.value) };
      }),
    UnmarshalAny: (input: { typeUrl: GoString; value: string }) =>
      outcomeOf(() => {
        const typeUrl = new TextDecoder("utf-8", { ignoreBOM: true }).decode(goBytes(input.typeUrl));
        const options = unmarshalAny({ typeUrl, value: fromHex(input.value) });
        return { typeUrl: typeUrlOf(options), fields: goFields(options), any: toHex(marshalAny(options).value) };
      }),
  },
  exceptions,
);

test("where a string is not UTF-8, that string is the only difference: it reads as TextDecoder reads the bytes", () => {
  const claimed = loadGolden("typeurl").cases.filter((c) => exceptions.some((x) => x.fn === c.fn && x.applies(c)));
  expect(claimed.length).toBeGreaterThan(0);
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  for (const c of claimed) {
    const input = c.in as { typeUrl: string; value: string };
    const go = c.out as { typeUrl: string; fields: Record<string, unknown> };
    const options = unmarshalAny({ typeUrl: input.typeUrl, value: fromHex(input.value) });
    expect(typeUrlOf(options)).toBe(go.typeUrl);
    const expected = Object.fromEntries(
      Object.entries(go.fields).map(([k, v]) => [k, typeof v === "object" && v !== null ? decoder.decode(goBytes(v as GoString)) : v]),
    );
    expect(goFields(options)).toEqual(expected);
  }
});
