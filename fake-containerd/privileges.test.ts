import { describe, expect, test } from "vitest";
import { defaultSeccompProfile } from "../src/cri/oci/seccomp-default.ts";
import { errnoText, privilegesOf, refusal } from "./privileges.ts";

const root = { uid: 0, gid: 0, additionalGids: [] };
const user = { uid: 1000, gid: 1000, additionalGids: [] };
const defaults = ["CAP_CHOWN", "CAP_NET_RAW", "CAP_SETUID"];
const spec = (effective: string[], seccomp?: unknown, ambient: string[] = []) => ({ process: { capabilities: { effective, ambient } }, linux: { seccomp } });
const sethostname = { syscall: "sethostname", capability: "CAP_SYS_ADMIN" };

describe("what the kernel lets a container's process do", () => {
  test("a call that checks a capability needs it in the effective set; a user other than root keeps only the ambient set", () => {
    expect(refusal(privilegesOf(spec(defaults), root), { syscall: "socket", capability: "CAP_NET_RAW" })).toBeUndefined();
    expect(refusal(privilegesOf(spec(defaults), root), sethostname)).toBe(1);
    expect(refusal(privilegesOf(spec(defaults), user), { syscall: "socket", capability: "CAP_NET_RAW" })).toBe(1);
    expect(refusal(privilegesOf(spec(defaults, undefined, ["CAP_NET_RAW"]), user), { syscall: "socket", capability: "CAP_NET_RAW" })).toBeUndefined();
  });

  test("the seccomp filter comes first: a Localhost profile's rule refuses a call a capability would allow, with its errno", () => {
    const blocking = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["sethostname"], action: "SCMP_ACT_ERRNO" }, { names: ["chmod"], action: "SCMP_ACT_ERRNO", errnoRet: 38 }] };
    const privileges = privilegesOf(spec([...defaults, "CAP_SYS_ADMIN"], blocking), root);
    expect(refusal(privileges, sethostname)).toBe(1);
    expect(refusal(privileges, { syscall: "chmod" })).toBe(38);
    expect(errnoText(38)).toBe("Function not implemented");
    expect(refusal(privileges, { syscall: "mkdir" })).toBeUndefined();
  });

  test("the runtime's default profile allows sethostname only with CAP_SYS_ADMIN in the bounding set", () => {
    expect(refusal(privilegesOf(spec([...defaults, "CAP_SYS_ADMIN"], defaultSeccompProfile([...defaults, "CAP_SYS_ADMIN"])), root), sethostname)).toBeUndefined();
    expect(refusal(privilegesOf(spec([...defaults, "CAP_SYS_ADMIN"], defaultSeccompProfile(defaults)), root), sethostname)).toBe(1);
  });

  test("rules with argument conditions are not evaluated, and actions that kill or trap are not followed", () => {
    const conditional = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["chmod"], action: "SCMP_ACT_ERRNO", args: [{ index: 1, value: 0, op: "SCMP_CMP_EQ" }] }] };
    expect(refusal(privilegesOf(spec([], conditional), root), { syscall: "chmod" })).toBeUndefined();
    expect(refusal(privilegesOf(spec([], { defaultAction: "SCMP_ACT_KILL_PROCESS" }), root), { syscall: "chmod" })).toBe("unknown");
  });

  test("no_new_privs and the masked paths come from the spec; a spec without them has neither", () => {
    const privileges = privilegesOf({ process: { noNewPrivileges: true }, linux: { maskedPaths: ["/bin//ls", 7] } }, root);
    expect(privileges).toEqual({ capabilities: [], seccomp: undefined, noNewPrivileges: true, maskedPaths: ["/bin/ls"] });
    expect(privilegesOf({}, root)).toEqual({ capabilities: [], seccomp: undefined, noNewPrivileges: false, maskedPaths: [] });
  });
});
