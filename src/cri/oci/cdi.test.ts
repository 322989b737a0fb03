// Which CDI devices a CreateContainer request names, which the spec dirs define, and what injecting them does.

import { describe, expect, test } from "vitest";
import { MemoryHostFs } from "../../node/host-fs.ts";
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
    expect(() => injectCdiDevices(spec(), devices, ["vendor.example/gpu=0", "vendor.example/gpu=1", "vendor.example/nic=0"])).toThrow(
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
    injectCdiDevices(s, devices, ["vendor.example/gpu=0"]);
    expect(s.process!.env).toEqual(["PATH=/bin", "A=new", "B=1"]);
    expect(s.process!.user.additionalGids).toEqual([44, 45]);
  });
});
