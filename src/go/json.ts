// JSON as Go's encoding/json writes it: struct fields in declaration order (plain objects built in
// that order), Go maps with keys sorted bytewise (pass a Map), HTML-safe string escaping, int64 as
// bigint, float64 as Go formats it, []byte as base64, no whitespace. The CRI plugin's texts (the
// status checkpoint, verbose info) and the fake's image documents (whose digests depend on it) use it.

export type GoJsonValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | Uint8Array
  | GoJsonText
  | readonly GoJsonValue[]
  | ReadonlyMap<string, GoJsonValue>
  | { readonly [field: string]: GoJsonValue | undefined };

/** A document already written as encoding/json writes it (a nested struct encoded on its own). */
export class GoJsonText {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

/** json.Marshal's unsupported values (NaN, ±Inf), with its error text. */
export class GoJsonUnsupportedValueError extends Error {
  constructor(value: number) {
    super(`json: unsupported value: ${Number.isNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf"}`);
    this.name = "GoJsonUnsupportedValueError";
  }
}

/** Encodes like json.Marshal; object fields whose value is undefined are left out (omitempty). */
export function goJson(value: GoJsonValue): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return goJsonString(value);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value.toString();
    case "number":
      return goJsonFloat(value);
  }
  if (value instanceof Uint8Array) return `"${base64(value)}"`;
  if (value instanceof GoJsonText) return value.text;
  if (Array.isArray(value)) return `[${value.map((v: GoJsonValue) => goJson(v)).join(",")}]`;
  if (value instanceof Map) {
    const keys = [...(value as ReadonlyMap<string, GoJsonValue>).keys()].sort(compareUtf8);
    return `{${keys.map((k) => `${goJsonString(k)}:${goJson((value as ReadonlyMap<string, GoJsonValue>).get(k)!)}`).join(",")}}`;
  }
  let out = "{";
  let first = true;
  for (const [k, v] of Object.entries(value as { [field: string]: GoJsonValue | undefined })) {
    if (v === undefined) continue;
    out += `${first ? "" : ","}${goJsonString(k)}:${goJson(v)}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * A float64 as encoding/json writes it: the shortest repr, exponent form below 1e-6 and from 1e21 on
 * (the same cut-offs JavaScript uses, and the same digits), and -0 kept.
 */
function goJsonFloat(value: number): string {
  if (!Number.isFinite(value)) throw new GoJsonUnsupportedValueError(value);
  if (Object.is(value, -0)) return "-0";
  return String(value);
}

const hexDigits = "0123456789abcdef";

/** A JSON string as Go writes it: <, >, & and U+2028/2029 escaped, lone surrogates as U+FFFD. */
export function goJsonString(s: string): string {
  // Most strings need no escaping at all: find the first character that does.
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26 || c >= 0x2028) break;
  }
  if (i === s.length) return `"${s}"`;
  let out = `"${s.slice(0, i)}`;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else {
        out += "\ufffd";
      }
    } else if (c === 0x22) {
      out += '\\"';
    } else if (c === 0x5c) {
      out += "\\\\";
    } else if (c === 0x0a) {
      out += "\\n";
    } else if (c === 0x0d) {
      out += "\\r";
    } else if (c === 0x09) {
      out += "\\t";
    } else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
      out += `\\u${hexDigits[c >> 12]}${hexDigits[(c >> 8) & 15]}${hexDigits[(c >> 4) & 15]}${hexDigits[c & 15]}`;
    } else {
      out += s[i];
    }
  }
  return `${out}"`;
}

/** Go's string order (bytewise on UTF-8), which is code point order. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

const base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Standard base64 with padding, as encoding/json writes []byte. */
export function base64(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += base64Alphabet[n >> 18]! + base64Alphabet[(n >> 12) & 63]! + base64Alphabet[(n >> 6) & 63]! + base64Alphabet[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += `${base64Alphabet[n >> 18]}${base64Alphabet[(n >> 12) & 63]}==`;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += `${base64Alphabet[n >> 18]}${base64Alphabet[(n >> 12) & 63]}${base64Alphabet[(n >> 6) & 63]}=`;
  }
  return out;
}

/** Decodes standard base64 (padding optional). */
export function fromBase64(text: string): Uint8Array {
  const clean = text.replace(/=+$/, "");
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let buffer = 0;
  let o = 0;
  for (const ch of clean) {
    const v = base64Alphabet.indexOf(ch);
    if (v < 0) throw new Error(`illegal base64 data: ${JSON.stringify(ch)}`);
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (buffer >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}

/** What json.Unmarshal reports for malformed input (its SyntaxError texts). */
export class GoJsonSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GoJsonSyntaxError";
  }
}

