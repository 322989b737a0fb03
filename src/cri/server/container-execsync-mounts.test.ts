// Mounts between the node and a privileged container, as critest's Container Mount Propagation and
// Container Mount Readonly specs make them: the node's mount table (a mountinfo file in the node's
// files) decides what a bind mount shows of the mounts below its source, and the container's own
// `mount --bind` and `mount -t tmpfs` change what its paths show. The expected outputs are those
// of containerd 2.4.2 and 1.6.20 (runc 1.1.5, busybox 1.36) for the same steps, with the node's
// mounts made for real: `mount --bind $H/mnt $H/mnt && mount --make-rprivate (or --make-rshared)
// $H/mnt; mount -t tmpfs none $H/ro/tmpfs; mount --bind $H/src $H/mnt/pre`, the container started
// with `$H/mnt` at `$H/mnt` (the propagation under test) and `$H/ro` read-only at `/ro`, then
// `mount --bind $H/src $H/mnt/sub` on the node, then each ExecSync below. Where the node cannot
// see what the container mounted, the fake differs on purpose (golden/cri/KNOWN_DIFFERENCES.md).

import { afterEach, describe, expect, test } from "vitest";
import { MountPropagation, type MountPropagation as Propagation } from "../api/v1.ts";
import { create, createAndStart, newFake, rejection, runPod, text } from "../testing/container-fixtures.ts";
import { Code } from "../errors.ts";
import type { FakeCri } from "../../harness/index.ts";
import { MemoryHostFs } from "../../node/host-fs.ts";
import { memoryNodeFiles } from "../../node/node-files.ts";

const mountTable = "/proc/self/mountinfo";
const privileged = { linux: { securityContext: { privileged: true } } };

/** The node's mounts before the container starts: / shared, $H/mnt bound on itself, a mount at $H/mnt/pre, a tmpfs at $H/ro/tmpfs. */
function mountInfo(shared: boolean, later = ""): string {
  const peer = shared ? " shared:7" : "";
  return (
    "21 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n" +
    `30 21 254:0 /h/mnt /h/mnt rw,relatime${peer} - ext4 /dev/vda rw\n` +
    `31 30 254:0 /h/src /h/mnt/pre rw,relatime${peer} - ext4 /dev/vda rw\n` +
    "32 21 0:40 / /h/ro/tmpfs rw,relatime shared:9 - tmpfs none rw\n" +
    later
  );
}

let fake: FakeCri | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** A fake whose node follows its mount table, with $H laid out as the node shows it, and a container started on it. */
async function started(propagation: Propagation, options: { table?: boolean; containerd?: "1.6" | "2.4"; recursiveReadOnly?: boolean } = {}) {
  const hostFs = new MemoryHostFs();
  for (const dir of ["/h/mnt/sub", "/h/mnt/pre", "/h/src", "/h/ro/tmpfs", "/h/ro/plain", "/proc/self"]) hostFs.mkdirAll(dir);
  hostFs.writeFile("/h/src/flagFile", "");
  // What the node reads under its mount at $H/mnt/pre: $H/src's files.
  hostFs.writeFile("/h/mnt/pre/flagFile", "");
  const shared = propagation !== MountPropagation.PROPAGATION_PRIVATE;
  if (options.table !== false) hostFs.writeFile(mountTable, mountInfo(shared));
  const nodeFiles = { ...memoryNodeFiles(hostFs), ...(options.table !== false ? { mountTable } : {}) };
  fake = await newFake({ hostFs, nodeFiles, containerd: options.containerd ?? "1.6" });
  const pod = await runPod(fake, "pod", privileged);
  const id = await createAndStart(fake, pod, "app", ["sleep", "infinity"], {
    ...privileged,
    mounts: [
      { hostPath: "/h/mnt", containerPath: "/h/mnt", propagation },
      { hostPath: "/h/ro", containerPath: "/ro", readonly: true, recursiveReadOnly: options.recursiveReadOnly ?? false },
    ],
  });
  // The node mounts $H/src at $H/mnt/sub after the start.
  if (options.table !== false) hostFs.writeFile(mountTable, mountInfo(shared, `40 30 254:0 /h/src /h/mnt/sub rw,relatime${shared ? " shared:7" : ""} - ext4 /dev/vda rw\n`));
  hostFs.writeFile("/h/mnt/sub/flagFile", "");
  const exec = async (...cmd: string[]) => {
    const r = await fake!.runtime.execSync({ containerId: id, cmd, timeout: 10n });
    return `${text(r.stdout)}${text(r.stderr)}[${r.exitCode}]`;
  };
  return { hostFs, exec };
}

