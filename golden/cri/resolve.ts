// References in request templates, resolved against the raw responses saved by earlier steps.
// A string in a template is taken literally unless it is one of these forms:
//
//   $name.path.to.field               the value at that path of the response saved as `name`
//   $prefix(name.path, N)             its first N characters (an ID prefix)
//   $append(name.path, TEXT)          the value followed by TEXT (an ID made too long)
//   $commonPrefix(glob.path)          the shortest prefix shared by at least two of the values at
//                                     `path` of the responses saved under names matching `glob`
//                                     (`*` matches any characters); of several, the smallest
//   $logRoot or $logRoot/...          the run's log directory root (a fresh temp dir)
//
// Function forms produce values that depend on the run's IDs; each is reported as a derived value
// so the normaliser can write it back as the expression (normalise.ts, rule derivedValues).

import type { DerivedValue } from "../../src/transcript/normalise.ts";
import type { Json, JsonObject } from "./scenario.ts";

export interface Resolved {
  request: JsonObject;
  derived: DerivedValue[];
}

const reference = /^\$([A-Za-z][\w-]*)((?:\.\w+)+)$/;
const prefixCall = /^\$prefix\(([A-Za-z][\w-]*)((?:\.\w+)+),\s*(\d+)\)$/;
const appendCall = /^\$append\(([A-Za-z][\w-]*)((?:\.\w+)+),\s*(\w+)\)$/;
const commonPrefixCall = /^\$commonPrefix\(([A-Za-z*][\w*-]*)((?:\.\w+)+)\)$/;
const logRootVariable = /^\$logRoot(?=\/|$)/;

export function valueAt(value: Json | undefined, path: string): Json | undefined {
  let current = value;
  for (const key of path.split(".").filter(Boolean)) {
    if (current === null || typeof current !== "object") return undefined;
    current = Array.isArray(current) ? current[Number(key)] : current[key];
  }
  return current;
}

function savedString(saved: ReadonlyMap<string, Json>, name: string, path: string): string {
  if (!saved.has(name)) throw new Error(`reference to $${name}, which no earlier step saved`);
  const value = valueAt(saved.get(name), path);
  if (typeof value !== "string") throw new Error(`$${name}${path} is ${JSON.stringify(value)}, not a string`);
  return value;
}

/** The smallest of the shortest prefixes that at least two of `values` share. */
export function commonPrefix(values: readonly string[]): string {
  const longest = Math.max(0, ...values.map((v) => v.length));
  for (let length = 1; length <= longest; length++) {
    const counts = new Map<string, number>();
    for (const v of values) if (v.length >= length) counts.set(v.slice(0, length), (counts.get(v.slice(0, length)) ?? 0) + 1);
    const shared = [...counts].filter(([, n]) => n >= 2).map(([p]) => p).sort();
    if (shared.length > 0) return shared[0]!;
  }
  throw new Error(`no two of ${values.length} values share a prefix`);
}

function globPattern(glob: string): RegExp {
  return new RegExp(`^${glob.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\-]/g, "\\$&")).join(".*")}$`);
}

function resolveString(text: string, saved: ReadonlyMap<string, Json>, logRoot: string, derived: DerivedValue[]): Json {
  let match = reference.exec(text);
  if (match) {
    if (!saved.has(match[1]!)) throw new Error(`reference to $${match[1]}, which no earlier step saved`);
    const value = valueAt(saved.get(match[1]!), match[2]!);
    if (value === undefined) throw new Error(`${text}: no such field in the saved response`);
    return value;
  }
  match = prefixCall.exec(text);
  if (match) {
    const value = savedString(saved, match[1]!, match[2]!).slice(0, Number(match[3]));
    derived.push({ value, expression: text });
    return value;
  }
  match = appendCall.exec(text);
  if (match) {
    const value = savedString(saved, match[1]!, match[2]!) + match[3]!;
    derived.push({ value, expression: text });
    return value;
  }
  match = commonPrefixCall.exec(text);
  if (match) {
    const pattern = globPattern(match[1]!);
    const values = [...saved.keys()].filter((name) => pattern.test(name)).map((name) => savedString(saved, name, match![2]!));
    const value = commonPrefix(values);
    derived.push({ value, expression: text });
    return value;
  }
  if (logRootVariable.test(text)) return text.replace(logRootVariable, logRoot);
  if (text.startsWith("$")) throw new Error(`unknown reference form ${JSON.stringify(text)}`);
  return text;
}

function resolveValue(value: Json, saved: ReadonlyMap<string, Json>, logRoot: string, derived: DerivedValue[]): Json {
  if (typeof value === "string") return resolveString(value, saved, logRoot, derived);
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, saved, logRoot, derived));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveValue(v, saved, logRoot, derived)]));
  }
  return value;
}

export function resolveRequest(template: JsonObject, saved: ReadonlyMap<string, Json>, logRoot: string): Resolved {
  const derived: DerivedValue[] = [];
  const request = resolveValue(template, saved, logRoot, derived) as JsonObject;
  return { request, derived };
}
