import { describe, expect, test } from "vitest";
import { text, thrown, untext } from "../content/test-support.ts";
import type { TarEntry } from "../images/tar.ts";
import { UpperDir, lookup, pathParts, resolvePath } from "./fs.ts";

function layer(entries: TarEntry[], lowers: UpperDir[] = []): UpperDir {
  const dir = new UpperDir();
  for (const e of entries) dir.applyEntry(e, lowers);
  return dir;
}

const file = (name: string, content: string, mode = 0o644): TarEntry => ({ name, type: "file", mode, data: text(content) });
const dir = (name: string, mode = 0o755): TarEntry => ({ name, type: "dir", mode });

function read(layers: UpperDir[], path: string): string | undefined {
  const { node } = resolvePath(layers, path, true);
  return node?.type === "file" ? untext(node.data) : undefined;
}

describe("upper directories", () => {
  test("paths are cleaned and cannot climb above the root", () => {
    expect(pathParts("/a/./b//c/")).toEqual(["a", "b", "c"]);
    expect(pathParts("../../etc/passwd")).toEqual(["etc", "passwd"]);
  });

  test("missing parents are created 0755 or with the lower layer's mode", () => {
    const base = layer([dir("opt/", 0o700), file("opt/a", "1")]);
    const top = layer([file("opt/b", "2"), file("srv/c", "3")], [base]);
    expect(top.get("opt")).toMatchObject({ type: "dir", mode: 0o700 });
    expect(top.get("srv")).toMatchObject({ type: "dir", mode: 0o755 });
  });

  test("whiteouts hide lower paths; opaque directories hide lower contents", () => {
    const base = layer([file("etc/motd", "hi"), file("etc/issue", "x"), file("var/log/a", "a"), file("var/log/b", "b")]);
    const top = layer(
      [file("etc/.wh.motd", ""), file("var/log/.wh..wh..opq", ""), file("var/log/c", "c")],
      [base],
    );
    const layers = [top, base];
    expect(read(layers, "/etc/motd")).toBeUndefined();
    expect(read(layers, "/etc/issue")).toBe("x");
    expect(read(layers, "/var/log/a")).toBeUndefined();
    expect(read(layers, "/var/log/c")).toBe("c");
    expect(read([base], "/var/log/a")).toBe("a");
    expect(top.get("etc/motd")).toMatchObject({ type: "whiteout" });
    expect(top.get("etc/.wh.motd")).toBeUndefined();
  });

  test("a whited-out or replaced directory hides everything below it", () => {
    const base = layer([file("a/b/c", "deep")]);
    expect(lookup([layer([file(".wh.a", "")], [base]), base], ["a", "b", "c"])).toBeUndefined();
    expect(lookup([layer([file("a", "now a file")], [base]), base], ["a", "b", "c"])).toBeUndefined();
  });

  test("a later entry replaces an earlier one; a directory over a directory keeps its children", () => {
    const l = layer([file("x", "file"), dir("x/"), file("x/y", "child"), dir("x/", 0o711)]);
    expect(l.get("x")).toMatchObject({ type: "dir", mode: 0o711 });
    expect(untext((l.get("x/y") as { data: Uint8Array }).data)).toBe("child");
    const replaced = layer([file("d/e", "1"), file("d", "flat")]);
    expect(replaced.get("d/e")).toBeUndefined();
  });

  test("hard links share an inode; their target must be in the same layer", () => {
    const l = layer([file("bin/busybox", "ELF", 0o755), { name: "bin/sh", type: "hardlink", mode: 0o755, linkname: "bin/busybox" }]);
    expect(l.get("bin/sh")).toBe(l.get("bin/busybox"));
    expect(l.usage()).toEqual({ size: 4096n * 3n, inodes: 3n });
    const err = thrown(() => layer([{ name: "x", type: "hardlink", mode: 0o644, linkname: "missing" }]));
    expect(err.message).toBe("link /missing /x: no such file or directory");
  });

  test("devices and fifos are inodes without blocks; global headers are skipped; unknown types fail", () => {
    const l = layer([
      { name: "dev/null", type: "char", mode: 0o666 },
      { name: "run/fifo", type: "fifo", mode: 0o600 },
      { name: "pax_global_header", type: "other", mode: 0, typeflag: "g" },
    ]);
    expect(l.usage()).toEqual({ size: 4096n * 3n, inodes: 5n });
    expect(thrown(() => layer([{ name: "odd", type: "other", mode: 0, typeflag: "Z" }])).message).toBe("unhandled tar header type 90");
  });

  test("usage counts 4 KiB blocks per inode, fast symlinks in the inode", () => {
    const l = layer([
      file("empty", ""),
      file("one", "x"),
      file("exact", "y".repeat(4096)),
      file("more", "z".repeat(4097)),
      { name: "short", type: "symlink", mode: 0o777, linkname: "one" },
      { name: "long", type: "symlink", mode: 0o777, linkname: "t".repeat(60) },
    ]);
    // root 4096 + empty 0 + one 4096 + exact 4096 + more 8192 + short 0 + long 4096
    expect(l.usage()).toEqual({ size: 24576n, inodes: 7n });
  });

  test("symlinks resolve relative to their directory, absolute from the root", () => {
    const l = layer([
      file("usr/bin/busybox", "ELF"),
      { name: "bin", type: "symlink", mode: 0o777, linkname: "usr/bin" },
      { name: "usr/bin/sh", type: "symlink", mode: 0o777, linkname: "busybox" },
      { name: "etc/alt", type: "symlink", mode: 0o777, linkname: "/usr/bin/../bin/sh" },
      { name: "loop", type: "symlink", mode: 0o777, linkname: "loop" },
    ]);
    expect(read([l], "/bin/sh")).toBe("ELF");
    expect(read([l], "/etc/alt")).toBe("ELF");
    expect(resolvePath([l], "/bin/sh", false).node).toMatchObject({ type: "symlink", target: "busybox" });
    expect(thrown(() => resolvePath([l], "/loop", true)).message).toBe("open /loop: too many levels of symbolic links");
    expect(thrown(() => resolvePath([l], "/usr/bin/busybox/x", true)).message).toBe("open /usr/bin/busybox/x: not a directory");
  });

  test("state round-trips, keeping hard links shared", () => {
    const l = layer([file("a", "x"), { name: "b", type: "hardlink", mode: 0o644, linkname: "a" }, dir("d/")]);
    const back = UpperDir.fromState(JSON.parse(JSON.stringify(l.toState())));
    expect(back.get("a")).toBe(back.get("b"));
    expect(back.usage()).toEqual(l.usage());
    back.applyEntry(file("c", "new"), []);
    expect(back.get("c")!.inode).not.toBe(back.get("a")!.inode);
  });
});
