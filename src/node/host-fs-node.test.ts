import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { HostFsError, isNotExist, MemoryHostFs, readTextFile, type HostFs } from "./host-fs.ts";
import { NodeHostFs } from "./host-fs-node.ts";

const realRoot = mkdtempSync(join(tmpdir(), "fake-cri-hostfs-"));
afterAll(() => rmSync(realRoot, { recursive: true, force: true }));

const implementations: Array<[string, () => { fs: HostFs; root: string }]> = [
  ["in memory", () => ({ fs: new MemoryHostFs(), root: "/node" })],
  ["real files", () => ({ fs: new NodeHostFs(), root: mkdtempSync(join(realRoot, "t-")) })],
];

describe.each(implementations)("host filesystem (%s)", (_name, make) => {
  test("mkdirAll, atomic writes, appends, reads, sizes, listings", () => {
    const { fs, root } = make();
    fs.mkdirAll(`${root}/a/b`);
    fs.mkdirAll(`${root}/a/b`);
    fs.writeFile(`${root}/a/b/status`, "first", 0o600);
    fs.writeFile(`${root}/a/b/status`, "second");
    fs.appendFile(`${root}/a/log`, "x\n");
    fs.appendFile(`${root}/a/log`, new TextEncoder().encode("é\n"));
    expect(readTextFile(fs, `${root}/a/b/status`)).toBe("second");
    expect(readTextFile(fs, `${root}/a/log`)).toBe("x\né\n");
    expect(fs.stat(`${root}/a/log`)).toMatchObject({ isDirectory: false, size: 5n });
    expect(fs.stat(`${root}/a`).isDirectory).toBe(true);
    expect(fs.readDir(`${root}/a`)).toEqual(["b", "log"]);
    expect(fs.exists(`${root}/a/b/status`)).toBe(true);
  });

  test("errors read as Go's *os.PathError", () => {
    const { fs, root } = make();
    let err: unknown;
    try {
      fs.readFile(`${root}/missing`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HostFsError);
    expect((err as Error).message).toBe(`open ${root}/missing: no such file or directory`);
    expect(isNotExist(err)).toBe(true);
    expect(() => fs.writeFile(`${root}/no/dir/file`, "x")).toThrow(/no such file or directory/);
  });

  test("removeAll removes a tree and is fine with nothing there", () => {
    const { fs, root } = make();
    fs.mkdirAll(`${root}/x/y`);
    fs.writeFile(`${root}/x/y/f`, "1");
    fs.removeAll(`${root}/x`);
    fs.removeAll(`${root}/x`);
    expect(fs.exists(`${root}/x`)).toBe(false);
  });
});

describe("MemoryHostFs", () => {
  test("its state round-trips through JSON with modes and bytes", () => {
    const fs = new MemoryHostFs();
    fs.mkdirAll("/r/c", 0o700);
    fs.writeFile("/r/c/status", "{}", 0o600);
    fs.appendFile("/r/c/log", new Uint8Array([0xff, 0x00, 0x41]));
    const state = JSON.parse(JSON.stringify(fs.toState()));
    const back = MemoryHostFs.fromState(state);
    expect(back.toState()).toEqual(fs.toState());
    expect([...back.readFile("/r/c/log")]).toEqual([0xff, 0x00, 0x41]);
    expect(back.stat("/r/c/status").mode).toBe(0o600);
    expect(back.stat("/r/c").mode).toBe(0o700);
  });

  test("a directory's revision moves with every change directly in it, and never comes back", () => {
    const fs = new MemoryHostFs();
    fs.mkdirAll("/d/sub");
    const seen = new Set<number>();
    const step = (change: () => void): void => {
      const before = fs.revision("/d");
      change();
      const after = fs.revision("/d")!;
      expect(after).not.toBe(before);
      expect(seen.has(after)).toBe(false);
      seen.add(after);
    };
    step(() => fs.writeFile("/d/a", "1"));
    step(() => fs.writeFile("/d/a", "2"));
    step(() => fs.appendFile("/d/a", "3"));
    step(() => fs.mkdirAll("/d/e"));
    const handle = fs.openAppend("/d/log");
    step(() => handle.write(new Uint8Array([1])));
    step(() => fs.removeAll("/d/a"));
    // Changes further down, reads, and removing what is not there leave it alone.
    const quiet = fs.revision("/d");
    fs.writeFile("/d/sub/x", "");
    fs.readText("/d/log");
    fs.removeAll("/d/missing");
    expect(fs.revision("/d")).toBe(quiet);
    // A directory made again does not repeat an old revision.
    fs.removeAll("/d");
    fs.mkdirAll("/d");
    expect(seen.has(fs.revision("/d")!)).toBe(false);
    expect(fs.revision("/nowhere")).toBeUndefined();
    expect(fs.revision("/d/log")).toBeUndefined();
  });

  test("a trailing slash after a line break is cleaned away like any other", () => {
    const fs = new MemoryHostFs();
    fs.mkdirAll("/d\n/");
    fs.writeFile("/d\n/f\n", "x");
    expect(fs.readDir("/")).toEqual(["d\n"]);
    expect(fs.readDir("/d\n/")).toEqual(["f\n"]);
  });

  test("a path through a file is not a directory", () => {
    const fs = new MemoryHostFs();
    fs.mkdirAll("/a");
    fs.writeFile("/a/f", "");
    expect(() => fs.mkdirAll("/a/f/g")).toThrow("mkdir /a/f: not a directory");
    expect(() => fs.readFile("/a/f/g")).toThrow("open /a/f/g: not a directory");
  });
});

describe("NodeHostFs", () => {
  test("writes atomically with the mode asked for", () => {
    const fs = new NodeHostFs();
    const dir = mkdtempSync(join(realRoot, "m-"));
    fs.writeFile(`${dir}/status`, "x", 0o600);
    expect(statSync(`${dir}/status`).mode & 0o777).toBe(0o600);
    expect(fs.readDir(dir)).toEqual(["status"]);
  });
});

describe.each(implementations)("a file opened for appending (%s)", (_name, make) => {
  test("writes go to the opened file, not to whatever has its path now", () => {
    const { fs, root } = make();
    fs.mkdirAll(`${root}/logs`);
    const file = fs.openAppend(`${root}/logs/0.log`);
    file.write(new TextEncoder().encode("one\n"));
    fs.removeAll(`${root}/logs/0.log`);
    file.write(new TextEncoder().encode("two\n"));
    expect(fs.exists(`${root}/logs/0.log`)).toBe(false);
    file.close();
    expect(() => file.write(new Uint8Array([1]))).toThrow(`write ${root}/logs/0.log: file already closed`);
  });

  test("opening appends to what is there and refuses a directory", () => {
    const { fs, root } = make();
    fs.mkdirAll(root);
    fs.appendFile(`${root}/log`, "a\n");
    const file = fs.openAppend(`${root}/log`);
    file.write(new TextEncoder().encode("b\n"));
    file.close();
    expect(readTextFile(fs, `${root}/log`)).toBe("a\nb\n");
    expect(() => fs.openAppend(root)).toThrow(`open ${root}: is a directory`);
    expect(() => fs.openAppend(`${root}/missing/log`)).toThrow(`open ${root}/missing/log: no such file or directory`);
  });
});
