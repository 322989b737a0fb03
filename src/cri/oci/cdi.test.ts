// Which CDI devices a CreateContainer request names, which the spec dirs define, and what injecting them does.

import { describe, expect, test } from "vitest";
import { MemoryHostFs, type HostFsStat } from "../../node/host-fs.ts";
import { HostBoundaryError, memoryNodeFiles, type NodeFiles } from "../../node/node-files.ts";
import { injectCdiDevices, loadCdiDevices, requestedCdiDevices } from "./cdi.ts";
import type { RuntimeSpec } from "./oci-defaults.ts";

describe("requestedCdiDevices", () => {
  test("CDIDevices in order, then the devices of cdi.k8s.io/ annotations by key, each once; other annotations are not read", () => {
    const field = [{ name: "vendor.example/gpu=1" }, { name: "vendor.example/gpu=1" }];
    const annotations = { "cdi.k8s.io/b": "vendor.example/nic=eth0", "cdi.k8s.io/a": "vendor.example/gpu=0,vendor.example/gpu=1", "cdi.example/x": "junk" };
    expect(requestedCdiDevices(field, annotations)).toEqual(["vendor.example/gpu=1", "vendor.example/gpu=0", "vendor.example/nic=eth0"]);
  });

  test("an annotation naming no qualified device fails; a CDIDevices name is taken as given", () => {
    expect(() => requestedCdiDevices([], { "cdi.k8s.io/x": "not-a-device" })).toThrow('failed to parse CDI device annotations: invalid CDI device name "not-a-device"');
    expect(requestedCdiDevices([{ name: "not-a-device" }], {})).toEqual(["not-a-device"]);
  });
});

const gpuSpec = (kind: string, env: string) => `cdiVersion: "0.6.0"
kind: ${kind}
devices:
  - name: "0"
    containerEdits:
      env: ["${env}"]
`;

function nodeWith(files: Record<string, string>): NodeFiles {
  const fs = new MemoryHostFs();
  for (const [path, text] of Object.entries(files)) {
    fs.mkdirAll(path.slice(0, path.lastIndexOf("/")));
    fs.writeFile(path, text);
  }
  return memoryNodeFiles(fs);
}

describe("loadCdiDevices", () => {
  test("YAML and JSON files of each dir; other names, invalid specs and missing dirs are passed over", async () => {
    const files = nodeWith({
      "/etc/cdi/a.yaml": gpuSpec("vendor.example/gpu", "A=1"),
      "/etc/cdi/b.json": JSON.stringify({ cdiVersion: "0.6.0", kind: "vendor.example/nic", devices: [{ name: "eth0", containerEdits: {} }] }),
      "/etc/cdi/c.yml": gpuSpec("vendor.example/yml", "C=1"),
      "/etc/cdi/d.yaml": `${gpuSpec("vendor.example/bad", "D=1")}colour: red\n`,
      "/etc/cdi/e.yaml": "cdiVersion: [",
    });
    const devices = await loadCdiDevices(files, ["/etc/cdi", "/var/run/cdi"]);
    expect([...devices.keys()].sort()).toEqual(["vendor.example/gpu=0", "vendor.example/nic=eth0"]);
  });

  test("a later dir's device wins; two files of one dir defining a device leave it undefined", async () => {
    const files = nodeWith({
      "/etc/cdi/a.yaml": gpuSpec("vendor.example/gpu", "FROM=etc"),
      "/run/cdi/a.yaml": gpuSpec("vendor.example/gpu", "FROM=run"),
      "/etc/cdi/x.yaml": gpuSpec("vendor.example/twice", "X=1"),
      "/etc/cdi/y.yaml": gpuSpec("vendor.example/twice", "Y=1"),
    });
    const devices = await loadCdiDevices(files, ["/etc/cdi", "/run/cdi"]);
    expect(devices.get("vendor.example/gpu=0")?.edits.env).toEqual(["FROM=run"]);
    expect(devices.has("vendor.example/twice=0")).toBe(false);
  });

  test("a dir the fake may not read counts as empty", async () => {
    const memory = nodeWith({ "/etc/cdi/a.yaml": gpuSpec("vendor.example/gpu", "A=1") });
    const bounded: NodeFiles = {
      ...memory,
      readDir: async (path) => {
        if (path === "/etc/cdi") throw new HostBoundaryError(path, "it is outside the data dir and the allowed host roots");
        return memory.readDir(path);
      },
    };
    expect((await loadCdiDevices(bounded, ["/etc/cdi"])).size).toBe(0);
  });
});

