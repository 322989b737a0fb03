import { afterEach, describe, expect, test } from "vitest";
import { signals } from "../../../fake-containerd/index.ts";
import { ContainerState } from "../api/v1.ts";
import { Code } from "../errors.ts";
import { parseSignal, stopContainerRecord } from "./container-stop.ts";
import { secondsToDuration } from "./shared.ts";
import type { FakeCri } from "../../harness/index.ts";
import { advance, busybox, create, createAndStart, newFake, rejection, runPod, status, type Pod } from "../testing/container-fixtures.ts";

let fake: FakeCri;
let pod: Pod;

afterEach(async () => {
  await fake?.close();
});

async function setUp(options: Parameters<typeof newFake>[0] = {}) {
  fake = await newFake(options);
  pod = await runPod(fake);
}

/** Settles when `p` does, without failing the test if it rejects later. */
function track<T>(p: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  return { settled: () => done, promise: p };
}

describe("StopContainer", () => {
  test("with a grace period the stop signal (SIGTERM) ends the container: exit 143, reason Error", async () => {
    await setUp();
    const id = await createAndStart(fake, pod, "app");
    expect(await fake.runtime.stopContainer({ containerId: id, timeout: 30n })).toEqual({});
    expect(await status(fake, id)).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 143, reason: "Error" });
  });

  test("without a grace period it is SIGKILL at once: exit 137", async () => {
    await setUp();
    const id = await createAndStart(fake, pod, "app");
    await fake.runtime.stopContainer({ containerId: id, timeout: 0n });
    expect(await status(fake, id)).toMatchObject({ exitCode: 137, reason: "Error" });
  });

  test("a process that ignores SIGTERM gets SIGKILL when the grace period runs out, on the fake clock", async () => {
    await setUp();
    fake.containerd.processes.onContainer({ args: ["stubborn"] }, { ignoreSigterm: true });
    const id = await createAndStart(fake, pod, "stubborn", ["stubborn"]);
    const stop = track(fake.runtime.stopContainer({ containerId: id, timeout: 30n }));
    await advance(fake, 0);
    await advance(fake, 29_999);
    expect(stop.settled()).toBe(false);
    expect((await status(fake, id)).state).toBe(ContainerState.CONTAINER_RUNNING);
    await advance(fake, 1);
    await stop.promise;
    expect(await status(fake, id)).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 137 });
  });

  test("a graceful shutdown within the period needs no SIGKILL", async () => {
    await setUp();
    fake.containerd.processes.onContainer({ args: ["graceful"] }, { onSigterm: { exitCode: 0, afterMs: 2000 } });
    const id = await createAndStart(fake, pod, "graceful", ["graceful"]);
    const stop = track(fake.runtime.stopContainer({ containerId: id, timeout: 10n }));
    await advance(fake, 0);
    await advance(fake, 2000);
    await stop.promise;
    expect(await status(fake, id)).toMatchObject({ exitCode: 0, reason: "Completed" });
  });

  test("the stop signal is sent once however many graceful stops arrive", async () => {
    await setUp();
    const received: number[] = [];
    fake.containerd.processes.onContainer({ args: ["counting"] }, async (p) => {
      p.onSignal((sig) => received.push(sig));
      await p.exited;
    });
    const id = await createAndStart(fake, pod, "counting", ["counting"]);
    const first = track(fake.runtime.stopContainer({ containerId: id, timeout: 5n }));
    const second = track(fake.runtime.stopContainer({ containerId: id, timeout: 10n }));
    await advance(fake, 0);
    expect(received).toEqual([signals.SIGTERM]);
    await advance(fake, 5000);
    await first.promise;
    await second.promise;
    expect(received).toEqual([signals.SIGTERM]);
    expect((await status(fake, id)).exitCode).toBe(137);
  });

  test("the image's stop signal is used instead of SIGTERM", async () => {
    await setUp({ images: [busybox, { name: "docker.io/library/quits:1", config: { cmd: ["sh"], stopSignal: "SIGINT" }, layers: [{ "bin/sh": "x" }] }] });
    const id = await createAndStart(fake, pod, "quits", ["sleep", "infinity"], { image: { image: "docker.io/library/quits:1" } });
    await fake.runtime.stopContainer({ containerId: id, timeout: 10n });
    expect((await status(fake, id)).exitCode).toBe(130);
  });

  test("an unparseable stop signal fails the stop", async () => {
    await setUp({ images: [busybox, { name: "docker.io/library/odd:1", config: { cmd: ["sh"], stopSignal: "SIGNOPE" }, layers: [{ "bin/sh": "x" }] }] });
    const id = await createAndStart(fake, pod, "odd", ["sleep", "infinity"], { image: { image: "docker.io/library/odd:1" } });
    const err = await rejection(fake.runtime.stopContainer({ containerId: id, timeout: 10n }));
    expect([err.code, err.message]).toEqual([Code.Unknown, 'failed to parse stop signal "SIGNOPE": invalid signal: SIGNOPE']);
    expect((await status(fake, id)).state).toBe(ContainerState.CONTAINER_RUNNING);
  });

  test("stopping a created, an exited or an already stopped container succeeds and changes nothing", async () => {
    await setUp();
    const created = await create(fake, pod, "created");
    await fake.runtime.stopContainer({ containerId: created, timeout: 10n });
    expect((await status(fake, created)).state).toBe(ContainerState.CONTAINER_CREATED);
    const running = await createAndStart(fake, pod, "running");
    await fake.runtime.stopContainer({ containerId: running });
    const before = await status(fake, running);
    await fake.runtime.stopContainer({ containerId: running, timeout: 10n });
    expect(await status(fake, running)).toEqual(before);
  });

  test("unknown, ambiguous and empty IDs fail as in containerd", async () => {
    await setUp();
    const unknown = await rejection(fake.runtime.stopContainer({ containerId: "0123456789" }));
    expect([unknown.code, unknown.message]).toEqual([Code.NotFound, 'an error occurred when try to find container "0123456789": not found']);
    const empty = await rejection(fake.runtime.stopContainer({ containerId: "" }));
    expect([empty.code, empty.message]).toEqual([Code.Unknown, `an error occurred when try to find container "": Prefix can't be empty`]);
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push(await create(fake, pod, `c${i}`));
    const prefix = commonPrefix(ids);
    const ambiguous = await rejection(fake.runtime.stopContainer({ containerId: prefix }));
    expect(ambiguous.message).toBe(`an error occurred when try to find container "${prefix}": Multiple IDs found with provided prefix: ${prefix}`);
  });

  test("a client that gives up gets DeadlineExceeded while the stop goes on to the end", async () => {
    await setUp();
    fake.containerd.processes.onContainer({ args: ["stubborn"] }, { ignoreSigterm: true });
    const id = await createAndStart(fake, pod, "stubborn", ["stubborn"]);
    const stop = fake.runtime.stopContainer({ containerId: id, timeout: 30n }, { timeoutMs: 2000 });
    stop.catch(() => undefined);
    await advance(fake, 2000);
    const err = await rejection(stop);
    expect([err.code, err.message]).toEqual([Code.DeadlineExceeded, "context deadline exceeded"]);
    // containerd's stop returns when its context ends; the process keeps its SIGTERM and runs on.
    await advance(fake, 60_000);
    expect((await status(fake, id)).state).toBe(ContainerState.CONTAINER_RUNNING);
    await fake.runtime.stopContainer({ containerId: id, timeout: 0n });
    expect((await status(fake, id)).exitCode).toBe(137);
  });

  test("a container left UNKNOWN by a restart is stopped through a new exit monitor", async () => {
    await setUp();
    const id = await createAndStart(fake, pod, "app");
    const faultless = fake.containerd.faults.inject({ op: "tasks.status", subject: id, times: 1, error: { kind: "unknown", message: "shim gone: unknown" } });
    await fake.restart();
    fake.containerd.faults.remove(faultless);
    expect((await status(fake, id)).state).toBe(ContainerState.CONTAINER_UNKNOWN);
    await fake.runtime.stopContainer({ containerId: id, timeout: 0n });
    expect(await status(fake, id)).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 137 });
  });

  test("an UNKNOWN container without a task is recorded as exited with 255", async () => {
    await setUp();
    const id = await createAndStart(fake, pod, "app");
    const fault = fake.containerd.faults.inject({ op: "tasks.status", subject: id, times: 1, error: { kind: "unknown", message: "shim gone: unknown" } });
    await fake.restart();
    fake.containerd.faults.remove(fault);
    await fake.service.eventMonitor.stop();
    await (await fake.containerd.namespace("k8s.io").tasks.get(id)).delete({ kill: true });
    await fake.runtime.stopContainer({ containerId: id });
    expect(await status(fake, id)).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 255, reason: "Error" });
  });

  test("stopContainerRecord is what StopPodSandbox uses: running containers of a stopped pod exit 137", async () => {
    await setUp();
    const id = await createAndStart(fake, pod, "app");
    await fake.runtime.stopPodSandbox({ podSandboxId: pod.id });
    expect((await status(fake, id)).exitCode).toBe(137);
    await stopContainerRecord(fake.service, fake.service.containerStore.get(id), 0n);
  });
});

