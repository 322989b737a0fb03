import { describe, expect, test } from "vitest";
import { MarkerPairs } from "./markers.ts";

describe("MarkerPairs", () => {
  test("markers numbered otherwise match while they pair up one to one over the whole replay", () => {
    const pairs = new MarkerPairs();
    expect(pairs.match({ created: "$t1", started: "$t2" }, { created: "$t2", started: "$t1" })).toBe(true);
    expect(pairs.match({ finished: "$t2 (before createdAt)" }, { finished: "$t1 (before createdAt)" })).toBe(true);
    // $t1 of the replay is $t2 of the recording by now.
    expect(pairs.match({ created: "$t1" }, { created: "$t1" })).toBe(false);
    expect(pairs.asRecorded({ created: "$t1", started: "$t3" })).toEqual({ created: "$t2", started: "$t3" });
  });

  test("equal values must stay equal, and different ones different", () => {
    expect(new MarkerPairs().match(["$t1", "$t2"], ["$t3", "$t3"])).toBe(false);
    expect(new MarkerPairs().match(["$t1", "$t1"], ["$t3", "$t4"])).toBe(false);
  });

  test("a call that differs teaches nothing", () => {
    const pairs = new MarkerPairs();
    expect(pairs.match({ a: "$t1", state: "RUNNING" }, { a: "$t2", state: "EXITED" })).toBe(false);
    expect(pairs.match({ a: "$t1" }, { a: "$t1" })).toBe(true);
  });

  test("kinds stay apart, text around markers must be equal, runtime IDs are not renamed", () => {
    const pairs = new MarkerPairs();
    expect(pairs.match("$t1", "$ip1")).toBe(false);
    expect(pairs.match("/var/run/netns/cni-$netns1", "/run/netns/cni-$netns2")).toBe(false);
    expect(pairs.match("/var/run/netns/cni-$netns1", "/var/run/netns/cni-$netns2")).toBe(true);
    expect(pairs.match({ podSandboxId: "$id1" }, { podSandboxId: "$id2" })).toBe(false);
  });

  test("markers in keys (a veth's name) pair up too", () => {
    const pairs = new MarkerPairs();
    expect(pairs.match({ $veth1: { Mac: "$mac2" }, eth0: { Mac: "$mac1" } }, { $veth2: { Mac: "$mac2" }, eth0: { Mac: "$mac1" } })).toBe(true);
    expect(pairs.asRecorded({ $veth2: "x" })).toEqual({ $veth1: "x" });
  });
});
