// RunPodSandbox: what a sandbox gets (pause container, spec, files, address), its errors with
// containerd 1.6.20's codes and texts, that a failure at any step leaves nothing behind (or, when a
// cleanup fails too, the sandbox in the unknown state with its name, as containerd keeps it), and the
// kubelet's retry while a timed-out RunPodSandbox is still at work.

import { afterEach, describe, expect, test } from "vitest";
import type { OperationName, VirtualClock } from "../../../fake-containerd/index.ts";
import { Code } from "../errors.ts";
import { NamespaceMode, PodSandboxState, SecurityProfile_ProfileType } from "../api/v1.ts";
import { parseSpec } from "../oci/oci-defaults.ts";
import { defaultSeccompProfile } from "../oci/seccomp-default.ts";
import { createFakeCri, type FakeCri } from "../../harness/index.ts";
import { emptyFootprint, idIn, podConfig, rejection, sandboxFootprint } from "../testing/sandbox-fixtures.ts";

let fake: FakeCri;
afterEach(async () => {
  await fake?.close();
});

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

async function specOf(id: string) {
  const record = await fake.containerd.namespace("k8s.io").containers.get(id);
  return parseSpec(record.spec!);
}

describe("a sandbox that runs", () => {
  test("gets a ready status, the next pod address, its files and a pause container labelled as a sandbox", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const { podSandboxId: id } = await fake.runtime.runPodSandbox({
      config: podConfig("web", { labels: { app: "web" }, dnsConfig: { servers: ["10.0.0.10", "10.0.0.11"], searches: ["svc"], options: ["ndots:5"] } }),
    });
    const { podSandboxId: second } = await fake.runtime.runPodSandbox({ config: podConfig("db") });
    const status = (await fake.runtime.podSandboxStatus({ podSandboxId: id })).status!;
    expect(status.state).toBe(PodSandboxState.SANDBOX_READY);
    expect(status.network?.ip).toBe("10.88.0.2");
    expect((await fake.runtime.podSandboxStatus({ podSandboxId: second })).status?.network?.ip).toBe("10.88.0.3");

    const root = `/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/${id}`;
    expect(text(fake.hostFs.readFile(`${root}/hostname`))).toBe("web\n");
    expect(text(fake.hostFs.readFile(`${root}/resolv.conf`))).toBe("search svc\nnameserver 10.0.0.10\nnameserver 10.0.0.11\noptions ndots:5\n");
    expect(text(fake.hostFs.readFile(`${root}/hosts`))).toBe("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
    expect(fake.hostFs.stat(`/run/containerd/io.containerd.grpc.v1.cri/sandboxes/${id}/shm`).isDirectory).toBe(true);

    const record = await fake.containerd.namespace("k8s.io").containers.get(id);
    expect(record.labels).toEqual({ app: "web", "io.cri-containerd.kind": "sandbox" });
    expect(record.image).toBe("registry.k8s.io/pause:3.6");
    expect(record.snapshotKey).toBe(id);
    expect(record.runtime.name).toBe("io.containerd.runc.v2");
    const spec = parseSpec(record.spec!);
    expect(spec.process?.args).toEqual(["/pause"]);
    expect(spec.process?.user).toEqual({ uid: 65535, gid: 65535, additionalGids: [65535] });
    expect(spec.process?.oomScoreAdj).toBe(-998);
    expect(spec.hostname).toBe("web");
    expect(spec.linux?.namespaces?.find((n) => n.type === "network")?.path).toMatch(/^\/var\/run\/netns\/cni-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/);
    expect(spec.annotations).toEqual({
      "io.kubernetes.cri.container-type": "sandbox",
      "io.kubernetes.cri.sandbox-id": id,
      "io.kubernetes.cri.sandbox-log-directory": "/var/log/pods/web",
      "io.kubernetes.cri.sandbox-name": "web",
      "io.kubernetes.cri.sandbox-namespace": "ns",
      "io.kubernetes.cri.sandbox-uid": "web-uid",
    });
    expect((await fake.containerd.namespace("k8s.io").tasks.get(id)).pid).toBeGreaterThan(0);
  });

  test("without a hostname it takes the node's; restricted OOM scores stay at the daemon's", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1, config: { restrictOomScoreAdj: true } });
    const { podSandboxId: id } = await fake.runtime.runPodSandbox({ config: podConfig("anon", { hostname: "" }) });
    expect(text(fake.hostFs.readFile(`/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/${id}/hostname`))).toBe("fake-cri-node\n");
    expect((await specOf(id)).process?.oomScoreAdj).toBe(0);
  });

  test("a host-network pod gets no address, no network namespace and keeps the node's UTS namespace", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const { podSandboxId: id } = await fake.runtime.runPodSandbox({
      config: podConfig("host", { hostname: "", linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } } }),
    });
    const status = (await fake.runtime.podSandboxStatus({ podSandboxId: id })).status!;
    expect(status.network).toEqual({ ip: "", additionalIps: [] });
    expect(status.linux?.namespaces?.options?.network).toBe(NamespaceMode.NODE);
    expect((await specOf(id)).linux?.namespaces?.map((n) => n.type)).toEqual(["pid", "ipc", "mount"]);
    expect((await sandboxFootprint(fake)).netns).toEqual([]);
  });

  test("the security context's user, supplemental groups, cgroup parent and sysctls reach the spec", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1, config: { enableUnprivilegedPorts: true } });
    const { podSandboxId: id } = await fake.runtime.runPodSandbox({
      config: podConfig("sec", {
        linux: {
          cgroupParent: "/kubepods/burstable",
          sysctls: { "kernel.shm_rmid_forced": "1" },
          securityContext: { runAsUser: { value: 1000n }, runAsGroup: { value: 3000n }, supplementalGroups: [5n, 2n] },
        },
      }),
    });
    const spec = await specOf(id);
    // WithUser drops the supplemental groups set before it, as containerd 1.6 does.
    expect(spec.process?.user).toEqual({ uid: 1000, gid: 3000, additionalGids: [3000] });
    expect(spec.linux?.cgroupsPath).toBe(`/kubepods/burstable/${id}`);
    expect(spec.linux?.sysctl).toEqual({ "kernel.shm_rmid_forced": "1", "net.ipv4.ip_unprivileged_port_start": "0" });
  });

  test("a systemd slice cgroup parent gives runc's slice:prefix:name form", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const { podSandboxId: id } = await fake.runtime.runPodSandbox({ config: podConfig("slice", { linux: { cgroupParent: "kubepods-besteffort.slice" } }) });
    expect((await specOf(id)).linux?.cgroupsPath).toBe(`kubepods-besteffort.slice:cri-containerd:${id}`);
  });

  test("a Localhost seccomp profile is read from the node", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    fake.hostFs.mkdirAll("/profiles");
    fake.hostFs.writeFile("/profiles/p.json", '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}');
    const seccomp = { profileType: SecurityProfile_ProfileType.Localhost, localhostRef: "/profiles/p.json" };
    const { podSandboxId: id } = await fake.runtime.runPodSandbox({ config: podConfig("sc", { linux: { securityContext: { seccomp } } }) });
    expect((await specOf(id)).linux?.seccomp).toEqual({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW" }] });

    const missing = { profileType: SecurityProfile_ProfileType.Localhost, localhostRef: "/profiles/none.json" };
    const err = await rejection(fake.runtime.runPodSandbox({ config: podConfig("sc2", { linux: { securityContext: { seccomp: missing } } }) }));
    expect([err.code, err.message]).toEqual([
      Code.Unknown,
      'failed to create containerd container: cannot load seccomp profile "/profiles/none.json": open /profiles/none.json: no such file or directory',
    ]);
  });

  test("RuntimeDefault seccomp gives the pause container containerd's default profile; privileged and unconfined sandboxes get none", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const runtimeDefault = { profileType: SecurityProfile_ProfileType.RuntimeDefault, localhostRef: "" };
    const run = async (name: string, securityContext: object) =>
      specOf((await fake.runtime.runPodSandbox({ config: podConfig(name, { linux: { securityContext } }) })).podSandboxId);

    for (const securityContext of [{ seccomp: runtimeDefault }, { seccompProfilePath: "docker/default" }]) {
      const spec = await run(`rd-${Object.keys(securityContext)[0]}`, securityContext);
      expect(spec.linux?.seccomp).toEqual(defaultSeccompProfile(spec.process!.capabilities!.bounding!));
      expect(spec.linux?.seccomp?.syscalls?.at(-1)).toEqual({ names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 });
    }
    expect((await run("unconfined", { seccomp: { profileType: SecurityProfile_ProfileType.Unconfined, localhostRef: "" } })).linux?.seccomp).toBeUndefined();
    expect((await run("privileged", { privileged: true, seccomp: runtimeDefault })).linux?.seccomp).toBeUndefined();
    expect((await run("plain", {})).linux?.seccomp).toBeUndefined();
  });

  test("a sandbox image that is not there is pulled first", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    await fake.image.removeImage({ image: { image: "registry.k8s.io/pause:3.6" } });
    const { podSandboxId: id } = await fake.runtime.runPodSandbox({ config: podConfig("pulled") });
    expect((await fake.runtime.podSandboxStatus({ podSandboxId: id })).status?.state).toBe(PodSandboxState.SANDBOX_READY);
    expect((await fake.image.imageStatus({ image: { image: "registry.k8s.io/pause:3.6" } })).image).toBeDefined();
  });

  test("image labels too big for a containerd label are dropped, as containerd 1.6 drops them", async () => {
    fake = await createFakeCri({ containerd: "1.6", 
      seed: 1,
      images: [
        {
          name: "registry.k8s.io/pause:3.6",
          config: { entrypoint: ["/pause"], labels: { big: "x".repeat(4094), small: "1", app: "image" } },
          layers: [{ pause: { mode: 0o755, content: "pause\n" } }],
        },
      ],
    });
    const { podSandboxId: id } = await fake.runtime.runPodSandbox({ config: podConfig("labels", { labels: { app: "pod" } }) });
    const record = await fake.containerd.namespace("k8s.io").containers.get(id);
    expect(record.labels).toEqual({ app: "pod", small: "1", "io.cri-containerd.kind": "sandbox" });
  });

  test("works through v1alpha2", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const { podSandboxId: id } = await fake.v1alpha2.runtime.runPodSandbox({ config: podConfig("alpha") });
    expect((await fake.v1alpha2.runtime.podSandboxStatus({ podSandboxId: id })).status?.metadata?.name).toBe("alpha");
  });

  test("a restarted plugin finds the sandbox ready and can stop it", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const { podSandboxId: id } = await fake.runtime.runPodSandbox({ config: podConfig("kept") });
    await fake.restart();
    expect((await fake.runtime.podSandboxStatus({ podSandboxId: id })).status?.state).toBe(PodSandboxState.SANDBOX_READY);
    const clash = await rejection(fake.runtime.runPodSandbox({ config: podConfig("kept") }));
    expect(clash.message).toBe(`failed to reserve sandbox name "kept_ns_kept-uid_0": name "kept_ns_kept-uid_0" is reserved for "${id}"`);
    await fake.runtime.stopPodSandbox({ podSandboxId: id });
    await fake.runtime.removePodSandbox({ podSandboxId: id });
    expect(await sandboxFootprint(fake)).toEqual(emptyFootprint);
  });

  test("a sandbox stopped before a restart still shows no address after it", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const { podSandboxId: id } = await fake.runtime.runPodSandbox({ config: podConfig("stopped") });
    await fake.runtime.stopPodSandbox({ podSandboxId: id });
    await fake.restart();
    const status = await fake.runtime.podSandboxStatus({ podSandboxId: id, verbose: true });
    expect([status.status?.state, status.status?.network?.ip]).toEqual([PodSandboxState.SANDBOX_NOTREADY, ""]);
    expect(JSON.parse(status.info.info!).netNamespaceClosed).toBe(true);
    await fake.runtime.removePodSandbox({ podSandboxId: id });
    expect(await sandboxFootprint(fake)).toEqual(emptyFootprint);
  });
});

