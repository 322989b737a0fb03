// brctl, ping, chmod, mount, `hostname NAME` and nnp under a process's privileges, and a masked command:
// the texts are those of golden/cri/<version>/exec-sync-capabilities.json, exec-sync-seccomp.json
// and exec-sync-masked-readonly-paths.json.

import { describe, expect, test } from "vitest";
import { privilegesOf, type Privileges } from "../../privileges.ts";
import { emulated, sh, transcript, type EmulateOptions } from "../testing/emulate.ts";

const root = { uid: 0, gid: 0, additionalGids: [] };
const withCaps = (...effective: string[]): Privileges => privilegesOf({ process: { capabilities: { effective } } }, root);
const blocking = (...names: string[]): Privileges =>
  privilegesOf({ process: { capabilities: { effective: ["CAP_SYS_ADMIN"] } }, linux: { seccomp: { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names, action: "SCMP_ACT_ERRNO" }] } } }, root);
const run = async (args: string[], options: EmulateOptions) => transcript(await emulated(args, options));

describe("what a process's capabilities and seccomp filter let busybox do", () => {
  test("brctl addbr needs CAP_NET_ADMIN", async () => {
    expect(await run(["brctl", "addbr", "foobar"], { privileges: withCaps("CAP_NET_ADMIN") })).toBe("exit 0");
    expect(await run(["brctl", "addbr", "foobar"], { privileges: withCaps("CAP_NET_RAW") })).toBe("stderr:brctl: bridge foobar: Operation not permitted\nexit 1");
    expect(await emulated(["brctl", "show"], { privileges: withCaps("CAP_NET_ADMIN") })).toMatchObject({ exit: { code: 127 } });
  });

  test("ping prints its banner, then needs CAP_NET_RAW for its socket; with it, pinging is not emulated", async () => {
    expect(await run(["ping", "127.0.0.1"], { privileges: withCaps() })).toBe(
      "stdout:PING 127.0.0.1 (127.0.0.1): 56 data bytes\nstderr:ping: permission denied (are you root?)\nexit 1",
    );
    expect(await emulated(["ping", "-c", "1", "127.0.0.1"], { privileges: withCaps("CAP_NET_RAW") })).toMatchObject({ exit: { code: 127 } });
  });

  test("hostname NAME needs CAP_SYS_ADMIN and a filter that lets sethostname through", async () => {
    expect(await run(["hostname", "ANewHostName"], { privileges: withCaps("CAP_SYS_ADMIN") })).toBe("exit 0");
    expect(await run(["hostname", "ANewHostName"], { privileges: withCaps() })).toBe("stderr:hostname: sethostname: Operation not permitted\nexit 1");
    expect(await run(["hostname", "ANewHostName"], { privileges: blocking("sethostname") })).toBe("stderr:hostname: sethostname: Operation not permitted\nexit 1");
  });

  test("mount --bind needs CAP_SYS_ADMIN; allowed, it mounts (container-execsync-mounts.test.ts); listing the mounts is not emulated", async () => {
    expect(await run(["mount", "--bind", "/etc", "/tmp"], { privileges: withCaps("CAP_NET_ADMIN") })).toBe("stderr:mount: permission denied (are you root?)\nexit 1");
    expect(await run(["sh", "-c", "mount -o bind /etc /tmp; echo [$?]"], { privileges: withCaps() })).toBe("stderr:mount: permission denied (are you root?)\nstdout:[1]\nexit 0");
    expect(await run(["mount", "--bind", "/etc", "/tmp"], { privileges: withCaps("CAP_SYS_ADMIN"), files: { "/": ["etc", "tmp"], "/etc": [], "/tmp": [] } })).toBe("exit 0");
    expect(await emulated(["mount"], { privileges: withCaps("CAP_SYS_ADMIN") })).toMatchObject({ exit: { code: 127 } });
  });

  test("chmod as root: the filter, then the file and its filesystem; as another user it is not emulated", async () => {
    expect(await run(["chmod", "400", "/"], { privileges: blocking("chmod", "fchmodat"), files: { "/": ["tmp"] } })).toBe("stderr:chmod: /: Operation not permitted\nexit 1");
    expect(await run(["chmod", "755", "/tmp", "/nope"], { privileges: withCaps(), files: { "/tmp": [] } })).toBe("stderr:chmod: /nope: No such file or directory\nexit 1");
    expect(await run(["chmod", "u+x", "/tmp"], { privileges: withCaps(), files: { "/tmp": [] }, readOnly: () => true })).toBe("stderr:chmod: /tmp: Read-only file system\nexit 1");
    expect(await run(["chmod", "9", "/tmp"], { privileges: withCaps(), files: { "/tmp": [] } })).toBe("stderr:chmod: invalid mode '9'\nexit 1");
    expect(await emulated(["chmod", "755", "/tmp"], { privileges: withCaps(), user: { uid: 1000, gid: 1000, additionalGids: [] }, files: { "/tmp": [] } })).toMatchObject({ exit: { code: 127 } });
  });
});

describe("programs of other images and masked files", () => {
  const nnpImage = { env: ["PATH=/usr/local/bin:/bin"], hasFile: (path: string) => path === "/usr/local/bin/nnp" || path === "/bin/sh", exec: false };
  const user = { uid: 1000, gid: 1000, additionalGids: [] };

  test("nnp, setuid root, prints effective uid 0 run by another user, unless the process has no_new_privs", async () => {
    expect(await run(["nnp"], { ...nnpImage, user, privileges: privilegesOf({}, user) })).toBe("stdout:Effective uid: 0\nexit 0");
    expect(await run(["nnp"], { ...nnpImage, user, privileges: privilegesOf({ process: { noNewPrivileges: true } }, user) })).toBe("stdout:Effective uid: 1000\nexit 0");
  });

  test("nnp is no applet of a busybox image that lacks it", async () => {
    expect(await run(["sh", "-c", "nnp"], { env: ["PATH=/bin"], hasFile: (path) => path === "/bin/sh" })).toBe("stderr:sh: nnp: not found\nexit 127");
  });

  test("a masked file does not run: the shell, named as run, says Permission denied (126)", async () => {
    const masked = privilegesOf({ linux: { maskedPaths: ["/bin/ls", "/vol/run.sh"] } }, root);
    const image = { env: ["PATH=/usr/bin:/bin"], hasFile: (path: string) => path === "/bin/sh" || path === "/bin/busybox", privileges: masked };
    expect(await run(["/bin/sh", "-c", "ls"], image)).toBe("stderr:/bin/sh: ls: Permission denied\nexit 126");
    expect(await run(["sh", "-c", "/vol/run.sh"], { ...image, files: { "/vol/run.sh": "" } })).toBe("stderr:sh: /vol/run.sh: Permission denied\nexit 126");
    expect(await sh("ls /", { ...image, privileges: privilegesOf({}, root), files: { "/": ["bin"] } })).toMatchObject({ exit: { code: 0 } });
  });
});
