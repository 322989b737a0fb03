import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { HostFsError, MemoryHostFs } from "./host-fs.ts";
import { deviceOf, HostNodeFiles, maxHostReadBytes, realHostRoots } from "./node-files-disk.ts";
import { HostBoundaryError } from "./node-files.ts";

// One scratch directory: `root` is the allowed host root, `outside` a sibling nothing may touch.
const scratch = realpathSync(mkdtempSync(join(tmpdir(), "fake-cri-node-files-")));
const root = join(scratch, "root");
const outside = join(scratch, "outside");
let memory: MemoryHostFs;
let files: HostNodeFiles;

beforeAll(() => {
  mkdirSync(join(root, "volume"), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, "secret"), "secret");
  writeFileSync(join(root, "volume", "data"), "data");
  symlinkSync(outside, join(root, "to-outside"));
  symlinkSync(join(outside, "secret"), join(root, "secret-link"));
  symlinkSync("volume", join(root, "to-volume"));
  memory = new MemoryHostFs();
  memory.mkdirAll("/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/s");
  memory.writeFile("/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/s/hosts", "127.0.0.1 localhost\n");
  files = new HostNodeFiles({ memory, memoryDirs: ["/var/lib/containerd/io.containerd.grpc.v1.cri"], hostRoots: [root] });
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const refused = (p: Promise<unknown>) => expect(p).rejects.toBeInstanceOf(HostBoundaryError);

describe("the host boundary", () => {
  test("files under an allowed root are read; symlinks that stay inside are followed", async () => {
    expect(new TextDecoder().decode(await files.readFile(join(root, "volume", "data")))).toBe("data");
    expect(new TextDecoder().decode(await files.readFile(join(root, "to-volume", "data")))).toBe("data");
    expect(await files.readDir(join(root, "to-volume"))).toEqual(["data"]);
    expect(new TextDecoder().decode(await files.readFile(join(root, "volume", "..", "volume", "data")))).toBe("data");
  });

  test("a path outside the roots, by name, by '..' or through a symlink, is refused without being looked at", async () => {
    await refused(files.readFile(join(outside, "secret")));
    await refused(files.readFile(join(root, "..", "outside", "secret")));
    await refused(files.readFile(`${root}/volume/../../outside/secret`));
    await refused(files.readFile(join(root, "to-outside", "secret")));
    await refused(files.readFile(join(root, "secret-link")));
    await refused(files.readFile("/etc/shadow"));
    await refused(files.readDir("/"));
    await refused(files.stat("/etc"));
  });

  test("a relative path is refused: it would land in the server's working directory", async () => {
    const err = await files.readFile("logs/app.log").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostBoundaryError);
    expect((err as Error).message).toBe(
      'fake-cri may not touch host path "logs/app.log": a relative path is taken from the server\'s working directory (allow a directory with fake-cri serve --allow-host-root DIR)',
    );
  });

  test("nothing is created, written or removed outside", async () => {
    await refused(files.mkdirAll(join(outside, "made")));
    await refused(files.mkdirAll(join(root, "to-outside", "made")));
    await refused(files.openAppend(join(root, "to-outside", "x.log")));
    await refused(files.openAppend(join(root, "..", "outside", "x.log")));
    for (const change of ["touch", "mkdir", "write", "append", "remove"] as const) {
      files.change({ path: join(root, "to-outside", "secret"), change, data: "x" });
      files.change({ path: join(outside, "secret"), change, data: "x" });
    }
    await files.readDir(root); // waits for the changes
    expect(readFileSync(join(outside, "secret"), "utf8")).toBe("secret");
    expect(existsSync(join(outside, "made"))).toBe(false);
    expect(existsSync(join(outside, "x.log"))).toBe(false);
  });

  test("mkdirAll makes what is missing with the mode, through '..' and symlinks inside, and fails on a file in the way", async () => {
    await files.mkdirAll(join(root, "logs", "pod", "app"), 0o750);
    expect(statSync(join(root, "logs", "pod", "app")).mode & 0o777).toBe(0o750 & ~process.umask());
    await files.mkdirAll(join(root, "logs", "pod", "app"));
    await files.mkdirAll(join(root, "logs", "gone", "..", "other"));
    expect(existsSync(join(root, "logs", "gone"))).toBe(false);
    expect(existsSync(join(root, "logs", "other"))).toBe(true);
    await files.mkdirAll(join(root, "to-volume", "sub", "dir"));
    expect(existsSync(join(root, "volume", "sub", "dir"))).toBe(true);
    await expect(files.mkdirAll(join(root, "volume", "data"))).rejects.toMatchObject({ code: "EEXIST" });
    await expect(files.mkdirAll(join(root, "volume", "data", "below"))).rejects.toMatchObject({ code: "ENOTDIR" });
  });

  test("openAppend makes the directories above the file; a symlink at the file is followed only inside", async () => {
    const append = async (path: string, text: string) => {
      const log = await files.openAppend(path);
      log.write(new TextEncoder().encode(text));
      await log.close();
    };
    await append(join(root, "pods", "p1", "app", "0.log"), "one\n");
    await append(join(root, "pods", "p1", "app", "0.log"), "two\n");
    expect(readFileSync(join(root, "pods", "p1", "app", "0.log"), "utf8")).toBe("one\ntwo\n");
    symlinkSync("0.log", join(root, "pods", "p1", "app", "current.log"));
    await append(join(root, "pods", "p1", "app", "current.log"), "three\n");
    expect(readFileSync(join(root, "pods", "p1", "app", "0.log"), "utf8")).toBe("one\ntwo\nthree\n");
    await refused(files.openAppend(join(root, "secret-link")));
    await refused(files.openAppend(join(root, "pods", "..", "to-outside", "new", "x.log")));
    await append(join(root, "pods", "p2", "..", "p3", "0.log"), "four\n");
    expect(readFileSync(join(root, "pods", "p3", "0.log"), "utf8")).toBe("four\n");
    await expect(files.openAppend(join(root, "pods", "p1"))).rejects.toMatchObject({ code: "EISDIR" });
    expect(readFileSync(join(outside, "secret"), "utf8")).toBe("secret");
  });

  test("a process's changes land in order, and reads after them see them; removing a symlink removes only the link", async () => {
    files.change({ path: join(root, "volume", "new"), change: "mkdir" });
    files.change({ path: join(root, "volume", "new", "f"), change: "write", data: "a" });
    files.change({ path: join(root, "volume", "new", "f"), change: "append", data: "b" });
    files.change({ path: join(root, "volume", "new", "t"), change: "touch" });
    expect(new TextDecoder().decode(await files.readFile(join(root, "volume", "new", "f")))).toBe("ab");
    expect(await files.readDir(join(root, "volume", "new"))).toEqual(["f", "t"]);
    files.change({ path: join(root, "to-outside"), change: "remove" });
    await files.readDir(root);
    expect(existsSync(join(root, "to-outside"))).toBe(false);
    expect(readFileSync(join(outside, "secret"), "utf8")).toBe("secret");
    symlinkSync(outside, join(root, "to-outside"));
    files.change({ path: root, change: "remove" });
    await files.readDir(root);
    expect(existsSync(root)).toBe(true);
  });

  test("a change on its way to the host gives a promise that settles once it is there (a process's exit waits for it); one in memory is made at once", async () => {
    const landed = files.change({ path: join(root, "volume", "landed"), change: "write", data: "x" });
    expect(landed).toBeInstanceOf(Promise);
    await landed;
    expect(readFileSync(join(root, "volume", "landed"), "utf8")).toBe("x");
    expect(files.change({ path: "/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/s/new", change: "touch" })).toBeUndefined();
  });

  test("the plugin's own directories are the in-memory files, whatever the host has there", async () => {
    expect(new TextDecoder().decode(await files.readFile("/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/s/hosts"))).toBe(
      "127.0.0.1 localhost\n",
    );
    await refused(files.readFile("/var/lib/containerd/io.containerd.grpc.v1.cri/../../../../etc/passwd"));
  });

  test("prepare: missing directories are made inside the roots; refusals and read errors come back where they are asked", async () => {
    const paths = await files.prepare({
      dirs: [join(root, "made", "deep"), join(root, "volume"), "/etc", "/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/s/hosts"],
      read: [join(root, "volume", "data"), join(root, "missing.json"), "/etc/passwd"],
    });
    expect(paths.exists(join(root, "made", "deep"))).toBe(false);
    expect(() => paths.mkdirAll(join(root, "made", "deep"))).not.toThrow();
    expect(existsSync(join(root, "made", "deep"))).toBe(true);
    expect(paths.exists(join(root, "volume"))).toBe(true);
    expect(() => paths.exists("/etc")).toThrow(HostBoundaryError);
    expect(paths.exists("/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/s/hosts")).toBe(true);
    expect(paths.readText(join(root, "volume", "data"))).toBe("data");
    expect(() => paths.readText(join(root, "missing.json"))).toThrow(`open ${join(root, "missing.json")}: no such file or directory`);
    expect(() => paths.readText("/etc/passwd")).toThrow(HostBoundaryError);
  });

  test("host roots must exist; symlinks in them are resolved", async () => {
    symlinkSync(root, join(scratch, "root-link"));
    expect(await realHostRoots([join(scratch, "root-link")])).toEqual([root]);
    await expect(realHostRoots([join(scratch, "nope")])).rejects.toThrow(`host root "${join(scratch, "nope")}": ENOENT`);
  });
});

