// The default profile's shape; golden/go/replay/seccompdefault.test.ts proves it against
// containerd's Go for many capability sets.
import { describe, expect, test } from "vitest";
import { defaultPlatform } from "../../../fake-containerd/images/platforms.ts";
import { defaultSeccompProfile } from "./seccomp-default.ts";

const ruleNames = (bounding: string[]) => defaultSeccompProfile(bounding).syscalls!.map((rule) => rule.names.join(","));

describe("defaultSeccompProfile", () => {
  test("is built for the fake node's architecture, amd64", () => {
    expect(defaultPlatform.architecture).toBe("amd64");
    expect(defaultSeccompProfile([]).architectures).toEqual(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
  });

  test("without CAP_SYS_ADMIN, clone may not make namespaces and clone3 fails with ENOSYS", () => {
    const profile = defaultSeccompProfile(["CAP_CHOWN"]);
    expect(profile.defaultAction).toBe("SCMP_ACT_ERRNO");
    expect(profile.syscalls!.slice(-2)).toEqual([
      { names: ["clone"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 0x7e020000n, op: "SCMP_CMP_MASKED_EQ" }] },
      { names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 },
    ]);
    expect(ruleNames(["CAP_SYS_ADMIN"]).at(-1)).toMatch(/^bpf,clone,clone3,/);
  });

  test("adds one rule per capability held, in the bounding set's order, repeats included", () => {
    const base = ruleNames([]).slice(0, -2);
    expect(ruleNames(["CAP_SYS_TIME", "CAP_BPF", "CAP_KILL", "CAP_BPF"])).toEqual([
      ...base,
      "settimeofday,stime,clock_settime,clock_settime64",
      "bpf",
      "bpf",
      "clone",
      "clone3",
    ]);
  });

  test("each call gives a profile of its own", () => {
    const first = defaultSeccompProfile([]);
    first.syscalls![0]!.names.push("reboot");
    expect(defaultSeccompProfile([]).syscalls![0]!.names).not.toContain("reboot");
  });
});
