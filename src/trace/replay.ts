// Replays a trace against a target — by default a fresh fake in process — and compares every call's
// answer with the recorded one, after the same normalisation. Calls are made one at a time, in the
// order they started in the recording, each at its recorded offset on the target's clock: a fake on
// a virtual clock is moved to the offset (and through the call's recorded duration while it has not
// answered), so what depended on time (a container that exits after a while, a stop's grace period,
// a deadline) happens as it did; a live endpoint is waited for in real time.
//
// A request's runtime IDs are markers (`$id3`); the replay sends the ID the target gave in the
// place the recording first saw that marker (a prefix `$prefix($id3, 12)` as that prefix), so the
// trace needs no scenario. What the replay cannot reproduce is said per call and summed up:
// calls that overlapped in the recording, deadlines that ran out, streams still open at the end.
// Portable.

import { containerdVersionOf, defaultContainerdVersion, type ContainerdVersion } from "../cri/versions/index.ts";
import { createFakeCri, type FakeCri } from "../harness/index.ts";
import { outcomeOf, type Json, type JsonObject } from "../transcript/calls.ts";
import { differenceReport } from "../transcript/compare.ts";
import { invoke, type Invoked, type TargetClients } from "../transcript/invoke.ts";
import { canonicalJson, mapStrings, Normaliser, type DerivedValue, type Outcome } from "../transcript/normalise.ts";
import { withParsedInfo } from "./build.ts";
import type { Trace, TraceCall } from "./format.ts";
import { MarkerPairs } from "./markers.ts";

/** What a trace is replayed against: CRI clients for both services (v1, optionally v1alpha2), keyed like the generated definitions. */
export interface TraceTarget extends TargetClients {
  /**
   * Lets `ms` milliseconds of the target's time pass (a fake on a virtual clock). Without it the
   * replay waits in real time for each call's offset.
   */
  elapse?(ms: number): Promise<void>;
}

/** How replayTrace replays. */
export interface TraceReplayOptions {
  /** Where to replay; default: a fresh fake in process (seeded IDs, a virtual clock). */
  target?: TraceTarget;
  /** containerd's config.toml for the default fake (the recorded runtime's, for a faithful replay). */
  config?: string;
  /**
   * The containerd version the default fake answers as; default: the one the trace's Version
   * answer names (containerd of the same major and minor release), else the fake's default.
   */
  containerd?: ContainerdVersion;
  /** What the report calls the target (default "the fake in-process answering as containerd <version>", or "the target"). */
  targetName?: string;
}

/** Something of a call as recorded that the replay cannot reproduce. */
export interface ReplayNote {
  kind: "overlapped" | "late" | "deadline" | "unfinished";
  text: string;
}

/** One replayed call. */
export interface CallReplay {
  /** Index of the call in the trace. */
  index: number;
  notes: ReplayNote[];
  /** The report when the answer (or the request sent) differs from the recording. */
  difference?: string;
}

/** What a replay found. */
export interface TraceReplayResult {
  calls: number;
  /** Calls whose answer differs. */
  differences: number;
  results: CallReplay[];
  /** Every differing call's report with its notes, then the summary lines. */
  report: string;
}

/** Time a target on a virtual clock gets, beyond the recorded duration or deadline, before the replay gives up on a call. */
const giveUpAfterMs = 60_000;

/** A fake in process as a replay target, its clock moved by the replay. */
export function fakeTarget(fake: FakeCri): TraceTarget {
  return {
    runtime: fake.runtime as unknown as TraceTarget["runtime"],
    image: fake.image as unknown as TraceTarget["image"],
    v1alpha2: fake.v1alpha2 as unknown as NonNullable<TraceTarget["v1alpha2"]>,
    elapse: (ms) => fake.advance(ms),
  };
}

/** The containerd version whose profile answers as the trace's recorded runtime, if the fake has one. */
export function traceContainerdVersion(trace: Trace): ContainerdVersion | undefined {
  return trace.runtime && containerdVersionOf(trace.runtime);
}

function randomRuntimeId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("");
}

const idMarker = /\$id\d+/g;
const prefixExpression = /^\$prefix\((\$id\d+), (\d+)\)$/;

/**
 * The request with its markers replaced by this run's IDs. A marker the run has not met (the
 * recording first saw that ID in a request: an unknown ID a client asked about) gets a fresh
 * random ID, which the normaliser then numbers as the recording did.
 */