describe("nothing blocks", () => {
  test("a FIFO, a device or a socket is refused at once, not read", async () => {
    const fifo = join(root, "fifo");
    execFileSync("mkfifo", [fifo]);
    const started = performance.now();
    const err = await files.readFile(fifo).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(err).toBeInstanceOf(HostFsError);
    expect((err as Error).message).toBe(`open ${fifo}: not a regular file (fake-cri reads and writes only regular host files)`);
    await expect(files.openAppend(fifo)).rejects.toThrow("not a regular file");
    const devices = new HostNodeFiles({ memory, memoryDirs: [], hostRoots: ["/dev"] });
    await expect(devices.readFile("/dev/zero")).rejects.toThrow("not a regular file");
  });

  test("a kernel file that says size 0 (/proc) is read to its end, under an allowed root; /proc/net is the reader's own", async () => {
    const kernel = new HostNodeFiles({ memory, memoryDirs: [], hostRoots: await realHostRoots(["/proc/sysvipc"]) });
    expect(new TextDecoder().decode(await kernel.readFile("/proc/sysvipc/shm"))).toMatch(/^ +key +shmid perms +size/);
    await refused(files.readFile("/proc/sysvipc/shm"));
    // /proc/net links to the reader's own /proc/<pid>/net, which the allowed root names once resolved.
    const network = new HostNodeFiles({ memory, memoryDirs: [], hostRoots: await realHostRoots(["/proc/net"]) });
    expect(new TextDecoder().decode(await network.readFile("/proc/net/tcp"))).toMatch(/^ +sl +local_address rem_address/);
    await refused(network.readFile("/proc/1/net/tcp"));
  });

  test("a root may be one file: the node's mount table, and nothing else of the reader's /proc/<pid>", async () => {
    const mounts = new HostNodeFiles({ memory, memoryDirs: [], hostRoots: await realHostRoots(["/proc/self/mountinfo"]) });
    expect(mounts.mountTable).toBe("/proc/self/mountinfo");
    expect(new TextDecoder().decode(await mounts.readFile("/proc/self/mountinfo"))).toMatch(/^\d+ \d+ \d+:\d+ \S+ \S+ /);
    await refused(mounts.readFile("/proc/self/environ"));
    // Without it, no mount table: the node's mounts are not followed, and nothing tries to read it.
    expect(files.mountTable).toBeUndefined();
    await refused(files.readFile("/proc/self/mountinfo"));
  });

  test("a file larger than 16 MiB is refused", async () => {
    const big = join(root, "big");
    writeFileSync(big, "");
    execFileSync("truncate", ["-s", String(maxHostReadBytes + 1), big]);
    await expect(files.readFile(big)).rejects.toThrow("file too large (fake-cri reads at most 16 MiB of a host file)");
  });

  test("log appends are written behind, in order, what came meanwhile in one write", async () => {
    await files.mkdirAll(join(root, "logs", "pod"));
    const log = await files.openAppend(join(root, "logs", "pod", "0.log"));
    for (let i = 0; i < 1000; i++) log.write(new TextEncoder().encode(`${i}\n`));
    log.close();
    const expected = Array.from({ length: 1000 }, (_, i) => `${i}\n`).join("");
    for (let i = 0; i < 100 && readFileSync(join(root, "logs", "pod", "0.log"), "utf8") !== expected; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(readFileSync(join(root, "logs", "pod", "0.log"), "utf8")).toBe(expected);
  });
});

describe("deviceOf", () => {
  test("block, character and FIFO nodes with Linux's major/minor split of rdev; other files are no device", () => {
    expect(deviceOf(0o020666n, 0x103n)).toEqual({ type: "c", major: 1, minor: 3 });
    // glibc's makedev(4355, 65537): the bits of each number above 12 (major) and 8 (minor) bits lie higher up.
    expect(deviceOf(0o060660n, 0x100010010301n)).toEqual({ type: "b", major: 4355, minor: 65537 });
    expect(deviceOf(0o010644n, 0n)).toEqual({ type: "p", major: 0, minor: 0 });
    expect(deviceOf(0o100644n, 0x103n)).toBeUndefined();
    expect(deviceOf(0o040755n, 0n)).toBeUndefined();
  });
});
