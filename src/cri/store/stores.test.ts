import { describe, expect, test } from "vitest";
import { createFakeContainerd, isNotFound } from "../../../fake-containerd/index.ts";
import { ContainerConfig, ContainerState, PodSandboxConfig } from "../api/v1.ts";
import { MemoryHostFs, readTextFile } from "../../node/host-fs.ts";
import {
  decodeContainerStatus,
  encodeContainerStatus,
  loadContainerStatus,
} from "./container-checkpoint.ts";
import { emptyContainerStatus } from "./container-status.ts";
import { Container, ContainerStore, storeContainerStatus, type ContainerMetadata } from "./container-store.ts";
import { ContainerdContainer } from "./containerd-container.ts";
import {
  containerMetadataAny,
  containerMetadataFromAny,
  sandboxMetadataAny,
  sandboxMetadataFromAny,
} from "./metadata-codec.ts";
import { NameRegistrar, NameReservationError } from "./name-registrar.ts";
import { Sandbox, SandboxStore } from "./sandbox-store.ts";
import { SandboxState } from "./sandbox-status.ts";

describe("NameRegistrar (containerd's pkg/registrar)", () => {
  test("a name held by another key is refused with registrar's text", () => {
    const r = new NameRegistrar();
    r.reserve("pod_ns_uid_0", "id-1");
    expect(() => r.reserve("pod_ns_uid_0", "id-2")).toThrow(new NameReservationError('name "pod_ns_uid_0" is reserved for "id-1"'));
  });

  test("a key holding another name is refused", () => {
    const r = new NameRegistrar();
    r.reserve("a", "k");
    expect(() => r.reserve("b", "k")).toThrow('key "k" is reserved for "a"');
  });

  test("reserving the same pair again is fine; empty names or keys are refused", () => {
    const r = new NameRegistrar();
    r.reserve("a", "k");
    expect(() => r.reserve("a", "k")).not.toThrow();
    expect(() => r.reserve("", "k")).toThrow('invalid name "" or key "k"');
    expect(() => r.reserve("n", "")).toThrow('invalid name "n" or key ""');
  });

  test("releasing by name or key frees both sides; releasing what is not held does nothing", () => {
    const r = new NameRegistrar();
    r.reserve("a", "k");
    r.releaseByName("a");
    r.reserve("b", "k");
    r.releaseByKey("k");
    r.reserve("a", "k2");
    r.releaseByKey("nobody");
    r.releaseByName("nothing");
    expect(r.keyOf("a")).toBe("k2");
    expect(r.size).toBe(1);
  });

  test("names quote as Go's %q does", () => {
    const r = new NameRegistrar();
    r.reserve('we"ird\n', "k1");
    expect(() => r.reserve('we"ird\n', "k2")).toThrow('name "we\\"ird\\n" is reserved for "k1"');
  });
});

const hex = (prefix: string) => prefix.padEnd(64, "0");

function sandboxOf(id: string): Sandbox {
  const fake = createFakeContainerd({ seed: 1 });
  return new Sandbox(
    {
      id,
      name: `n-${id}`,
      config: PodSandboxConfig.fromPartial({}),
      netnsPath: "",
      ip: "",
      additionalIps: [],
      runtimeHandler: "",
      processLabel: "",
    },
    { pid: 0, createdAt: 1n, state: SandboxState.Ready },
    new ContainerdContainer(fake.namespace("k8s.io"), id),
  );
}

describe("SandboxStore", () => {
  test("finds by ID or unique prefix, with truncindex's errors otherwise", () => {
    const store = new SandboxStore();
    store.add(sandboxOf(hex("abc1")));
    store.add(sandboxOf(hex("abc2")));
    expect(store.get("abc1").id).toBe(hex("abc1"));
    expect(store.get(hex("abc2")).id).toBe(hex("abc2"));
    expect(() => store.get("abc")).toThrow("Multiple IDs found with provided prefix: abc");
    expect(() => store.get("")).toThrow("Prefix can't be empty");
    let err: unknown;
    try {
      store.get("fff");
    } catch (e) {
      err = e;
    }
    expect(isNotFound(err)).toBe(true);
    expect((err as Error).message).toBe("not found");
  });

  test("adding an ID twice is already exists; delete forgets", () => {
    const store = new SandboxStore();
    store.add(sandboxOf(hex("a")));
    expect(() => store.add(sandboxOf(hex("a")))).toThrow("already exists");
    store.delete("a");
    expect(store.size).toBe(0);
    store.delete("a");
  });

  test("a sandbox created NotReady has its stop signal closed", async () => {
    const s = new Sandbox(sandboxOf(hex("b")).metadata, { pid: 0, createdAt: 0n, state: SandboxState.NotReady });
    expect(s.stopCh.isStopped).toBe(true);
    await s.stopCh.stopped();
  });
});

