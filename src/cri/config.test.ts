import { describe, expect, test } from "vitest";
import {
  criConfigFromObject,
  criConfigJson,
  CriConfigError,
  defaultCriConfig,
  goDurationError,
  parseCriConfig,
} from "./config.ts";

describe("defaults", () => {
  test("containerd 1.6.20's DefaultConfig with the default containerd paths", () => {
    const c = defaultCriConfig();
    expect(c.sandboxImage).toBe("registry.k8s.io/pause:3.6");
    expect(c.containerd.snapshotter).toBe("overlayfs");
    expect(c.containerd.defaultRuntimeName).toBe("runc");
    expect(c.containerd.runtimes.runc!.type).toBe("io.containerd.runc.v2");
    expect(c.containerd.runtimes.runc!.options).toMatchObject({ SystemdCgroup: false, IoUid: 0n, BinaryName: "" });
    expect(c.maxContainerLogLineSize).toBe(16384);
    expect(c.cni).toEqual({
      networkPluginBinDir: "/opt/cni/bin",
      networkPluginConfDir: "/etc/cni/net.d",
      networkPluginMaxConfNum: 1,
      networkPluginConfTemplate: "",
      ipPreference: "",
    });
    expect(c.streamServerAddress).toBe("127.0.0.1");
    expect(c.streamServerPort).toBe("0");
    expect(c.streamIdleTimeout).toBe("4h0m0s");
    expect(c.rootDir).toBe("/var/lib/containerd/io.containerd.grpc.v1.cri");
    expect(c.stateDir).toBe("/run/containerd/io.containerd.grpc.v1.cri");
    expect(c.containerdRootDir).toBe("/var/lib/containerd");
    expect(c.containerdEndpoint).toBe("/run/containerd/containerd.sock");
    expect([c.restrictOomScoreAdj, c.enableSelinux, c.disableCgroup, c.netnsMountsUnderStateDir]).toEqual([false, false, false, false]);
    expect([c.tolerateMissingHugetlbController, c.disableHugetlbController, c.disableTcpService]).toEqual([true, true, true]);
  });

  test("an empty config.toml gives the defaults", () => {
    expect(parseCriConfig("")).toEqual(defaultCriConfig());
  });
});

describe("parseCriConfig", () => {
  test("a version 2 file is read from [plugins.\"io.containerd.grpc.v1.cri\"], with root and state", () => {
    const c = parseCriConfig(`
version = 2
root = "/data/root"
state = "/data/state"
[grpc]
  address = "/data/ctd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "example.com/pause:9"
  max_container_log_line_size = 100
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
`);
    expect(c.sandboxImage).toBe("example.com/pause:9");
    expect(c.maxContainerLogLineSize).toBe(100);
    expect(c.restrictOomScoreAdj).toBe(true);
    expect(c.containerd.snapshotter).toBe("native");
    expect(c.containerd.defaultRuntimeName).toBe("runc");
    expect(c.rootDir).toBe("/data/root/io.containerd.grpc.v1.cri");
    expect(c.stateDir).toBe("/data/state/io.containerd.grpc.v1.cri");
    expect(c.containerdEndpoint).toBe("/data/ctd.sock");
  });

  test("a version 1 (or unversioned) file is read from [plugins.cri]; the v2 key is not its", () => {
    expect(parseCriConfig(`[plugins.cri]\nsandbox_image = "v1:pause"`).sandboxImage).toBe("v1:pause");
    expect(parseCriConfig(`version = 1\n[plugins.cri]\nsandbox_image = "v1:pause"`).sandboxImage).toBe("v1:pause");
    expect(parseCriConfig(`[plugins."io.containerd.grpc.v1.cri"]\nsandbox_image = "ignored"`).sandboxImage).toBe(
      "registry.k8s.io/pause:3.6",
    );
  });

  test("a version 2 file with a short plugin key fails as containerd's ValidateV2", () => {
    expect(() => parseCriConfig(`version = 2\n[plugins.cri]\nsandbox_image = "x"`, { path: "/etc/c.toml" })).toThrow(
      new CriConfigError('failed to load TOML from /etc/c.toml: invalid plugin key URI "cri" expect io.containerd.x.vx'),
    );
  });

  test("runtimes replace the default map whole: naming another runtime loses runc", () => {
    expect(() =>
      parseCriConfig(`version = 2
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata]
  runtime_type = "io.containerd.kata.v2"`),
    ).toThrow(
      'invalid plugin config: no corresponding runtime configured in `containerd.runtimes` for `containerd` `default_runtime_name = "runc"',
    );
  });

  test("a runtime entry starts from zero values: redefining runc drops the default options", () => {
    const c = parseCriConfig(`version = 2
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
  pod_annotations = ["a/*"]
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
    SystemdCgroup = true
    IoUid = 5
    Ratio = 1.5`);
    const runc = c.containerd.runtimes.runc!;
    expect(runc.podAnnotations).toEqual(["a/*"]);
    expect(runc.containerAnnotations).toEqual([]);
    expect(runc.options).toEqual({ SystemdCgroup: true, IoUid: 5n, Ratio: 1.5 });
  });

  test("an embedded table left out is read from its parent, as go-toml does", () => {
    expect(parseCriConfig(`version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nsnapshotter = "native"`).containerd.snapshotter).toBe(
      "native",
    );
    expect(parseCriConfig(`version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nconf_dir = "/cni"`).cni.networkPluginConfDir).toBe("/cni");
  });

  test("a value of the wrong type names its key and go-toml's conversion", () => {
    expect(() => parseCriConfig(`version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nsandbox_image = 1`)).toThrow(
      `plugins."io.containerd.grpc.v1.cri".sandbox_image: Can't convert 1(int64) to string`,
    );
    expect(() => parseCriConfig(`version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nenable_selinux = "yes"`)).toThrow(
      `plugins."io.containerd.grpc.v1.cri".enable_selinux: Can't convert yes(string) to bool`,
    );
    expect(() => parseCriConfig(`version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nmax_container_log_line_size = 1.5`)).toThrow(
      `plugins."io.containerd.grpc.v1.cri".max_container_log_line_size: Can't convert 1.5(float64) to int`,
    );
  });

  test("keys are matched as go-toml matches them: exact, lower case, upper case", () => {
    expect(parseCriConfig(`version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nSANDBOX_IMAGE = "upper"`).sandboxImage).toBe("upper");
  });

  test("TOML syntax errors are reported with the file", () => {
    expect(() => parseCriConfig("[plugins", { path: "x.toml" })).toThrow(/^failed to load TOML: x\.toml: /);
  });
});

