// The image golden transcripts (recorded from the reference containerd 1.6.20 with its local
// registry) replayed against the fake in-process: the fake's registry serves the same OCI
// archives (golden/cri/images/*.oci.tar) under the same names, strict, so every other name is a
// real "not found" as it was there. Before each transcript every image is removed through the CRI,
// as the recorder does.

import { afterAll, describe, expect, test } from "vitest";
import { replayTranscript } from "../../golden/cri/replay.ts";
import type { CriTarget } from "../../golden/cri/target.ts";
import { loadTranscripts } from "../../golden/cri/transcript.ts";
import * as rpcs from "../../src/cri/server/rpcs.ts";
import type { FakeCri } from "../../src/harness/index.ts";
import { referenceRegistryFake } from "./image-fixtures.ts";
import type { VirtualClock } from "../../fake-containerd/index.ts";

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
    fake = await referenceRegistryFake();
  },
  elapse: async (ms) => {
    await (fake!.clock as VirtualClock).advance(ms);
  },
};

afterAll(async () => {
  await fake?.close();
});

/** The image scenarios, and the runtime RPCs each needs beyond the image service. */
const scenarios: Record<string, string[]> = {
  "empty-requests-image": [],
  "image-list-filter": [],
  "image-pull-by-digest": [],
  "image-pull-names": [],
  "image-pull-not-found": [],
  "image-pull-options": [],
  "image-pull-status-list": [],
  "image-references-malformed": [],
  "image-references-malformed-present": [],
  "image-remove-by-digest": [],
  "image-remove-by-id": [],
  "image-remove-by-short-id": [],
  "image-remove-by-short-name": [],
  "image-remove-by-tag": [],
  "image-remove-unknown": [],
  "image-status-verbose": [],
  "imagefs-info": [],
  "image-remove-in-use": ["runPodSandbox", "createContainer", "startContainer", "containerStatus", "podSandboxStatus", "listContainers", "stopContainer"],
  "image-sandbox-image": ["runPodSandbox", "stopPodSandbox", "removePodSandbox"],
};

const served = new Set(Object.keys(rpcs));

describe("image transcripts against the fake in-process", () => {
  const transcripts = loadTranscripts().filter((t) => t.scenario in scenarios);
  test("every image scenario has a transcript", () => {
    expect(transcripts.map((t) => t.scenario).sort()).toEqual(Object.keys(scenarios).sort());
  });
  for (const transcript of transcripts) {
    const missing = scenarios[transcript.scenario]!.filter((rpc) => !served.has(rpc));
    test.skipIf(missing.length > 0)(`${transcript.scenario}: ${transcript.description}`, async () => {
      const result = await replayTranscript(transcript, target);
      if (!result.ok) expect.fail(result.report);
      expect(result.calls).toBe(transcript.calls);
    });
  }
});