function containerOf(fs: MemoryHostFs, id: string, sandboxId: string, labels: Record<string, string>, startedAt = 0n): Container {
  const fake = createFakeContainerd({ seed: 1 });
  const dir = `/root/containers/${id}`;
  fs.mkdirAll(dir);
  const metadata: ContainerMetadata = {
    id,
    name: `c-${id}`,
    sandboxId,
    config: ContainerConfig.fromPartial({ labels }),
    imageRef: "sha256:x",
    logPath: "",
    stopSignal: "",
    processLabel: "",
  };
  const status = storeContainerStatus(fs, dir, { ...emptyContainerStatus(), createdAt: 10n, startedAt });
  return new Container(metadata, status, new ContainerdContainer(fake.namespace("k8s.io"), id));
}

describe("ContainerStore", () => {
  test("select finds containers through the sandbox and label indexes", () => {
    const fs = new MemoryHostFs();
    const store = new ContainerStore();
    store.add(containerOf(fs, hex("1"), "s1", { app: "web", tier: "front" }));
    store.add(containerOf(fs, hex("2"), "s1", { app: "web", tier: "back" }));
    store.add(containerOf(fs, hex("3"), "s2", { app: "db" }));
    const ids = (it: Iterable<Container>) => [...it].map((c) => c.id[0]).sort();
    expect(ids(store.select({ labels: { app: "web" } }))).toEqual(["1", "2"]);
    expect(ids(store.select({ labels: { app: "web", tier: "back" } }))).toEqual(["2"]);
    expect(ids(store.select({ sandboxId: "s1", labels: { tier: "front" } }))).toEqual(["1"]);
    expect(ids(store.select({ sandboxId: "s2" }))).toEqual(["3"]);
    expect(ids(store.select({ labels: { app: "none" } }))).toEqual([]);
    expect(ids(store.select({}))).toEqual(["1", "2", "3"]);
    store.delete(hex("2"));
    expect(ids(store.select({ labels: { app: "web" } }))).toEqual(["1"]);
    expect(ids(store.ofSandbox("s1"))).toEqual(["1"]);
  });

  test("the state index follows status updates", () => {
    const fs = new MemoryHostFs();
    const store = new ContainerStore();
    const c = containerOf(fs, hex("1"), "s", {});
    store.add(c);
    expect(store.inState(ContainerState.CONTAINER_CREATED).size).toBe(1);
    c.status.updateSync((s) => ({ ...s, startedAt: 20n, pid: 1000 }));
    expect(store.inState(ContainerState.CONTAINER_CREATED).size).toBe(0);
    expect(store.inState(ContainerState.CONTAINER_RUNNING).has(c)).toBe(true);
    c.status.update((s) => ({ ...s, finishedAt: 30n }));
    expect(store.inState(ContainerState.CONTAINER_EXITED).has(c)).toBe(true);
    store.delete(c.id);
    expect(store.inState(ContainerState.CONTAINER_EXITED).size).toBe(0);
  });

  test("an exited container's stop signal starts closed", () => {
    const fs = new MemoryHostFs();
    const c = containerOf(fs, hex("1"), "s", {}, 5n);
    expect(c.stopCh.isStopped).toBe(false);
    fs.mkdirAll("/d");
    const exited = new Container(c.metadata, storeContainerStatus(fs, "/d", { ...emptyContainerStatus(), createdAt: 1n, finishedAt: 2n }), c.container);
    expect(exited.stopCh.isStopped).toBe(true);
  });
});

