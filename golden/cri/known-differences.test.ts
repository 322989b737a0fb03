// Replays every golden CRI transcript suite against each wired target, the fake answering as the
// suite's containerd version; any difference from what the real containerd answered fails, apart
// from the calls a listed known difference covers.

import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { containerdVersions, type ContainerdVersion } from "../../src/cri/versions/index.ts";
import { inProcessTarget, socketTarget, type ClosableTarget } from "./fake-target.ts";
import { knownDifferences } from "./known-differences.ts";
import { replayTranscript } from "./replay.ts";
import { loadTranscripts, usesV1alpha2, type RecordedCall } from "./transcript.ts";

type TargetFactory = (containerd: ContainerdVersion) => ClosableTarget;

/**
 * The targets every transcript replays against, by name: the fake in-process and over its socket.
 * Each transcript gets a target of its own (a fresh fake), so transcripts replay concurrently.
 */
const targets: Record<string, TargetFactory> = {
  "the fake in-process": inProcessTarget,
  "the fake over its unix socket (gRPC)": socketTarget,
};

const suites = containerdVersions.map((version) => ({ version, transcripts: loadTranscripts(version) }));

for (const { version, transcripts } of suites) {
  for (const [name, createTarget] of Object.entries(targets)) {
    describe.concurrent(`containerd ${version}'s golden CRI transcripts against ${name}`, () => {
      for (const transcript of transcripts) {
        test(`${transcript.scenario}: ${transcript.description}`, async ({ expect, skip }) => {
          const target = createTarget(version);
          try {
            if (usesV1alpha2(transcript) && !target.v1alpha2) skip();
            const result = await replayTranscript(transcript, target, { knownDifferences: knownDifferences[version] });
            if (!result.ok) expect.fail(result.report);
            expect(result.calls).toBe(transcript.calls);
          } finally {
            await target.close();
          }
        });
      }
    });
  }
}

/** The part of KNOWN_DIFFERENCES.md under `## containerd <version>`, up to the next such heading. */
function sectionOf(described: string, version: ContainerdVersion): string {
  const start = described.indexOf(`\n## containerd ${version}`);
  if (start < 0) return "";
  const end = described.indexOf("\n## containerd ", start + 1);
  return described.slice(start, end < 0 ? undefined : end);
}

describe("known differences", () => {
  const described = readFileSync(new URL("./KNOWN_DIFFERENCES.md", import.meta.url), "utf8");
  const cases = suites.flatMap(({ version, transcripts }) =>
    knownDifferences[version].map((difference) => [version, difference.name, difference, transcripts] as const),
  );
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
