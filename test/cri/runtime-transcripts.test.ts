// The runtime-level golden transcripts (recorded from the reference containerd 1.6.20) replayed
// against the fake in-process, with the reference runtime's config.

import { afterAll, describe, expect, test } from "vitest";
import { referenceConfigToml } from "../../golden/cri/reference-runtime.ts";
import { replayTranscript } from "../../golden/cri/replay.ts";
import type { CriTarget } from "../../golden/cri/target.ts";
import { loadTranscripts } from "../../golden/cri/transcript.ts";
import { createFakeCri, type FakeCri } from "../../src/harness/index.ts";

let fake: FakeCri | undefined;
const route = <T extends object>(pick: (f: FakeCri) => T): T =>
  new Proxy({} as T, { get: (_, key) => (pick(fake!) as Record<string | symbol, unknown>)[key] });

const target: CriTarget = {
  runtime: route((f) => f.runtime) as CriTarget["runtime"],
  image: route((f) => f.image) as CriTarget["image"],
  v1alpha2: {
    runtime: route((f) => f.v1alpha2.runtime) as NonNullable<CriTarget["v1alpha2"]>["runtime"],
    image: route((f) => f.v1alpha2.image) as NonNullable<CriTarget["v1alpha2"]>["image"],
  },
  reset: async () => {
    await fake?.close();
    fake = await createFakeCri({ seed: 1, config: referenceConfigToml, withoutSandboxImage: true });
  },
};

afterAll(async () => {
  await fake?.close();
});

const mine = new Set(["version", "status", "status-verbose", "update-runtime-config", "unimplemented-rpcs"]);

describe("runtime-level transcripts against the fake in-process", () => {
  for (const transcript of loadTranscripts().filter((t) => mine.has(t.scenario))) {
    test(`${transcript.scenario}: ${transcript.description}`, async () => {
      const result = await replayTranscript(transcript, target);
      if (!result.ok) expect.fail(result.report);
      expect(result.calls).toBe(transcript.calls);
    });
  }
});
