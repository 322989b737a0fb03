// Nothing a request does stops the server (issue 17): a FIFO read through a mount, a log path that
// is a FIFO, an exec that outlives its timeout, a client that gives up, and the data dir deleted
// under a running server. Throughout each, another client's Version is answered within 100 ms (or,
// on a machine too busy for that even when idle, twice an idle server's worst: versionBound).

import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Code, CriError } from "../../src/cri/errors.ts";
import { connectCri } from "../../src/cri/transport/grpc.ts";
import { busybox, removeScratch, runPod, scratch, serve, versionBound, watchVersion, type Served } from "./served.ts";

async function outcome(call: Promise<unknown>): Promise<CriError | "ok"> {
  return call.then(
    () => "ok" as const,
    (err: unknown) => {
      if (err instanceof CriError) return err;
      throw err;
    },
  );
}

describe("a server with FIFOs in its host root", () => {
  let served: Served;
  let containerId: string;

  beforeAll(async () => {
    served = await serve();
    mkdirSync(join(served.hostRoot, "volume"));
    execFileSync("mkfifo", [join(served.hostRoot, "volume", "fifo"), join(served.hostRoot, "fifo.log")]);
    await served.client.image.pullImage({ image: { image: busybox } });
    const { podSandboxId, config } = await runPod(served.client, "");
    ({ containerId } = await served.client.runtime.createContainer({
      podSandboxId,
      sandboxConfig: config,
      config: { metadata: { name: "c" }, image: { image: busybox }, command: ["sleep", "1000"], mounts: [{ containerPath: "/mnt", hostPath: join(served.hostRoot, "volume") }] },
    }));
    await served.client.runtime.startContainer({ containerId });
  }, 60_000);

  afterAll(async () => {
    await served?.stop();
    if (served) removeScratch(served.dir);
  });

  test("an exec's cat of a FIFO through a mount is answered at once, and so is everyone else", async () => {
    const bound = await versionBound(served.client);
    const watch = watchVersion(served.client);
    const started = performance.now();
    const answer = await served.client.runtime.execSync({ containerId, cmd: ["cat", "/mnt/fifo"], timeout: 10n });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(answer.exitCode).not.toBe(0);
    expect(await watch.stop()).toBeLessThan(bound);
  });

  test("a container whose log path is a FIFO fails to start, clearly, and nobody waits", async () => {
    const bound = await versionBound(served.client);
    const watch = watchVersion(served.client);
    const { podSandboxId, config } = await runPod(served.client, served.hostRoot);
    const created = await served.client.runtime.createContainer({
      podSandboxId,
      sandboxConfig: config,
      config: { metadata: { name: "f" }, image: { image: busybox }, command: ["echo", "x"], logPath: "fifo.log" },
    });
    const result = await outcome(served.client.runtime.startContainer({ containerId: created.containerId }));
    expect(result).toBeInstanceOf(CriError);
    expect((result as CriError).message).toContain(`open ${join(served.hostRoot, "fifo.log")}: not a regular file`);
    expect(await watch.stop()).toBeLessThan(bound);
  });

  test("an exec past its timeout ends, and a client's deadline ends its call", async () => {
    const bound = await versionBound(served.client);
    const watch = watchVersion(served.client);
    let started = performance.now();
    const timedOut = await outcome(served.client.runtime.execSync({ containerId, cmd: ["sleep", "100"], timeout: 1n }));
    expect(performance.now() - started).toBeLessThan(3000);
    expect(timedOut).toBeInstanceOf(CriError);
    started = performance.now();
    const deadline = await outcome(served.client.runtime.execSync({ containerId, cmd: ["sleep", "100"] }, { timeoutMs: 300 }));
    expect(performance.now() - started).toBeLessThan(2000);
    expect((deadline as CriError).code).toBe(Code.DeadlineExceeded);
    expect(await watch.stop()).toBeLessThan(bound);
  });
});

describe("a server whose data dir is deleted under it", () => {
  let served: Served;

  beforeAll(async () => {
    const dir = scratch("deleted");
    served = await serve(["--state", join(dir, "data", "state.json")], dir);
  }, 60_000);

  afterAll(async () => {
    await served?.stop("SIGKILL");
    if (served) removeScratch(served.dir);
  });

  test("every call is answered, with an error once what it changes can no longer be kept; Version all along", async () => {
    const { client } = served;
    await client.image.pullImage({ image: { image: busybox } });
    const logs = join(served.dir, "data", "logs");
    const { podSandboxId, config } = await runPod(client, logs);
    const { containerId } = await client.runtime.createContainer({
      podSandboxId,
      sandboxConfig: config,
      config: { metadata: { name: "c" }, image: { image: busybox }, command: ["sh", "-c", "while true; do echo x; sleep 0.1; done"], logPath: "c.log" },
    });
    await client.runtime.startContainer({ containerId });

    const bound = await versionBound(client);
    const watch = watchVersion(client);
    rmSync(join(served.dir, "data"), { recursive: true, force: true });
    // The server notices within a second; until then a change may still be taken.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const calls = [
      () => client.runtime.stopContainer({ containerId, timeout: 1n }),
      () => client.runtime.removeContainer({ containerId }),
      () => client.runtime.stopPodSandbox({ podSandboxId }),
      () => runPod(client, logs),
    ];
    for (const call of calls) {
      const result = await outcome(call().then(() => undefined));
      expect(result).toBeInstanceOf(CriError);
      expect((result as CriError).message).toContain("journal");
    }
    expect((await client.runtime.listPodSandbox({})).items.length).toBeGreaterThan(0);
    expect(await watch.stop()).toBeLessThan(bound);
    const other = connectCri(served.endpoint);
    expect((await other.runtime.version({})).runtimeName).toBe("containerd");
    other.close();
  }, 30_000);
});
