import { describe, expect, it } from "vitest";
import { defaultUnixSpec, parseSpec, specAny, specJson } from "./oci-defaults.ts";

describe("containerd's default Linux OCI spec", () => {
  it("is written as containerd 1.6.20's json.Marshal writes populateDefaultUnixSpec for k8s.io", () => {
    expect(specJson(defaultUnixSpec("abc"))).toBe(
      '{"ociVersion":"1.0.2-dev","process":{"user":{"uid":0,"gid":0},"cwd":"/","capabilities":{"bounding":' +
        '["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"],' +
        '"effective":["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"],' +
        '"permitted":["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"]},' +
        '"rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}],"noNewPrivileges":true},"root":{"path":"rootfs"},' +
        '"mounts":[{"destination":"/proc","type":"proc","source":"proc","options":["nosuid","noexec","nodev"]},' +
        '{"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]},' +
        '{"destination":"/dev/pts","type":"devpts","source":"devpts","options":["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620","gid=5"]},' +
        '{"destination":"/dev/shm","type":"tmpfs","source":"shm","options":["nosuid","noexec","nodev","mode=1777","size=65536k"]},' +
        '{"destination":"/dev/mqueue","type":"mqueue","source":"mqueue","options":["nosuid","noexec","nodev"]},' +
        '{"destination":"/sys","type":"sysfs","source":"sysfs","options":["nosuid","noexec","nodev","ro"]},' +
        '{"destination":"/run","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]}],' +
        '"linux":{"resources":{"devices":[{"allow":false,"access":"rwm"}]},"cgroupsPath":"/k8s.io/abc",' +
        '"namespaces":[{"type":"pid"},{"type":"ipc"},{"type":"uts"},{"type":"mount"},{"type":"network"}],' +
        '"maskedPaths":["/proc/acpi","/proc/asound","/proc/kcore","/proc/keys","/proc/latency_stats","/proc/timer_list","/proc/timer_stats","/proc/sched_debug","/sys/firmware","/proc/scsi"],' +
        '"readonlyPaths":["/proc/bus","/proc/fs","/proc/irq","/proc/sys","/proc/sysrq-trigger"]}}',
    );
  });

  it("puts the containerd namespace into the cgroups path", () => {
    expect(defaultUnixSpec("x", "other").linux?.cgroupsPath).toBe("/other/x");
  });

  it("gives fresh objects and lists of mounts and namespaces every time; the parts it shares are frozen", () => {
    const a = defaultUnixSpec("x");
    a.process!.capabilities!.bounding = a.process!.capabilities!.bounding!.slice(1);
    a.mounts!.pop();
    a.linux!.namespaces!.pop();
    a.process!.user.uid = 1;
    const b = defaultUnixSpec("x");
    expect(b.process!.capabilities!.bounding).toHaveLength(14);
    expect(b.mounts).toHaveLength(7);
    expect(b.linux!.namespaces).toHaveLength(5);
    expect(b.process!.user.uid).toBe(0);
    expect(() => (b.process!.capabilities!.effective as string[]).push("CAP_SYS_ADMIN")).toThrow(TypeError);
    expect(() => ((b.mounts![0]!.options as string[])[0] = "rw")).toThrow(TypeError);
  });

  it("reads back what it stored, int64 fields as bigint, and writes it again identically", () => {
    const spec = defaultUnixSpec("x");
    spec.annotations = { b: "2", a: "1" };
    spec.process!.oomScoreAdj = 0;
    spec.linux!.resources!.memory = { limit: 9007199254740993n };
    const back = parseSpec(specAny(spec));
    expect(back.process?.rlimits?.[0]?.hard).toBe(1024n);
    expect(back.linux?.resources?.memory?.limit).toBe(9007199254740993n);
    expect(specJson(back)).toBe(specJson(spec));
    expect(specJson(back)).toContain('"annotations":{"a":"1","b":"2"}');
    expect(specJson(back)).toContain('"oomScoreAdj":0');
  });
});
