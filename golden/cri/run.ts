// Runs a scenario's steps against a target, the same way for recording and for replay: resolves
// each request against earlier results, makes the call, and yields the normalised request and
// outcome of every recorded call. Control steps (wait, sleep) run but yield nothing.

import { parsedJsonText, type CallStep, type Json, type JsonObject, type RecordedCall } from "../../src/transcript/calls.ts";
import { defaultStreamIdleMs, invoke } from "../../src/transcript/invoke.ts";
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

/** How long a call may take in real time before a target's virtual clock is moved on for it. */
const clockGraceMs = 200;
/** How far a virtual clock is moved at a time while a call waits on it; no recorded call waits longer than a minute. */
const clockStepMs = 100;
const clockLimitMs = 60_000;

/**
 * Makes a call; on a target with a virtual clock, a call that has not answered in real time is
 * waiting on the runtime's time (StopContainer's grace period, ExecSync's timeout), which then
 * passes as it did for the real runtime.
 */
async function invokeInTime(target: CriTarget, step: CallStep, request: JsonObject): ReturnType<typeof invoke> {
  const recordedMessages = "stream" in step && Array.isArray(step.stream) ? step.stream.length : 0;
  const pending = invoke(target, step, request, undefined, streamIdleFor(target, step), recordedMessages);
  if (!target.elapse) return pending;
  let answered = false;
  void pending.then(
    () => (answered = true),
    () => (answered = true),
  );
  for (const started = performance.now(); !answered && performance.now() - started < clockGraceMs; ) await new Promise((resolve) => setTimeout(resolve, 1));
  for (let moved = 0; !answered && moved < clockLimitMs; moved += clockStepMs) await target.elapse(clockStepMs);
  return pending;
}

/**
 * How long the replay lets a server stream idle. A target's short idle (the fake's 200 ms) keeps a
 * replay of streams the runtime left open quick; where the recorded stream ended, the target's must
 * end too, and waiting for that as long as for the real runtime costs nothing when it does, while
 * a loaded machine can hold a first message past 200 ms. For the same reason the messages the
 * runtime sent are awaited as long as the runtime's idle (invoke's `awaitedMessages`), and only the
 * wait for more after them is short. The outcome is compared the same either way.
 */
function streamIdleFor(target: CriTarget, step: CallStep | RecordedCall): number | undefined {
  const recordedEnd = "stream" in step && !step.open;
  return recordedEnd ? Math.max(target.streamIdleMs ?? 0, defaultStreamIdleMs) : undefined;
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
    const { raw, outcome } = await invokeInTime(target, step, request);
    if (step.save !== undefined) {
      if (raw !== null) saved.set(step.save, raw);
      else failedSaves.set(step.save, `step ${index} (${step.method}) failed: ${JSON.stringify(outcome)}`);
    }
    const selected = step.select && "response" in outcome ? { response: selectPaths(outcome.response, step.select) } : outcome;
    yield { index, sent, outcome: normaliser.outcome(step.method, selected, derived) };
  }
}
