// Replays every golden CRI transcript against each wired target; any difference from what the real
// containerd answered fails, apart from the calls a listed known difference covers.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { replayTranscript } from "./replay.ts";
import type { CriTarget } from "./target.ts";
import { loadTranscripts, usesV1alpha2 } from "./transcript.ts";

export type TargetFactory = () => Promise<CriTarget & { close?(): Promise<void> | void }>;

/**
 * The targets every transcript replays against, by name. Wire the fake here, e.g.
 * `"fake in-process": async () => fakeCriTarget(await createFakeCri({ ... }))` and the same over
 * its socket.
 */
const targets: Record<string, TargetFactory> = {};

const transcripts = loadTranscripts();

if (Object.keys(targets).length === 0) {
  test.skip("fake CRI target not wired yet", () => {});
}

for (const [name, createTarget] of Object.entries(targets)) {
  describe(`golden CRI transcripts against ${name}`, () => {
    let target: Awaited<ReturnType<TargetFactory>>;
    beforeAll(async () => {
      target = await createTarget();
    });
    afterAll(async () => {
      await target?.close?.();
    });
    for (const transcript of transcripts) {
      test(`${transcript.scenario}: ${transcript.description}`, async (context) => {
        if (usesV1alpha2(transcript) && !target.v1alpha2) context.skip();
        const result = await replayTranscript(transcript, target);
        if (!result.ok) expect.fail(result.report);
        expect(result.calls).toBe(transcript.calls);
      });
    }
  });
}