describe("injectCdiDevices", () => {
  const spec = (): RuntimeSpec => ({ ociVersion: "1.0.2-dev", process: { user: { uid: 0, gid: 0 }, env: ["PATH=/bin", "A=old"], cwd: "/" }, linux: {}, mounts: [] });

  test("any device no spec defines fails the call, all of them named", async () => {
    const devices = await loadCdiDevices(nodeWith({ "/etc/cdi/a.yaml": gpuSpec("vendor.example/gpu", "A=1") }), ["/etc/cdi"]);
    await expect(injectCdiDevices(nodeWith({}), spec(), devices, ["vendor.example/gpu=0", "vendor.example/gpu=1", "vendor.example/nic=0"])).rejects.toThrow(
      "CDI device injection failed: unresolvable CDI devices vendor.example/gpu=1, vendor.example/nic=0",
    );
  });

  test("env replaces by name in place; extra groups other than 0 are added once", async () => {
    const text = `cdiVersion: "0.7.0"
kind: vendor.example/gpu
containerEdits:
  additionalGids: [0, 44]
devices:
  - name: "0"
    containerEdits:
      env: ["A=new", "B=1"]
      additionalGids: [44, 45]
`;
    const devices = await loadCdiDevices(nodeWith({ "/etc/cdi/a.yaml": text }), ["/etc/cdi"]);
    const s = spec();
    await injectCdiDevices(nodeWith({}), s, devices, ["vendor.example/gpu=0"]);
    expect(s.process!.env).toEqual(["PATH=/bin", "A=new", "B=1"]);
    expect(s.process!.user.additionalGids).toEqual([44, 45]);
  });

  describe("device nodes read from the host device (fillMissingInfo)", () => {
    /** A node whose files have these device nodes; any other path is missing, or outside the allowed roots. */
    function nodeWithDevices(devices: Record<string, { mode: number; device: NonNullable<HostFsStat["device"]> }>, outside: string[] = []): NodeFiles {
      const files = nodeWith({});
      return {
        ...files,
        stat: async (path) => {
          if (outside.includes(path)) throw new HostBoundaryError(path, "outside the allowed host roots");
          const found = devices[path];
          return found ? { isDirectory: false, size: 0n, ...found } : files.stat(path);
        },
      };
    }
    const host = nodeWithDevices(
      { "/dev/null": { mode: 0o666, device: { type: "c", major: 1, minor: 3 } }, "/dev/golden-fifo": { mode: 0o640, device: { type: "p", major: 0, minor: 0 } } },
      ["/dev/outside"],
    );

    async function devicesFor(nodes: string): Promise<unknown> {
      const text = `cdiVersion: "0.5.0"
kind: vendor.example/dev
devices:
  - name: "0"
    containerEdits:
      deviceNodes: ${nodes}
`;
      const devices = await loadCdiDevices(nodeWith({ "/etc/cdi/a.yaml": text }), ["/etc/cdi"]);
      const s = spec();
      await injectCdiDevices(host, s, devices, ["vendor.example/dev=0"]);
      return s.linux!.devices;
    }

    test("a node that states only its path takes the host device's type, numbers and mode", async () => {
      expect(await devicesFor(`[{ path: /dev/null }]`)).toEqual([{ path: "/dev/null", type: "c", major: 1n, minor: 3n, fileMode: 0o666 }]);
    });

    test("hostPath is the device read; a stated mode is kept", async () => {
      expect(await devicesFor(`[{ path: /dev/mine, hostPath: /dev/null, fileMode: 0o600 }]`)).toEqual([
        { path: "/dev/mine", type: "c", major: 1n, minor: 3n, fileMode: 0o600 },
      ]);
    });

    test("a node stated fully takes only the host's mode, and needs no host device", async () => {
      expect(await devicesFor(`[{ path: /dev/null, type: c, major: 9, minor: 9 }, { path: /dev/none, type: b, major: 8, minor: 1 }]`)).toEqual([
        { path: "/dev/null", type: "c", major: 9n, minor: 9n, fileMode: 0o666 },
        { path: "/dev/none", type: "b", major: 8n, minor: 1n },
      ]);
    });

    test("a FIFO keeps numbers 0", async () => {
      expect(await devicesFor(`[{ path: /dev/golden-fifo }]`)).toEqual([{ path: "/dev/golden-fifo", type: "p", major: 0n, minor: 0n, fileMode: 0o640 }]);
    });

    test("a stated type the host device does not have fails", async () => {
      await expect(devicesFor(`[{ path: /dev/null, type: b }]`)).rejects.toThrow(
        'CDI device injection failed: failed to inject devices: CDI device ("/dev/null", "/dev/null"), host type mismatch (b, c)',
      );
    });

    test("a missing host device, or one outside the allowed roots (not looked at), fails a node not stated fully", async () => {
      for (const path of ["/dev/missing", "/dev/outside"]) {
        await expect(devicesFor(`[{ path: ${path}, type: c }]`)).rejects.toThrow(
          `CDI device injection failed: failed to inject devices: failed to stat CDI host device "${path}": no such file or directory`,
        );
      }
    });
  });
});
