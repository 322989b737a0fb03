import { afterEach, describe, expect, test } from "vitest";
import { ContainerState } from "../api/v1.ts";
import { Code } from "../errors.ts";
import type { FakeCri } from "../../harness/index.ts";
import { advance, create, createAndStart, newFake, rejection, runPod, status, text, type Pod } from "../testing/container-fixtures.ts";

let fake: FakeCri;
let pod: Pod;

afterEach(async () => {
  await fake?.close();
});

async function setUp(options: Parameters<typeof newFake>[0] = {}) {
  fake = await newFake(options);
  pod = await runPod(fake);
}

const logOf = (name: string, podName = "pod") => text(fake.hostFs.readFile(`/var/log/pods/${podName}/${name}.log`));

/** The log's records with the timestamps checked and cut off. */
function records(log: string): string[] {
  return log
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [time, ...rest] = line.split(" ");
      expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
      return rest.join(" ");
    });
}

describe("StartContainer", () => {
  test("starts a created container: RUNNING with a start time and a PID", async () => {
    await setUp();
    const id = await create(fake, pod, "app");
    expect(await fake.runtime.startContainer({ containerId: id })).toEqual({});
    const s = await status(fake, id);
    expect(s.state).toBe(ContainerState.CONTAINER_RUNNING);
    expect(s.startedAt).toBeGreaterThan(s.createdAt);
    expect(fake.service.containerStore.get(id).status.get().pid).toBeGreaterThan(0);
    const task = await fake.containerd.namespace("k8s.io").tasks.get(id);
    expect((await task.status()).status).toBe("running");
  });

  test("works by unique ID prefix", async () => {
    await setUp();
    const id = await create(fake, pod, "app");
    await fake.runtime.startContainer({ containerId: id.slice(0, 8) });
    expect((await status(fake, id)).state).toBe(ContainerState.CONTAINER_RUNNING);
  });

  test("a second start, a start after exit, and a start of a removed or unknown container fail as in containerd", async () => {
    await setUp();
    const id = await createAndStart(fake, pod, "app");
    const twice = await rejection(fake.runtime.startContainer({ containerId: id }));
    expect([twice.code, twice.message]).toEqual([Code.Unknown, `failed to set starting state for container "${id}": container is in CONTAINER_RUNNING state`]);
    const once = await createAndStart(fake, pod, "once", ["true"]);
    await advance(fake, 0);
    const exited = await rejection(fake.runtime.startContainer({ containerId: once }));
    expect(exited.message).toBe(`failed to set starting state for container "${once}": container is in CONTAINER_EXITED state`);
    await fake.runtime.removeContainer({ containerId: once });
    const removed = await rejection(fake.runtime.startContainer({ containerId: once }));
    expect([removed.code, removed.message]).toEqual([Code.NotFound, `an error occurred when try to find container "${once}": not found`]);
    const empty = await rejection(fake.runtime.startContainer({ containerId: "" }));
    expect([empty.code, empty.message]).toEqual([Code.Unknown, `an error occurred when try to find container "": Prefix can't be empty`]);
  });

  describe("exit reasons end to end", () => {
    test("Completed: exit 0 with output in the log", async () => {
      await setUp();
      const id = await createAndStart(fake, pod, "ok", ["sh", "-c", "echo done; exit 0"]);
      await advance(fake, 0);
      const s = await status(fake, id);
      expect(s).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 0, reason: "Completed", message: "" });
      expect(s.finishedAt).toBeGreaterThan(0n);
      expect(records(logOf("ok"))).toEqual(["stdout F done"]);
      await expect(fake.containerd.namespace("k8s.io").tasks.get(id)).rejects.toThrow("not found");
    });

    test("Error with the exit code; exit codes wrap at 256", async () => {
      await setUp();
      const codes: Array<[string[], number, string]> = [
        [["sh", "-c", "echo x; exit 3"], 3, "Error"],
        [["sh", "-c", "exit 255"], 255, "Error"],
        [["sh", "-c", "exit 256"], 0, "Completed"],
        [["false"], 1, "Error"],
        [["true"], 0, "Completed"],
        [["sleep", "2"], 0, "Completed"],
      ];
      const ids = [];
      for (const [i, [command]] of codes.entries()) ids.push(await createAndStart(fake, pod, `c${i}`, command));
      await advance(fake, 2000);
      for (const [i, [, exitCode, reason]] of codes.entries()) {
        expect(await status(fake, ids[i]!)).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode, reason });
      }
    });

    test("OOMKilled: a memory hog under a memory limit is killed with 137", async () => {
      await setUp();
      const id = await createAndStart(fake, pod, "hog", ["tail", "/dev/zero"], { linux: { resources: { memoryLimitInBytes: 33554432n } } });
      expect((await status(fake, id)).state).toBe(ContainerState.CONTAINER_RUNNING);
      await advance(fake, 1000);
      expect(await status(fake, id)).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 137, reason: "OOMKilled" });
    });

    test("StartError: a missing executable fails the start with runc's text, exit code 128, and no task", async () => {
      await setUp();
      const cases: Array<[string, string]> = [
        ["/no/such/binary", 'exec: "/no/such/binary": stat /no/such/binary: no such file or directory'],
        ["no-such-command", 'exec: "no-such-command": executable file not found in $PATH'],
      ];
      for (const [i, [command, reason]] of cases.entries()) {
        const id = await create(fake, pod, `missing${i}`, [command]);
        const err = await rejection(fake.runtime.startContainer({ containerId: id }));
        const message = `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ${reason}: unknown`;
        expect([err.code, err.message]).toEqual([Code.Unknown, message]);
        const s = await status(fake, id);
        expect(s).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 128, reason: "StartError", message, startedAt: 0n });
        expect(s.finishedAt).toBeGreaterThan(0n);
        await expect(fake.containerd.namespace("k8s.io").tasks.get(id)).rejects.toThrow("not found");
        const again = await rejection(fake.runtime.startContainer({ containerId: id }));
        expect(again.message).toBe(`failed to set starting state for container "${id}": container is in CONTAINER_EXITED state`);
      }
    });

    test("Unknown: a running container whose task is gone after a restart exits with 255", async () => {
      await setUp();
      const id = await createAndStart(fake, pod, "app");
      await fake.service.stop();
      await (await fake.containerd.namespace("k8s.io").tasks.get(id)).delete({ kill: true });
      await fake.restart();
      expect(await status(fake, id)).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 255, reason: "Unknown" });
    });

    test("a container whose task cannot be read after a restart is UNKNOWN, keeping what its checkpoint says", async () => {
      await setUp();
      const id = await createAndStart(fake, pod, "app");
      fake.containerd.faults.makeTaskUnreadable({ namespace: "k8s.io", containerId: id });
      await fake.restart();
      const s = await status(fake, id);
      expect(s).toMatchObject({ state: ContainerState.CONTAINER_UNKNOWN, exitCode: 0, reason: "" });
      expect(s.startedAt).toBeGreaterThan(0n);
    });
  });

  test("a shell command sees its user and the container's files: critest's RunAsGroup container logs uid:gid and completes", async () => {
    await setUp();
    const id = await createAndStart(fake, pod, "group", ["sh", "-c", "echo $(id -u):$(id -g); cat /etc/hostname"], {
      linux: { securityContext: { runAsUser: { value: 1000n }, runAsGroup: { value: 2000n } } },
    });
    await advance(fake, 10);
    expect(records(logOf("group"))).toEqual(["stdout F 1000:2000", "stdout F pod"]);
    const s = await status(fake, id);
    expect([s.state, s.reason, s.exitCode]).toEqual([ContainerState.CONTAINER_EXITED, "Completed", 0]);
  });

  test("a failed task start is a StartError and the task is deleted", async () => {
    await setUp();
    const id = await create(fake, pod, "app");
    fake.containerd.faults.inject({ op: "tasks.start", subject: id, times: 1, error: { kind: "unknown", message: "boom: unknown" } });
    const err = await rejection(fake.runtime.startContainer({ containerId: id }));
    expect(err.message).toBe(`failed to start containerd task "${id}": boom: unknown`);
    expect(await status(fake, id)).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 128, reason: "StartError", message: err.message });
    await expect(fake.containerd.namespace("k8s.io").tasks.get(id)).rejects.toThrow("not found");
  });

  test("in a pod that is not ready the start fails and the container is left a StartError", async () => {
    await setUp();
    const id = await create(fake, pod, "app");
    await fake.runtime.stopPodSandbox({ podSandboxId: pod.id });
    const err = await rejection(fake.runtime.startContainer({ containerId: id }));
    expect(err.message).toBe(`sandbox container "${pod.id}" is not running`);
    expect(await status(fake, id)).toMatchObject({ exitCode: 128, reason: "StartError", message: err.message });
  });

  test("a log file that cannot be opened fails the task creation", async () => {
    await setUp();
    fake.hostFs.mkdirAll("/var/log/pods/pod");
    fake.hostFs.writeFile("/var/log/pods/pod/blocked", "a file, not a directory");
    const id = await create(fake, pod, "app", ["true"], { logPath: "blocked/app.log" });
    const err = await rejection(fake.runtime.startContainer({ containerId: id }));
    expect(err.message).toMatch(/^failed to create containerd task: failed to create container loggers: failed to create and open log file: .*not a directory$/);
    expect((await status(fake, id)).reason).toBe("StartError");
  });

  describe("logs in the CRI format", () => {
    test("both streams, full lines as F, a last line without newline as P", async () => {
      await setUp();
      fake.containerd.processes.onContainer({ args: ["scripted"] }, {
        output: [
          { stream: "stdout", data: "one\ntwo\r\n" },
          { stream: "stderr", data: "warn\n", atMs: 10 },
          { stream: "stdout", data: "tail without newline", atMs: 20 },
        ],
        exit: { code: 0, afterMs: 30 },
      });
      const id = await createAndStart(fake, pod, "logs", ["scripted"]);
      await advance(fake, 30);
      expect((await status(fake, id)).reason).toBe("Completed");
      expect(records(logOf("logs"))).toEqual(["stdout F one", "stdout F two", "stderr F warn", "stdout P tail without newline"]);
    });

    test("lines longer than max_container_log_line_size are cut into partial records", async () => {
      await setUp({ config: { maxContainerLogLineSize: 16 } });
      const line = "0123456789abcdef".repeat(2) + "tail-end";
      const id = await createAndStart(fake, pod, "long", ["sh", "-c", `echo ${line}`]);
      await advance(fake, 0);
      expect((await status(fake, id)).reason).toBe("Completed");
      expect(records(logOf("long"))).toEqual(["stdout P 0123456789abcdef", "stdout P 0123456789abcdef", "stdout F tail-end"]);
    });

    test("with a tty stderr goes to stdout", async () => {
      await setUp();
      const id = await createAndStart(fake, pod, "tty", ["sh", "-c", "nope"], { tty: true });
      await advance(fake, 0);
      expect(await status(fake, id)).toMatchObject({ exitCode: 127, reason: "Error" });
      expect(records(logOf("tty"))).toEqual(["stdout F sh: nope: not found"]);
    });

    test("nested log paths create their directories; no log path means no file", async () => {
      await setUp();
      await createAndStart(fake, pod, "nested", ["sh", "-c", "echo deep"], { logPath: "a/b/out.log" });
      await createAndStart(fake, pod, "nolog", ["sh", "-c", "echo gone"], { logPath: "" });
      await advance(fake, 0);
      expect(records(text(fake.hostFs.readFile("/var/log/pods/pod/a/b/out.log")))).toEqual(["stdout F deep"]);
      expect(fake.hostFs.readDir("/var/log/pods/pod")).toEqual(["a"]);
    });
  });

  test("a restarted plugin finds its containers as they were and keeps driving them", async () => {
    await setUp();
    const running = await createAndStart(fake, pod, "running", ["sh", "-c", "echo before; sleep 10"], { labels: { a: "b" } });
    const created = await create(fake, pod, "created");
    const before = await status(fake, running);
    await fake.restart();
    expect(await status(fake, running)).toEqual(before);
    expect((await status(fake, created)).state).toBe(ContainerState.CONTAINER_CREATED);
    expect(text((await fake.runtime.execSync({ containerId: running, cmd: ["cat", "/etc/hostname"] })).stdout)).toBe("pod\n");
    await advance(fake, 10_000);
    expect(await status(fake, running)).toMatchObject({ state: ContainerState.CONTAINER_EXITED, reason: "Completed" });
    await fake.runtime.startContainer({ containerId: created });
    await fake.runtime.stopContainer({ containerId: created, timeout: 1n });
    expect((await status(fake, created)).exitCode).toBe(143);
    const clash = await rejection(create(fake, pod, "created"));
    expect(clash.message).toContain(`is reserved for "${created}"`);
    expect(records(logOf("running"))).toEqual(["stdout F before"]);
  });

  test("v1alpha2 starts the same way", async () => {
    await setUp();
    const id = await create(fake, pod, "alpha");
    await fake.v1alpha2.runtime.startContainer({ containerId: id });
    expect((await fake.v1alpha2.runtime.containerStatus({ containerId: id })).status?.state).toBe(1);
  });
});