/** A JSON number kept as written (parseGoJson with keepNumberText), as Go's decoder sees it. */
export class JsonNumberText {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

/** A parsed JSON value: integers that fit no float exactly stay exact as bigint. */
export type ParsedJson =
  | string
  | number
  | bigint
  | boolean
  | null
  | JsonNumberText
  | ParsedJson[]
  | { [key: string]: ParsedJson };

/** Go's quoteChar: how the scanner shows the offending byte. */
function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  const q = JSON.stringify(c);
  return `'${q.slice(1, -1)}'`;
}

/**
 * JSON.parse with Go's error texts, keeping integers exact: an integer literal becomes a bigint
 * when it is beyond 2^53, a number otherwise; with keepNumberText, every number stays its literal.
 */
export function parseGoJson(text: string, options: { keepNumberText?: boolean } = {}): ParsedJson {
  let i = 0;
  const end = (): never => {
    throw new GoJsonSyntaxError("unexpected end of JSON input");
  };
  const bad = (context: string): never => {
    throw new GoJsonSyntaxError(`invalid character ${quoteChar(text[i]!)} ${context}`);
  };
  const space = (): void => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const value = (): ParsedJson => {
    space();
    if (i >= text.length) end();
    const c = text[i]!;
    if (c === "{") {
      i++;
      const out: { [key: string]: ParsedJson } = {};
      space();
      if (i >= text.length) end();
      if (text[i] === "}") {
        i++;
        return out;
      }
      for (;;) {
        space();
        if (i >= text.length) end();
        if (text[i] !== '"') bad("looking for beginning of object key string");
        const key = string();
        space();
        if (i >= text.length) end();
        if (text[i] !== ":") bad("after object key");
        i++;
        out[key] = value();
        space();
        if (i >= text.length) end();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return out;
        }
        bad("after object key:value pair");
      }
    }
    if (c === "[") {
      i++;
      const out: ParsedJson[] = [];
      space();
      if (i >= text.length) end();
      if (text[i] === "]") {
        i++;
        return out;
      }
      for (;;) {
        out.push(value());
        space();
        if (i >= text.length) end();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return out;
        }
        bad("after array element");
      }
    }
    if (c === '"') return string();
    if (c === "-" || (c >= "0" && c <= "9")) return number();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (c === word[0]) {
        for (let k = 0; k < word.length; k++, i++) {
          if (i >= text.length) end();
          if (text[i] !== word[k]) bad(`in literal ${word} (expecting ${quoteChar(word[k]!)})`);
        }
        return v;
      }
    }
    return bad("looking for beginning of value");
  };
  const string = (): string => {
    const start = i;
    i++;
    for (;;) {
      if (i >= text.length) end();
      const c = text[i]!;
      if (c === '"') break;
      if (c < " ") bad("in string literal");
      if (c === "\\") {
        i++;
        if (i >= text.length) end();
        if (!'"\\/bfnrtu'.includes(text[i]!)) bad("in string escape code");
        if (text[i] === "u") {
          for (let k = 0; k < 4; k++) {
            i++;
            if (i >= text.length) end();
            if (!/[0-9a-fA-F]/.test(text[i]!)) bad("in \\u hexadecimal character escape");
          }
        }
      }
      i++;
    }
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const number = (): number | bigint | JsonNumberText => {
    const start = i;
    if (text[i] === "-") {
      i++;
      if (i >= text.length) end();
      if (!(text[i]! >= "0" && text[i]! <= "9")) bad("in numeric literal");
    }
    if (text[i] === "0") i++;
    else while (i < text.length && text[i]! >= "0" && text[i]! <= "9") i++;
    let integer = true;
    if (text[i] === ".") {
      integer = false;
      i++;
      if (i >= text.length) end();
      if (!(text[i]! >= "0" && text[i]! <= "9")) bad("after decimal point in numeric literal");
      while (i < text.length && text[i]! >= "0" && text[i]! <= "9") i++;
    }
    if (text[i] === "e" || text[i] === "E") {
      integer = false;
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      if (i >= text.length) end();
      if (!(text[i]! >= "0" && text[i]! <= "9")) bad("in exponent of numeric literal");
      while (i < text.length && text[i]! >= "0" && text[i]! <= "9") i++;
    }
    const literal = text.slice(start, i);
    if (options.keepNumberText) return new JsonNumberText(literal);
    if (integer) {
      const n = Number(literal);
      return Number.isSafeInteger(n) ? n : BigInt(literal);
    }
    return Number(literal);
  };
  const result = value();
  space();
  if (i < text.length) bad("after top-level value");
  return result;
}
