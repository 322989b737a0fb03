// The served fake driven with the generated gRPC client (connectCri), v1 and v1alpha2: every RPC of
// both services, successes and error paths, each call made on two identical fakes (same seed, same
// calls), one in-process and one over its unix socket, whose answers must be identical (responses
// field by field as proto3 JSON; errors by gRPC code and message). Then deadlines and cancellation
// over the real socket while containerd work is held in flight.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { methodOf } from "../../transcript/calls.ts";
import * as v1 from "../api/v1.ts";
import * as v1alpha2 from "../api/v1alpha2.ts";
import { Code, codeName, statusOf } from "../errors.ts";
import { connectCri, type CriV1alpha2Client, type CriV1Client } from "./grpc.ts";
import type { ServiceDefinition } from "../service-types.ts";
import { createFakeCri, type FakeCri } from "../../harness/index.ts";

type Api = "v1" | "v1alpha2";
type ServiceName = "runtime" | "image";
type Json = unknown;
type Outcome = { response: Json } | { stream: Json[]; error?: { code: string; message: string } } | { error: { code: string; message: string } };

const definitions: Record<Api, Record<ServiceName, ServiceDefinition>> = {
  v1: { runtime: v1.RuntimeServiceDefinition, image: v1.ImageServiceDefinition },
  v1alpha2: { runtime: v1alpha2.RuntimeServiceDefinition, image: v1alpha2.ImageServiceDefinition },
};

/** RPCs containerd 1.6.20 does not implement: they only fail (Unimplemented). */
const onlyErrors = new Set([
  "streamPodSandboxes",
  "streamContainers",
  "streamContainerStats",
  "streamPodSandboxStats",
  "streamPodSandboxMetrics",
  "streamImages",
  "checkpointContainer",
  "checkpointPod",
  "restorePod",
  "getContainerEvents",
  "listMetricDescriptors",
  "listPodSandboxMetrics",
  "updatePodSandboxResources",
]);

/** RPCs that containerd answers without an error whatever the request and state. */
const noErrorPath = new Set(["version", "status", "listPodSandbox", "listContainers", "listImages", "imageFsInfo", "runtimeConfig"]);

const busybox = "docker.io/library/busybox:1.36";