describe("stop signal and duration parsing", () => {
  test("names with or without SIG, any case, and numbers, as moby/sys/signal", () => {
    expect(parseSignal("SIGTERM")).toBe(15);
    expect(parseSignal("term")).toBe(15);
    expect(parseSignal("SIGRTMIN+3")).toBe(37);
    expect(parseSignal("RTMAX-1")).toBe(63);
    expect(parseSignal("9")).toBe(9);
    expect(parseSignal("+2")).toBe(2);
    expect(() => parseSignal("0")).toThrow("invalid signal: 0");
    expect(() => parseSignal("SIGFOO")).toThrow("invalid signal: SIGFOO");
    expect(() => parseSignal("")).toThrow("invalid signal: ");
  });

  test("timeouts in seconds become durations wrapping as Go's int64 does", () => {
    expect(secondsToDuration(2n)).toBe(2_000_000_000n);
    expect(secondsToDuration(-1n)).toBe(-1_000_000_000n);
    expect(secondsToDuration(9223372036854775807n)).toBe(-1_000_000_000n);
  });
});

function commonPrefix(ids: string[]): string {
  const sorted = [...ids].sort();
  for (let i = 1; i < sorted.length; i++) {
    let n = 0;
    while (sorted[i - 1]![n] === sorted[i]![n]) n++;
    if (n > 0) return sorted[i]!.slice(0, n);
  }
  throw new Error("no two IDs share a prefix");
}
