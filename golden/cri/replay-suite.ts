// Registers the replay of every golden CRI transcript suite against one target (a test file per
// target: replay-in-process.test.ts, replay-socket.test.ts), the fake answering as the suite's
// containerd version; any difference from what the real containerd answered fails, apart from the
// calls a listed known difference covers.

import { describe, test } from "vitest";
import { containerdVersions, type ContainerdVersion } from "../../src/cri/versions/index.ts";
import type { ClosableTarget } from "./fake-target.ts";
import { knownDifferences } from "./known-differences.ts";
import { replayTranscript } from "./replay.ts";
import { loadTranscripts, usesV1alpha2 } from "./transcript.ts";

/**
 * Each transcript gets a target of its own from `createTarget` (a fresh fake, configured as the
 * reference was for it), so the transcripts of a suite replay concurrently.
 */
export function replayGoldenTranscripts(targetName: string, createTarget: (containerd: ContainerdVersion, imagesConfig?: readonly string[]) => ClosableTarget): void {
  for (const version of containerdVersions) {
    describe.concurrent(`containerd ${version}'s golden CRI transcripts against ${targetName}`, () => {
      for (const transcript of loadTranscripts(version)) {
        test(`${transcript.scenario}: ${transcript.description}`, async ({ expect, skip }) => {
          const target = createTarget(version, transcript.imagesConfig);
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
