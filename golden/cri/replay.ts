// Replays a transcript against a target: the same steps, resolved against the target's own answers,
// normalised by the same rules, compared call by call with what containerd answered. The first
// call that differs ends the replay with a readable report. A known difference (known-differences.ts)
// rewrites the recorded outcome of exactly the calls it covers into the answer the fake gives on
// purpose; the comparison itself is always exact.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { outcomeOf, type Json, type RecordedCall } from "../../src/transcript/calls.ts";
import { differenceReport } from "../../src/transcript/compare.ts";
import { canonicalJson, type Outcome } from "../../src/transcript/normalise.ts";
import type { CriTarget } from "../../src/transcript/target.ts";
import type { KnownDifference } from "./known-differences.ts";
import { runSteps } from "./run.ts";
import type { Transcript } from "./transcript.ts";

export type ReplayResult =
  | { ok: true; calls: number; differencesApplied: string[] }
  | { ok: false; calls: number; report: string };

export interface ReplayOptions {
  /** The differences the target keeps on purpose (none by default: a real containerd has none). */
  knownDifferences?: readonly KnownDifference[];
  /** Where each run's log root (`$logRoot`) is made; the system's temp dir by default. */
  logParent?: string;
}

function describeCall(transcript: Transcript, index: number, call: RecordedCall): string {
  return `${transcript.scenario}, step ${index}: ${call.api} ${call.service}.${call.method}`;
}

export async function replayTranscript(
  transcript: Transcript,
  target: CriTarget,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const differences = options.knownDifferences ?? [];
  const applied: string[] = [];
  const logRoot = await mkdtemp(join(options.logParent ?? tmpdir(), "fake-cri-replay-logs-"));
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
      const ref = { scenario: transcript.scenario, index: result.index, call: recorded };
      const covering = differences.filter((d) => d.covers(ref));
      for (const difference of covering) expected = difference.expected(expected, ref);
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
    // Not rmSync: the transcripts of a suite replay side by side in one thread, and a synchronous
    // removal on a busy disk held them all (1.5 s of golden/cri's socket replay).
    await rm(logRoot, { recursive: true, force: true });
  }
  return { ok: true, calls, differencesApplied: applied };
}