describe("ValidatePluginConfig", () => {
  const v2 = (body: string) => `version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n${body}`;
  test.each([
    ['containerd.default_runtime_name = ""', "invalid plugin config: `default_runtime_name` is empty"],
    ["systemd_cgroup = true", "invalid plugin config: `systemd_cgroup` only works for runtime io.containerd.runtime.v1.linux"],
    ["containerd.no_pivot = true", "invalid plugin config: `no_pivot` only works for runtime io.containerd.runtime.v1.linux"],
    [
      'containerd.runtimes.runc.runtime_type = "io.containerd.runc.v2"\ncontainerd.runtimes.runc.runtime_engine = "x"',
      "invalid plugin config: `runtime_engine` only works for runtime io.containerd.runtime.v1.linux",
    ],
    [
      'containerd.runtimes.runc.runtime_type = "io.containerd.runc.v2"\ncontainerd.runtimes.runc.runtime_root = "/r"',
      "invalid plugin config: `runtime_root` only works for runtime io.containerd.runtime.v1.linux",
    ],
    [
      'registry.config_path = "/certs.d"\nregistry.mirrors."docker.io".endpoint = ["https://m"]',
      "invalid plugin config: `mirrors` cannot be set when `config_path` is provided",
    ],
    [
      'registry.config_path = "/certs.d"\nregistry.configs."r".tls.insecure_skip_verify = true',
      "invalid plugin config: `configs.tls` cannot be set when `config_path` is provided",
    ],
    ['stream_idle_timeout = "4x"', 'invalid plugin config: invalid stream idle timeout: time: unknown unit "x" in duration "4x"'],
    ['stream_idle_timeout = "4"', 'invalid plugin config: invalid stream idle timeout: time: missing unit in duration "4"'],
    ['stream_idle_timeout = "h"', 'invalid plugin config: invalid stream idle timeout: time: invalid duration "h"'],
    [
      'containerd.untrusted_workload_runtime.runtime_type = "u"\ncontainerd.runtimes.untrusted.runtime_type = "u"\ncontainerd.runtimes.runc.runtime_type = "io.containerd.runc.v2"',
      'invalid plugin config: conflicting definitions: configuration includes both `untrusted_workload_runtime` and `runtimes["untrusted"]`',
    ],
    [
      'registry.auths.":bad".username = "u"',
      'invalid plugin config: failed to parse registry url ":bad" from `registry.auths`: parse ":bad": missing protocol scheme',
    ],
  ])("%s", (body, message) => {
    expect(() => parseCriConfig(v2(body))).toThrow(new CriConfigError(message));
  });

  test("the deprecated default_runtime becomes the runtime \"default\" and the default name", () => {
    const c = parseCriConfig(v2('containerd.default_runtime.runtime_type = "io.containerd.runc.v1"'));
    expect(c.containerd.defaultRuntimeName).toBe("default");
    expect(c.containerd.runtimes.default!.type).toBe("io.containerd.runc.v1");
  });

  test("systemd_cgroup is fine with a legacy linux default runtime", () => {
    const c = parseCriConfig(
      v2('systemd_cgroup = true\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\nruntime_type = "io.containerd.runtime.v1.linux"'),
    );
    expect(c.systemdCgroup).toBe(true);
  });

  test("registry.auths move into registry.configs, keyed by host", () => {
    const c = parseCriConfig(v2('registry.auths."https://r.example:5000/v2".username = "u"'));
    expect(c.registry.configs["r.example:5000"]!.auth).toEqual({ username: "u", password: "", auth: "", identityToken: "" });
  });

  test("Go durations containerd accepts", () => {
    for (const d of ["4h0m0s", "1.5h", "300ms", "-2m", "0", "1h1m1s1ms1us1ns", ".5s"]) expect(goDurationError(d)).toBeUndefined();
    expect(goDurationError("")).toBe('time: invalid duration ""');
  });
});

