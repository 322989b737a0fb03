// Decoding JSON documents into typed values the way Go's json.Unmarshal does for containerd's
// structs: unknown keys are ignored, keys match field names case-insensitively (the last matching
// key wins), null leaves the zero value, and a value of the wrong type fails with Go's
// "json: cannot unmarshal <kind> into Go struct field <Struct>.<path> of type <type>".
import { ContainerdError } from "../errdefs.ts";
import { quote } from "../../src/go/strconv.ts";

export type Schema =
  | { kind: "string"; goType: string }
  | { kind: "int64" }
  | { kind: "bool" }
  | { kind: "raw" }
  | { kind: "emptyStruct" }
  | { kind: "array"; of: Schema; goType: string }
  | { kind: "map"; of: Schema; goType: string }
  | { kind: "struct"; name: string; goType: string; fields: Readonly<Record<string, Schema>> };

export const str: Schema = { kind: "string", goType: "string" };
export const digestStr: Schema = { kind: "string", goType: "digest.Digest" };
export const int64: Schema = { kind: "int64" };
export const bool: Schema = { kind: "bool" };
/** A field kept as its parsed JSON value (Go's json.RawMessage). */
export const raw: Schema = { kind: "raw" };
export const stringList: Schema = { kind: "array", of: str, goType: "[]string" };
export const stringMap: Schema = { kind: "map", of: str, goType: "map[string]string" };
export const setMap: Schema = { kind: "map", of: { kind: "emptyStruct" }, goType: "map[string]struct {}" };

export function struct(name: string, goType: string, fields: Record<string, Schema>): Schema {
  return { kind: "struct", name, goType, fields };
}

export function arrayOf(of: Schema, goType: string): Schema {
  return { kind: "array", of, goType };
}

/** Parses bytes as JSON and decodes them into the schema; errors carry Go's text. */
export function decodeJson<T>(bytes: Uint8Array, schema: Schema): T {
  return decodeValue(parseJson(bytes), schema, { path: [], structName: undefined }) as T;
}

function parseJson(bytes: Uint8Array): unknown {
  const syntaxError = findSyntaxError(bytes);
  if (syntaxError !== undefined) throw new ContainerdError("unknown", syntaxError);
  return JSON.parse(new TextDecoder().decode(bytes));
}

class EndOfInput {}

/**
 * Go's checkValid: the first syntax error in the input with encoding/json's scanner wording
 * ("invalid character 'x' looking for beginning of value", "unexpected end of JSON input" ...),
 * or undefined for valid JSON. The JavaScript engines word their parse errors differently, so
 * the text comes from here.
 */
function findSyntaxError(bytes: Uint8Array): string | undefined {
  let at = 0;
  const peek = (): number => {
    if (at >= bytes.length) throw new EndOfInput();
    return bytes[at]!;
  };
  // At the end of input Go's scanner steps once more with a space, so a state that cannot take
  // one reports "invalid character ' '" rather than the end of input.
  const peekOrSpace = (): number => (at < bytes.length ? bytes[at]! : 0x20);
  const fail = (context: string): never => {
    throw new Error(`invalid character ${quoteChar(peekOrSpace())} ${context}`);
  };
  const skipSpace = () => {
    while (at < bytes.length && (bytes[at] === 0x20 || bytes[at] === 0x09 || bytes[at] === 0x0a || bytes[at] === 0x0d)) at++;
  };
  const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
  const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
  const literal = (word: string) => {
    at++;
    for (const ch of word.slice(1)) {
      if (peekOrSpace() !== ch.charCodeAt(0)) fail(`in literal ${word} (expecting ${quoteChar(ch.charCodeAt(0))})`);
      at++;
    }
  };
  const string = () => {
    at++;
    for (;;) {
      const c = peek();
      if (c === 0x22) {
        at++;
        return;
      }
      if (c < 0x20) fail("in string literal");
      if (c !== 0x5c) {
        at++;
        continue;
      }
      at++;
      const e = peekOrSpace();
      if (e === 0x75) {
        at++;
        for (let i = 0; i < 4; i++) {
          if (!isHex(peekOrSpace())) fail("in \\u hexadecimal character escape");
          at++;
        }
      } else if ('bfnrt\\/"'.includes(String.fromCharCode(e))) at++;
      else fail("in string escape code");
    }
  };
  const digits = () => {
    while (at < bytes.length && isDigit(bytes[at]!)) at++;
  };
  const number = () => {
    if (peek() === 0x2d) {
      at++;
      if (!isDigit(peekOrSpace())) fail("in numeric literal");
    }
    if (peek() === 0x30) at++;
    else digits();
    if (at < bytes.length && bytes[at] === 0x2e) {
      at++;
      if (!isDigit(peekOrSpace())) fail("after decimal point in numeric literal");
      digits();
    }
    if (at < bytes.length && (bytes[at] === 0x65 || bytes[at] === 0x45)) {
      at++;
      if (peekOrSpace() === 0x2b || peekOrSpace() === 0x2d) at++;
      if (!isDigit(peekOrSpace())) fail("in exponent of numeric literal");
      digits();
    }
  };
  const value = (): void => {
    skipSpace();
    const c = peek();
    if (c === 0x7b) {
      at++;
      skipSpace();
      if (peek() === 0x7d) {
        at++;
        return;
      }
      for (;;) {
        if (peek() !== 0x22) fail("looking for beginning of object key string");
        string();
        skipSpace();
        if (peek() !== 0x3a) fail("after object key");
        at++;
        value();
        skipSpace();
        if (peek() === 0x7d) {
          at++;
          return;
        }
        if (peek() !== 0x2c) fail("after object key:value pair");
        at++;
        skipSpace();
      }
    }
    if (c === 0x5b) {
      at++;
      skipSpace();
      if (peek() === 0x5d) {
        at++;
        return;
      }
      for (;;) {
        value();
        skipSpace();
        if (peek() === 0x5d) {
          at++;
          return;
        }
        if (peek() !== 0x2c) fail("after array element");
        at++;
      }
    }
    if (c === 0x22) return string();
    if (c === 0x2d || isDigit(c)) return number();
    if (c === 0x74) return literal("true");
    if (c === 0x66) return literal("false");
    if (c === 0x6e) return literal("null");
    fail("looking for beginning of value");
  };
  try {
    value();
    skipSpace();
    if (at < bytes.length) fail("after top-level value");
    return undefined;
  } catch (error) {
    if (error instanceof EndOfInput) return "unexpected end of JSON input";
    return (error as Error).message;
  }
}