describe("requests RunPodSandbox refuses, changing nothing", () => {
  test.each([
    ["no config", {}],
    ["a config without metadata", { config: { hostname: "x" } }],
  ])("%s: sandbox config must include metadata", async (_, request) => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const err = await rejection(fake.runtime.runPodSandbox(request));
    expect([err.code, err.message]).toEqual([Code.Unknown, "sandbox config must include metadata"]);
    expect(await sandboxFootprint(fake)).toEqual(emptyFootprint);
  });

  test("a second sandbox with the same metadata fails with the name reserved for the first", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const { podSandboxId: id } = await fake.runtime.runPodSandbox({ config: podConfig("twin") });
    const before = await sandboxFootprint(fake);
    const err = await rejection(fake.runtime.runPodSandbox({ config: podConfig("twin") }));
    expect([err.code, err.message]).toEqual([
      Code.Unknown,
      `failed to reserve sandbox name "twin_ns_twin-uid_0": name "twin_ns_twin-uid_0" is reserved for "${id}"`,
    ]);
    expect(await sandboxFootprint(fake)).toEqual(before);
    const alpha = await rejection(fake.v1alpha2.runtime.runPodSandbox({ config: podConfig("twin") }));
    expect([alpha.code, alpha.message]).toEqual([err.code, err.message]);
  });

  test.each([
    ["an unknown handler", "nosuch", {}, 'failed to get sandbox runtime: no runtime for "nosuch" is configured'],
    [
      "an untrusted workload with a handler",
      "runc",
      { annotations: { "io.kubernetes.cri.untrusted-workload": "true" } },
      "failed to get sandbox runtime: untrusted workload with explicit runtime handler is not allowed",
    ],
    [
      "an untrusted workload with host access",
      "",
      { annotations: { "io.kubernetes.cri.untrusted-workload": "true" }, linux: { securityContext: { namespaceOptions: { pid: NamespaceMode.NODE } } } },
      "failed to get sandbox runtime: untrusted workload with host access is not allowed",
    ],
    [
      "an untrusted workload without an untrusted runtime",
      "",
      { annotations: { "io.kubernetes.cri.untrusted-workload": "true" } },
      'failed to get sandbox runtime: no runtime for "untrusted" is configured',
    ],
  ])("%s", async (_, runtimeHandler, extra, message) => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const err = await rejection(fake.runtime.runPodSandbox({ config: podConfig("h", extra), runtimeHandler }));
    expect([err.code, err.message]).toEqual([Code.Unknown, message]);
    expect(await sandboxFootprint(fake)).toEqual(emptyFootprint);
  });

  test.each([
    [
      "a malformed SELinux level",
      { linux: { securityContext: { selinuxOptions: { level: "bad", user: "u", role: "", type: "" } } } },
      "failed to generate sandbox container spec: failed to init selinux options &SELinuxOption{User:u,Role:,Type:,Level:bad,}: the format of 'level' \"bad\" is not correct",
    ],
    [
      "a group without a user",
      { linux: { securityContext: { runAsGroup: { value: 7n } } } },
      'failed to generate sanbdox container spec options: failed to generate user string: user group "7" is specified without user',
    ],
    [
      "a seccomp profile path without the localhost/ prefix",
      { linux: { securityContext: { seccompProfilePath: "/p.json" } } },
      'failed to generate sanbdox container spec options: failed to generate seccomp spec opts: invalid profile "/p.json"',
    ],
    [
      "a LocalhostRef on a runtime/default profile",
      { linux: { securityContext: { seccomp: { profileType: SecurityProfile_ProfileType.RuntimeDefault, localhostRef: "x" } } } },
      "failed to generate sanbdox container spec options: failed to generate seccomp spec opts: seccomp config invalid LocalhostRef must only be set if ProfileType is Localhost",
    ],
  ])("%s", async (_, extra, message) => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const err = await rejection(fake.runtime.runPodSandbox({ config: podConfig("bad", extra) }));
    expect([err.code, err.message]).toEqual([Code.Unknown, message]);
    expect(await sandboxFootprint(fake)).toEqual(emptyFootprint);
  });

  test("a sandbox image with neither entrypoint nor command", async () => {
    fake = await createFakeCri({ containerd: "1.6", 
      seed: 1,
      images: [{ name: "registry.k8s.io/pause:3.6", config: { env: ["A=1"], labels: { k: "v" } }, layers: [] }],
    });
    const err = await rejection(fake.runtime.runPodSandbox({ config: podConfig("empty") }));
    expect([err.code, err.message]).toEqual([
      Code.Unknown,
      "failed to generate sandbox container spec: invalid empty entrypoint and cmd in image config &{User: ExposedPorts:map[] Env:[A=1] Entrypoint:[] Cmd:[] Volumes:map[] WorkingDir: Labels:map[k:v] StopSignal: ArgsEscaped:false}",
    ]);
    expect(await sandboxFootprint(fake)).toEqual(emptyFootprint);
  });
});

