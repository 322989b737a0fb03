// Replays a transcript against a target: the same steps, resolved against the target's own answers,
// normalised by the same rules, compared call by call with what containerd answered. The first
// call that differs ends the replay with a readable report. A known difference (known-differences.ts)
// rewrites the recorded outcome of exactly the calls it covers into the answer the fake gives on
// purpose; the comparison itself is always exact.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KnownDifference } from "./known-differences.ts";
import { canonicalJson, sortKeys, type Outcome } from "./normalise.ts";
import { runSteps } from "./run.ts";
import type { Json } from "./scenario.ts";
import type { CriTarget } from "./target.ts";
import { outcomeOf, type RecordedCall, type Transcript } from "./transcript.ts";

export type ReplayResult =
  | { ok: true; calls: number; differencesApplied: string[] }
  | { ok: false; calls: number; report: string };

export interface ReplayOptions {
  /** The differences the target keeps on purpose (none by default: a real containerd has none). */
  knownDifferences?: readonly KnownDifference[];
}

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
      const found = firstDifference(expected[key], actual[key], path ? `${path}.${key}` : key);
      if (found !== undefined) return found;
    }
  }
  return path || "(top)";
}

function show(value: Json | undefined): string {
  return value === undefined ? "(absent)" : JSON.stringify(value);
}

function valueAtPath(value: Json | undefined, path: string): Json | undefined {
  if (path === "(top)") return value;
  let current = value;
  for (const part of path.match(/[^.[\]]+/g) ?? []) {
    if (current === null || typeof current !== "object") return undefined;
    current = Array.isArray(current) ? current[Number(part)] : current[part];
  }
  return current;
}

function describeCall(transcript: Transcript, index: number, call: RecordedCall): string {
  return `${transcript.scenario}, step ${index}: ${call.api} ${call.service}.${call.method}`;
}

function differenceReport(title: string, what: string, expected: Json, actual: Json): string {
  const path = firstDifference(expected, actual)!;
  return [
    title,
    `  ${what} differs at ${path}:`,
    `    containerd: ${show(valueAtPath(expected, path))}`,
    `    target:     ${show(valueAtPath(actual, path))}`,
    `  containerd's whole ${what}: ${JSON.stringify(sortKeys(expected))}`,
    `  the target's whole ${what}: ${JSON.stringify(sortKeys(actual))}`,
  ].join("\n");
}

export async function replayTranscript(
  transcript: Transcript,
  target: CriTarget,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const differences = options.knownDifferences ?? [];
  const applied: string[] = [];
  const logRoot = mkdtempSync(join(tmpdir(), "fake-cri-replay-logs-"));
  let calls = 0;
  let index = -1;
  try {
    await target.reset();
    for await (const result of runSteps(transcript.steps, target, logRoot)) {
      index = result.index;
      const recorded = transcript.steps[result.index] as RecordedCall;
      const title = describeCall(transcript, result.index, recorded);
      const expectedSent = recorded.sent ?? recorded.request;
      if (canonicalJson(expectedSent) !== canonicalJson(result.sent)) {
        return { ok: false, calls, report: differenceReport(title, "request", expectedSent, result.sent) };
      }
      let expected: Outcome = outcomeOf(recorded);
      const covering = differences.filter((d) => d.covers({ scenario: transcript.scenario, index: result.index, call: recorded }));
      for (const difference of covering) expected = difference.expected(expected);
      applied.push(...covering.map((d) => d.name));
      calls++;
      if (canonicalJson(expected as Json) !== canonicalJson(result.outcome as Json)) {
        const rewritten = covering.length > 0 ? ` ("containerd" as rewritten by ${covering.map((d) => d.name).join(", ")})` : "";
        const request = `  request: ${JSON.stringify(result.sent)}`;
        return {
          ok: false,
          calls,
          report: `${differenceReport(title + rewritten, "outcome", expected as Json, result.outcome as Json)}\n${request}`,
        };
      }
    }
  } catch (err) {
    const where = index < 0 ? "before the first call" : `after step ${index}`;
    return { ok: false, calls, report: `${transcript.scenario}: the run failed ${where}: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    rmSync(logRoot, { recursive: true, force: true });
  }
  return { ok: true, calls, differencesApplied: applied };
}