const dir = mkdtempSync(join(tmpdir(), "fake-cri-grpc-integration-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let sockets = 0;
const nextSocket = (): string => `unix://${join(dir, `cri-${++sockets}.sock`)}`;

type AnyMethod = (request: unknown, options?: { timeoutMs?: number; signal?: AbortSignal }) => unknown;
type Clients = Record<ServiceName, Record<string, AnyMethod>>;

/** Two fakes made alike: one reached in-process, one over its socket with connectCri. */
class Pair {
  readonly coverage = new Map<string, { ok: number; errors: Set<string> }>();
  readonly local: FakeCri;
  readonly served: FakeCri;
  private readonly remote: { v1: CriV1Client; v1alpha2: CriV1alpha2Client };

  private constructor(local: FakeCri, served: FakeCri, remote: { v1: CriV1Client; v1alpha2: CriV1alpha2Client }) {
    this.local = local;
    this.served = served;
    this.remote = remote;
  }

  static async create(): Promise<Pair> {
    // One streaming base for both, so that the two fakes hand out the same URLs.
    const make = () => createFakeCri({ containerd: "1.6", seed: 7, images: [busybox], streamBaseUrl: "http://127.0.0.1:10010" });
    const local = await make();
    const served = await make();
    const server = await served.serve(nextSocket());
    return new Pair(local, served, { v1: connectCri(server.endpoint, "v1"), v1alpha2: connectCri(server.endpoint, "v1alpha2") });
  }

  /** Something done to both fakes alike (faults). */
  async both(fn: (fake: FakeCri) => unknown): Promise<void> {
    await fn(this.local);
    await fn(this.served);
  }

  /**
   * Makes the call in-process and over the socket; the two outcomes must be equal. Returns the
   * in-process response (undefined for a failure) so later requests can use its IDs.
   */
  async call(api: Api, service: ServiceName, method: string, request: object = {}): Promise<{ outcome: Outcome; response: any }> {
    const definition = methodOf(api, service, method);
    const localClients = (api === "v1" ? this.local : this.local.v1alpha2) as unknown as Clients;
    const remoteClients = this.remote[api] as unknown as Clients;
    const [local, remote] = [
      await outcomeOf(definition, localClients[service][method]!, request),
      await outcomeOf(definition, remoteClients[service][method]!, request),
    ];
    expect(remote.outcome, `${api} ${service}.${method}(${JSON.stringify(request, bigints)}) over the socket`).toEqual(local.outcome);
    const key = `${api} ${service}.${method}`;
    const seen = this.coverage.get(key) ?? { ok: 0, errors: new Set<string>() };
    if ("error" in local.outcome && local.outcome.error) seen.errors.add(local.outcome.error.code);
    else seen.ok++;
    this.coverage.set(key, seen);
    return { outcome: local.outcome, response: local.response };
  }

  async close(): Promise<void> {
    this.remote.v1.close();
    this.remote.v1alpha2.close();
    await this.local.close();
    await this.served.close();
  }
}

const bigints = (_: string, value: unknown): unknown => (typeof value === "bigint" ? value.toString() : value);

function statusJson(err: unknown): { code: string; message: string } {
  const { code, message } = statusOf(err);
  return { code: codeName(code), message };
}

async function outcomeOf(definition: ReturnType<typeof methodOf>, method: AnyMethod, request: object): Promise<{ outcome: Outcome; response?: unknown }> {
  const toJson = (message: unknown): Json => definition.responseType.toJSON(message as never);
  if (definition.responseStream) {
    const stream: Json[] = [];
    try {
      for await (const message of method(request) as AsyncIterable<unknown>) stream.push(toJson(message));
    } catch (err) {
      return { outcome: { stream, error: statusJson(err) } };
    }
    return { outcome: { stream } };
  }
  try {
    const response = await (method(request) as Promise<unknown>);
    return { outcome: { response: toJson(response) }, response };
  } catch (err) {
    return { outcome: { error: statusJson(err) } };
  }
}

function expectError(outcome: Outcome, code: Code, message: string): void {
  expect(outcome).toEqual({ error: { code: codeName(code), message } });
}

const podConfig = (name: string) => ({
  metadata: { name, namespace: "grpc", uid: `${name}-uid` },
  logDirectory: `/var/log/pods/grpc_${name}`,
  labels: { app: name },
  linux: { cgroupParent: `/kubepods/${name}` },
});

describe.each(["v1", "v1alpha2"] as const)("every %s RPC over the socket answers as in-process", (api) => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await Pair.create();
  });
  afterAll(async () => {
    await pair?.close();
  });
  const rt = (method: string, request: object = {}) => pair.call(api, "runtime", method, request);
  const im = (method: string, request: object = {}) => pair.call(api, "image", method, request);
  const pod = podConfig(`pod-${api}`);
  const podName = `pod-${api}_grpc_pod-${api}-uid_0`;
  const app = { metadata: { name: "app" }, image: { image: busybox }, command: ["sleep", "infinity"], logPath: "app.log", labels: { role: "app" } };
  let podSandboxId = "";
  let containerId = "";
  let idle = "";

  test("Version, Status, UpdateRuntimeConfig, RuntimeConfig", async () => {
    expect((await rt("version", { version: api })).response.runtimeApiVersion).toBe(api);
    await rt("status", {});
    await rt("status", { verbose: true });
    await rt("updateRuntimeConfig", { runtimeConfig: { networkConfig: { podCidr: "10.244.0.0/24" } } });
    expectError((await rt("updateRuntimeConfig", { runtimeConfig: { networkConfig: { podCidr: "not a cidr" } } })).outcome, Code.Unknown, "get routes: invalid CIDR address: not a cidr");
    if (api === "v1") await rt("runtimeConfig", {});
  });

  test("images: pull, status, list, filesystem info and their errors", async () => {
    await im("pullImage", { image: { image: "busybox:1.36" } });
    await im("pullImage", { image: { image: "alpine:3.19" }, sandboxConfig: pod });
    expectError(
      (await im("pullImage", { image: { image: "Busybox:1" } })).outcome,
      Code.Unknown,
      'failed to parse image reference "Busybox:1": invalid reference format: repository name must be lowercase',
    );
    await im("imageStatus", { image: { image: busybox }, verbose: true });
    await im("imageStatus", { image: { image: "nosuch:1" } });
    expectError((await im("imageStatus", {})).outcome, Code.Unknown, 'can not resolve "" locally: ambiguous digest string');
    await im("listImages", {});
    await im("imageFsInfo", {});
  });

  test("sandboxes: run, clash, status, list, stats, port forward", async () => {
    podSandboxId = (await rt("runPodSandbox", { config: pod })).response.podSandboxId;
    expectError(
      (await rt("runPodSandbox", { config: pod })).outcome,
      Code.Unknown,
      `failed to reserve sandbox name "${podName}": name "${podName}" is reserved for "${podSandboxId}"`,
    );
    expectError((await rt("runPodSandbox", { config: {} })).outcome, Code.Unknown, "sandbox config must include metadata");
    await rt("podSandboxStatus", { podSandboxId, verbose: true });
    await rt("podSandboxStatus", { podSandboxId: podSandboxId.slice(0, 8) });
    expectError((await rt("podSandboxStatus", { podSandboxId: "0123456789ab" })).outcome, Code.NotFound, "an error occurred when try to find sandbox: not found");
    await rt("listPodSandbox", {});
    await rt("listPodSandbox", { filter: { labelSelector: { app: `pod-${api}` } } });
    await rt("listPodSandbox", { filter: { state: { state: 1 } } });
    await rt("podSandboxStats", { podSandboxId });
    expect((await rt("podSandboxStats", { podSandboxId: "0123456789ab" })).outcome).toHaveProperty("error");
    await rt("listPodSandboxStats", {});
    await rt("portForward", { podSandboxId, port: [8080] });
    expect((await rt("portForward", { podSandboxId: "0123456789ab", port: [8080] })).outcome).toHaveProperty("error");
  });

  test("containers: create, start, status, list, update, logs, exec, attach, stats", async () => {
    idle = (await rt("createContainer", { podSandboxId, config: { ...app, metadata: { name: "idle" } }, sandboxConfig: pod })).response.containerId;
    containerId = (await rt("createContainer", { podSandboxId, config: app, sandboxConfig: pod })).response.containerId;
    const appName = `app_${podName}`;
    expectError(
      (await rt("createContainer", { podSandboxId, config: app, sandboxConfig: pod })).outcome,
      Code.Unknown,
      `failed to reserve container name "${appName}": name "${appName}" is reserved for "${containerId}"`,
    );
    expectError(
      (await rt("createContainer", { podSandboxId, config: { ...app, metadata: { name: "missing" }, image: { image: "nosuch:1" } }, sandboxConfig: pod })).outcome,
      Code.NotFound,
      'failed to resolve image "nosuch:1": not found',
    );
    expectError((await rt("containerStats", { containerId: idle })).outcome, Code.Unknown, "unexpected metrics response: []");

    await rt("startContainer", { containerId });
    expect((await rt("startContainer", { containerId })).outcome).toHaveProperty("error");
    await rt("containerStatus", { containerId, verbose: true });
    expectError(
      (await rt("containerStatus", { containerId: "0123456789ab" })).outcome,
      Code.NotFound,
      'an error occurred when try to find container "0123456789ab": not found',
    );
    await rt("listContainers", {});
    await rt("listContainers", { filter: { podSandboxId, labelSelector: { role: "app" } } });
    await rt("updateContainerResources", { containerId, linux: { cpuShares: 512n, memoryLimitInBytes: 64n << 20n } });
    expect((await rt("updateContainerResources", { containerId: "0123456789ab", linux: {} })).outcome).toHaveProperty("error");
    await rt("reopenContainerLog", { containerId });
    expect((await rt("reopenContainerLog", { containerId: idle })).outcome).toHaveProperty("error");

    expect((await rt("execSync", { containerId, cmd: ["echo", "over", "the", "wire"] })).response.stdout).toEqual(new TextEncoder().encode("over the wire\n"));
    await rt("execSync", { containerId, cmd: ["sh", "-c", "exit 3"] });
    expect((await rt("execSync", { containerId, cmd: ["/no/such/binary"] })).outcome).toHaveProperty("error");
    await rt("exec", { containerId, cmd: ["sh"], stdout: true, stderr: true });
    expect((await rt("exec", { containerId, cmd: ["sh"] })).outcome).toHaveProperty("error");
    await rt("attach", { containerId, stdout: true });
    expectError((await rt("attach", { containerId: "0123456789ab", stdout: true })).outcome, Code.NotFound, "failed to find container in store: not found");

    await rt("containerStats", { containerId });
    await rt("listContainerStats", {});
    await rt("listContainerStats", { filter: { podSandboxId } });
    await pair.both((fake) => fake.containerd.faults.inject({ op: "tasks.metrics", error: { kind: "unavailable", message: "metrics gone" } }));
    expect((await rt("listContainerStats", {})).outcome).toHaveProperty("error");
    await pair.both((fake) => fake.containerd.faults.clear());
  });

  test("stop and remove, twice, and the errors after", async () => {
    await rt("stopContainer", { containerId, timeout: 0n });
    await rt("stopContainer", { containerId, timeout: 0n });
    expectError(
      (await rt("stopContainer", { containerId: "0123456789ab", timeout: 0n })).outcome,
      Code.NotFound,
      'an error occurred when try to find container "0123456789ab": not found',
    );
    expectError(
      (await rt("execSync", { containerId, cmd: ["true"] })).outcome,
      Code.Unknown,
      "failed to exec in container: container is in CONTAINER_EXITED state",
    );
    await rt("containerStatus", { containerId });
    await rt("removeContainer", { containerId });
    await rt("removeContainer", { containerId });
    expectError((await rt("removeContainer", { containerId: "" })).outcome, Code.Unknown, 'an error occurred when try to find container "": Prefix can\'t be empty');

    await rt("stopPodSandbox", { podSandboxId });
    await rt("stopPodSandbox", { podSandboxId });
    expectError((await rt("stopPodSandbox", { podSandboxId: "0123456789ab" })).outcome, Code.NotFound, 'an error occurred when try to find sandbox "0123456789ab": not found');
    expect((await rt("listPodSandboxStats", {})).outcome).toHaveProperty("error");
    expect((await rt("portForward", { podSandboxId, port: [8080] })).outcome).toHaveProperty("error");
    await rt("podSandboxStatus", { podSandboxId });
    await rt("removePodSandbox", { podSandboxId });
    await rt("removePodSandbox", { podSandboxId });
    expectError((await rt("removePodSandbox", { podSandboxId: "" })).outcome, Code.Unknown, 'an error occurred when try to find sandbox "": Prefix can\'t be empty');
    await rt("listContainers", {});
    await rt("listPodSandbox", {});

    await im("removeImage", { image: { image: busybox } });
    await im("removeImage", { image: { image: busybox } });
    expectError((await im("removeImage", { image: { image: "" } })).outcome, Code.Unknown, 'can not resolve "" locally: ambiguous digest string');
    await im("listImages", {});
  });

  test("RPCs containerd 1.6.20 lacks fail alike", async () => {
    for (const [service, definition] of Object.entries(definitions[api]) as [ServiceName, ServiceDefinition][]) {
      for (const method of Object.keys(definition.methods).filter((m) => onlyErrors.has(m))) {
        const { outcome } = await pair.call(api, service, method, {});
        expect(outcome, method).toMatchObject({ error: { code: "Unimplemented" } });
      }
    }
  });

  test("every RPC of both services was called, with a success and an error where it has them", () => {
    const missing: string[] = [];
    for (const [service, definition] of Object.entries(definitions[api]) as [ServiceName, ServiceDefinition][]) {
      for (const method of Object.keys(definition.methods)) {
        const seen = pair.coverage.get(`${api} ${service}.${method}`);
        if (!seen) missing.push(`${method}: never called`);
        else {
          if (!onlyErrors.has(method) && seen.ok === 0) missing.push(`${method}: no success`);
          if (!noErrorPath.has(method) && seen.errors.size === 0) missing.push(`${method}: no error`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});

describe.each(["v1", "v1alpha2"] as const)("deadlines and cancellation over the socket (%s)", (api) => {
  test("a RunPodSandbox held in tasks.create: the client gets DeadlineExceeded, its retry is told the name is reserved", async () => {
    const fake = await createFakeCri({ containerd: "1.6", seed: 1 });
    const server = await fake.serve(nextSocket());
    const client = connectCri(server.endpoint, api as "v1") as CriV1Client;
    try {
      const config = podConfig("slow");
      const gate = fake.containerd.gates.hold("tasks.create");
      const first = client.runtime.runPodSandbox({ config }, { timeoutMs: 1000 }).then(
        () => undefined,
        (err: unknown) => statusOf(err),
      );
      const held = await Promise.race([
        gate.arrived,
        first.then((ended) => {
          throw new Error(`RunPodSandbox ended before reaching tasks.create: ${JSON.stringify(ended)}`);
        }),
      ]);
      const id = held.subject!;
      expect(await first).toEqual({ code: Code.DeadlineExceeded, message: "context deadline exceeded" });

      const name = "slow_grpc_slow-uid_0";
      await expect(client.runtime.runPodSandbox({ config }).catch((err: unknown) => statusOf(err))).resolves.toEqual({
        code: Code.Unknown,
        message: `failed to reserve sandbox name "${name}": name "${name}" is reserved for "${id}"`,
      });
      // The held call completes; the next containerd call with the expired context fails, and the
      // cleanups free the name: a later attempt makes a new sandbox.
      gate.release();
      const next = await eventually(async () => {
        try {
          return (await client.runtime.runPodSandbox({ config })).podSandboxId;
        } catch (err) {
          expect(statusOf(err).message).toContain("is reserved for");
          return undefined;
        }
      });
      expect(next).not.toBe(id);
      expect((await client.runtime.listPodSandbox({})).items.map((s) => s.id)).toEqual([next]);
    } finally {
      client.close();
      await fake.close();
    }
  });

  test("a cancelled StopContainer reads as context canceled; the stop goes on", async () => {
    const fake = await createFakeCri({ containerd: "1.6", seed: 1, images: [busybox] });
    const server = await fake.serve(nextSocket());
    const client = connectCri(server.endpoint, api as "v1") as CriV1Client;
    try {
      const config = podConfig("cancel");
      const { podSandboxId } = await client.runtime.runPodSandbox({ config });
      const { containerId } = await client.runtime.createContainer({
        podSandboxId,
        config: { metadata: { name: "app" }, image: { image: busybox }, command: ["sleep", "infinity"] },
        sandboxConfig: config,
      });
      await client.runtime.startContainer({ containerId });
      const gate = fake.containerd.gates.hold("tasks.kill");
      const abort = new AbortController();
      const stop = client.runtime.stopContainer({ containerId, timeout: 0n }, { signal: abort.signal }).then(
        () => undefined,
        (err: unknown) => statusOf(err),
      );
      await gate.arrived;
      abort.abort();
      expect(await stop).toEqual({ code: Code.Canceled, message: "context canceled" });
      gate.release();
      const state = await eventually(async () => {
        const { status } = await client.runtime.containerStatus({ containerId });
        return status?.state === v1.ContainerState.CONTAINER_EXITED ? status : undefined;
      });
      expect(state.exitCode).toBe(137);
    } finally {
      client.close();
      await fake.close();
    }
  });
});

/** Polls (real time: the server's deadline timers are real) for up to 5 s. */
async function eventually<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 250; i++) {
    const found = await check();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("condition never held within 5 s");
}