describe("mount propagation between the node and a container", () => {
  test("rprivate: a mount the node makes after the start stays out (an empty directory, changes there reach nothing of the node's); one made before shows", async () => {
    const { hostFs, exec } = await started(MountPropagation.PROPAGATION_PRIVATE);
    expect(await exec("ls", "-A", "/h/mnt/sub")).toBe("[0]");
    expect(await exec("ls", "-A", "/h/mnt/pre")).toBe("flagFile\n[0]");
    expect(await exec("touch", "/h/mnt/sub/new")).toBe("[0]");
    expect(hostFs.readDir("/h/mnt/sub")).toEqual(["flagFile"]);
  });

  test("rslave and rshared: a mount the node makes after the start shows in the container, and takes its changes", async () => {
    for (const propagation of [MountPropagation.PROPAGATION_HOST_TO_CONTAINER, MountPropagation.PROPAGATION_BIDIRECTIONAL]) {
      const { hostFs, exec } = await started(propagation);
      expect(await exec("ls", "-A", "/h/mnt/sub")).toBe("flagFile\n[0]");
      expect(await exec("touch", "/h/mnt/sub/new")).toBe("[0]");
      expect(hostFs.readDir("/h/mnt/sub")).toEqual(["flagFile", "new"]);
      await fake!.close();
    }
  });

  test("without the node's mount table, every mount the node has shows, as it is now", async () => {
    const { exec } = await started(MountPropagation.PROPAGATION_PRIVATE, { table: false });
    expect(await exec("ls", "-A", "/h/mnt/sub")).toBe("flagFile\n[0]");
  });

  test("the container's own mounts: mount --bind and -t tmpfs, seen at once", async () => {
    const { exec } = await started(MountPropagation.PROPAGATION_BIDIRECTIONAL);
    expect(await exec("sh", "-c", "mkdir -p /h/mnt/cmp /h/mnt/t && mount --bind /etc /h/mnt/cmp && mount -t tmpfs none /h/mnt/t && ls /h/mnt/cmp/group")).toBe("/h/mnt/cmp/group\n[0]");
    expect(await exec("sh", "-c", "touch /h/mnt/t/a && ls /h/mnt/t")).toBe("a\n[0]");
    expect(await exec("sh", "-c", "mkdir /m2 /m4 && mount --bind /m2 /m4 && touch /m4/a && ls /m2 /m4")).toBe("/m2:\na\n\n/m4:\na\n[0]");
    expect(await exec("sh", "-c", "mkdir /m3 /srv && mount -t tmpfs t /m3 && mount --bind /m3 /srv && touch /srv/b && ls /m3")).toBe("b\n[0]");
    expect(await exec("mount", "-t", "tmpfs", "-o", "size=1m", "none", "/tmp")).toBe("[0]");
  });

  test("rshared: the node sees what a container mounts below the volume, as a copy of its files by the time the exec has exited (mount-propagation.ts)", async () => {
    const { hostFs, exec } = await started(MountPropagation.PROPAGATION_BIDIRECTIONAL);
    expect(await exec("sh", "-c", "mkdir -p /h/mnt/cmp /h/mnt/t && mount --bind /etc /h/mnt/cmp && mount -t tmpfs none /h/mnt/t")).toBe("[0]");
    const names = (await exec("ls", "-A", "/etc")).replace(/\n\[0\]$/, "").split("\n");
    expect(hostFs.readDir("/h/mnt/cmp")).toEqual(names);
    expect(`${hostFs.readText("/h/mnt/cmp/passwd")}[0]`).toBe(await exec("cat", "/etc/passwd"));
    // An empty tmpfs shows the node an empty directory; what the container writes later stays its own.
    expect(await exec("sh", "-c", "touch /h/mnt/t/a /h/mnt/cmp/b")).toBe("[0]");
    expect([hostFs.readDir("/h/mnt/t"), hostFs.readDir("/h/mnt/cmp").includes("b")]).toEqual([[], false]);
  });

  test("rslave and rprivate: the node does not see the container's mounts", async () => {
    for (const propagation of [MountPropagation.PROPAGATION_HOST_TO_CONTAINER, MountPropagation.PROPAGATION_PRIVATE]) {
      const { hostFs, exec } = await started(propagation);
      expect(await exec("sh", "-c", "mkdir -p /h/mnt/cmp && mount --bind /etc /h/mnt/cmp && ls /h/mnt/cmp/group")).toBe("/h/mnt/cmp/group\n[0]");
      expect(hostFs.readDir("/h/mnt/cmp")).toEqual([]);
      await fake!.close();
    }
  });

  test("rshared onto a node directory that has files: no copy (the fake cannot hide them as a mount does)", async () => {
    const { hostFs, exec } = await started(MountPropagation.PROPAGATION_BIDIRECTIONAL);
    hostFs.mkdirAll("/h/mnt/full");
    hostFs.writeFile("/h/mnt/full/mine", "node's");
    expect(await exec("sh", "-c", "mount --bind /etc /h/mnt/full && ls /h/mnt/full/group")).toBe("/h/mnt/full/group\n[0]");
    expect(hostFs.readDir("/h/mnt/full")).toEqual(["mine"]);
  });

  test("mount's failures: a missing target or source, a file on a directory", async () => {
    const { exec } = await started(MountPropagation.PROPAGATION_PRIVATE);
    expect(await exec("mount", "--bind", "/etc", "/nonexist")).toBe("mount: mounting /etc on /nonexist failed: No such file or directory\n[255]");
    expect(await exec("mount", "--bind", "/nonexist", "/tmp")).toBe("mount: mounting /nonexist on /tmp failed: No such file or directory\n[255]");
    expect(await exec("mount", "-t", "tmpfs", "none", "/nonexist")).toBe("mount: mounting none on /nonexist failed: No such file or directory\n[255]");
    expect(await exec("mount", "-o", "bind", "/etc/passwd", "/tmp")).toBe("mount: mounting /etc/passwd on /tmp failed: Not a directory\n[255]");
  });
});

