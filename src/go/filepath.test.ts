import { expect, test } from "vitest";
import { clean, join } from "./filepath.ts";

test("join builds containerd's state directories", () => {
  expect(join("/run/containerd/io.containerd.grpc.v1.cri", "sandboxes", "abc")).toBe(
    "/run/containerd/io.containerd.grpc.v1.cri/sandboxes/abc",
  );
  expect(join("/var/lib/containerd/", "containers", "../../etc")).toBe("/var/lib/etc");
});

test("join of nothing, or of empty elements only, is empty; clean of empty is .", () => {
  expect(join()).toBe("");
  expect(join("", "")).toBe("");
  expect(clean("")).toBe(".");
});

test("clean drops .. at the root and keeps it at the front of a relative path", () => {
  expect(clean("/../a/..")).toBe("/");
  expect(clean("a/../../b/.")).toBe("../b");
  expect(clean("../../a/../..")).toBe("../../..");
});

test("characters other than / and . pass through, lone surrogates included", () => {
  expect(clean("\ud800//./\\x/..")).toBe("\ud800");
  expect(clean("a\\b/../ c ")).toBe(" c ");
});
