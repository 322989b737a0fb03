import { describe, expect, test } from "vitest";
import { createFakeContainerd } from "./index.ts";

describe("snapshots mounted on the node (keyed by an absolute path)", () => {
  test("the snapshot at or above a node path, with the path inside it; other keys mount nothing", async () => {
    const containerd = createFakeContainerd({ seed: 1 });
    const snapshots = containerd.namespace("k8s.io").snapshots.get("overlayfs");
    await snapshots.prepare("/state/image-volumes/pod/abc");
    await snapshots.prepare("container-id");
    const at = (path: string) => {
      const found = containerd.mountedSnapshots("k8s.io", "overlayfs", path);
      return found && { key: found.key, path: found.path };
    };
    expect(at("/state/image-volumes/pod/abc")).toEqual({ key: "/state/image-volumes/pod/abc", path: "/" });
    expect(at("/state/image-volumes/pod/abc/etc/passwd")).toEqual({ key: "/state/image-volumes/pod/abc", path: "/etc/passwd" });
    expect(at("/state/image-volumes/pod/abcd")).toBeUndefined();
    expect(at("/state/image-volumes/pod")).toBeUndefined();
    expect(containerd.mountedSnapshots("k8s.io", "", "/state/image-volumes/pod/abc")).toBeUndefined();
    await snapshots.remove("/state/image-volumes/pod/abc");
    expect(at("/state/image-volumes/pod/abc")).toBeUndefined();
  });
});
