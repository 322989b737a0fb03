// The replay runner itself, against a scripted target: a transcript recorded from it replays green,
// a changed answer is reported at the first differing call, and a known difference covers exactly
// its calls.

import { randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import { ContainerEventResponse, PodSandboxStatusResponse } from "../../src/cri/api/v1.ts";
import { Code, CriError } from "../../src/cri/errors.ts";
import type { KnownDifference } from "./known-differences.ts";
import { replayTranscript } from "./replay.ts";
import { runSteps, type CallResult } from "./run.ts";
import { defineScenario } from "./scenario.ts";
import type { CriTarget } from "../../src/transcript/target.ts";
import { buildTranscript, type Transcript } from "./transcript.ts";

/** A runtime that knows three RPCs: sandboxes get random IDs and a clock that ticks per call. */
function scriptedTarget(options: { stateAfterStop?: string } = {}): CriTarget {
  let clock = 1_000n;
  const sandboxes = new Map<string, { createdAt: bigint; state: number; name: string }>();
  const runtime = {
    runPodSandbox: async (request: { config?: { metadata?: { name: string } } }) => {
      const id = randomBytes(32).toString("hex");
      sandboxes.set(id, { createdAt: (clock += 7n), state: 0, name: request.config?.metadata?.name ?? "" });
      return { podSandboxId: id };
    },
    stopPodSandbox: async (request: { podSandboxId: string }) => {
      const sandbox = [...sandboxes].find(([id]) => id.startsWith(request.podSandboxId));
      if (!sandbox) throw new CriError(Code.NotFound, `an error occurred when try to find sandbox "${request.podSandboxId}": not found`);
      sandbox[1].state = options.stateAfterStop === "ready" ? 0 : 1;
      return {};
    },
    podSandboxStatus: async (request: { podSandboxId: string }) => {
      const sandbox = sandboxes.get(request.podSandboxId);
      if (!sandbox) throw new CriError(Code.NotFound, "an error occurred when try to find sandbox: not found");
      return PodSandboxStatusResponse.fromPartial({
        status: { id: request.podSandboxId, metadata: { name: sandbox.name }, state: sandbox.state as 0 | 1, createdAt: sandbox.createdAt },
      });
    },
  };
  return { runtime: runtime as never, image: {} as never, reset: async () => sandboxes.clear() };
}

const scenario = defineScenario("scripted", "run, stop, status", (s) => {
  s.runtime.runPodSandbox({ config: { metadata: { name: "web" } } }, { save: "web" });
  s.runtime.stopPodSandbox({ podSandboxId: "$prefix(web.podSandboxId, 12)" });
  s.runtime.podSandboxStatus({ podSandboxId: "$web.podSandboxId" });
  s.runtime.stopPodSandbox({ podSandboxId: "nosuch" });
});

async function record(target: CriTarget): Promise<Transcript> {
  await target.reset();
  const results: CallResult[] = [];
  for await (const result of runSteps(scenario.steps, target, "/tmp/none")) results.push(result);
  return buildTranscript(scenario, { runtimeName: "scripted", runtimeVersion: "1", runtimeApiVersion: "v1" }, results);
}

describe("replayTranscript", () => {
  test("a transcript replays green against a fresh run of the same runtime, whose IDs and times differ", async () => {
    const transcript = await record(scriptedTarget());
    expect(await replayTranscript(transcript, scriptedTarget(), { knownDifferences: [] })).toEqual({
      ok: true,
      calls: 4,
      differencesApplied: [],
    });
  });

  test("the first differing call is reported with the path, both values and the request", async () => {
    const transcript = await record(scriptedTarget());
    const result = await replayTranscript(transcript, scriptedTarget({ stateAfterStop: "ready" }), { knownDifferences: [] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.report).toContain("scripted, step 2: v1 runtime.podSandboxStatus");
    expect(result.report).toContain("outcome differs at response.status.state:");
    expect(result.report).toContain('containerd: "SANDBOX_NOTREADY"');
    expect(result.report).toContain("target:     (absent)");
    expect(result.report).toContain('request: {"podSandboxId":"$id1"}');
  });

  test("a known difference rewrites the expected answer of exactly the calls it covers", async () => {
    const transcript = await record(scriptedTarget());
    const stopKeepsReady: KnownDifference = {
      name: "stop-keeps-ready",
      reason: "test only",
      covers: ({ call }) => call.method === "podSandboxStatus",
      expected: (recorded) => {
        if (!("response" in recorded)) return recorded;
        const response = structuredClone(recorded.response) as { status: { state?: string } };
        delete response.status.state;
        return { response };
      },
    };
    const result = await replayTranscript(transcript, scriptedTarget({ stateAfterStop: "ready" }), { knownDifferences: [stopKeepsReady] });
    expect(result).toEqual({ ok: true, calls: 4, differencesApplied: ["stop-keeps-ready"] });
  });

  test("a server stream that stays open and idle is cancelled after the target's idle time and recorded as open", async () => {
    // As containerd 2.x's GetContainerEvents: what it holds at once, then nothing until cancelled.
    let cancelled = false;
    const runtime = {
      getContainerEvents: async function* (_request: unknown, { signal }: { signal: AbortSignal }) {
        yield ContainerEventResponse.fromPartial({ containerId: "a".repeat(64), containerEventType: 1 });
        await new Promise<void>((_, reject) => signal.addEventListener("abort", () => reject(new CriError(Code.Canceled, "context canceled"))));
        cancelled = true;
      },
    };
    const target: CriTarget = { runtime: runtime as never, image: {} as never, reset: async () => undefined, streamIdleMs: 20 };
    const events = defineScenario("events", "subscribe", (s) => s.runtime.getContainerEvents({}));
    const results: CallResult[] = [];
    for await (const result of runSteps(events.steps, target, "/tmp/none")) results.push(result);
    expect(results.map((r) => r.outcome)).toEqual([
      { stream: [{ containerId: "$id1", containerEventType: "CONTAINER_STARTED_EVENT" }], open: true },
    ]);
    expect(cancelled).toBe(false);
  });
});
