// Every stream transcript recorded from containerd 1.6.20 (golden/streams/*.json) replayed against
// the fake's streaming server: the same setup through the fake's in-process CRI clients, the same
// client script over a real socket, and the server's bytes, decoded and normalised, must equal the
// recording. A scenario where the fake differs on purpose is listed in KNOWN_DIFFERENCES.md and
// here, and checked to still differ (so the list stays true).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createReferenceFake } from "../cri/fake-target.ts";
import { exchange } from "./exchange.ts";
import { scenarios } from "./scenarios.ts";
import { normalise, readTranscript } from "./transcript.ts";

/** Scenarios the fake answers differently on purpose (golden/cri/KNOWN_DIFFERENCES.md, "Streaming"). */
const knownDifferences = new Map([
  ["exec-websocket-v5-only", "the fake speaks v5.channel.k8s.io, which crictl 1.37 offers alone over WebSocket; containerd 1.6.20 refuses it (403)"],
  ["portforward-websocket-tunnel", "the fake tunnels port-forward as SPDY over WebSocket, which crictl 1.37 offers alone; containerd 1.6.20 refuses it (403)"],
]);

describe("stream transcripts replayed against the fake", () => {
  for (const scenario of scenarios) {
    const differs = knownDifferences.get(scenario.name);
    test(`${scenario.name}${differs ? " (a known difference)" : ""}`, async () => {
      const transcript = readTranscript(scenario.name);
      const fake = await createReferenceFake("1.6"); // recorded from containerd 1.6.20
      const logs = mkdtempSync(join(tmpdir(), "fake-cri-stream-replay-"));
      try {
        const url = await scenario.setup(fake, logs);
        if (scenario.waitMs) await fake.advance(scenario.waitMs);
        const events = normalise(await exchange(url, scenario.steps));
        if (differs) expect(events, differs).not.toEqual(transcript.events);
        else expect(events).toEqual(transcript.events);
      } finally {
        await fake.close();
        rmSync(logs, { recursive: true, force: true });
      }
    });
  }
});
