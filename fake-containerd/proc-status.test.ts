import { describe, expect, test } from "vitest";
import { procStatus } from "./proc-status.ts";

describe("/proc/<pid>/status", () => {
  const defaults = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"];
  const caps = { bounding: defaults, effective: defaults, permitted: defaults };
  const root = { uid: 0, gid: 0, additionalGids: [0] };

  test("containerd's default capabilities as the kernel prints them, for root", () => {
    expect(procStatus({ name: "cat", user: root, pid: 7, ppid: 0, running: true }, { process: { capabilities: caps } })).toBe(
      "Name:\tcat\nState:\tR (running)\nTgid:\t7\nPid:\t7\nPPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t0 \n" +
        "CapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\n" +
        "NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n",
    );
  });

  test("a user other than root keeps only the ambient set; no_new_privs and a seccomp filter show", () => {
    const user = { uid: 1000, gid: 2000, additionalGids: [2000, 3000] };
    const status = procStatus({ name: "a-very-long-command-name", user, pid: 6, ppid: 1, running: false }, {
      process: { capabilities: { ...caps, ambient: ["CAP_NET_ADMIN"] }, noNewPrivileges: true },
      linux: { seccomp: { defaultAction: "SCMP_ACT_ERRNO" } },
    });
    expect(status).toContain("Name:\ta-very-long-com\nState:\tS (sleeping)\nTgid:\t6\nPid:\t6\nPPid:\t1\n");
    expect(status).toContain("Groups:\t2000 3000 \nCapInh:\t0000000000000000\nCapPrm:\t0000000000001000\nCapEff:\t0000000000001000\nCapBnd:\t00000000a80425fb\nCapAmb:\t0000000000001000\n");
    expect(status).toContain("NoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t1\n");
  });
});
