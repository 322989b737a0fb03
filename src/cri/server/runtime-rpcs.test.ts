import { afterEach, describe, expect, test } from "vitest";
import { CgroupDriver } from "../api/v1.ts";
import { Code, CriError } from "../errors.ts";
import { readTextFile } from "../../node/host-fs.ts";
import { getRoutes, parseCidr, parseGoTemplate } from "./update-runtime-config.ts";
import { createFakeCri, type FakeCri } from "../../harness/index.ts";
import { CriService, createCriServices } from "./service.ts";
import { createFakeContainerd } from "../../../fake-containerd/index.ts";
import { defaultCriConfig } from "../config.ts";
import { MemoryHostFs } from "../../node/host-fs.ts";

let fake: FakeCri | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function rejection(p: Promise<unknown>): Promise<CriError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(CriError);
    return err as CriError;
  }
  throw new Error("expected a rejection");
}

describe("Version", () => {
  test("answers containerd's names whatever the request says", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    for (const version of ["", "0.1.0", "v1", "nonsense"]) {
      expect(await fake.runtime.version({ version })).toEqual({
        version: "0.1.0",
        runtimeName: "containerd",
        runtimeVersion: "1.6.20~ds1",
        runtimeApiVersion: "v1",
      });
    }
  });

  test("the runtime version is configurable; v1alpha2 reports its own API version", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1, runtimeVersion: "v1.6.20" });
    expect(await fake.v1alpha2.runtime.version({})).toEqual({
      version: "0.1.0",
      runtimeName: "containerd",
      runtimeVersion: "v1.6.20",
      runtimeApiVersion: "v1alpha2",
    });
  });
});

describe("Status", () => {
  test("runtime and network ready, no info unless verbose", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    expect(await fake.runtime.status({})).toEqual({
      status: {
        conditions: [
          { type: "RuntimeReady", status: true, reason: "", message: "" },
          { type: "NetworkReady", status: true, reason: "", message: "" },
        ],
      },
      info: {},
      runtimeHandlers: [],
      features: undefined,
    });
  });

  test("a node without a CNI config reports containerd's NetworkPluginNotReady", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1, networkReady: false });
    const response = await fake.runtime.status({ verbose: true });
    expect(response.status!.conditions[1]).toEqual({
      type: "NetworkReady",
      status: false,
      reason: "NetworkPluginNotReady",
      message: "Network plugin returns error: cni plugin not initialized",
    });
    expect(response.info.lastCNILoadStatus).toBe(
      "cni config load failed: no network config found in /etc/cni/net.d: cni plugin not initialized: failed to load cni config",
    );
    expect(response.info["lastCNILoadStatus.default"]).toBe(response.info.lastCNILoadStatus);
    expect(JSON.parse(response.info.cniconfig!)).toEqual({
      PluginDirs: ["/opt/cni/bin"],
      PluginConfDir: "/etc/cni/net.d",
      PluginMaxConfNum: 1,
      Prefix: "eth",
      Networks: null,
    });
  });

  test("verbose info: the config as containerd's JSON, the Go version, the CNI status", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1, config: { restrictOomScoreAdj: true } });
    const { info } = await fake.runtime.status({ verbose: true });
    expect(Object.keys(info).sort()).toEqual(["cniconfig", "config", "golang", "lastCNILoadStatus", "lastCNILoadStatus.default"]);
    expect(info.golang).toBe('"go1.19.8"');
    expect(info.lastCNILoadStatus).toBe("OK");
    const config = JSON.parse(info.config!) as Record<string, unknown>;
    expect(config).toMatchObject({
      sandboxImage: "registry.k8s.io/pause:3.6",
      restrictOOMScoreAdj: true,
      maxContainerLogSize: 16384,
      containerd: { defaultRuntimeName: "runc", snapshotter: "overlayfs" },
      rootDir: "/var/lib/containerd/io.containerd.grpc.v1.cri",
    });
  });
});