describe("a failure at any step undoes the earlier ones", () => {
  const steps: Array<[op: OperationName, nth: number | undefined, message: (id: string) => string]> = [
    ["images.get", 1, () => 'failed to get image from containerd "sha256:ID": boom'],
    ["snapshots.prepare", undefined, () => "failed to create containerd container: boom"],
    ["containers.create", undefined, () => "failed to create containerd container: boom"],
    ["containers.get", 1, () => "failed to get sandbox container info: boom"],
    ["containers.update", 1, (id) => `failed to update the network namespace for the sandbox container "${id}": boom`],
    ["containers.update", 2, (id) => `failed to update the network namespace for the sandbox container "${id}": boom`],
    ["tasks.create", undefined, () => "failed to create containerd task: boom"],
    ["tasks.start", undefined, (id) => `failed to start sandbox container task "${id}": boom`],
  ];
  test.each(steps)("%s (call %s)", async (op, nth, message) => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const imageId = (await fake.image.imageStatus({ image: { image: "registry.k8s.io/pause:3.6" } })).image!.id;
    fake.containerd.faults.inject({ op, ...(nth ? { nth } : {}), error: { kind: "unknown", message: "boom" } });
    const err = await rejection(fake.runtime.runPodSandbox({ config: podConfig("doomed") }));
    const id = hexOrEmpty(err.message);
    expect([err.code, err.message.replace(imageId, "sha256:ID")]).toEqual([Code.Unknown, message(id).replace(imageId, "sha256:ID")]);
    expect(await sandboxFootprint(fake)).toEqual(emptyFootprint);
    fake.containerd.faults.clear();
    await fake.runtime.runPodSandbox({ config: podConfig("doomed") });
  });

  test("a not-found error keeps its code", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    fake.containerd.faults.inject({ op: "tasks.create", error: { kind: "not found", message: "gone: not found" } });
    const err = await rejection(fake.runtime.runPodSandbox({ config: podConfig("nf") }));
    expect([err.code, err.message]).toEqual([Code.NotFound, "failed to create containerd task: gone: not found"]);
  });

  test("the same happens for a sandbox whose snapshot layers must be unpacked first", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    fake.containerd.faults.inject({ op: "snapshots.prepare", nth: 1, error: { kind: "not found", message: "parent snapshot does not exist: not found" } });
    const { podSandboxId: id } = await fake.runtime.runPodSandbox({ config: podConfig("unpacked") });
    expect((await fake.runtime.podSandboxStatus({ podSandboxId: id })).status?.state).toBe(PodSandboxState.SANDBOX_READY);
  });

  test("when a cleanup fails too, the sandbox stays in the unknown state with its name, as containerd keeps it", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    fake.containerd.faults.inject({ op: "tasks.start", error: { kind: "unknown", message: "boom" } });
    fake.containerd.faults.inject({ op: "tasks.delete", nth: 1, error: { kind: "unknown", message: "shim gone" } });
    const err = await rejection(fake.runtime.runPodSandbox({ config: podConfig("stuck") }));
    const id = idIn(err.message);
    const listed = (await fake.runtime.listPodSandbox({})).items;
    expect(listed.map((s) => [s.id, s.state, s.createdAt])).toEqual([[id, PodSandboxState.SANDBOX_NOTREADY, -6795364578871345152n]]);
    const retry = await rejection(fake.runtime.runPodSandbox({ config: podConfig("stuck") }));
    expect(retry.message).toBe(`failed to reserve sandbox name "stuck_ns_stuck-uid_0": name "stuck_ns_stuck-uid_0" is reserved for "${id}"`);
    fake.containerd.faults.clear();
    // What the kubelet does next: stop and remove it, which cleans up everything.
    await fake.runtime.stopPodSandbox({ podSandboxId: id });
    await fake.runtime.removePodSandbox({ podSandboxId: id });
    expect(await sandboxFootprint(fake)).toEqual(emptyFootprint);
  });
});

