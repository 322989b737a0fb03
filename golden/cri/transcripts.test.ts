// The committed transcripts are in step with the scenarios that produced them, and cover what the
// golden CRI suite promises.

import { describe, expect, test } from "vitest";
import { canonicalJson } from "../../src/transcript/normalise.ts";
import { scenarios } from "./scenarios/index.ts";
import { loadTranscripts } from "./transcript.ts";

const transcripts = new Map(loadTranscripts().map((t) => [t.scenario, t]));

describe("golden CRI transcripts", () => {
  test("every scenario has a transcript and every transcript a scenario", () => {
    expect([...transcripts.keys()].sort()).toEqual(scenarios.map((s) => s.name).sort());
  });

  test.each(scenarios.map((s) => [s.name, s] as const))("%s: its steps are the scenario's current steps", (name, scenario) => {
    const transcript = transcripts.get(name);
    expect(transcript, `no transcript for ${name}: run npm run golden:record:cri ${name}`).toBeDefined();
    const recorded = transcript!.steps.map((step) => {
      if (step.kind !== "call") return step;
      const { kind, api, service, method, request, save, select } = step;
      return { kind, api, service, method, request, save, select };
    });
    expect(canonicalJson(recorded as never)).toBe(canonicalJson(scenario.steps as never));
    expect(transcript!.description).toBe(scenario.description);
  });

  test("at least 60 scenarios and 600 calls, all recorded from the same containerd", () => {
    const all = [...transcripts.values()];
    expect(all.length).toBeGreaterThanOrEqual(60);
    expect(all.reduce((sum, t) => sum + t.calls, 0)).toBeGreaterThanOrEqual(600);
    expect(new Set(all.map((t) => canonicalJson(t.runtime))).size).toBe(1);
    expect(all[0]!.runtime.runtimeName).toBe("containerd");
  });
});
