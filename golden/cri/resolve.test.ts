import { describe, expect, test } from "vitest";
import { commonPrefix, resolveRequest } from "./resolve.ts";

const saved = new Map<string, never>([
  ["pod", { podSandboxId: "abc123" } as never],
  ["c1", { containerId: "f00d" } as never],
  ["c2", { containerId: "f0e1" } as never],
  ["c3", { containerId: "9999" } as never],
]);

describe("resolveRequest", () => {
  test("whole-string references, prefixes, appends and the log root resolve; function forms are reported", () => {
    const { request, derived } = resolveRequest(
      {
        podSandboxId: "$pod.podSandboxId",
        short: "$prefix(pod.podSandboxId, 3)",
        long: "$append(pod.podSandboxId, 0)",
        shared: "$commonPrefix(c*.containerId)",
        logDirectory: "$logRoot/pod",
        literal: "busybox:1.36",
      },
      saved,
      "/tmp/run",
    );
    expect(request).toEqual({
      podSandboxId: "abc123",
      short: "abc",
      long: "abc1230",
      shared: "f",
      logDirectory: "/tmp/run/pod",
      literal: "busybox:1.36",
    });
    expect(derived.map((d) => d.expression)).toEqual([
      "$prefix(pod.podSandboxId, 3)",
      "$append(pod.podSandboxId, 0)",
      "$commonPrefix(c*.containerId)",
    ]);
  });

  test("a reference to a name no step saved, or an unknown $ form, is an error rather than a literal", () => {
    expect(() => resolveRequest({ id: "$nosuch.id" }, saved, "/tmp")).toThrow(/no earlier step saved/);
    expect(() => resolveRequest({ id: "$typo(pod.podSandboxId)" }, saved, "/tmp")).toThrow(/unknown reference form/);
  });
});

describe("commonPrefix", () => {
  test("seventeen IDs always share a first hex digit; the smallest shortest shared prefix wins", () => {
    const ids = Array.from({ length: 17 }, (_, i) => `${i.toString(16)}${"0".repeat(63)}`.slice(0, 64));
    expect(commonPrefix(ids)).toBe("1");
    expect(commonPrefix(["ab1", "ab2", "cd1", "cd2"])).toBe("a");
    expect(commonPrefix(["ab1", "ab2", "cd1"])).toBe("a");
    expect(commonPrefix(["ab1", "ac2", "b"])).toBe("a");
    expect(commonPrefix(["ab1", "ab2", "a"])).toBe("a");
    expect(() => commonPrefix(["a", "b"])).toThrow(/share a prefix/);
  });
});
