// What the reliability suites share: `fake-cri serve` started in a scratch directory of its own
// (its socket, data dir and one allowed host root there), a client, a watch on how fast it answers
// Version meanwhile, and a pod with a busybox container to aim requests at.

import { mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectCri, type CriV1Client } from "../../src/cri/transport/grpc.ts";
import { startFakeCri, stopFakeCri, type FakeCriProcess } from "../fake-cri-process.ts";

export const busybox = "docker.io/library/busybox:1.36";

export interface Served extends FakeCriProcess {
  dir: string;
  /** `dir`/host, the host root the server may touch. */
  hostRoot: string;
  /** `dir`/outside, beside it, which nothing may touch. */
  outside: string;
  client: CriV1Client;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A scratch directory (symlinks resolved, so paths compare as the server sees them). */
export function scratch(name: string): string {
  return realpathSync(mkdtempSync(join(tmpdir(), `fake-cri-${name}-`)));
}

/** `fake-cri serve` in `dir` (a new scratch directory unless given), with `args` added. */
export async function serve(args: readonly string[] = [], dir = scratch("served")): Promise<Served> {
  const hostRoot = join(dir, "host");
  const outside = join(dir, "outside");
  mkdirSync(hostRoot, { recursive: true });
  mkdirSync(outside, { recursive: true });
  const running = await startFakeCri([
    "serve",
    "--listen", `unix://${join(dir, "cri.sock")}`,
    "--data-dir", join(dir, "data"),
    "--allow-host-root", hostRoot,
    ...args,
  ]);
  const client = connectCri(running.endpoint);
  return {
    ...running,
    dir,
    hostRoot,
    outside,
    client,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      client.close();
      return stopFakeCri(running, signal);
    },
  };
}

export function removeScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * How long Version may take while something else goes on: 100 ms, or on a machine so busy that an
 * idle server's Version alone takes longer (a shared CI machine), twice what it took just before,
 * watched for as long as the cases run (2 s), since such a machine's pauses come every second or
 * so (up to 170 ms at a load average of 11 on 2 cores). A server that stops answering misses
 * either bound by seconds.
 */
export async function versionBound(client: CriV1Client): Promise<number> {
  const idle = watchVersion(client);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return Math.max(100, 2 * (await idle.stop()));
}

/** Calls Version every few milliseconds until stopped, which resolves with the longest any took. */
export function watchVersion(client: CriV1Client): { stop(): Promise<number> } {
  let stopped = false;
  let worst = 0;
  const loop = (async () => {
    while (!stopped) {
      const sentAt = performance.now();
      await client.runtime.version({}, { timeoutMs: 5000 });
      worst = Math.max(worst, performance.now() - sentAt);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return worst;
    },
  };
}

let pods = 0;

/** A ready pod logging under `logDirectory`, and the config a container in it is created with. */
export async function runPod(client: CriV1Client, logDirectory: string): Promise<{ podSandboxId: string; config: object }> {
  const n = ++pods;
  const config = { metadata: { name: `pod-${n}`, namespace: "reliability", uid: `uid-${n}` }, logDirectory };
  const { podSandboxId } = await client.runtime.runPodSandbox({ config });
  return { podSandboxId, config };
}