function hexOrEmpty(message: string): string {
  const match = /"([0-9a-f]{64})"/.exec(message);
  return match ? match[1]! : "";
}

describe("the pod network", () => {
  test("with no CNI config, setup fails and so does the teardown: the sandbox is kept until the network is back", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1, networkReady: false });
    const err = await rejection(fake.runtime.runPodSandbox({ config: podConfig("nonet") }));
    const id = idIn(err.message);
    expect([err.code, err.message]).toEqual([Code.Unknown, `failed to setup network for sandbox "${id}": cni plugin not initialized`]);
    expect((await fake.runtime.listPodSandbox({})).items.map((s) => s.id)).toEqual([id]);

    const stop = await rejection(fake.runtime.stopPodSandbox({ podSandboxId: id }));
    expect([stop.code, stop.message]).toEqual([Code.Unknown, `failed to destroy network for sandbox "${id}": cni plugin not initialized`]);
    const remove = await rejection(fake.runtime.removePodSandbox({ podSandboxId: id }));
    expect(remove.message).toBe(`failed to forcibly stop sandbox "${id}": failed to destroy network for sandbox "${id}": cni plugin not initialized`);

    fake.service.network.setInstalled(true);
    await fake.runtime.removePodSandbox({ podSandboxId: id });
    expect(await sandboxFootprint(fake)).toEqual(emptyFootprint);
  });

  test("addresses go round the range as host-local hands them out: a released one is not reused at once", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const a = (await fake.runtime.runPodSandbox({ config: podConfig("a") })).podSandboxId;
    await fake.runtime.stopPodSandbox({ podSandboxId: a });
    const b = (await fake.runtime.runPodSandbox({ config: podConfig("b") })).podSandboxId;
    expect((await fake.runtime.podSandboxStatus({ podSandboxId: b })).status?.network?.ip).toBe("10.88.0.3");
    expect((await sandboxFootprint(fake)).addresses).toEqual(["10.88.0.3"]);
  });

  test("netns_mounts_under_state_dir puts the namespaces under the plugin's state dir", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1, config: { netnsMountsUnderStateDir: true } });
    const { podSandboxId: id } = await fake.runtime.runPodSandbox({ config: podConfig("st") });
    const path = (await specOf(id)).linux?.namespaces?.find((n) => n.type === "network")?.path;
    expect(path?.startsWith("/run/containerd/io.containerd.grpc.v1.cri/netns/cni-")).toBe(true);
    expect(fake.hostFs.exists(path!)).toBe(true);
    await fake.runtime.stopPodSandbox({ podSandboxId: id });
    expect(fake.hostFs.exists(path!)).toBe(false);
  });
});

