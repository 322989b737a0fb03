// A transcript: one scenario's steps as recorded from a real containerd, each call with its
// normalised outcome. Stored as golden/cri/<containerd version>/<scenario>.json.

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CallStep, RecordedCall } from "../../src/transcript/calls.ts";
import { canonicalJson } from "../../src/transcript/normalise.ts";
import type { CallResult } from "./run.ts";
import type { ContainerdVersion } from "../../src/cri/versions/index.ts";
import type { Scenario, Step } from "./scenario.ts";

export type { RecordedCall } from "../../src/transcript/calls.ts";

export type TranscriptStep = Exclude<Step, CallStep> | RecordedCall;

export interface Transcript {
  scenario: string;
  description: string;
  /** The recording runtime's Version answer (v1). */
  runtime: { runtimeName: string; runtimeVersion: string; runtimeApiVersion: string };
  /** The scenario's lines in the reference's images plugin table, when it has any (Scenario.imagesConfig). */
  imagesConfig?: string[];
  calls: number;
  steps: TranscriptStep[];
}

/** The folder of one version's transcripts. */
export function transcriptDir(containerd: ContainerdVersion): string {
  return fileURLToPath(new URL(`./${containerd}/`, import.meta.url));
}

export function buildTranscript(scenario: Scenario, runtime: Transcript["runtime"], results: readonly CallResult[]): Transcript {
  const byIndex = new Map(results.map((r) => [r.index, r]));
  const steps = scenario.steps.map((step, index): TranscriptStep => {
    if (step.kind !== "call") return step;
    const result = byIndex.get(index);
    if (!result) throw new Error(`${scenario.name}: step ${index} has no result`);
    const recorded: RecordedCall = { ...step, ...result.outcome };
    if (canonicalJson(result.sent) !== canonicalJson(step.request)) recorded.sent = result.sent;
    return recorded;
  });
  const imagesConfig = scenario.imagesConfig ? { imagesConfig: scenario.imagesConfig } : {};
  return { scenario: scenario.name, description: scenario.description, runtime, ...imagesConfig, calls: results.length, steps };
}

export function writeTranscript(containerd: ContainerdVersion, transcript: Transcript): void {
  mkdirSync(transcriptDir(containerd), { recursive: true });
  writeFileSync(`${transcriptDir(containerd)}${transcript.scenario}.json`, `${JSON.stringify(transcript, null, 1)}\n`);
}

/** Every transcript recorded from one containerd version, by scenario name. */
export function loadTranscripts(containerd: ContainerdVersion): Transcript[] {
  const dir = transcriptDir(containerd);
  return readdirSync(dir)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => JSON.parse(readFileSync(`${dir}${file}`, "utf8")) as Transcript)
    .filter((t) => typeof t.scenario === "string" && Array.isArray(t.steps));
}

/** True when a transcript calls the v1alpha2 API. */
export function usesV1alpha2(transcript: Transcript): boolean {
  return transcript.steps.some((step) => step.kind !== "sleep" && step.api === "v1alpha2");
}