function resolveRequest(request: JsonObject, normaliser: Normaliser, fresh: Map<string, string>): { request: JsonObject; derived: DerivedValue[] } {
  const idOf = (marker: string): string => {
    const known = normaliser.runtimeIdOf(marker) ?? fresh.get(marker);
    if (known !== undefined) return known;
    const id = randomRuntimeId();
    fresh.set(marker, id);
    return id;
  };
  const derived: DerivedValue[] = [];
  const resolved = mapStrings(request, (s) => {
    const prefix = prefixExpression.exec(s);
    if (prefix) {
      const value = idOf(prefix[1]!).slice(0, Number(prefix[2]));
      derived.push({ value, expression: s });
      return value;
    }
    return s.replace(idMarker, idOf);
  }) as JsonObject;
  return { request: resolved, derived };
}

/** What the replay cannot reproduce of each call as recorded, from the trace alone. */
function notesFor(trace: Trace): ReplayNote[][] {
  return trace.steps.map((call, index) => {
    const notes: ReplayNote[] = [];
    const earlier = trace.steps.slice(0, index).findIndex((e) => e.at + e.durationMs > call.at);
    if (earlier >= 0) {
      notes.push({
        kind: "overlapped",
        text: `it started while step ${earlier} (${trace.steps[earlier]!.method}) was in flight in the recording; the replay makes one call at a time, in the order they started`,
      });
    }
    if ("error" in call && call.error?.code === "DeadlineExceeded" && call.timeoutMs !== undefined) {
      notes.push({
        kind: "deadline",
        text: `its client's deadline (${call.timeoutMs} ms) ran out in the recording; the replay gives it the same deadline on the target's clock`,
      });
    }
    if (call.unfinished) notes.push({ kind: "unfinished", text: "it was still in flight when the recording ended: replayed, its answer not compared" });
    return notes;
  });
}

