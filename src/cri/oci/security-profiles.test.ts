// Which seccomp option a sandbox's or container's security context gets (generateSeccompSpecOpts).
import { describe, expect, test } from "vitest";
import { SecurityProfile_ProfileType, type SecurityProfile } from "../api/v1.ts";
import { MemoryHostFs } from "../../node/host-fs.ts";
import { defaultUnixSpec, type RuntimeSpec } from "./oci-defaults.ts";
import { defaultSeccompProfile } from "./seccomp-default.ts";
import { seccompSpecOpt } from "./security-profiles.ts";

const fs = new MemoryHostFs();
const profile = (profileType: SecurityProfile_ProfileType, localhostRef = ""): SecurityProfile => ({ profileType, localhostRef });
const context = (extra: { seccomp?: SecurityProfile; seccompProfilePath?: string; privileged?: boolean }) => ({
  seccompProfilePath: "",
  privileged: false,
  ...extra,
});

/** The seccomp section a spec with `bounding` capabilities ends with, or undefined without an option. */
function applied(opt: ((spec: RuntimeSpec) => void) | undefined, bounding: string[]) {
  if (opt === undefined) return undefined;
  const spec = defaultUnixSpec("id");
  spec.process!.capabilities = { bounding, effective: bounding, permitted: bounding };
  opt(spec);
  return spec.linux!.seccomp;
}

describe("seccompSpecOpt", () => {
  test("RuntimeDefault, however asked, sets the default profile of the spec's bounding capabilities", () => {
    const runtimeDefault = profile(SecurityProfile_ProfileType.RuntimeDefault);
    for (const [ctx, unset] of [
      [context({ seccomp: runtimeDefault }), ""],
      [context({ seccompProfilePath: "runtime/default" }), ""],
      [context({ seccompProfilePath: "docker/default" }), ""],
      [context({}), "runtime/default"],
      [undefined, "docker/default"],
    ] as const) {
      const opt = seccompSpecOpt(ctx, unset, fs);
      expect(applied(opt, ["CAP_CHOWN"])).toEqual(defaultSeccompProfile(["CAP_CHOWN"]));
      expect(applied(opt, ["CAP_SYS_ADMIN", "CAP_SYS_PTRACE"])).toEqual(defaultSeccompProfile(["CAP_SYS_ADMIN", "CAP_SYS_PTRACE"]));
    }
  });

  test("the profile follows the capabilities the spec has when the option runs", () => {
    const opt = seccompSpecOpt(context({ seccomp: profile(SecurityProfile_ProfileType.RuntimeDefault) }), "", fs)!;
    const spec = defaultUnixSpec("id");
    spec.process!.capabilities!.bounding = [...spec.process!.capabilities!.bounding!, "CAP_SYS_ADMIN"];
    opt(spec);
    expect(spec.linux!.seccomp).toEqual(defaultSeccompProfile(spec.process!.capabilities!.bounding!));
    expect(spec.linux!.seccomp!.syscalls!.some((rule) => rule.names.includes("mount"))).toBe(true);
  });

  test("a privileged process, an unconfined profile, or none asked gets no option", () => {
    const runtimeDefault = profile(SecurityProfile_ProfileType.RuntimeDefault);
    expect(seccompSpecOpt(context({ seccomp: runtimeDefault, privileged: true }), "", fs)).toBeUndefined();
    expect(seccompSpecOpt(context({ privileged: true }), "runtime/default", fs)).toBeUndefined();
    expect(seccompSpecOpt(context({ seccomp: profile(SecurityProfile_ProfileType.Unconfined) }), "runtime/default", fs)).toBeUndefined();
    expect(seccompSpecOpt(context({ seccompProfilePath: "unconfined" }), "runtime/default", fs)).toBeUndefined();
    expect(seccompSpecOpt(context({}), "", fs)).toBeUndefined();
    expect(seccompSpecOpt(undefined, "", fs)).toBeUndefined();
  });

  test("bad profiles fail as containerd's generateSeccompSpecOpts does", () => {
    expect(() => seccompSpecOpt(context({ seccomp: profile(SecurityProfile_ProfileType.RuntimeDefault, "x") }), "", fs)).toThrow(
      "failed to generate seccomp spec opts: seccomp config invalid LocalhostRef must only be set if ProfileType is Localhost",
    );
    expect(() => seccompSpecOpt(context({ seccompProfilePath: "bogus" }), "", fs)).toThrow('failed to generate seccomp spec opts: invalid profile "bogus"');
  });
});
