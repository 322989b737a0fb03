// How the runtimeoptions and typeurl goldens write an option value: the type URL, the Go struct's
// fields by Go name (XXX_unrecognized as hex, null for nil) and MarshalAny's bytes as hex.
import { type RuntimeOptions, structOf } from "../../../src/go/toml-options.ts";
import { marshalAny, typeUrlOf } from "../../../src/go/typeurl.ts";

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
}

/** The struct's fields by Go name, as the recorder writes them. */
export function goFields(options: RuntimeOptions): Record<string, unknown> {
  const message = options.message as unknown as Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  for (const field of structOf(options).fields) {
    if (field.target === "unrecognized") fields[field.name] = options.unrecognized ? toHex(options.unrecognized) : null;
    else if (field.target === "sizeCache") fields[field.name] = options.sizeCache ?? 0;
    else if (field.target !== "none") fields[field.name] = message[field.target.prop];
  }
  return fields;
}

export function recordedOptions(options: RuntimeOptions | undefined): unknown {
  if (options === undefined) return null;
  return { typeUrl: typeUrlOf(options), fields: goFields(options), any: toHex(marshalAny(options).value) };
}