describe("status checkpoint", () => {
  test("is containerd's versionedStatus JSON, mode 0600, and reads back exactly", () => {
    const fs = new MemoryHostFs();
    fs.mkdirAll("/c");
    const status = { ...emptyContainerStatus(), pid: 1234, createdAt: 1_633_478_400_000_000_001n, startedAt: 1_633_478_400_123_456_789n, exitCode: -1, reason: "Error", message: "<x>" };
    const storage = storeContainerStatus(fs, "/c", status);
    expect(readTextFile(fs, "/c/status")).toBe(
      '{"Version":"v1","Pid":1234,"CreatedAt":1633478400000000001,"StartedAt":1633478400123456789,"FinishedAt":0,"ExitCode":-1,"Reason":"Error","Message":"\\u003cx\\u003e","Resources":null}',
    );
    expect(fs.stat("/c/status").mode).toBe(0o600);
    expect(loadContainerStatus(fs, "/c")).toEqual(status);
    storage.updateSync((s) => ({ ...s, starting: true, finishedAt: 9n }));
    expect(loadContainerStatus(fs, "/c")).toEqual({ ...status, finishedAt: 9n });
  });

  test("resources are written with gogo's omitempty snake_case tags", () => {
    const encoded = encodeContainerStatus({
      ...emptyContainerStatus(),
      resources: {
        linux: {
          cpuPeriod: 100000n,
          cpuQuota: 0n,
          cpuShares: 2n,
          memoryLimitInBytes: 0n,
          oomScoreAdj: 0n,
          cpusetCpus: "",
          cpusetMems: "0",
          hugepageLimits: [{ pageSize: "2MB", limit: 0n }],
          unified: { "memory.high": "1" },
          memorySwapLimitInBytes: 0n,
        },
        windows: undefined,
      },
    });
    expect(encoded).toContain(
      '"Resources":{"linux":{"cpu_period":100000,"cpu_shares":2,"cpuset_mems":"0","hugepage_limits":[{"page_size":"2MB"}],"unified":{"memory.high":"1"}}}',
    );
    expect(decodeContainerStatus(encoded).resources?.linux?.cpuPeriod).toBe(100000n);
  });

  test("a failed checkpoint leaves the status as it was", () => {
    const fs = new MemoryHostFs();
    fs.mkdirAll("/c");
    const storage = storeContainerStatus(fs, "/c", { ...emptyContainerStatus(), createdAt: 1n });
    fs.removeAll("/c");
    expect(() => storage.updateSync((s) => ({ ...s, startedAt: 2n }))).toThrow(
      'failed to checkpoint status to "/c/status": open /c/status: no such file or directory',
    );
    expect(storage.get().startedAt).toBe(0n);
    storage.update((s) => ({ ...s, startedAt: 3n }));
    expect(storage.get().startedAt).toBe(3n);
  });

  test("LoadStatus errors read as containerd's", () => {
    const fs = new MemoryHostFs();
    expect(() => loadContainerStatus(fs, "/gone")).toThrow('failed to read status from "/gone/status": open /gone/status: no such file or directory');
    fs.mkdirAll("/c");
    fs.writeFile("/c/status", "{");
    expect(() => loadContainerStatus(fs, "/c")).toThrow('failed to decode status "{": unexpected end of JSON input');
    fs.writeFile("/c/status", '{"Version":"v2"}');
    expect(() => loadContainerStatus(fs, "/c")).toThrow('failed to decode status "{\\"Version\\":\\"v2\\"}": unsupported version');
    fs.writeFile("/c/status", '{"Version":"v1","Pid":"x"}');
    expect(() => loadContainerStatus(fs, "/c")).toThrow(
      "json: cannot unmarshal string into Go struct field versionedStatus.Status.Pid of type uint32",
    );
  });

  test("keys match case-insensitively, as encoding/json's do", () => {
    expect(decodeContainerStatus('{"version":"v1","pid":7,"exitcode":3}')).toMatchObject({ pid: 7, exitCode: 3 });
  });
});

describe("metadata extensions", () => {
  test("sandbox metadata round-trips through its Any", () => {
    const meta = sandboxOf(hex("s")).metadata;
    const full = {
      ...meta,
      config: PodSandboxConfig.fromPartial({
        metadata: { name: "p", namespace: "n", uid: "u", attempt: 2 },
        labels: { a: "b" },
        linux: { securityContext: { runAsUser: { value: 9007199254740993n } } },
      }),
      ip: "10.88.0.2",
      additionalIps: ["fd00::2"],
      cniResult: { interfaces: { eth0: { ipConfigs: [{ ip: "10.88.0.2", gateway: "10.88.0.1" }], mac: "m", sandbox: "/n" } }, dns: [], routes: [] },
    };
    const any = sandboxMetadataAny(full);
    expect(any.typeUrl).toBe("github.com/containerd/cri/pkg/store/sandbox/Metadata");
    expect(new TextDecoder().decode(any.value)).toMatch(/^\{"Version":"v1","Metadata":\{"ID":"/);
    expect(sandboxMetadataFromAny(any)).toEqual(full);
  });

  test("container metadata round-trips; another type URL is not found", () => {
    const c = containerOf(new MemoryHostFs(), hex("c"), "s", { x: "y" });
    const any = containerMetadataAny(c.metadata);
    expect(containerMetadataFromAny(any)).toEqual(c.metadata);
    expect(() => containerMetadataFromAny({ ...any, typeUrl: "x/Y" })).toThrow("type with url x/Y: not found");
  });
});