/** Go's quoteChar: the byte as a rune in single quotes, escaped like strconv.Quote. */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return `'"'`;
  const quoted = quote(String.fromCharCode(c));
  return `'${quoted.slice(1, -1)}'`;
}

interface Where {
  path: string[];
  structName: string | undefined;
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (typeof value === "boolean") return "bool";
  return typeof value === "object" ? "object" : typeof value;
}

function typeError(value: unknown, goType: string, where: Where): ContainerdError {
  const target =
    where.structName === undefined
      ? `Go value of type ${goType}`
      : `Go struct field ${where.structName}.${where.path.join(".")} of type ${goType}`;
  const kind = typeof value === "number" && goType === "int64" ? `number ${value}` : jsonKind(value);
  return new ContainerdError("unknown", `json: cannot unmarshal ${kind} into ${target}`);
}

function goTypeOf(schema: Schema): string {
  switch (schema.kind) {
    case "int64":
      return "int64";
    case "bool":
      return "bool";
    case "raw":
      return "json.RawMessage";
    case "emptyStruct":
      return "struct {}";
    default:
      return schema.goType;
  }
}

function decodeValue(value: unknown, schema: Schema, where: Where): unknown {
  // A raw field keeps even a null (Go's json.RawMessage holds the text "null").
  if (schema.kind === "raw") return value;
  if (value === null) return undefined;
  switch (schema.kind) {
    case "string":
      if (typeof value !== "string") throw typeError(value, schema.goType, where);
      return value;
    case "bool":
      if (typeof value !== "boolean") throw typeError(value, "bool", where);
      return value;
    case "int64":
      if (typeof value !== "number") throw typeError(value, "int64", where);
      if (!Number.isSafeInteger(value)) throw typeError(value, "int64", where);
      return value;
    case "emptyStruct":
      if (typeof value !== "object" || Array.isArray(value)) throw typeError(value, "struct {}", where);
      return {};
    case "array": {
      if (!Array.isArray(value)) throw typeError(value, schema.goType, where);
      return value.map((item) => decodeValue(item, schema.of, where) ?? zeroOf(schema.of));
    }
    case "map": {
      if (typeof value !== "object" || Array.isArray(value)) throw typeError(value, schema.goType, where);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = decodeValue(v, schema.of, where) ?? zeroOf(schema.of);
      return out;
    }
    case "struct": {
      if (typeof value !== "object" || Array.isArray(value)) throw typeError(value, schema.goType, where);
      const out: Record<string, unknown> = {};
      const names = Object.keys(schema.fields);
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        const field = names.find((n) => n === key) ?? names.find((n) => n.toLowerCase() === key.toLowerCase());
        if (field === undefined) continue;
        const decoded = decodeValue(v, schema.fields[field]!, { path: [...where.path, field], structName: schema.name });
        if (decoded !== undefined) out[field] = decoded;
      }
      return out;
    }
  }
}

function zeroOf(schema: Schema): unknown {
  switch (schema.kind) {
    case "string":
      return "";
    case "int64":
      return 0;
    case "bool":
      return false;
    case "raw":
      return null;
    default:
      return goTypeOf(schema).startsWith("[]") ? [] : {};
  }
}
