import { describe, expect, test } from "vitest";
import { RUNC_OPTIONS_URL, RUNC_V2_OPTIONS_URL, RUNHCS_OPTIONS_URL, RUNTIME_OPTIONS_V1_URL } from "../../go/toml-options.ts";
import { marshalAny } from "../../go/typeurl.ts";
import type { CriRuntime } from "./config-types.ts";
import {
  RUNTIME_LINUX_V1,
  RUNTIME_RUNC_V1,
  RUNTIME_RUNC_V2,
  RUNTIME_RUNHCS_V1,
  generateRuntimeOptions,
  getRuntimeOptions,
  getRuntimeOptionsType,
} from "./runtime-options.ts";

function runtime(overrides: Partial<CriRuntime>): CriRuntime {
  return {
    type: RUNTIME_RUNC_V2,
    engine: "",
    root: "",
    podAnnotations: [],
    containerAnnotations: [],
    privilegedWithoutHostDevices: false,
    baseRuntimeSpec: "",
    ...overrides,
  };
}

describe("generateRuntimeOptions", () => {
  test("a legacy linux runtime without options gets RuncOptions from engine, root and systemd_cgroup", () => {
    const options = generateRuntimeOptions(runtime({ type: RUNTIME_LINUX_V1, engine: "/usr/bin/runc", root: "/run/runc" }), {
      systemdCgroup: true,
    });
    expect(options).toEqual({
      typeUrl: RUNC_OPTIONS_URL,
      message: { runtime: "/usr/bin/runc", runtimeRoot: "/run/runc", criuPath: "", systemdCgroup: true },
    });
  });

  test("other runtimes without options get none", () => {
    expect(generateRuntimeOptions(runtime({ type: RUNTIME_RUNC_V2 }), { systemdCgroup: true })).toBeUndefined();
  });

  test("an empty table is not absent: it gives empty options of the runtime's type", () => {
    const options = generateRuntimeOptions(runtime({ type: RUNTIME_LINUX_V1, engine: "e", options: {} }), { systemdCgroup: true });
    expect(options).toEqual(getRuntimeOptionsType(RUNTIME_LINUX_V1));
  });

  test("options decode into the runtime type's struct", () => {
    const options = generateRuntimeOptions(runtime({ options: { BinaryName: "crun", SystemdCgroup: true, IoUid: 1000n } }), {
      systemdCgroup: false,
    });
    expect(options?.message).toMatchObject({ binaryName: "crun", systemdCgroup: true, ioUid: 1000 });
  });
});

test("getRuntimeOptionsType picks the struct by runtime type, runtimeoptions.v1 for anything else", () => {
  expect(
    [RUNTIME_RUNC_V1, RUNTIME_RUNC_V2, RUNTIME_LINUX_V1, RUNTIME_RUNHCS_V1, "io.containerd.kata.v2", "IO.CONTAINERD.RUNC.V2"].map(
      (t) => getRuntimeOptionsType(t).typeUrl,
    ),
  ).toEqual([RUNC_V2_OPTIONS_URL, RUNC_V2_OPTIONS_URL, RUNC_OPTIONS_URL, RUNHCS_OPTIONS_URL, RUNTIME_OPTIONS_V1_URL, RUNTIME_OPTIONS_V1_URL]);
});

describe("getRuntimeOptions", () => {
  test("a container without options has none", () => {
    expect(getRuntimeOptions({ runtime: {} })).toBeUndefined();
  });

  test("a container's stored Any reads back as the options it was made from", () => {
    const options = generateRuntimeOptions(runtime({ type: RUNTIME_RUNHCS_V1, options: { DebugType: 2n, VmProcessorCount: -1n } }), {
      systemdCgroup: false,
    })!;
    expect(getRuntimeOptions({ runtime: { options: marshalAny(options) } })).toEqual(options);
  });
});
