// The sandbox golden transcripts (recorded from the reference containerd 1.6.20) replayed against
// the fake in-process, with the reference runtime's CRI config and registry and, as the recorder
// leaves it before each scenario, no image present (the sandbox image is pulled by RunPodSandbox).

import { afterAll, describe, expect, test } from "vitest";
import { knownDifferences } from "../../golden/cri/known-differences.ts";
import { replayTranscript } from "../../golden/cri/replay.ts";
import type { CriTarget } from "../../golden/cri/target.ts";
import { loadTranscripts } from "../../golden/cri/transcript.ts";
import type { VirtualClock } from "../../fake-containerd/index.ts";
import type { FakeCri } from "../../src/harness/index.ts";
import { referenceConfig, referenceRegistryFake } from "./image-fixtures.ts";

/** scripts/reference/start.sh's CRI config, with its pass-through runtime handler. */
const configWithPassthrough = `${referenceConfig}    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.passthrough]
      runtime_type = "io.containerd.runc.v2"
      pod_annotations = ["golden.pod/*", "golden.exact/key", "golden.class/[ab]?"]
      container_annotations = ["golden.ctr/*", "*"]
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.passthrough.options]
        Root = "/tmp/fake-cri-ref/runc"
`;

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
    fake = await referenceRegistryFake({ config: configWithPassthrough });
  },
  elapse: async (ms) => {
    await (fake!.clock as VirtualClock).advance(ms);
  },
};

afterAll(async () => {
  await fake?.close();
});

const sandboxScenario = (name: string): boolean => name.startsWith("sandbox-") || name.startsWith("annotations-");

/**
 * Scenarios that need fake-containerd behaviour it does not have yet: runc refusing a spec with a
 * hostname but no UTS namespace of its own ("unable to set hostname without a private UTS
 * namespace") at task create.
 */
const waitingForFakeContainerd = new Set<string>([]);

describe("sandbox transcripts against the fake in-process", () => {
  for (const transcript of loadTranscripts().filter((t) => sandboxScenario(t.scenario))) {
    test.skipIf(waitingForFakeContainerd.has(transcript.scenario))(`${transcript.scenario}: ${transcript.description}`, async () => {
      const result = await replayTranscript(transcript, target, { knownDifferences });
      if (!result.ok) expect.fail(result.report);
      expect(result.calls).toBe(transcript.calls);
    });
  }
});
