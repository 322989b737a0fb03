// Traces recorded through the proxy (node:http2, so Node only) from a fake on the real clock, and
// replayed against a fresh fake on a virtual one: a recording replays with no difference, and what a
// one-call-at-a-time replay cannot reproduce (overlapping calls, a deadline that ran out) is said
// on the call and summed up.

import { describe, expect, test } from "vitest";
import { RealClock } from "../../fake-containerd/index.ts";
import type { ContainerdVersion } from "../cri/versions/index.ts";
import { createFakeCri } from "../harness/index.ts";
import { replayTrace } from "./replay.ts";
import { podExitsSession } from "./testing/record-fixture.ts";
import { recordSession } from "./testing/record-session.ts";

const pod = { metadata: { name: "web", namespace: "default", uid: "web-1" } };

/** A fake like `fake-cri serve`'s: random IDs, the real clock. */
const liveFake = (containerd?: ContainerdVersion) => createFakeCri({ clock: new RealClock(), ...(containerd ? { containerd } : {}) });

describe("recorded, then replayed", () => {
  test("a session recorded now replays with every answer the same (the session of testing/pod-exits.trace.json)", async () => {
    // The session calls v1alpha2, which only 1.6 serves; the replay answers as the trace's Version names.
    const upstream = await liveFake("1.6");
    const { trace, leftOut } = await recordSession(upstream, podExitsSession);
    await upstream.close();
    expect(leftOut).toEqual([]);
    const result = await replayTrace(trace);
    expect(result.report).toBe(`session: ${trace.calls} calls replayed against the fake in-process answering as containerd 1.6: all answers match`);
  });

  test("what a one-call-at-a-time replay cannot reproduce is noted on the call and summed up", async () => {
    const upstream = await liveFake();
    const gate = upstream.containerd.gates.hold("tasks.create");
    const { trace } = await recordSession(upstream, async ({ v1 }) => {
      // Held by the gate: the client's deadline runs out first. (The trace keeps what was left of it
      // when the call arrived: on a loaded machine tens of milliseconds less.)
      await v1.runtime.runPodSandbox({ config: pod }, { timeoutMs: 250 }).catch(() => undefined);
      // A second pod, held while the pods are listed: the list overlaps its start.
      const second = v1.runtime.runPodSandbox({ config: { metadata: { ...pod.metadata, name: "db", uid: "db-1" } } });
      await new Promise((resolve) => setTimeout(resolve, 100));
      await v1.runtime.listPodSandbox({});
      gate.release();
      await second;
    });
    await upstream.close();
    const run = trace.steps[0]!;
    expect(run).toMatchObject({ error: { code: "DeadlineExceeded", message: "context deadline exceeded" } });
    expect(run.timeoutMs).toBeGreaterThan(150);
    expect(run.timeoutMs).toBeLessThanOrEqual(250);
    expect(trace.steps.map((s) => s.method)).toEqual(["runPodSandbox", "runPodSandbox", "listPodSandbox"]);

    const result = await replayTrace(trace);
    // A fake without the gate answers at once: both pods run, and the list shows them.
    expect(result.results[0]!.notes.map((n) => n.kind)).toEqual(["deadline"]);
    expect(result.results[2]!.notes.map((n) => n.kind)).toContain("overlapped");
    expect(result.results[2]!.difference).toContain("  outcome differs at response.items");
    expect(result.report).toContain("  outcome differs at error:\n");
    expect(result.report).toContain(`  note: its client's deadline (${run.timeoutMs} ms) ran out in the recording; the replay gives it the same deadline on the target's clock\n`);
    expect(result.report).toContain(
      "note: 1 call started while another was in flight in the recording; the replay makes one call at a time, in the order they started",
    );
    expect(result.report).toContain("note: 1 call ran out the client's deadline in the recording");
  });
});
