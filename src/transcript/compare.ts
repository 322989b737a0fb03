// How a replay shows a call whose answer differs from the recorded one: the first differing path
// with both values there, then both whole values. The golden replay and the trace replay print the
// same report. Portable.

import type { Json } from "./calls.ts";
import { canonicalJson, sortKeys } from "./normalise.ts";

/** Where two JSON values first differ, as a path, or undefined when they are equal. */
export function firstDifference(expected: Json | undefined, actual: Json | undefined, path = ""): string | undefined {
  if (canonicalJson(expected ?? null) === canonicalJson(actual ?? null) && (expected === undefined) === (actual === undefined)) {
    return undefined;
  }
  const isObject = (v: Json | undefined): v is { [key: string]: Json } => v !== null && typeof v === "object";
  if (Array.isArray(expected) && Array.isArray(actual)) {
    for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
      const found = firstDifference(expected[i], actual[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return path || "(top)";
  }
  if (isObject(expected) && isObject(actual) && !Array.isArray(expected) && !Array.isArray(actual)) {
    for (const key of [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort()) {
      const step = /^[A-Za-z_$][\w$]*$/.test(key) ? (path ? `.${key}` : key) : `[${JSON.stringify(key)}]`;
      const found = firstDifference(expected[key], actual[key], `${path}${step}`);
      if (found !== undefined) return found;
    }
  }
  return path || "(top)";
}

export function show(value: Json | undefined): string {
  return value === undefined ? "(absent)" : JSON.stringify(value);
}

/** The value at a path as firstDifference writes it (`a.b[2].c`, `labels["app.kubernetes.io/name"]`). */
export function valueAtPath(value: Json | undefined, path: string): Json | undefined {
  if (path === "(top)") return value;
  let current = value;
  for (const [, name, index, quoted] of path.matchAll(/\.?([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)) {
    if (current === null || typeof current !== "object") return undefined;
    current = Array.isArray(current) ? current[Number(index)] : current[name ?? (JSON.parse(quoted!) as string)];
  }
  return current;
}

/**
 * The report for a call whose `what` ("request", "outcome") differs: `recordedBy` names who gave
 * the expected value ("containerd" for a golden transcript, "recorded" for a trace).
 */
export function differenceReport(title: string, what: string, expected: Json, actual: Json, recordedBy = "containerd"): string {
  const path = firstDifference(expected, actual)!;
  const label = (name: string): string => `${name}:`.padEnd(Math.max(recordedBy.length, "target".length) + 2);
  return [
    title,
    `  ${what} differs at ${path}:`,
    `    ${label(recordedBy)}${show(valueAtPath(expected, path))}`,
    `    ${label("target")}${show(valueAtPath(actual, path))}`,
    `  ${recordedBy}'s whole ${what}: ${JSON.stringify(sortKeys(expected))}`,
    `  the target's whole ${what}: ${JSON.stringify(sortKeys(actual))}`,
  ].join("\n");
}
