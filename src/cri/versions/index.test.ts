// Which profile answers as a runtime that a Version answer names.

import { describe, expect, test } from "vitest";
import { containerdVersionOf } from "./index.ts";

describe("containerdVersionOf", () => {
  test("containerd of a release the fake has a profile for, by major and minor: release tags and distribution versions", () => {
    expect(containerdVersionOf({ runtimeName: "containerd", runtimeVersion: "v2.4.2" })).toBe("2.4");
    expect(containerdVersionOf({ runtimeName: "containerd", runtimeVersion: "v2.4.0-rc.1" })).toBe("2.4");
    expect(containerdVersionOf({ runtimeName: "containerd", runtimeVersion: "1.6.20~ds1" })).toBe("1.6");
  });

  test("another release or another runtime has none", () => {
    expect(containerdVersionOf({ runtimeName: "containerd", runtimeVersion: "v1.7.27" })).toBeUndefined();
    expect(containerdVersionOf({ runtimeName: "containerd", runtimeVersion: "" })).toBeUndefined();
    expect(containerdVersionOf({ runtimeName: "cri-o", runtimeVersion: "1.6.2" })).toBeUndefined();
  });
});
