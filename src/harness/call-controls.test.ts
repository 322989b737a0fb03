import { afterEach, describe, expect, test } from "vitest";
import { Code, CriError } from "../cri/errors.ts";
import { connectCri } from "../cri/transport/grpc.ts";
import { criMethods, createFakeCri, type FakeCri } from "./index.ts";
import { virtualTimeWarningMs } from "./virtual-time-watch.ts";

const pod = { metadata: { name: "web", namespace: "default", uid: "web-1" } };

let fake: FakeCri | undefined;
const consoleWarn = console.warn;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  console.warn = consoleWarn;
});

/** What console.warn is given until the test ends. */
function captureWarnings(): string[] {
  const warnings: string[] = [];
  console.warn = (message: string) => warnings.push(message);
  return warnings;
}

describe("fake.calls", () => {
  test("logs each call in process and over the socket: method, API version, request, response or error, timing", async () => {
    fake = await createFakeCri({ seed: 1, containerd: "1.6" }); // 1.6 serves v1alpha2, which this test calls
    await fake.runtime.version({});
    const { podSandboxId } = await fake.runtime.runPodSandbox({ config: pod });
    await expect(fake.runtime.podSandboxStatus({ podSandboxId: "nope" })).rejects.toThrow(CriError);
    const client = connectCri((await fake.serve()).endpoint, "v1alpha2");
    await client.runtime.listPodSandbox({});
    client.close();

    expect(fake.calls.methods()).toEqual(["Version", "RunPodSandbox", "PodSandboxStatus", "ListPodSandbox"]);
    const [version, run, status, list] = fake.calls.list();
    expect(version).toMatchObject({ method: "Version", apiVersion: "v1", response: { runtimeName: "containerd" } });
    expect(run).toMatchObject({ request: { config: pod }, response: { podSandboxId } });
    expect(run!.endNs! > run!.startNs).toBe(true);
    expect(run!.durationMs).toBeGreaterThan(0);
    expect(status!.error).toEqual(new CriError(Code.NotFound, "an error occurred when try to find sandbox: not found"));
    expect(list).toMatchObject({ apiVersion: "v1alpha2", response: { items: [{ id: podSandboxId }] } });
    expect(fake.calls.list("RunPodSandbox")).toEqual([run]);
  });

  test("assertCalled checks the count and the request's fields, and lists the calls when it fails", async () => {
    fake = await createFakeCri({ seed: 1 });
    await fake.runtime.runPodSandbox({ config: pod });
    expect(fake.calls.assertCalled("RunPodSandbox", { times: 1, request: { config: { metadata: { name: "web" } } } })).toHaveLength(1);
    expect(() => fake!.calls.assertCalled("RunPodSandbox", { request: { config: { metadata: { name: "db" } } } })).toThrow(
      /^expected RunPodSandbox to be called at least once with a request matching .*"db".*; 0 matching call\(s\) of 1\. Calls:\n {2}RunPodSandbox \{"config"/,
    );
    expect(() => fake!.calls.assertCalled("StopPodSandbox")).toThrow(/0 matching call\(s\) of 0/);
    expect(() => fake!.calls.assertCalled("runPodSandbox" as never)).toThrow(/^unknown CRI method "runPodSandbox" \(did you mean "RunPodSandbox"\?\)/);
    fake.calls.clear();
    expect(fake.calls.list()).toEqual([]);
  });

  test("recordCalls: false keeps nothing, while listeners still hear every call", async () => {
    fake = await createFakeCri({ seed: 1, recordCalls: false });
    const heard: string[] = [];
    const stop = fake.calls.subscribe((call) => heard.push(`${call.method} ${call.error ? "failed" : "ok"}`));
    await fake.runtime.version({});
    await fake.runtime.containerStatus({ containerId: "x" }).catch(() => undefined);
    stop();
    await fake.runtime.version({});
    expect(heard).toEqual(["Version ok", "ContainerStatus failed"]);
    expect(fake.calls.list()).toEqual([]);
  });
});

describe("fake.failNext and fake.onCall", () => {
  test("failNext fails the next call of a method once, in process and over the socket", async () => {
    fake = await createFakeCri({ seed: 1 });
    fake.failNext("RunPodSandbox", { code: Code.Unavailable, message: "node is draining" });
    await expect(fake.runtime.runPodSandbox({ config: pod })).rejects.toEqual(new CriError(Code.Unavailable, "node is draining"));
    const client = connectCri((await fake.serve()).endpoint);
    fake.failNext("RunPodSandbox", new CriError(Code.ResourceExhausted, "too many pods"));
    await expect(client.runtime.runPodSandbox({ config: pod })).rejects.toEqual(new CriError(Code.ResourceExhausted, "too many pods"));
    const { podSandboxId } = await client.runtime.runPodSandbox({ config: pod });
    client.close();
    expect(podSandboxId).toMatch(/^[0-9a-f]{64}$/);
    expect(fake.calls.list("RunPodSandbox").map((c) => c.error?.code ?? "ok")).toEqual([Code.Unavailable, Code.ResourceExhausted, "ok"]);
  });

  test("onCall answers instead of the plugin, changes the request, or passes on; it covers v1alpha2 too", async () => {
    fake = await createFakeCri({ seed: 1 });
    const remove = fake.onCall("Version", () => ({ runtimeName: "cri-o" }));
    expect(await fake.runtime.version({})).toMatchObject({ runtimeName: "cri-o", runtimeVersion: "" });
    expect(await fake.v1alpha2.runtime.version({})).toMatchObject({ runtimeName: "cri-o" });
    remove();
    expect((await fake.runtime.version({})).runtimeName).toBe("containerd");

    const seen: string[] = [];
    fake.onCall("RunPodSandbox", async (request, next) => {
      seen.push(request.config!.metadata!.name);
      return next({ ...request, config: { ...request.config!, metadata: { ...request.config!.metadata!, name: "renamed" } } });
    });
    const { podSandboxId } = await fake.runtime.runPodSandbox({ config: pod });
    expect((await fake.runtime.podSandboxStatus({ podSandboxId })).status!.metadata!.name).toBe("renamed");
    fake.onCall("PodSandboxStatus", () => {
      throw new CriError(Code.DeadlineExceeded, "slow disk");
    });
    const client = connectCri((await fake.serve()).endpoint);
    await expect(client.runtime.podSandboxStatus({ podSandboxId })).rejects.toEqual(new CriError(Code.DeadlineExceeded, "slow disk"));
    client.close();
    expect(seen).toEqual(["web"]);
  });

  test("names are checked: a misspelt or streaming method, a code that is not one", async () => {
    fake = await createFakeCri({ seed: 1 });
    expect(() => fake!.failNext("RunPodSandBox" as never)).toThrow(/^unknown unary CRI method "RunPodSandBox" \(did you mean "RunPodSandbox"\?\); valid: Version, RunPodSandbox, /);
    expect(() => fake!.onCall("GetContainerEvents" as never, (() => ({})) as never)).toThrow(/unknown unary CRI method "GetContainerEvents"/);
    expect(() => fake!.failNext("Version", { code: 99 as never })).toThrow(/^failNext: 99 is not a gRPC error code; use Code/);
    expect(criMethods).toContain("GetContainerEvents");
  });
});

describe("close() reports what the test left behind", () => {
  test("fails calls held at gates, and lists open gates, faults and injections that never fired", async () => {
    const warnings = captureWarnings();
    fake = await createFakeCri({ seed: 1 });
    const gate = fake.containerd.gates.hold("tasks.create");
    fake.containerd.gates.hold("images.delete");
    fake.containerd.faults.inject({ op: "tasks.kill", error: { kind: "unavailable" } });
    fake.failNext("RemovePodSandbox");
    fake.onCall("ListImages", (request, next) => next(request));
    const running = fake.runtime.runPodSandbox({ config: pod });
    await gate.arrived;
    const leftovers = await fake.close();
    fake = undefined;
    await expect(running).rejects.toMatchObject({ code: Code.Unavailable, message: /fake-cri closed while a gate on tasks.create held this call/ });
    expect(leftovers).toEqual([
      "gate on tasks.create still held 1 call(s) at close(); they were failed",
      "gate on images.delete was never reached",
      'fault {"op":"tasks.kill","error":{"kind":"unavailable"}} never fired (0 matching call(s))',
      'failNext("RemovePodSandbox") never fired',
      'onCall("ListImages") never fired',
    ]);
    expect(warnings).toEqual([expect.stringMatching(/^fake-cri: close\(\) found test setup left over:\n {2}- gate on tasks.create/)]);
  });

  test('leftovers: "error" makes close() reject; "ignore" keeps quiet', async () => {
    const strict = await createFakeCri({ seed: 1, leftovers: "error" });
    strict.failNext("Version");
    await expect(strict.close()).rejects.toThrow('failNext("Version") never fired');
    const warnings = captureWarnings();
    const quiet = await createFakeCri({ seed: 1, leftovers: "ignore" });
    quiet.failNext("Version");
    expect(await quiet.close()).toEqual(['failNext("Version") never fired']);
    expect(warnings).toEqual([]);
  });
});

test("a call waiting on a virtual clock nobody advances says so after a second of real time", async () => {
  const warnings = captureWarnings();
  fake = await createFakeCri({ seed: 1, images: ["busybox:1.36"] });
  fake.containerd.processes.onContainer({ image: "busybox:1.36" }, { ignoreSigterm: true });
  const { podSandboxId } = await fake.runtime.runPodSandbox({ config: pod });
  const config = { metadata: { name: "app" }, image: { image: "busybox:1.36" } };
  const { containerId } = await fake.runtime.createContainer({ podSandboxId, config, sandboxConfig: pod });
  await fake.runtime.startContainer({ containerId });
  const stopping = fake.runtime.stopContainer({ containerId, timeout: 30n });
  await new Promise((resolve) => setTimeout(resolve, virtualTimeWarningMs + 200));
  expect(warnings).toEqual([
    "fake-cri: StopContainer (v1) is still waiting after 1000 ms of real time, and the fake's clock is virtual (a seed or a " +
      "VirtualClock) with 1 timer(s) pending, the next due in 30000 ms of fake time: only fake.advance(ms) moves it",
  ]);
  await fake.advance(30_000);
  await stopping;
  expect((await fake.runtime.containerStatus({ containerId })).status).toMatchObject({ exitCode: 137 });
});

test('a script for image "busybox:1.36" runs in containers of it, which the CRI names docker.io/library/busybox:1.36', async () => {
  fake = await createFakeCri({ seed: 1, images: ["busybox:1.36"] });
  fake.containerd.processes.onContainer({ image: "busybox:1.36" }, { exit: { code: 3, afterMs: 10 } });
  const { podSandboxId } = await fake.runtime.runPodSandbox({ config: pod });
  const config = { metadata: { name: "app" }, image: { image: "busybox:1.36" } };
  const { containerId } = await fake.runtime.createContainer({ podSandboxId, config, sandboxConfig: pod });
  await fake.runtime.startContainer({ containerId });
  await fake.advance(10);
  expect((await fake.runtime.containerStatus({ containerId })).status).toMatchObject({ image: { image: "docker.io/library/busybox:1.36" }, exitCode: 3 });
});
