import type { OperationName } from "../../../fake-containerd/index.ts";
import { afterEach, describe, expect, test } from "vitest";
import { ContainerState, SecurityProfile_ProfileType } from "../api/v1.ts";
import { Code } from "../errors.ts";
import { MemoryHostFs, HostFsError } from "../../node/host-fs.ts";
import { specJson } from "../oci/oci-defaults.ts";
import { defaultSeccompProfile } from "../oci/seccomp-default.ts";
import type { FakeCri } from "../../harness/index.ts";
import {
  advance,
  busybox,
  containerConfig,
  containerLeftovers,
  create,
  newFake,
  nothingLeft,
  rejection,
  runPod,
  status,
  type Pod,
} from "../testing/container-fixtures.ts";

let fake: FakeCri;
let pod: Pod;

afterEach(async () => {
  await fake?.close();
});

async function setUp(options: Parameters<typeof newFake>[0] = {}) {
  fake = await newFake(options);
  pod = await runPod(fake);
}

const verboseInfo = async (containerId: string) =>
  JSON.parse((await fake.runtime.containerStatus({ containerId, verbose: true })).info.info!);

describe("CreateContainer", () => {
  test("creates a container in the CREATED state with the request's metadata, labels and log path", async () => {
    await setUp();
    const id = await create(fake, pod, "app", ["sleep", "infinity"], { labels: { app: "web" }, annotations: { note: "x" } });
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const s = await status(fake, id);
    expect(s).toMatchObject({
      id,
      metadata: { name: "app", attempt: 0 },
      state: ContainerState.CONTAINER_CREATED,
      startedAt: 0n,
      finishedAt: 0n,
      image: { image: busybox },
      labels: { app: "web" },
      annotations: { note: "x" },
      logPath: "/var/log/pods/pod/app.log",
    });
    expect(s.createdAt).toBeGreaterThan(0n);
    const record = await fake.containerd.namespace("k8s.io").containers.get(id);
    expect(record.labels).toEqual({ app: "web", "io.cri-containerd.kind": "container" });
    expect(record.image).toBe(busybox);
    expect(record.snapshotKey).toBe(id);
    expect(Object.keys(record.extensions)).toEqual(["io.cri-containerd.container.metadata"]);
  });

  test("builds the OCI spec: args from command and args, env (image, HOSTNAME, request), cwd, annotations, mounts", async () => {
    await setUp();
    const id = await create(fake, pod, "app", ["sh"], {
      args: ["-c", "sleep 1"],
      envs: [{ key: "GREETING", value: new TextEncoder().encode("hello") }],
      workingDir: "/tmp",
    });
    const info = await verboseInfo(id);
    expect(info.sandboxID).toBe(pod.id);
    expect(info.runtimeType).toBe("io.containerd.runc.v2");
    expect(info.snapshotter).toBe("overlayfs");
    expect(info.snapshotKey).toBe(id);
    expect(info.config.envs).toEqual([{ key: "GREETING", value: "hello" }]);
    const spec = info.runtimeSpec;
    expect(spec.process.args).toEqual(["sh", "-c", "sleep 1"]);
    expect(spec.process.env).toEqual([
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "HOSTNAME=pod",
      "GREETING=hello",
    ]);
    expect(spec.process.cwd).toBe("/tmp");
    expect(spec.process.user).toEqual({ uid: 0, gid: 0, additionalGids: [0] });
    expect(spec.annotations).toEqual({
      "io.kubernetes.cri.container-name": "app",
      "io.kubernetes.cri.container-type": "container",
      "io.kubernetes.cri.image-name": busybox,
      "io.kubernetes.cri.sandbox-id": pod.id,
      "io.kubernetes.cri.sandbox-name": "pod",
      "io.kubernetes.cri.sandbox-namespace": "ns",
      "io.kubernetes.cri.sandbox-uid": "pod-uid",
    });
    const mounts = spec.mounts.map((m: { destination: string }) => m.destination);
    expect(mounts).toEqual(["/proc", "/dev", "/dev/pts", "/dev/mqueue", "/sys", "/sys/fs/cgroup", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/dev/shm"]);
    expect(spec.linux.namespaces.map((n: { type: string }) => n.type)).toEqual(["pid", "ipc", "uts", "mount", "network", "cgroup"]);
  });

  test("the image's command is used when the request has none; neither gives 'no command specified'", async () => {
    await setUp({
      images: [busybox, { name: "docker.io/library/empty:1", config: {}, layers: [{ "etc/passwd": "root:x:0:0::/:/bin/sh\n" }] }],
    });
    const id = await create(fake, pod, "default", []);
    expect((await verboseInfo(id)).runtimeSpec.process.args).toEqual(["sh"]);
    const err = await rejection(
      fake.runtime.createContainer({
        podSandboxId: pod.id,
        config: containerConfig("nocmd", [], { image: { image: "docker.io/library/empty:1" } }),
        sandboxConfig: pod.config,
      }),
    );
    expect(err.code).toBe(Code.Unknown);
    expect(err.message).toMatch(/^failed to generate container "[0-9a-f]{64}" spec: no command specified$/);
  });

  test("the user comes from the request, else the image, looked up in the image's /etc/passwd", async () => {
    await setUp();
    const byUid = await create(fake, pod, "uid", ["true"], { linux: { securityContext: { runAsUser: { value: 65534n } } } });
    expect((await verboseInfo(byUid)).runtimeSpec.process.user).toEqual({ uid: 65534, gid: 65534, additionalGids: [65534] });
    const byName = await create(fake, pod, "name", ["true"], { linux: { securityContext: { runAsUsername: "nobody" } } });
    expect((await verboseInfo(byName)).runtimeSpec.process.user).toEqual({ uid: 65534, gid: 65534, additionalGids: [65534] });
    const uidGid = await create(fake, pod, "uidgid", ["true"], {
      linux: { securityContext: { runAsUser: { value: 1000n }, runAsGroup: { value: 3000n }, supplementalGroups: [5n, 4n] } },
    });
    expect((await verboseInfo(uidGid)).runtimeSpec.process.user).toEqual({ uid: 1000, gid: 3000, additionalGids: [4, 5, 3000] });
    const unknownUid = await create(fake, pod, "unknownuid", ["true"], { linux: { securityContext: { runAsUser: { value: 4242n } } } });
    expect((await verboseInfo(unknownUid)).runtimeSpec.process.user).toEqual({ uid: 4242, gid: 0, additionalGids: [0] });
  });

  test("an unknown user name fails the create with containerd's temp-mount text and leaves nothing", async () => {
    await setUp();
    const err = await rejection(
      fake.runtime.createContainer({
        podSandboxId: pod.id,
        config: containerConfig("ghost", ["true"], { linux: { securityContext: { runAsUsername: "ghost" } } }),
        sandboxConfig: pod.config,
      }),
    );
    expect(err.code).toBe(Code.Unknown);
    expect(err.message).toMatch(
      /^failed to create containerd container: mount callback failed on \/var\/lib\/containerd\/tmpmounts\/containerd-mount\d+: no users found$/,
    );
    expect(await containerLeftovers(fake, pod.id)).toEqual(nothingLeft);
  });

  test("a group without a user is refused before anything is created", async () => {
    await setUp();
    const err = await rejection(
      fake.runtime.createContainer({
        podSandboxId: pod.id,
        config: containerConfig("group", ["true"], { linux: { securityContext: { runAsGroup: { value: 5n } } } }),
        sandboxConfig: pod.config,
      }),
    );
    expect(err.message).toBe('failed to get container spec opts: failed to generate user string: user group "5" is specified without user');
    expect(await containerLeftovers(fake, pod.id)).toEqual(nothingLeft);
  });

  test("a privileged container needs a privileged pod", async () => {
    await setUp();
    const err = await rejection(
      fake.runtime.createContainer({
        podSandboxId: pod.id,
        config: containerConfig("priv", ["true"], { linux: { securityContext: { privileged: true } } }),
        sandboxConfig: pod.config,
      }),
    );
    expect(err.message).toMatch(/^failed to generate container "[0-9a-f]{64}" spec: no privileged container allowed in sandbox$/);
    expect(await containerLeftovers(fake, pod.id)).toEqual(nothingLeft);
  });

  test("SELinux levels are checked; a Localhost seccomp profile is read from the node", async () => {
    await setUp();
    const level = await rejection(
      fake.runtime.createContainer({
        podSandboxId: pod.id,
        config: containerConfig("lvl", ["true"], { linux: { securityContext: { selinuxOptions: { level: "bogus" } } } }),
        sandboxConfig: pod.config,
      }),
    );
    expect(level.message).toMatch(/^failed to generate container "[0-9a-f]{64}" spec: the format of 'level' "bogus" is not correct$/);
    const missing = await rejection(
      fake.runtime.createContainer({
        podSandboxId: pod.id,
        config: containerConfig("sc", ["true"], { linux: { securityContext: { seccomp: { profileType: 2, localhostRef: "/etc/seccomp/p.json" } } } }),
        sandboxConfig: pod.config,
      }),
    );
    expect(missing.message).toBe('failed to create containerd container: cannot load seccomp profile "/etc/seccomp/p.json": open /etc/seccomp/p.json: no such file or directory');
    expect(await containerLeftovers(fake, pod.id)).toEqual(nothingLeft);
    fake.hostFs.mkdirAll("/etc/seccomp");
    fake.hostFs.writeFile("/etc/seccomp/p.json", "[]");
    const notAnObject = await rejection(
      fake.runtime.createContainer({
        podSandboxId: pod.id,
        config: containerConfig("sc", ["true"], { linux: { securityContext: { seccomp: { profileType: 2, localhostRef: "/etc/seccomp/p.json" } } } }),
        sandboxConfig: pod.config,
      }),
    );
    expect(notAnObject.message).toBe(
      'failed to create containerd container: decoding seccomp profile failed "/etc/seccomp/p.json": json: cannot unmarshal array into Go value of type specs.LinuxSeccomp',
    );
    fake.hostFs.writeFile("/etc/seccomp/p.json", '{"defaultAction":"SCMP_ACT_LOG","architectures":["SCMP_ARCH_X86_64"]}');
    const id = await create(fake, pod, "sc", ["true"], { linux: { securityContext: { seccomp: { profileType: 2, localhostRef: "/etc/seccomp/p.json" } } } });
    expect((await verboseInfo(id)).runtimeSpec.linux.seccomp).toEqual({ defaultAction: "SCMP_ACT_LOG", architectures: ["SCMP_ARCH_X86_64"] });
  });

  test("RuntimeDefault seccomp is containerd's default profile for the container's final capabilities; privileged and unconfined get none", async () => {
    await setUp();
    const seccompOf = async (id: string) => (await verboseInfo(id)).runtimeSpec.linux.seccomp;
    const expected = (bounding: string[]) => JSON.parse(specJson({ ociVersion: "", linux: { seccomp: defaultSeccompProfile(bounding) } })).linux.seccomp;
    const runtimeDefault = { profileType: SecurityProfile_ProfileType.RuntimeDefault, localhostRef: "" };

    const plain = await create(fake, pod, "rd", ["true"], { linux: { securityContext: { seccomp: runtimeDefault } } });
    const plainCaps: string[] = (await verboseInfo(plain)).runtimeSpec.process.capabilities.bounding;
    expect(plainCaps).not.toContain("CAP_SYS_ADMIN");
    expect(await seccompOf(plain)).toEqual(expected(plainCaps));

    const admin = await create(fake, pod, "rd-admin", ["true"], {
      linux: { securityContext: { seccompProfilePath: "runtime/default", capabilities: { addCapabilities: ["SYS_ADMIN"], dropCapabilities: ["CHOWN"] } } },
    });
    const adminCaps: string[] = (await verboseInfo(admin)).runtimeSpec.process.capabilities.bounding;
    expect(adminCaps).toContain("CAP_SYS_ADMIN");
    expect(adminCaps).not.toContain("CAP_CHOWN");
    expect(await seccompOf(admin)).toEqual(expected(adminCaps));
    expect(await seccompOf(admin)).not.toEqual(await seccompOf(plain));

    const unconfined = await create(fake, pod, "unconfined", ["true"], {
      linux: { securityContext: { seccomp: { profileType: SecurityProfile_ProfileType.Unconfined, localhostRef: "" } } },
    });
    expect(await seccompOf(unconfined)).toBeUndefined();
    expect(await seccompOf(await create(fake, pod, "none", ["true"]))).toBeUndefined();

    const privilegedPod = await runPod(fake, "priv", { linux: { securityContext: { privileged: true } } });
    const privileged = await create(fake, privilegedPod, "priv", ["true"], { linux: { securityContext: { privileged: true, seccomp: runtimeDefault } } });
    expect(await seccompOf(privileged)).toBeUndefined();
  });

  test("the config's unset_seccomp_profile gives a container without a profile of its own RuntimeDefault", async () => {
    await setUp({ config: { unsetSeccompProfile: "runtime/default" } });
    const id = await create(fake, pod, "unset", ["true"]);
    const spec = (await verboseInfo(id)).runtimeSpec;
    expect(spec.linux.seccomp).toEqual(JSON.parse(specJson({ ociVersion: "", linux: { seccomp: defaultSeccompProfile(spec.process.capabilities.bounding) } })).linux.seccomp);
  });

  test("resources go into the spec and the status; a memory limit sets the swap limit too", async () => {
    await setUp();
    const id = await create(fake, pod, "limited", ["true"], {
      linux: { resources: { cpuPeriod: 100000n, cpuQuota: 50000n, cpuShares: 512n, memoryLimitInBytes: 67108864n, oomScoreAdj: -5n } },
    });
    expect((await status(fake, id)).resources?.linux).toMatchObject({
      cpuPeriod: 100000n,
      cpuQuota: 50000n,
      cpuShares: 512n,
      memoryLimitInBytes: 67108864n,
      memorySwapLimitInBytes: 67108864n,
      oomScoreAdj: -5n,
    });
    const spec = (await verboseInfo(id)).runtimeSpec;
    expect(spec.linux.resources.memory).toEqual({ limit: 67108864, swap: 67108864 });
    expect(spec.process.oomScoreAdj).toBe(-5);
  });

  test("restrict_oom_score_adj raises a negative score to the daemon's own", async () => {
    await setUp({ config: { restrictOomScoreAdj: true } });
    const id = await create(fake, pod, "adj", ["true"], { linux: { resources: { oomScoreAdj: -999n } } });
    expect((await status(fake, id)).resources?.linux?.oomScoreAdj).toBe(0n);
  });

  test("a pod cgroup parent gives the container a cgroup path below it (systemd slices as slice:prefix:id)", async () => {
    await setUp();
    const cgroupPod = await runPod(fake, "cg", { linux: { cgroupParent: "/kubepods/pod1" } });
    const id = await create(fake, cgroupPod, "app", ["true"]);
    expect((await verboseInfo(id)).runtimeSpec.linux.cgroupsPath).toBe(`/kubepods/pod1/${id}`);
    const slicePod = await runPod(fake, "slice", { linux: { cgroupParent: "kubepods-pod1.slice" } });
    const sliced = await create(fake, slicePod, "app", ["true"]);
    expect((await verboseInfo(sliced)).runtimeSpec.linux.cgroupsPath).toBe(`kubepods-pod1.slice:cri-containerd:${sliced}`);
  });

  test("without a log directory or a log path there is no log path", async () => {
    await setUp();
    const noPath = await create(fake, pod, "nopath", ["true"], { logPath: "" });
    expect((await status(fake, noPath)).logPath).toBe("");
    const bare = await runPod(fake, "bare", { logDirectory: "" });
    const noDir = await create(fake, bare, "nodir", ["true"]);
    expect((await status(fake, noDir)).logPath).toBe("");
  });

  test("fields newer than containerd 1.6.20's CRI API are dropped, as its decoder drops them", async () => {
    await setUp();
    const id = await create(fake, pod, "new", ["true"], {
      mounts: [{ containerPath: "/data", hostPath: "/srv/data", recursiveReadOnly: true, mountOptions: ["x"] }],
      stopSignal: 15,
    });
    const s = await status(fake, id);
    expect(s.mounts).toEqual([expect.objectContaining({ containerPath: "/data", hostPath: "/srv/data", recursiveReadOnly: false, mountOptions: [] })]);
    expect(fake.hostFs.exists("/srv/data")).toBe(true);
  });

  test("the image's volumes get directories under the container's root dir, unless the request mounts there", async () => {
    await setUp({
      images: [busybox, { name: "docker.io/library/vol:1", config: { cmd: ["sh"], volumes: ["/data", "/cache"] }, layers: [{ "bin/sh": "x" }] }],
    });
    const id = await create(fake, pod, "vol", ["sh"], {
      image: { image: "docker.io/library/vol:1" },
      mounts: [{ containerPath: "/cache", hostPath: "/srv/cache" }],
    });
    const mounts = (await verboseInfo(id)).runtimeSpec.mounts as Array<{ destination: string; source: string }>;
    const data = mounts.find((m) => m.destination === "/data")!;
    expect(data.source).toMatch(new RegExp(`^/var/lib/containerd/io.containerd.grpc.v1.cri/containers/${id}/volumes/[0-9a-f]{64}$`));
    expect(mounts.find((m) => m.destination === "/cache")!.source).toBe("/srv/cache");

    const ignoring = await newFake({
      config: { ignoreImageDefinedVolumes: true },
      images: [{ name: "docker.io/library/vol:1", config: { cmd: ["sh"], volumes: ["/data"] }, layers: [{ "bin/sh": "x" }] }],
    });
    try {
      const p = await runPod(ignoring);
      const { containerId } = await ignoring.runtime.createContainer({
        podSandboxId: p.id,
        config: containerConfig("vol", ["sh"], { image: { image: "docker.io/library/vol:1" } }),
        sandboxConfig: p.config,
      });
      const info = JSON.parse((await ignoring.runtime.containerStatus({ containerId, verbose: true })).info.info!);
      expect(info.runtimeSpec.mounts.some((m: { destination: string }) => m.destination === "/data")).toBe(false);
    } finally {
      await ignoring.close();
    }
  });

  test("the image can be named by short name, ID and ID prefix; the container record keeps its best name", async () => {
    await setUp();
    const [image] = (await fake.image.listImages({})).images.filter((i) => i.repoTags.includes(busybox));
    const refs = ["busybox:1.36", image!.id, image!.id.slice("sha256:".length, "sha256:".length + 12)];
    for (const [i, ref] of refs.entries()) {
      const id = await create(fake, pod, `by-${i}`, ["true"], { image: { image: ref } });
      expect((await fake.containerd.namespace("k8s.io").containers.get(id)).image).toBe(busybox);
      expect((await status(fake, id)).image?.image).toBe(busybox);
    }
  });

  test("a name already taken fails with containerd's reservation text and leaves the holder alone", async () => {
    await setUp();
    const first = await create(fake, pod, "app");
    const err = await rejection(create(fake, pod, "app"));
    expect(err.code).toBe(Code.Unknown);
    expect(err.message).toBe(`failed to reserve container name "app_pod_ns_pod-uid_0": name "app_pod_ns_pod-uid_0" is reserved for "${first}"`);
    expect(fake.service.containerStore.size).toBe(1);
    const second = await create(fake, pod, "app", ["sleep", "infinity"], { metadata: { name: "app", attempt: 1 } });
    expect(second).not.toBe(first);
  });

  test("validation errors with containerd's codes and texts, none of which leave anything behind", async () => {
    await setUp();
    const cases: Array<[Parameters<FakeCri["runtime"]["createContainer"]>[0], Code, string | RegExp]> = [
      [{ podSandboxId: "0123456789abcdef", config: containerConfig("a", ["true"]), sandboxConfig: pod.config }, Code.NotFound, 'failed to find sandbox id "0123456789abcdef": not found'],
      [{ podSandboxId: "", config: containerConfig("a", ["true"]), sandboxConfig: pod.config }, Code.Unknown, `failed to find sandbox id "": Prefix can't be empty`],
      [{ podSandboxId: pod.id, config: {}, sandboxConfig: pod.config }, Code.Unknown, "container config must include metadata"],
      [{ podSandboxId: pod.id, sandboxConfig: pod.config }, Code.Unknown, "container config must include metadata"],
      [{ podSandboxId: pod.id, config: containerConfig("a", ["true"]) }, Code.Unknown, "sandbox config must include metadata"],
      [{ podSandboxId: pod.id, config: containerConfig("a", ["true"], { image: {} }), sandboxConfig: pod.config }, Code.Unknown, 'failed to resolve image "": ambiguous digest string'],
      [{ podSandboxId: pod.id, config: containerConfig("a", ["true"], { image: { image: "nginx:1" } }), sandboxConfig: pod.config }, Code.NotFound, 'failed to resolve image "nginx:1": not found'],
      [{ podSandboxId: pod.id, config: containerConfig("a", ["true"], { image: { image: "BusyBox" } }), sandboxConfig: pod.config }, Code.NotFound, 'failed to resolve image "BusyBox": not found'],
      [
        { podSandboxId: pod.id, config: containerConfig("a", ["true"], { linux: { securityContext: { apparmor: { profileType: 0 } } } }), sandboxConfig: pod.config },
        Code.Unknown,
        "failed to get container spec opts: failed to generate apparmor spec opts: apparmor is not supported",
      ],
      [
        { podSandboxId: pod.id, config: containerConfig("a", ["true"], { linux: { securityContext: { seccompProfilePath: "bogus" } } }), sandboxConfig: pod.config },
        Code.Unknown,
        'failed to get container spec opts: failed to generate seccomp spec opts: invalid profile "bogus"',
      ],
    ];
    for (const [request, code, message] of cases) {
      const err = await rejection(fake.runtime.createContainer(request));
      expect([err.code, err.message]).toEqual([code, message]);
      expect(await containerLeftovers(fake, pod.id)).toEqual(nothingLeft);
    }
  });

  test("in a stopped pod it fails on the pause task; in a removed pod on the sandbox lookup", async () => {
    await setUp();
    await fake.runtime.stopPodSandbox({ podSandboxId: pod.id });
    const stopped = await rejection(create(fake, pod, "late"));
    expect([stopped.code, stopped.message]).toEqual([
      Code.NotFound,
      `failed to get sandbox container task: no running task found: task ${pod.id} not found: not found`,
    ]);
    await fake.runtime.removePodSandbox({ podSandboxId: pod.id });
    const removed = await rejection(create(fake, pod, "later"));
    expect([removed.code, removed.message]).toEqual([Code.NotFound, `failed to find sandbox id "${pod.id}": not found`]);
  });

  describe("a failure at each step of the creation undoes it all and frees the name", () => {
    const steps: Array<[OperationName, RegExp]> = [
      ["images.get", /^failed to get image from containerd "sha256:[0-9a-f]{64}": boom: unknown$/],
      ["containers.get", /^failed to get sandbox "[0-9a-f]{64}" info: boom: unknown$/],
      ["snapshots.prepare", /^failed to create containerd container: boom: unknown$/],
      ["containers.create", /^failed to create containerd container: boom: unknown$/],
    ];
    for (const [op, message] of steps) {
      test(op, async () => {
        await setUp();
        fake.containerd.faults.inject({ op, times: 1, error: { kind: "unknown", message: "boom: unknown" } });
        const err = await rejection(create(fake, pod, "app"));
        expect(err.code).toBe(Code.Unknown);
        expect(err.message).toMatch(message);
        expect(await containerLeftovers(fake, pod.id)).toEqual(nothingLeft);
        await create(fake, pod, "app");
      });
    }

    test("the status checkpoint (after the containerd container exists)", async () => {
      const hostFs = new FailingStatusWrites();
      await setUp({ hostFs });
      hostFs.failing = true;
      const err = await rejection(create(fake, pod, "app"));
      expect(err.message).toMatch(
        /^failed to create internal container object for "([0-9a-f]{64})": failed to checkpoint status to "\/var\/lib\/containerd\/io.containerd.grpc.v1.cri\/containers\/\1\/status": open .*: input\/output error$/,
      );
      expect(await containerLeftovers(fake, pod.id)).toEqual(nothingLeft);
      hostFs.failing = false;
      await create(fake, pod, "app");
    });
  });

  test("an image without unpacked layers is unpacked first", async () => {
    await setUp();
    const ns = fake.containerd.namespace("k8s.io");
    const chainId = await ns.images.chainId(busybox);
    await ns.snapshots.get("overlayfs").remove(chainId);
    const id = await create(fake, pod, "fresh");
    expect((await ns.snapshots.get("overlayfs").stat(id)).parent).toBe(chainId);
  });

  test("a request whose client gave up keeps its name reserved until the work finishes", async () => {
    await setUp();
    const gate = fake.containerd.gates.hold("containers.create");
    const late = fake.runtime.createContainer(
      { podSandboxId: pod.id, config: containerConfig("late", ["true"]), sandboxConfig: pod.config },
      { timeoutMs: 1000 },
    );
    late.catch(() => undefined);
    await gate.arrived;
    await advance(fake, 1000);
    const timedOut = await rejection(late);
    expect([timedOut.code, timedOut.message]).toEqual([Code.DeadlineExceeded, "context deadline exceeded"]);
    const retry = await rejection(create(fake, pod, "late"));
    expect(retry.message).toMatch(/^failed to reserve container name "late_pod_ns_pod-uid_0": name "late_pod_ns_pod-uid_0" is reserved for "([0-9a-f]{64})"$/);
    const holder = /reserved for "([0-9a-f]{64})"/.exec(retry.message)![1]!;
    gate.release();
    await advance(fake, 0);
    // The work went on: the container exists (and still holds the name).
    expect((await status(fake, holder)).state).toBe(ContainerState.CONTAINER_CREATED);
  });

  test("v1alpha2 creates the same container", async () => {
    await setUp();
    const { containerId } = await fake.v1alpha2.runtime.createContainer({
      podSandboxId: pod.id,
      config: { metadata: { name: "alpha" }, image: { image: busybox }, command: ["true"], envs: [{ key: "A", value: "b" }] },
      sandboxConfig: pod.config as never,
    });
    const s = await status(fake, containerId);
    expect(s.metadata).toEqual({ name: "alpha", attempt: 0 });
    expect((await verboseInfo(containerId)).config.envs).toEqual([{ key: "A", value: "b" }]);
  });
});

/** A node filesystem whose container status checkpoints fail to write when told to. */
class FailingStatusWrites extends MemoryHostFs {
  failing = false;

  override writeFile(path: string, data: string | Uint8Array, mode?: number): void {
    if (this.failing && path.endsWith("/status")) throw new HostFsError("open", path, "EIO");
    super.writeFile(path, data, mode);
  }
}
