// Runs a scenario's steps against a target, the same way for recording and for replay: resolves
// each request against earlier results, makes the call, and yields the normalised request and
// outcome of every recorded call. Control steps (wait, sleep) run but yield nothing.

import { parsedJsonText, type Json, type JsonObject } from "../../src/transcript/calls.ts";
import { invoke } from "../../src/transcript/invoke.ts";
import { Normaliser, type Outcome } from "../../src/transcript/normalise.ts";
import type { CriTarget } from "../../src/transcript/target.ts";
import { resolveRequest, valueAt } from "./resolve.ts";
import type { Step } from "./scenario.ts";

export interface CallResult {
  /** Index of the step in the scenario. */
  index: number;
  /** The resolved request, normalised. */
  sent: JsonObject;
  outcome: Outcome;
}

const pollIntervalMs = 50;

/** The parts of a response a step selects, by path; JSON texts on the way (verbose info) are parsed. */
export function selectPaths(response: Json, paths: readonly string[]): JsonObject {
  const selected: JsonObject = {};
  for (const path of paths) {
    let current: Json | undefined = response;
    for (const key of path.split(".")) current = valueAt(parsedJsonText(current), key);
    selected[path] = parsedJsonText(current) ?? null;
  }
  return selected;
}

/** resolveRequest, with the reason when a reference names a response that a failed call never gave. */
function resolveOrExplain(template: JsonObject, saved: Map<string, Json>, failedSaves: Map<string, string>, logRoot: string) {
  try {
    return resolveRequest(template, saved, logRoot);
  } catch (err) {
    const reasons = [...failedSaves].filter(([name]) => JSON.stringify(template).includes(`${name}.`)).map(([, why]) => why);
    if (reasons.length === 0) throw err;
    throw new Error(`${err instanceof Error ? err.message : String(err)}: ${reasons.join("; ")}`);
  }
}

async function elapse(target: CriTarget, ms: number): Promise<void> {
  if (target.elapse) await target.elapse(ms);
  else await new Promise((resolve) => setTimeout(resolve, ms));
}

export async function* runSteps(steps: readonly Step[], target: CriTarget, logRoot: string): AsyncGenerator<CallResult> {
  const saved = new Map<string, Json>();
  const failedSaves = new Map<string, string>();
  const normaliser = new Normaliser(logRoot);
  for (const [index, step] of steps.entries()) {
    if (step.kind === "sleep") {
      await elapse(target, step.ms);
      continue;
    }
    const { request, derived } = resolveOrExplain(step.request, saved, failedSaves, logRoot);
    if (step.kind === "wait") {
      let waited = 0;
      for (;;) {
        const { raw } = await invoke(target, step, request);
        if (JSON.stringify(valueAt(raw ?? undefined, step.until.path) ?? null) === JSON.stringify(step.until.equals)) break;
        if (waited >= step.timeoutMs) {
          throw new Error(
            `step ${index}: ${step.method} did not reach ${step.until.path} = ${JSON.stringify(step.until.equals)} ` +
              `within ${step.timeoutMs} ms; last answer: ${JSON.stringify(raw)}`,
          );
        }
        await elapse(target, pollIntervalMs);
        waited += pollIntervalMs;
      }
      continue;
    }
    const sent = normaliser.request(request, derived);
    const { raw, outcome } = await invoke(target, step, request);
    if (step.save !== undefined) {
      if (raw !== null) saved.set(step.save, raw);
      else failedSaves.set(step.save, `step ${index} (${step.method}) failed: ${JSON.stringify(outcome)}`);
    }
    const selected = step.select && "response" in outcome ? { response: selectPaths(outcome.response, step.select) } : outcome;
    yield { index, sent, outcome: normaliser.outcome(step.method, selected, derived) };
  }
}
