// Replays every golden CRI transcript against each wired target; any difference from what the real
// containerd answered fails, apart from the calls a listed known difference covers.

import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { inProcessTarget, socketTarget, type ClosableTarget } from "./fake-target.ts";
import { knownDifferences } from "./known-differences.ts";
import { replayTranscript } from "./replay.ts";
import { loadTranscripts, usesV1alpha2, type RecordedCall } from "./transcript.ts";

type TargetFactory = () => ClosableTarget;

/**
 * The targets every transcript replays against, by name: the fake in-process and over its socket.
 * Each transcript gets a target of its own (a fresh fake), so transcripts replay concurrently.
 */
const targets: Record<string, TargetFactory> = {
  "the fake in-process": inProcessTarget,
  "the fake over its unix socket (gRPC, v1 and v1alpha2)": socketTarget,
};

const transcripts = loadTranscripts("1.6");

for (const [name, createTarget] of Object.entries(targets)) {
  describe.concurrent(`golden CRI transcripts against ${name}`, () => {
    for (const transcript of transcripts) {
      test(`${transcript.scenario}: ${transcript.description}`, async ({ expect, skip }) => {
        const target = createTarget();
        try {
          if (usesV1alpha2(transcript) && !target.v1alpha2) skip();
          const result = await replayTranscript(transcript, target);
          if (!result.ok) expect.fail(result.report);
          expect(result.calls).toBe(transcript.calls);
        } finally {
          await target.close();
        }
      });
    }
  });
}

describe("known differences", () => {
  const described = readFileSync(new URL("./KNOWN_DIFFERENCES.md", import.meta.url), "utf8");
  test.each(knownDifferences.map((d) => [d.name, d] as const))("%s covers a recorded call and is described in KNOWN_DIFFERENCES.md", (name, difference) => {
    const covered = transcripts.flatMap((t) =>
      t.steps.flatMap((step, index) =>
        step.kind === "call" && difference.covers({ scenario: t.scenario, index, call: step as RecordedCall }) ? [`${t.scenario}#${index}`] : [],
      ),
    );
    expect(covered).not.toEqual([]);
    expect(described).toContain(`### ${name}\n`);
  });
});