describe("a RunPodSandbox that outlives its client's deadline", () => {
  test("keeps its name until it is done, so the kubelet's retry is told the name is reserved", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const clock = fake.clock as VirtualClock;
    const gate = fake.containerd.gates.hold("tasks.create");
    const first = rejection(fake.runtime.runPodSandbox({ config: podConfig("slow") }, { timeoutMs: 4000 }));
    const call = await gate.arrived;
    const id = call.subject!;
    await clock.advance(4000);
    const timedOut = await first;
    expect([timedOut.code, timedOut.message]).toEqual([Code.DeadlineExceeded, "context deadline exceeded"]);

    const retry = await rejection(fake.runtime.runPodSandbox({ config: podConfig("slow") }));
    expect([retry.code, retry.message]).toEqual([
      Code.Unknown,
      `failed to reserve sandbox name "slow_ns_slow-uid_0": name "slow_ns_slow-uid_0" is reserved for "${id}"`,
    ]);

    // The task gets created after all; the next call with the expired context fails and the
    // cleanups undo everything, name included.
    gate.release();
    await fake.service.containerd.events.delivered();
    await waitFor(async () => (await sandboxFootprint(fake)).names === 0);
    expect(await sandboxFootprint(fake)).toEqual(emptyFootprint);
    const { podSandboxId } = await fake.runtime.runPodSandbox({ config: podConfig("slow") });
    expect(podSandboxId).not.toBe(id);
  });
});

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error("condition never held");
}