describe("read-only mounts and the node's mounts below them", () => {
  test("a non-recursive read-only mount leaves the node's tmpfs below it writable", async () => {
    const { hostFs, exec } = await started(MountPropagation.PROPAGATION_PRIVATE);
    expect(await exec("touch", "/ro/tmpfs/file")).toBe("[0]");
    expect(hostFs.readDir("/h/ro/tmpfs")).toEqual(["file"]);
    expect(await exec("touch", "/ro/plain/file")).toBe("touch: /ro/plain/file: Read-only file system\n[1]");
  });

  test("a recursive read-only mount (2.4) makes it read-only too", async () => {
    const { exec } = await started(MountPropagation.PROPAGATION_PRIVATE, { containerd: "2.4", recursiveReadOnly: true });
    expect(await exec("touch", "/ro/tmpfs/foo")).toBe("touch: /ro/tmpfs/foo: Read-only file system\n[1]");
  });
});

// containerd checks the node mount a propagating volume is on (ensureShared, ensureSharedOrSlave).
// Recorded from containerd 2.4.2 and 1.6.20 (identical), on this machine's private root: a volume at
// /tmp/lead-prop with propagation BIDIRECTIONAL, then HOST_TO_CONTAINER, refused as below; the same
// on a directory under `mount --bind D D && mount --make-rshared D`, created.
describe("a propagating volume on a node mount that does not propagate", () => {
  const nodeWith = async (table: string | undefined, containerd: "1.6" | "2.4") => {
    const hostFs = new MemoryHostFs();
    hostFs.mkdirAll("/proc/self");
    if (table !== undefined) hostFs.writeFile(mountTable, table);
    const nodeFiles = { ...memoryNodeFiles(hostFs), ...(table !== undefined ? { mountTable } : {}) };
    fake = await newFake({ hostFs, nodeFiles, containerd });
    return runPod(fake, "pod");
  };
  const privateRoot = "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n";
  const sharedDir = `${privateRoot}54 27 254:0 /d /d rw,relatime shared:5 - ext4 /dev/vda rw\n`;
  const slaveDir = `${privateRoot}55 27 254:0 /s /s rw,relatime master:5 - ext4 /dev/vda rw\n`;
  const volume = (hostPath: string, propagation: Propagation) => ({ mounts: [{ hostPath, containerPath: "/v", propagation }] });

  for (const containerd of ["2.4", "1.6"] as const) {
    test(`is refused as containerd ${containerd} refuses it, naming the mount it is on`, async () => {
      const pod = await nodeWith(privateRoot, containerd);
      for (const [propagation, what] of [
        [MountPropagation.PROPAGATION_BIDIRECTIONAL, "shared"],
        [MountPropagation.PROPAGATION_HOST_TO_CONTAINER, "shared or slave"],
      ] as const) {
        const err = await rejection(create(fake!, pod, `c${propagation}`, ["sleep", "100"], volume("/tmp/lead-prop", propagation)));
        expect(err.code).toBe(Code.Unknown);
        expect(err.message).toMatch(
          new RegExp(`^failed to generate container "[0-9a-f]{64}" spec: failed to generate spec: path "/tmp/lead-prop" is mounted on "/" but it is not a ${what} mount$`),
        );
      }
    });
  }

  test("is created on a shared mount, and on a slave one when it only receives", async () => {
    const pod = await nodeWith(sharedDir + slaveDir.split("\n")[1] + "\n", "2.4");
    await create(fake!, pod, "both", ["sleep", "100"], volume("/d/sub", MountPropagation.PROPAGATION_BIDIRECTIONAL));
    await create(fake!, pod, "receives", ["sleep", "100"], volume("/s/sub", MountPropagation.PROPAGATION_HOST_TO_CONTAINER));
    await rejection(create(fake!, pod, "slave-both", ["sleep", "100"], volume("/s/sub", MountPropagation.PROPAGATION_BIDIRECTIONAL)));
  });

  test("is created as asked when the fake may not read the node's mount table", async () => {
    const pod = await nodeWith(undefined, "2.4");
    await create(fake!, pod, "c", ["sleep", "100"], volume("/tmp/lead-prop", MountPropagation.PROPAGATION_BIDIRECTIONAL));
  });
});
