// PodSandboxStatus: the status fields, the verbose info map as containerd 1.6.20 builds it, and the
// errors for unknown, empty and ambiguous IDs.

import { afterEach, describe, expect, test } from "vitest";
import { NamespaceMode, PodSandboxState, Protocol } from "../api/v1.ts";
import { Code } from "../errors.ts";
import { createFakeCri, type FakeCri } from "../../harness/index.ts";
import { podConfig, rejection } from "../testing/sandbox-fixtures.ts";

let fake: FakeCri;
afterEach(async () => {
  await fake?.close();
});

describe("PodSandboxStatus", () => {
  test("echoes metadata, labels, annotations, namespace options and handler; the address only while the network is up", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const config = podConfig("web", {
      labels: { app: "web" },
      annotations: { note: "x" },
      linux: { securityContext: { namespaceOptions: { pid: NamespaceMode.CONTAINER, ipc: NamespaceMode.POD } } },
    });
    const { podSandboxId: id } = await fake.runtime.runPodSandbox({ config });
    const ready = await fake.runtime.podSandboxStatus({ podSandboxId: id.slice(0, 5) });
    expect(ready.info).toEqual({});
    expect(ready.status).toEqual({
      id,
      metadata: { name: "web", namespace: "ns", uid: "web-uid", attempt: 0 },
      state: PodSandboxState.SANDBOX_READY,
      createdAt: ready.status!.createdAt,
      network: { ip: "10.88.0.2", additionalIps: [] },
      linux: { namespaces: { options: { network: NamespaceMode.POD, pid: NamespaceMode.CONTAINER, ipc: NamespaceMode.POD, targetId: "" } } },
      labels: { app: "web" },
      annotations: { note: "x" },
      runtimeHandler: "",
    });
    expect(ready.status!.createdAt).toBe((await fake.containerd.namespace("k8s.io").containers.get(id)).createdAt);
    await fake.runtime.stopPodSandbox({ podSandboxId: id });
    const stopped = (await fake.runtime.podSandboxStatus({ podSandboxId: id })).status!;
    expect([stopped.state, stopped.network?.ip, stopped.createdAt]).toEqual([PodSandboxState.SANDBOX_NOTREADY, "", ready.status!.createdAt]);
  });

  test("verbose: containerd's SandboxInfo as JSON, before and after the stop", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1, config: { containerd: { runtimes: { runc: { type: "io.containerd.runc.v2", options: { Root: "/run/runc-k8s", SystemdCgroup: true } } } } } });
    const config = podConfig("verbose", {
      dnsConfig: { servers: ["1.1.1.1"] },
      portMappings: [{ protocol: Protocol.UDP, containerPort: 53, hostPort: 5353 }],
      linux: { cgroupParent: "/pods", securityContext: { runAsUser: { value: 0n }, privileged: false } },
    });
    const { podSandboxId: id } = await fake.runtime.runPodSandbox({ config });
    const info = JSON.parse((await fake.runtime.podSandboxStatus({ podSandboxId: id, verbose: true })).info.info!);
    expect(Object.keys(info)).toEqual([
      "pid", "processStatus", "netNamespaceClosed", "image", "snapshotKey", "snapshotter", "runtimeHandler",
      "runtimeType", "runtimeOptions", "config", "runtimeSpec", "cniResult",
    ]);
    expect(info).toMatchObject({
      pid: 1000,
      processStatus: "running",
      netNamespaceClosed: false,
      image: "registry.k8s.io/pause:3.6",
      snapshotKey: id,
      snapshotter: "overlayfs",
      runtimeHandler: "",
      runtimeType: "io.containerd.runc.v2",
      runtimeOptions: { root: "/run/runc-k8s", systemd_cgroup: true },
      config: {
        metadata: { name: "verbose", uid: "verbose-uid", namespace: "ns" },
        hostname: "verbose",
        log_directory: "/var/log/pods/verbose",
        dns_config: { servers: ["1.1.1.1"] },
        port_mappings: [{ protocol: 1, container_port: 53, host_port: 5353 }],
        linux: { cgroup_parent: "/pods", security_context: { run_as_user: {} } },
      },
    });
    expect(info.runtimeSpec.process.user).toEqual({ uid: 0, gid: 0, additionalGids: [0] });
    expect(info.cniResult.Interfaces.eth0.IPConfigs).toEqual([{ IP: "10.88.0.2", Gateway: "10.88.0.1" }]);
    expect(info.cniResult.Interfaces.lo.IPConfigs).toEqual([{ IP: "127.0.0.1", Gateway: null }, { IP: "::1", Gateway: null }]);

    await fake.runtime.stopPodSandbox({ podSandboxId: id });
    const after = JSON.parse((await fake.runtime.podSandboxStatus({ podSandboxId: id, verbose: true })).info.info!);
    expect([after.pid, after.processStatus, after.netNamespaceClosed]).toEqual([0, "deleted", true]);
  });

  test("verbose for a host-network pod: no CNI result, the namespace never counts as closed", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const { podSandboxId: id } = await fake.runtime.runPodSandbox({
      config: podConfig("host", { hostname: "", linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } } }),
    });
    await fake.runtime.stopPodSandbox({ podSandboxId: id });
    const info = JSON.parse((await fake.runtime.podSandboxStatus({ podSandboxId: id, verbose: true })).info.info!);
    expect([info.netNamespaceClosed, info.cniResult, info.runtimeOptions]).toEqual([false, null, {}]);
  });

  test("a task whose status cannot be read fails verbose status with containerd's wrapping", async () => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const { podSandboxId: id } = await fake.runtime.runPodSandbox({ config: podConfig("mute") });
    fake.containerd.faults.inject({ op: "tasks.status", error: { kind: "unknown", message: "ttrpc: closed: unknown" } });
    const err = await rejection(fake.runtime.podSandboxStatus({ podSandboxId: id, verbose: true }));
    expect([err.code, err.message]).toEqual([
      Code.Unknown,
      "failed to get verbose sandbox container info: failed to get task status: ttrpc: closed: unknown",
    ]);
    expect((await fake.runtime.podSandboxStatus({ podSandboxId: id })).status?.state).toBe(PodSandboxState.SANDBOX_READY);
  });

  test.each([
    ["an unknown ID", "f".repeat(64), Code.NotFound, "an error occurred when try to find sandbox: not found"],
    ["an empty ID", "", Code.Unknown, "an error occurred when try to find sandbox: Prefix can't be empty"],
  ])("%s", async (_, podSandboxId, code, message) => {
    fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const err = await rejection(fake.runtime.podSandboxStatus({ podSandboxId }));
    expect([err.code, err.message]).toEqual([code, message]);
    const alpha = await rejection(fake.v1alpha2.runtime.podSandboxStatus({ podSandboxId }));
    expect([alpha.code, alpha.message]).toEqual([code, message]);
  });
});