describe("criConfigFromObject", () => {
  test("nested parts merge, maps replace, runtime entries start from zero", () => {
    const c = criConfigFromObject({
      sandboxImage: "my/pause:1",
      containerd: { runtimes: { runc: { type: "io.containerd.runc.v2", podAnnotations: ["x"] }, kata: { type: "io.containerd.kata.v2" } } },
    });
    expect(c.sandboxImage).toBe("my/pause:1");
    expect(c.containerd.snapshotter).toBe("overlayfs");
    expect(c.containerd.runtimes.runc!.options).toBeUndefined();
    expect(c.containerd.runtimes.kata!.podAnnotations).toEqual([]);
  });

  test("is validated like a file", () => {
    expect(() => criConfigFromObject({ containerd: { defaultRuntimeName: "nope" } })).toThrow(
      'invalid plugin config: no corresponding runtime configured in `containerd.runtimes` for `containerd` `default_runtime_name = "nope"',
    );
  });
});

describe("criConfigJson", () => {
  test("json.Marshal(criconfig.Config): Go's keys in declaration order, nil slices and maps as null", () => {
    const json = criConfigJson(defaultCriConfig());
    const parsed = JSON.parse(json) as Record<string, unknown>;
    expect(Object.keys(parsed).slice(0, 6)).toEqual(["containerd", "cni", "registry", "imageDecryption", "disableTCPService", "streamServerAddress"]);
    expect(Object.keys(parsed).slice(-4)).toEqual(["containerdRootDir", "containerdEndpoint", "rootDir", "stateDir"]);
    expect(json).toContain(
      '"runtimes":{"runc":{"runtimeType":"io.containerd.runc.v2","runtimePath":"","runtimeEngine":"","PodAnnotations":null,"ContainerAnnotations":null,"runtimeRoot":"","options":{"BinaryName":"","CriuImagePath":"","CriuPath":"","CriuWorkPath":"","IoGid":0,"IoUid":0,"NoNewKeyring":false,"NoPivotRoot":false,"Root":"","ShimCgroup":"","SystemdCgroup":false},"privileged_without_host_devices":false,"baseRuntimeSpec":"","cniConfDir":"","cniMaxConfNum":0}}',
    );
    expect(json).toContain('"registry":{"configPath":"","mirrors":null,"configs":null,"auths":null,"headers":null}');
    expect(json).toContain('"maxContainerLogSize":16384');
    expect(json).toContain('"enableUnprivilegedICMP":false}'.slice(0, -1));
  });

  test("what a parsed file sets shows, and HTML characters are escaped as Go does", () => {
    const json = criConfigJson(parseCriConfig(`version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nsandbox_image = "a<b>&c"`));
    expect(json).toContain('"sandboxImage":"a\\u003cb\\u003e\\u0026c"');
  });
});

describe("version 3 (containerd 2.x's split CRI plugins)", () => {
  test("reads the runtime, images and server plugins' tables to the config their version-2 table gives", () => {
    const split = `version = 3
[plugins.'io.containerd.grpc.v1.cri']
  stream_server_port = "10010"
[plugins.'io.containerd.cri.v1.images']
  snapshotter = "native"
  max_concurrent_downloads = 5
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "registry.k8s.io/pause:3.10"
  [plugins.'io.containerd.cri.v1.images'.registry]
    config_path = "/etc/containerd/certs.d"
[plugins.'io.containerd.cri.v1.runtime']
  enable_selinux = true
  cdi_spec_dirs = ["/etc/cdi"]
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "crun"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.crun]
      runtime_type = "io.containerd.runc.v2"
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["/opt/cni/bin", "/usr/lib/cni"]
    conf_dir = "/etc/cni/conf"
`;
    const single = `version = 2
[plugins."io.containerd.grpc.v1.cri"]
  stream_server_port = "10010"
  sandbox_image = "registry.k8s.io/pause:3.10"
  max_concurrent_downloads = 5
  enable_selinux = true
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "/etc/containerd/certs.d"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
    default_runtime_name = "crun"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/opt/cni/bin"
    conf_dir = "/etc/cni/conf"
`;
    // The version-2 table names no cdi_spec_dirs.
    expect(parseCriConfig(split, { maxVersion: 4 })).toEqual({ ...parseCriConfig(single, { maxVersion: 4 }), cdiSpecDirs: ["/etc/cdi"] });
  });

  test("a version newer than the daemon reads is refused with containerd's text", () => {
    expect(() => parseCriConfig("version = 3\n")).toThrow("expected containerd config version equal to or less than `2`, got `3`");
    expect(() => parseCriConfig("version = 5\n", { maxVersion: 4 })).toThrow("expected containerd config version equal to or less than `4`, got `5`");
  });
});
