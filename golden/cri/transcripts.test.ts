// The committed transcripts are in step with the scenarios that produced them, and cover what the
// golden CRI suites promise: one suite per containerd version, the newer at least as large.

import { describe, expect, test } from "vitest";
import { containerdVersions } from "../../src/cri/versions/index.ts";
import { canonicalJson } from "../../src/transcript/normalise.ts";
import { scenarios } from "./scenarios/index.ts";
import { loadTranscripts, type Transcript } from "./transcript.ts";

const suites = new Map(containerdVersions.map((version) => [version, new Map(loadTranscripts(version).map((t) => [t.scenario, t]))]));
const callsIn = (suite: Map<string, Transcript>): number => [...suite.values()].reduce((sum, t) => sum + t.calls, 0);

describe.each(containerdVersions)("golden CRI transcripts of containerd %s", (version) => {
  const transcripts = suites.get(version)!;
  const ofVersion = scenarios.filter((s) => s.containerd.includes(version));

  test("every scenario of the version has a transcript and every transcript a scenario", () => {
    expect([...transcripts.keys()].sort()).toEqual(ofVersion.map((s) => s.name).sort());
  });

  test.each(ofVersion.map((s) => [s.name, s] as const))("%s: its steps and images config are the scenario's current ones", (name, scenario) => {
    const transcript = transcripts.get(name);
    expect(transcript, `no transcript for ${name}: run npm run golden:record:cri -- --containerd ${version} ${name}`).toBeDefined();
    const recorded = transcript!.steps.map((step) => {
      if (step.kind !== "call") return step;
      const { kind, api, service, method, request, save, select } = step;
      return { kind, api, service, method, request, save, select };
    });
    expect(canonicalJson(recorded as never)).toBe(canonicalJson(scenario.steps as never));
    expect(transcript!.description).toBe(scenario.description);
    expect(transcript!.imagesConfig).toEqual(scenario.imagesConfig);
  });

  test("at least 60 scenarios and 600 calls, all recorded from the same containerd", () => {
    const all = [...transcripts.values()];
    expect(all.length).toBeGreaterThanOrEqual(60);
    expect(callsIn(transcripts)).toBeGreaterThanOrEqual(600);
    expect(new Set(all.map((t) => canonicalJson(t.runtime))).size).toBe(1);
    expect(all[0]!.runtime.runtimeName).toBe("containerd");
  });
});

test("each newer version's suite has at least as many scenarios and calls as the one before", () => {
  for (const [newer, older] of containerdVersions.slice(0, -1).map((v, i) => [v, containerdVersions[i + 1]!] as const)) {
    const [a, b] = [suites.get(newer)!, suites.get(older)!];
    expect(a.size, `${newer} scenarios`).toBeGreaterThanOrEqual(b.size);
    expect(callsIn(a), `${newer} calls`).toBeGreaterThanOrEqual(callsIn(b));
  }
});
