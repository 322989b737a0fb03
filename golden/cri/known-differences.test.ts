// Every known difference (known-differences.ts) covers a call some golden transcript recorded and
// is described in KNOWN_DIFFERENCES.md, in its version's section.

import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { containerdVersions, type ContainerdVersion } from "../../src/cri/versions/index.ts";
import { knownDifferences } from "./known-differences.ts";
import { loadTranscripts, type RecordedCall } from "./transcript.ts";

/** The part of KNOWN_DIFFERENCES.md under `## containerd <version>`, up to the next such heading. */
function sectionOf(described: string, version: ContainerdVersion): string {
  const start = described.indexOf(`\n## containerd ${version}`);
  if (start < 0) return "";
  const end = described.indexOf("\n## containerd ", start + 1);
  return described.slice(start, end < 0 ? undefined : end);
}

describe("known differences", () => {
  const described = readFileSync(new URL("./KNOWN_DIFFERENCES.md", import.meta.url), "utf8");
  const cases = containerdVersions.flatMap((version) => {
    const transcripts = loadTranscripts(version);
    return knownDifferences[version].map((difference) => [version, difference.name, difference, transcripts] as const);
  });
  test.each(cases)("%s: %s covers a recorded call and is described in KNOWN_DIFFERENCES.md", (version, name, difference, transcripts) => {
    const covered = transcripts.flatMap((t) =>
      t.steps.flatMap((step, index) =>
        step.kind === "call" && difference.covers({ scenario: t.scenario, index, call: step as RecordedCall }) ? [`${t.scenario}#${index}`] : [],
      ),
    );
    expect(covered).not.toEqual([]);
    expect(sectionOf(described, version)).toContain(`### ${name}\n`);
  });
});
