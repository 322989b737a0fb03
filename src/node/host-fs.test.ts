import { describe, expect, test } from "vitest";
import { MemoryHostFs } from "./host-fs.ts";

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
