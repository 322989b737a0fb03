// A trace recorded through the proxy from a fake on the real clock (testing/pod-exits.trace.json:
// a container that runs a second and exits 3), replayed against a fresh fake on a virtual clock:
// every answer the same, the exit at its offset, a changed answer reported with its call and field.

import { readFile } from "node:fs/promises";
import { describe, expect, test } from "vitest";
import { createFakeCri } from "../harness/index.ts";
import { parseTrace, type Trace, type TraceCall } from "./format.ts";
import { fakeTarget, replayTrace } from "./replay.ts";

const fixture = new URL("./testing/pod-exits.trace.json", import.meta.url);
const load = async (): Promise<Trace> => parseTrace(await readFile(fixture, "utf8"), "pod-exits.trace.json");

function stepOf(steps: readonly TraceCall[], method: string, nth = 0): number {
  return steps.flatMap((s, i) => (s.method === method ? [i] : []))[nth]!;
}

describe("replayTrace", () => {
  test("every answer matches; the container exits at its recorded offset on the fake's clock", async () => {
    const trace = await load();
    // What the trace holds: IDs as markers, a prefix as one, an unknown ID as a marker of its own,
    // verbose info parsed so the rules reach inside it.
    expect(trace.steps[stepOf(trace.steps, "containerStatus")]).toMatchObject({
      request: { containerId: "$prefix($id2, 12)" },
      response: { status: { id: "$id2", state: "CONTAINER_RUNNING" } },
    });
    expect(trace.steps[stepOf(trace.steps, "containerStatus", 1)]).toMatchObject({
      response: { status: { state: "CONTAINER_EXITED", exitCode: 3, reason: "Error" } },
    });
    expect(trace.steps[stepOf(trace.steps, "containerStatus", 2)]).toMatchObject({
      request: { containerId: "$id3" },
      error: { code: "NotFound", message: 'an error occurred when try to find container "$id3": not found' },
    });
    expect(trace.steps.at(-1)).toMatchObject({ response: { info: { info: { pid: "$pid", processStatus: "running" } } } });

    const result = await replayTrace(trace);
    expect(result.report).toBe(`pod-exits: ${trace.calls} calls replayed against the fake in-process answering as containerd 1.6: all answers match`);
    expect(result.differences).toBe(0);
  });

  test("the fake answers as the containerd version the trace's Version answer names, unless told another", async () => {
    const trace = await load();
    expect(trace.runtime?.runtimeVersion).toBe("1.6.20~ds1");
    const as24 = await replayTrace(trace, { containerd: "2.4" });
    const alpha = stepOf(trace.steps, "listContainers");
    expect(trace.steps[alpha]!.api).toBe("v1alpha2");
    expect(as24.results[alpha]!.difference).toContain('    target:     {"code":"Unimplemented","message":"unknown service runtime.v1alpha2.RuntimeService"}');
    expect(as24.report).toContain("replayed against the fake in-process answering as containerd 2.4:");
  });

  test("at other offsets the fake's time says otherwise: all calls at once, the container has not exited yet", async () => {
    const trace = await load();
    for (const step of trace.steps) step.at = 0;
    const result = await replayTrace(trace);
    const exited = stepOf(trace.steps, "containerStatus", 1);
    expect(result.results.filter((r) => r.difference).map((r) => r.index)).toContain(exited);
    expect(result.results[exited]!.difference).toContain('  outcome differs at response.status.exitCode:\n    containerd: 3\n    target:     (absent)\n');
  });

  test("a changed answer is reported with its call, the differing field and both values", async () => {
    const trace = await load();
    const index = stepOf(trace.steps, "containerStatus", 1);
    const call = trace.steps[index] as TraceCall & { response: { status: { exitCode: number } } };
    call.response.status.exitCode = 4;
    const result = await replayTrace(trace);
    expect(result.differences).toBe(1);
    const lines = result.report.split("\n");
    expect(lines.slice(0, 4)).toEqual([
      `pod-exits, step ${index} at +${call.at} ms on connection 1: v1 runtime.containerStatus`,
      "  outcome differs at response.status.exitCode:",
      "    containerd: 4",
      "    target:     3",
    ]);
    expect(lines.at(-1)).toBe(`pod-exits: ${trace.calls} calls replayed against the fake in-process answering as containerd 1.6: 1 answer differs`);
  });

  test("against a target of one's own: a strict fake cannot pull what the recorded runtime pulled", async () => {
    const strict = await createFakeCri({ seed: 1, strictImages: true });
    const result = await replayTrace(await load(), { target: fakeTarget(strict), targetName: "a strict fake" });
    await strict.close();
    expect(result.results[stepOf((await load()).steps, "pullImage")]!.difference).toContain("  outcome differs at error:");
    expect(result.report.split("\n").at(-1)).toMatch(/^pod-exits: 10 calls replayed against a strict fake: \d+ answers differ$/);
  });
});