function parsedInfoOf(outcome: Outcome): Outcome {
  if ("response" in outcome) return { response: withParsedInfo(outcome.response) };
  if ("stream" in outcome) return { ...outcome, stream: outcome.stream.map(withParsedInfo) };
  return outcome;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Real time a call on a virtual clock gets to answer before its clock moves, since the fake's own
 * work (a pull's hashing and unpacking) takes real time: as long as the call took in the recording,
 * from 50 ms to 900 ms (under the second after which the fake warns of a call waiting on its
 * virtual clock). Moving the clock while the fake is only busy would start what the call starts (a
 * container's process) late on its clock.
 */
const workGraceMs = (call: TraceCall): number => Math.min(900, Math.max(50, call.durationMs));

/**
 * Waits for a call on a target with a virtual clock: first in real time (the fake's own work),
 * then moving the clock while it has not answered, through its recorded duration in 10 ms steps and
 * on in 100 ms steps up to its deadline (or its duration) plus a minute. Returns the milliseconds
 * moved and the answer, or none.
 */
async function answerOnTargetClock(pending: Promise<Invoked>, call: TraceCall, elapse: (ms: number) => Promise<void>) {
  let answered: Invoked | undefined;
  void pending.then((result) => (answered = result));
  for (const started = performance.now(); !answered && performance.now() - started < workGraceMs(call); ) await sleep(1);
  const limit = Math.max(call.durationMs, call.timeoutMs ?? 0) + giveUpAfterMs;
  let moved = 0;
  while (!answered && moved < limit) {
    const step = moved < call.durationMs ? Math.min(10, call.durationMs - moved) : 100;
    await elapse(step);
    moved += step;
  }
  return { moved, answered };
}

/**
 * Replays every call of `trace`, one at a time in the order they started, at their recorded
 * offsets on the target's clock, and compares each answer with the recorded one after the same
 * normalisation. Resolves with the differences and a report; never rejects for a difference.
 */
export async function replayTrace(trace: Trace, options: TraceReplayOptions = {}): Promise<TraceReplayResult> {
  const containerd = options.containerd ?? traceContainerdVersion(trace) ?? defaultContainerdVersion;
  const fake = options.target ? undefined : await createFakeCri({ seed: 1, containerd, ...(options.config !== undefined ? { config: options.config } : {}) });
  const target = options.target ?? fakeTarget(fake!);
  const targetName = options.targetName ?? (fake ? `the fake in-process answering as containerd ${containerd}` : "the target");
  const recordedBy = trace.runtime?.runtimeName || "recorded";
  const notes = notesFor(trace);
  const normaliser = new Normaliser(undefined, "keep-received-order");
  const markers = new MarkerPairs();
  const fresh = new Map<string, string>();
  const results: CallReplay[] = [];
  const startedAt = performance.now();
  /** The target's time since the replay started, when the replay moves it. */
  let clockMs = 0;
  try {
    for (const [index, call] of trace.steps.entries()) {
      const result: CallReplay = { index, notes: [...notes[index]!] };
      results.push(result);
      if (target.elapse) {
        if (call.at > clockMs) await target.elapse(call.at - clockMs);
        else if (clockMs - call.at >= 1) {
          result.notes.push({ kind: "late", text: `the replay reached it ${Math.round(clockMs - call.at)} ms of the target's time after its recorded start` });
        }
        clockMs = Math.max(clockMs, call.at);
      } else {
        const wait = call.at - (performance.now() - startedAt);
        if (wait > 0) await sleep(wait);
      }

      const { request, derived } = resolveRequest(call.request, normaliser, fresh);
      const sent = normaliser.request(request, derived);
      const title = `${trace.scenario}, step ${index} at +${call.at} ms on connection ${call.connection}: ${call.api} ${call.service}.${call.method}`;
      const pending = invoke(target, call, request, call.timeoutMs === undefined ? undefined : { timeoutMs: call.timeoutMs });
      let answered: Invoked | undefined;
      if (target.elapse) {
        const waited = await answerOnTargetClock(pending, call, target.elapse.bind(target));
        clockMs += waited.moved;
        answered = waited.answered;
      } else {
        answered = await pending;
      }
      const expected = outcomeOf(call) as Json;
      if (canonicalJson(sent) !== canonicalJson(call.request)) {
        result.difference = differenceReport(title, "request", call.request, sent, recordedBy);
      } else if (!answered) {
        const actual = { noAnswer: `within ${Math.max(call.durationMs, call.timeoutMs ?? 0) + giveUpAfterMs} ms of the target's time` };
        result.difference = differenceReport(title, "outcome", expected, actual, recordedBy);
      } else {
        const outcome = normaliser.outcome(call.method, parsedInfoOf(answered.outcome), derived) as Json;
        if (!call.unfinished && !markers.match(expected, outcome)) {
          const actual = markers.asRecorded(outcome);
          result.difference = `${differenceReport(title, "outcome", expected, actual, recordedBy)}\n  request: ${JSON.stringify(request)}`;
        }
      }
    }
  } finally {
    await fake?.close();
  }
  return { calls: results.length, differences: results.filter((r) => r.difference).length, results, report: report(trace, results, targetName) };
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function report(trace: Trace, results: readonly CallReplay[], targetName: string): string {
  const lines: string[] = [];
  for (const result of results) {
    if (!result.difference) continue;
    lines.push(result.difference, ...result.notes.map((note) => `  note: ${note.text}`), "");
  }
  const differing = results.filter((r) => r.difference).length;
  lines.push(
    `${trace.scenario}: ${plural(results.length, "call", "calls")} replayed against ${targetName}: ` +
      (differing === 0 ? "all answers match" : `${plural(differing, "answer differs", "answers differ")}`),
  );
  const count = (kind: ReplayNote["kind"]): number => results.filter((r) => r.notes.some((n) => n.kind === kind)).length;
  const [overlapped, late, deadlines, unfinished] = [count("overlapped"), count("late"), count("deadline"), count("unfinished")];
  if (overlapped > 0) lines.push(`note: ${plural(overlapped, "call", "calls")} started while another was in flight in the recording; the replay makes one call at a time, in the order they started`);
  if (late > 0) lines.push(`note: ${plural(late, "call was", "calls were")} reached after their recorded start on the target's clock, which an earlier call's time had moved past it`);
  if (deadlines > 0) lines.push(`note: ${plural(deadlines, "call", "calls")} ran out the client's deadline in the recording`);
  if (unfinished > 0) lines.push(`note: ${plural(unfinished, "call was", "calls were")} still in flight when the recording ended: replayed, not compared`);
  return lines.join("\n");
}
