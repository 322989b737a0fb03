// JSON as Go's encoding/json writes it, so that documents the fake builds have the bytes (and so
// the digests) a Go program would produce: struct fields in declaration order (plain objects, built
// in that order), Go maps with keys sorted bytewise (pass a Map), HTML-safe string escaping, no
// whitespace.
import { compareUtf8 } from "../content/filter.ts";

export type GoJsonValue =
  | string
  | number
  | boolean
  | null
  | readonly GoJsonValue[]
  | ReadonlyMap<string, GoJsonValue>
  | { readonly [field: string]: GoJsonValue | undefined };

/** Encodes like json.Marshal; fields whose value is undefined are left out (omitempty). */
export function goJson(value: GoJsonValue): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return goJsonString(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isSafeInteger(value)) throw new Error(`goJson: ${value} is not an integer Go would encode exactly`);
      return String(value);
  }
  if (Array.isArray(value)) return `[${value.map((v: GoJsonValue) => goJson(v)).join(",")}]`;
  if (value instanceof Map) {
    const keys = [...value.keys()].sort(compareUtf8);
    return `{${keys.map((k) => `${goJsonString(k)}:${goJson(value.get(k)!)}`).join(",")}}`;
  }
  const fields = Object.entries(value as { [field: string]: GoJsonValue | undefined }).filter(
    (entry): entry is [string, GoJsonValue] => entry[1] !== undefined,
  );
  return `{${fields.map(([k, v]) => `${goJsonString(k)}:${goJson(v)}`).join(",")}}`;
}

/** A Go map[string]string from a record, for goJson. */
export function goMap(record: Readonly<Record<string, string>>): Map<string, string> {
  return new Map(Object.entries(record));
}

const hex = "0123456789abcdef";

/**
 * Go's string encoding: escapes ", \, control characters (as \n, \r, \t or \u00XX, the form
 * containerd's Go releases used for \b and \f too), <, >, & and U+2028/U+2029. A lone surrogate,
 * which is not valid UTF-8, becomes U+FFFD as Go does for invalid bytes.
 */
export function goJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else out += "\ufffd";
      continue;
    }
    switch (c) {
      case 0x22:
        out += '\\"';
        continue;
      case 0x5c:
        out += "\\\\";
        continue;
      case 0x0a:
        out += "\\n";
        continue;
      case 0x0d:
        out += "\\r";
        continue;
      case 0x09:
        out += "\\t";
        continue;
    }
    if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26) out += `\\u00${hex[c >> 4]}${hex[c & 15]}`;
    else if (c === 0x2028 || c === 0x2029) out += `\\u202${hex[c & 15]}`;
    else out += s[i];
  }
  return out + '"';
}
