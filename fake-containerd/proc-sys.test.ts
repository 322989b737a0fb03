import { describe, expect, test } from "vitest";
import { readProcSys, type SysctlSpec } from "./proc-sys.ts";

const decoder = new TextDecoder();

describe("/proc/sys", () => {
  const sandbox: SysctlSpec = {
    hostname: "pod",
    linux: {
      sysctl: { "kernel.msgmax": "9000", "fs.mqueue.msg_max": "100", "net.core.somaxconn": "1024", "net.ipv4.conf.eth0/1.forwarding": "1" },
      namespaces: [{ type: "ipc" }, { type: "uts" }, { type: "network", path: "/var/run/netns/cni-1" }, { type: "pid" }],
    },
  };
  const joining: SysctlSpec = {
    linux: { namespaces: [{ type: "ipc", path: "/proc/42/ns/ipc" }, { type: "uts", path: "/proc/42/ns/uts" }, { type: "network", path: "/proc/42/ns/net" }] },
  };
  const specs = new Map<number, SysctlSpec>([[42, sandbox]]);
  const read = (path: string, spec: SysctlSpec | undefined) => {
    const bytes = readProcSys(path, spec, (pid) => specs.get(pid));
    return bytes && decoder.decode(bytes);
  };

  test("a container reads the settings of the spec that made each namespace it is in", () => {
    expect(read("/proc/sys/kernel/msgmax", sandbox)).toBe("9000\n");
    expect(read("/proc/sys/kernel/msgmax", joining)).toBe("9000\n");
    expect(read("/proc/sys/fs/mqueue/msg_max", joining)).toBe("100\n");
    expect(read("/proc/sys/kernel/hostname", joining)).toBe("pod\n");
    expect(read("//proc/./sys/kernel/../kernel/msgmax", joining)).toBe("9000\n");
  });

  test("runc writes a spec's settings into a namespace it joins by file (the pod's CNI network namespace)", () => {
    expect(read("/proc/sys/net/core/somaxconn", sandbox)).toBe("1024\n");
    expect(read("/proc/sys/net/core/somaxconn", joining)).toBe("1024\n");
  });

  test("the host's namespaces, and a process that is gone, hold settings the fake does not know", () => {
    expect(read("/proc/sys/kernel/msgmax", { linux: { sysctl: { "kernel.msgmax": "1" }, namespaces: [] } })).toBeUndefined();
    expect(read("/proc/sys/kernel/msgmax", { linux: { namespaces: [{ type: "ipc", path: "/proc/7/ns/ipc" }] } })).toBeUndefined();
  });

  test("a sysctl whose dots are a path's slashes; settings no namespace holds; paths outside /proc/sys", () => {
    const own: SysctlSpec = { linux: { sysctl: { "net.ipv4.conf.eth0/1.forwarding": "1", "vm.swappiness": "1" }, namespaces: [{ type: "network" }] } };
    expect(read("/proc/sys/net/ipv4/conf/eth0/1/forwarding", own)).toBe("1\n");
    expect(read("/proc/sys/vm/swappiness", own)).toBeUndefined();
    expect(read("/proc/sys", own)).toBeUndefined();
    expect(read("/etc/hostname", own)).toBeUndefined();
    expect(read("/proc/sys/kernel/msgmax", undefined)).toBeUndefined();
  });
});
