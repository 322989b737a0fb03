// Which CDI devices a CreateContainer request names, and that none resolves on the fake.

import { describe, expect, test } from "vitest";
import { injectCdiDevices, requestedCdiDevices } from "./cdi.ts";

describe("requestedCdiDevices", () => {
  test("CDIDevices in order, then the devices of cdi.k8s.io/ annotations by key, each once; other annotations are not read", () => {
    const field = [{ name: "vendor.example/gpu=1" }, { name: "vendor.example/gpu=1" }];
    const annotations = { "cdi.k8s.io/b": "vendor.example/nic=eth0", "cdi.k8s.io/a": "vendor.example/gpu=0,vendor.example/gpu=1", "cdi.example/x": "junk" };
    expect(requestedCdiDevices(field, annotations)).toEqual(["vendor.example/gpu=1", "vendor.example/gpu=0", "vendor.example/nic=eth0"]);
  });

  test("an annotation naming no qualified device fails; a CDIDevices name is taken as given", () => {
    expect(() => requestedCdiDevices([], { "cdi.k8s.io/x": "not-a-device" })).toThrow('failed to parse CDI device annotations: invalid CDI device name "not-a-device"');
    expect(requestedCdiDevices([{ name: "not-a-device" }], {})).toEqual(["not-a-device"]);
  });
});

test("injectCdiDevices: nothing asked, nothing to do; any device is unresolvable, all named", () => {
  expect(() => injectCdiDevices([])).not.toThrow();
  expect(() => injectCdiDevices(["vendor.example/gpu=0", "vendor.example/gpu=1"])).toThrow(
    "CDI device injection failed: unresolvable CDI devices vendor.example/gpu=0, vendor.example/gpu=1",
  );
});
