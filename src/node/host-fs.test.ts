import { describe, expect, test } from "vitest";
import { HostFsError, isNotExist, MemoryHostFs, readTextFile } from "./host-fs.ts";

const decoder = new TextDecoder();

describe("MemoryHostFs directory cache", () => {
  test("a directory removed and made again is the new one, whatever was cached", () => {
    const fs = new MemoryHostFs();
    fs.mkdirAll("/r/sandboxes/a");
    fs.writeFile("/r/sandboxes/a/hosts", "old");
    fs.removeAll("/r/sandboxes");
    expect(fs.exists("/r/sandboxes/a/hosts")).toBe(false);
    expect(() => fs.writeFile("/r/sandboxes/a/hosts", "x")).toThrow("open /r/sandboxes/a/hosts: no such file or directory");
    fs.mkdirAll("/r/sandboxes/a", 0o700);
    expect(fs.exists("/r/sandboxes/a/hosts")).toBe(false);
    fs.writeFile("/r/sandboxes/a/hosts", "new");
    expect(fs.readText("/r/sandboxes/a/hosts")).toBe("new");
    expect(fs.stat("/r/sandboxes/a").mode).toBe(0o700);
    expect(fs.readDir("/r/sandboxes")).toEqual(["a"]);
  });

  test("removing the root forgets every directory", () => {
    const fs = new MemoryHostFs();
    fs.mkdirAll("/a/b");
    fs.writeFile("/a/b/f", "1");
    fs.removeAll("/");
    expect(fs.exists("/a/b")).toBe(false);
    expect(() => fs.writeFile("/a/b/f", "2")).toThrow("no such file or directory");
  });

  test("paths Clean would change reach the same files", () => {
    const fs = new MemoryHostFs();
    fs.mkdirAll("/a/b");
    fs.writeFile("/a/b/f", "1");
    expect(fs.readText("/a//b/./f")).toBe("1");
    fs.writeFile("/a/b/../b/g", "2");
    expect(fs.readDir("/a/b")).toEqual(["f", "g"]);
  });
});

describe("MemoryHostFs text reads", () => {
  test("read the text TextDecoder makes of the bytes: a leading BOM goes, lone surrogates read as U+FFFD", () => {
    const fs = new MemoryHostFs();
    fs.mkdirAll("/t");
    const texts = ["plain", "\ufeffbom", "lone \ud800 surrogate", "pair \ud83d\ude00", "é"];
    texts.forEach((text, i) => fs.writeFile(`/t/${i}`, text));
    fs.appendFile("/t/mixed", "a\ud800");
    fs.appendFile("/t/mixed", new Uint8Array([0xe2, 0x82]));
    fs.appendFile("/t/mixed", new Uint8Array([0xac]));
    for (const name of [...texts.keys()].map(String).concat("mixed")) {
      expect(fs.readText(`/t/${name}`)).toBe(decoder.decode(fs.readFile(`/t/${name}`)));
    }
  });
});

describe("MemoryHostFs files", () => {
  test("mkdirAll, atomic writes, appends, reads, sizes, listings", () => {
    const fs = new MemoryHostFs();
    const root = "/node";
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
    const fs = new MemoryHostFs();
    const root = "/node";
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
    const fs = new MemoryHostFs();
    const root = "/node";
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

  test("a file written as a FileText is made when read, every time: reads, size, state and changes", () => {
    const fs = new MemoryHostFs();
    fs.mkdirAll("/r/c");
    fs.trackChanges();
    let made = 0;
    fs.writeFile("/r/c/status", { text: () => `{"n":${++made}}` }, 0o600);
    expect(made).toBe(0);
    expect(fs.readText("/r/c/status")).toBe('{"n":1}');
    expect(decoder.decode(fs.readFile("/r/c/status"))).toBe('{"n":2}');
    expect(fs.stat("/r/c/status").size).toBe(7n);
    expect(fs.toState().entries.find((e) => e.path === "/r/c/status")).toEqual({ path: "/r/c/status", kind: "file", mode: 0o600, data: btoa('{"n":4}') });
    expect(fs.takeChanges().find((c) => c.path === "/r/c/status")).toEqual({ path: "/r/c/status", kind: "file", mode: 0o600, data: btoa('{"n":5}') });
    fs.appendFile("/r/c/status", "!");
    expect(fs.readText("/r/c/status")).toBe('{"n":6}!');
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

describe("MemoryHostFs: a file opened for appending", () => {
  test("writes go to the opened file, not to whatever has its path now", () => {
    const fs = new MemoryHostFs();
    const root = "/node";
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
    const fs = new MemoryHostFs();
    const root = "/node";
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
