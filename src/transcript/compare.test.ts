import { describe, expect, test } from "vitest";
import { differenceReport, firstDifference, valueAtPath } from "./compare.ts";

describe("the difference report", () => {
  test("the first differing path, keys that are not names written quoted, and the values there", () => {
    const expected = { containers: [{ state: "RUNNING", annotations: { "io.kubernetes.container.restartCount": "0" } }] };
    const actual = { containers: [{ state: "RUNNING", annotations: { "io.kubernetes.container.restartCount": "1" } }] };
    const path = firstDifference(expected, actual)!;
    expect(path).toBe('containers[0].annotations["io.kubernetes.container.restartCount"]');
    expect([valueAtPath(expected, path), valueAtPath(actual, path)]).toEqual(["0", "1"]);
    expect(differenceReport("t, step 3: v1 runtime.listContainers", "outcome", expected, actual).split("\n").slice(0, 4)).toEqual([
      "t, step 3: v1 runtime.listContainers",
      '  outcome differs at containers[0].annotations["io.kubernetes.container.restartCount"]:',
      '    containerd: "0"',
      '    target:     "1"',
    ]);
  });

  test("a value missing on one side, and who recorded it", () => {
    const report = differenceReport("t", "outcome", { response: {} }, { response: { $veth1: 1 } }, "recorded");
    expect(report.split("\n").slice(1, 4)).toEqual(["  outcome differs at response.$veth1:", "    recorded: (absent)", "    target:   1"]);
  });
});
