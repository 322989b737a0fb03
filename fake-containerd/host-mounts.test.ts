// The node's mount table as the kernel writes /proc/self/mountinfo, and what a bind mount shows of
// the mounts below its source. The rules' expectations come from containerd 2.4.2 and 1.6.20 (see
// src/cri/server/container-execsync-mounts.test.ts, which runs them end to end).

import { describe, expect, test } from "vitest";
import { mountHolding, nodeView, parseMountInfo, type NodeBind } from "./host-mounts.ts";

const table = [
  "21 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,errors=remount-ro",
  "30 21 254:0 /h/mnt /h/mnt rw,relatime shared:7 master:1 - ext4 /dev/vda rw",
  "31 30 0:40 / /h/mnt/a\\040b ro,nosuid - tmpfs none rw",
  "",
].join("\n");

describe("parseMountInfo", () => {
  test("reads each mount's ID, mount point (octal escapes undone), ro option, peer group and master", () => {
    expect(parseMountInfo(table)).toEqual([
      { id: 21, mountPoint: "/", readOnly: false, shared: true, slave: false },
      { id: 30, mountPoint: "/h/mnt", readOnly: false, shared: true, slave: true },
      { id: 31, mountPoint: "/h/mnt/a b", readOnly: true, shared: false, slave: false },
    ]);
  });

  test("skips lines that are not mount entries", () => {
    expect(parseMountInfo("garbage\n\nx y z - a b c\n")).toEqual([]);
  });
});

describe("mountHolding", () => {
  test("is the mount with the longest mount point above or at the path, the first of equals", () => {
    const stacked = parseMountInfo(`${table}32 30 0:41 / /h/mnt rw - tmpfs none rw\n`);
    expect(mountHolding(stacked, "/h/mnt/x")?.id).toBe(30);
    expect(mountHolding(stacked, "/h/mnt/a b/c")?.id).toBe(31);
    expect(mountHolding(stacked, "/h/mntx")?.id).toBe(21);
    expect(mountHolding([], "/h")).toBeUndefined();
  });
});

describe("nodeView", () => {
  const atStart = parseMountInfo(table);
  const later = [...atStart, { id: 40, mountPoint: "/h/mnt/sub", readOnly: false, shared: true, slave: false }];
  const bind = (extra: Partial<NodeBind> = {}): NodeBind => ({ source: "/h/mnt", recursive: true, readOnly: false, recursiveReadOnly: false, receives: false, ...extra });

  test("a mount made after the start: hidden from a private bind, shown through a receiving one of a shared source", () => {
    expect(nodeView(bind(), "/h/mnt/sub", atStart, later)).toEqual({ kind: "beneath mount" });
    expect(nodeView(bind(), "/h/mnt/sub/f", atStart, later)).toEqual({ kind: "under hidden mount" });
    expect(nodeView(bind({ receives: true }), "/h/mnt/sub/f", atStart, later)).toEqual({ kind: "node", readOnly: false });
    const privateSource = atStart.map((m) => ({ ...m, shared: false }));
    expect(nodeView(bind({ receives: true }), "/h/mnt/sub", privateSource, later)).toEqual({ kind: "beneath mount" });
  });

  test("a later mount that took the ID of one unmounted since the start is still a later mount", () => {
    // critest's parallel specs: another spec's mount at the start, gone, its ID reused below the source.
    const othersAtStart = [...atStart, { id: 40, mountPoint: "/other/mnt", readOnly: false, shared: true, slave: false }];
    expect(nodeView(bind(), "/h/mnt/sub", othersAtStart, later)).toEqual({ kind: "beneath mount" });
  });

  test("mounts present at the start come along with rbind only, with their own ro flag unless the bind is rro", () => {
    expect(nodeView(bind({ readOnly: true }), "/h/mnt/a b/f", atStart, atStart)).toEqual({ kind: "node", readOnly: true });
    expect(nodeView(bind({ readOnly: true }), "/h/mnt/f", atStart, atStart)).toEqual({ kind: "node", readOnly: true });
    const rw = atStart.map((m) => ({ ...m, readOnly: false }));
    expect(nodeView(bind({ readOnly: true }), "/h/mnt/a b/f", rw, rw)).toEqual({ kind: "node", readOnly: false });
    expect(nodeView(bind({ readOnly: true, recursiveReadOnly: true }), "/h/mnt/a b/f", rw, rw)).toEqual({ kind: "node", readOnly: true });
    expect(nodeView(bind({ recursive: false }), "/h/mnt/a b", rw, rw)).toEqual({ kind: "beneath mount" });
  });

  test("without the table, everything the node has shows", () => {
    expect(nodeView(bind({ readOnly: true }), "/h/mnt/sub/f", undefined, later)).toEqual({ kind: "node", readOnly: true });
  });
});