describe("UpdateRuntimeConfig", () => {
  test("nothing to do without a pod CIDR or without a template", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    expect(await fake.runtime.updateRuntimeConfig({})).toEqual({});
    expect(await fake.runtime.updateRuntimeConfig({ runtimeConfig: { networkConfig: { podCidr: "10.88.0.0/16" } } })).toEqual({});
  });

  test("a pod CIDR that does not parse fails with net.ParseCIDR's text (Unknown)", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const err = await rejection(fake.runtime.updateRuntimeConfig({ runtimeConfig: { networkConfig: { podCidr: "10.0.0.0/8, not a cidr" } } }));
    expect([err.code, err.message]).toEqual([Code.Unknown, "get routes: invalid CIDR address: not a cidr"]);
  });

  const template = `{"name":"k8s","ranges":[{{range $i, $r := .PodCIDRRanges}}{{if $i}}, {{end}}"{{$r}}"{{end}}],"subnet":"{{.PodCIDR}}","routes":[{{range $i, $route := .Routes}}{{if $i}},{{end}}{"dst":"{{$route}}"}{{end}}]}`;

  test("with a template and no network yet, renders the conflist into the conf dir and the network becomes ready", async () => {
    fake = await createFakeCri({ containerd: "1.6", 
      seed: 1,
      networkReady: false,
      config: { cni: { networkPluginConfTemplate: "/etc/containerd/cni.tmpl" } },
    });
    fake.hostFs.mkdirAll("/etc/containerd");
    fake.hostFs.writeFile("/etc/containerd/cni.tmpl", template);
    await fake.runtime.updateRuntimeConfig({ runtimeConfig: { networkConfig: { podCidr: "10.1.0.0/16, fd00::/64" } } });
    expect(readTextFile(fake.hostFs, "/etc/cni/net.d/10-containerd-net.conflist")).toBe(
      '{"name":"k8s","ranges":["10.1.0.0/16", "fd00::/64"],"subnet":"10.1.0.0/16","routes":[{"dst":"0.0.0.0/0"},{"dst":"::/0"}]}',
    );
    expect((await fake.runtime.status({})).status!.conditions[1]!.status).toBe(true);
  });

  test("a template that cannot be read fails with containerd's wrapping", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1, networkReady: false, config: { cni: { networkPluginConfTemplate: "/missing.tmpl" } } });
    const err = await rejection(fake.runtime.updateRuntimeConfig({ runtimeConfig: { networkConfig: { podCidr: "10.1.0.0/16" } } }));
    expect(err.message).toBe('failed to parse cni config template "/missing.tmpl": open /missing.tmpl: no such file or directory');
    expect(err.code).toBe(Code.Unknown);
  });

  test("getRoutes and ParseCIDR as Go has them", () => {
    expect(getRoutes(["10.0.0.0/8"])).toEqual(["0.0.0.0/0"]);
    expect(getRoutes(["fd00::/64", "10.0.0.0/8"])).toEqual(["0.0.0.0/0", "::/0"]);
    expect(getRoutes(["::ffff:10.0.0.0/104"])).toEqual(["0.0.0.0/0"]);
    expect(getRoutes(["::ffff:10.0.0.0/64"])).toEqual(["::/0"]);
    expect(parseCidr("10.0.0.0/016").prefix).toBe(16);
    for (const bad of ["10.0.0.0", "10.0.0.0/33", "010.0.0.0/8", "10.0.0/8", "::1::/64", "fe80::1%eth0/64", "1.2.3.4/-1", "1.2.3.4/ 8", ""]) {
      expect(() => parseCidr(bad), bad).toThrow(`invalid CIDR address: ${bad}`);
    }
  });

  test("the template subset: fields, variables, range/else, if/else, trimming, comments", () => {
    const t = parseGoTemplate("t", "{{/* c */}}{{.PodCIDR -}}  |{{range .Routes}}[{{.}}]{{else}}none{{end}}|{{if .PodCIDRRanges}}y{{else}}n{{end}}|{{.Routes}}");
    expect(t.execute({ PodCIDR: "a", PodCIDRRanges: [], Routes: ["r1", "r2"] })).toBe("a|[r1][r2]|n|[r1 r2]");
    expect(() => parseGoTemplate("t", "{{.Nope}}").execute({ PodCIDR: "a" })).toThrow(
      'template: t:1: executing "t" at <.Nope>: can\'t evaluate field Nope in type server.cniConfigTemplate',
    );
    expect(() => parseGoTemplate("t", "{{if .X}}")).toThrow("template: t:1: unexpected EOF");
  });
});

describe("RuntimeConfig (as containerd 1.7+)", () => {
  test("cgroupfs from the default runc options", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    expect(await fake.runtime.runtimeConfig({})).toEqual({ linux: { cgroupDriver: CgroupDriver.CGROUPFS } });
  });

  test("systemd when the default runtime's runc options say SystemdCgroup", async () => {
    fake = await createFakeCri({ containerd: "1.6", 
      seed: 1,
      config: `version = 2
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
    SystemdCgroup = true`,
    });
    expect(await fake.runtime.runtimeConfig({})).toEqual({ linux: { cgroupDriver: CgroupDriver.SYSTEMD } });
  });

  test("the default runtime decides before the others", async () => {
    fake = await createFakeCri({ containerd: "1.6", 
      seed: 1,
      config: {
        containerd: {
          defaultRuntimeName: "z",
          runtimes: {
            a: { type: "io.containerd.runc.v2", options: { SystemdCgroup: true } },
            z: { type: "io.containerd.runc.v2", options: { SystemdCgroup: false } },
          },
        },
      },
    });
    expect((await fake.runtime.runtimeConfig({})).linux!.cgroupDriver).toBe(CgroupDriver.CGROUPFS);
  });

  test("v1alpha2 has no RuntimeConfig", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    expect("runtimeConfig" in fake.v1alpha2.runtime).toBe(false);
  });
});

describe("GetContainerEvents", () => {
  test("containerd 1.6.20 answers Unimplemented", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const stream = fake.runtime.getContainerEvents({});
    const err = await rejection(stream[Symbol.asyncIterator]().next());
    expect([err.code, err.message]).toEqual([Code.Unimplemented, "method GetContainerEvents not implemented"]);
  });
});

describe("the instrumented service", () => {
  test("before recovery every RPC fails with containerd's \"server is not initialized yet\" (Unknown)", async () => {
    const containerd = createFakeContainerd({ seed: 1 });
    const service = new CriService({ config: defaultCriConfig(), containerd, hostFs: new MemoryHostFs() });
    const handlers = createCriServices(service);
    const call = { signal: new AbortController().signal };
    const err = await rejection(handlers.runtime.version!({ version: "" }, call));
    expect([err.code, err.message]).toEqual([Code.Unknown, "server is not initialized yet"]);
    const stream = handlers.runtime.getContainerEvents!({}, call);
    expect((await rejection(stream[Symbol.asyncIterator]().next())).message).toBe("server is not initialized yet");
    await service.start();
    expect((await handlers.runtime.version!({ version: "" }, call)).runtimeName).toBe("containerd");
    await service.stop();
  });
});
