// A real kubelet (v1.37.2, built by scripts/kubelet.sh) running static pods on `fake-cri serve`,
// checked as a node operator would check a node: pods run, probes pass and fail as their scripts
// say, crash loops back off, OOM kills are reported, liveness restarts honour the grace period,
// logs are readable, a restarted kubelet adopts what runs, and the kubelet logs no error the
// reference containerd does not cause too. Needs root and the cached kubelet; skips otherwise.
//
// FAKE_CRI_KUBELET_ENDPOINT=unix:///path runs the same suite against another runtime (the
// reference containerd: the README's kubelet section) instead of a fake it starts.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { stopFakeCri } from "../fake-cri-process.ts";
import { serveFake, type Served } from "../crictl/cri-tools.ts";
import { errorLines, Kubelet, loggedAt, whyNotRunnable, type ContainerStatus } from "./node.ts";
import { errorsTheReferenceCauses } from "./reference-errors.ts";
import { gracePeriodSeconds, staticPods } from "./static-pods.ts";

const skipReason = whyNotRunnable();
if (skipReason) {
  console.log(`test/kubelet skipped: ${skipReason}`);
  test.skip(`a kubelet on fake-cri serve: skipped because ${skipReason}`, () => {});
}

const seconds = (iso: string) => Date.parse(iso) / 1000;

/** The host sysctls a starting kubelet sets (kubelet-standalone.sh puts them back). */
const readTunables = () =>
  Object.fromEntries(
    ["vm/overcommit_memory", "vm/panic_on_oom", "kernel/panic", "kernel/panic_on_oops", "kernel/keys/root_maxkeys", "kernel/keys/root_maxbytes"].map(
      (name) => [name, readFileSync(`/proc/sys/${name}`, "utf8").trim()],
    ),
  );

describe.skipIf(skipReason !== undefined)("a kubelet running static pods on the runtime", { timeout: 90_000 }, () => {
  let work: string;
  let served: Served | undefined;
  let kubelet: Kubelet;
  /** The logs of the kubelets stopped so far. */
  const logs: string[] = [];

  /** The host kernel tunables the kubelet sets at start, as they were before it ran. */
  let tunablesBefore: Record<string, string>;

  beforeAll(async () => {
    tunablesBefore = readTunables();
    work = mkdtempSync(join(tmpdir(), "fake-cri-kubelet-"));
    const endpoint = process.env.FAKE_CRI_KUBELET_ENDPOINT || (served = await serveFake(work, [], [join(work, "root"), join(work, "logs")])).endpoint; // the kubelet's --root-dir and podLogsDir
    mkdirSync(join(work, "manifests"));
    for (const [file, pod] of Object.entries(staticPods)) writeFileSync(join(work, "manifests", file), JSON.stringify(pod));
    kubelet = await Kubelet.start(endpoint, work);
  }, 90_000);

  afterAll(async () => {
    if (kubelet) {
      expect(await kubelet.stop(), "kubelet-standalone.sh's exit status").toBe(143);
      expect(readTunables(), "the host's kernel tunables once the kubelet has stopped").toEqual(tunablesBefore);
    }
    if (served) expect(await stopFakeCri(served)).toBe(0);
    if (work) rmSync(work, { recursive: true, force: true });
  }, 60_000);

  /** The container's status once `check` accepts it, within `within` seconds. */
  const containerWhen = (pod: string, name: string, what: string, check: (c: ContainerStatus) => boolean, within = 30) =>
    kubelet.until(`${pod}/${name}: ${what}`, async () => {
      const c = await kubelet.container(pod, name);
      return c && check(c) ? c : undefined;
    }, within);

  /**
   * `kubectl logs --previous`. While the current instance has just ended, the pod's status still names
   * the instance before it as the previous one, which the kubelet's container GC (one dead instance
   * kept per container) may have removed already: the kubelet answers "unable to retrieve container
   * logs" until its status catches up, against a real containerd too. Read again until it has.
   */
  const previousLog = (pod: string, name: string) =>
    kubelet.until(`${pod}/${name}: previous log`, async () => {
      const text = await kubelet.logs(pod, name, true);
      return text.startsWith("unable to retrieve container logs") ? undefined : text;
    }, 10);

  test("every pod reaches Running", async () => {
    for (const pod of ["web", "crash", "hog", "liveness"]) {
      await kubelet.until(`${pod} Running`, async () => ((await kubelet.pod(pod))?.phase === "Running" ? true : undefined), 30);
    }
  });

  test("a readiness probe passes where its file exists and fails where it does not", async () => {
    const server = await containerWhen("web", "server", "ready", (c) => c.ready);
    expect(server.state.running).toBeDefined();
    // Several probe periods later the other is still running and unready, never restarted.
    await new Promise((r) => setTimeout(r, 3000));
    const unready = await kubelet.container("web", "unready");
    expect(unready).toMatchObject({ ready: false, restartCount: 0, state: { running: {} } });
  });

  test("a container's log reads back through the kubelet", async () => {
    expect(await kubelet.logs("web", "server")).toBe("serving\n");
  });

  test("an OOM kill is reported as OOMKilled, exit code 137", async () => {
    const hog = await containerWhen("hog", "hog", "OOM killed", (c) => (c.state.terminated ?? c.lastState.terminated) !== undefined);
    expect(hog.state.terminated ?? hog.lastState.terminated).toMatchObject({ reason: "OOMKilled", exitCode: 137 });
  });

  test("a failing liveness probe restarts the container within the pod's grace period", async () => {
    const graceful = await containerWhen("liveness", "graceful", "restarted", (c) => c.lastState.terminated !== undefined);
    const stubborn = await containerWhen("liveness", "stubborn", "restarted", (c) => c.lastState.terminated !== undefined);
    const stoppedAfter = (c: ContainerStatus) => {
      const ended = c.lastState.terminated!;
      const killed = loggedAt(kubelet.log(), "Killing container with a grace period", ended.containerID.replace(/^\w+:\/\//, ""));
      expect(killed, `the kubelet's log names the kill of ${ended.containerID}`).toBeDefined();
      return seconds(ended.finishedAt) - killed!.getTime() / 1000;
    };
    expect(kubelet.log()).toMatch(new RegExp(`"Killing container with a grace period".*containerName="graceful".*gracePeriod=${gracePeriodSeconds}\\b`));
    // It handles SIGTERM: exits 0 at once (finishedAt has whole seconds, hence < 1).
    expect(graceful.lastState.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(stoppedAfter(graceful)).toBeLessThan(1);
    expect(await previousLog("liveness", "graceful")).toBe("stopping\n");
    // It ignores SIGTERM: SIGKILL when the grace period is over.
    expect(stubborn.lastState.terminated).toMatchObject({ exitCode: 137, reason: "Error" });
    expect(stoppedAfter(stubborn)).toBeGreaterThanOrEqual(gracePeriodSeconds - 1);
    expect(stoppedAfter(stubborn)).toBeLessThan(gracePeriodSeconds + 2);
  });

  test("a crashing container is restarted with the kubelet's back-off: at once, then after 10 s", async () => {
    const crash = await containerWhen("crash", "crash", "restarted twice", (c) => c.restartCount >= 2 && !c.state.running, 40);
    // The third run (restart 2) is the current one, or the last one while the next waits.
    const thirdRun = crash.state.terminated ?? crash.lastState.terminated!;
    expect(thirdRun).toMatchObject({ exitCode: 3, reason: "Error" });
    const podStarted = (await kubelet.pod("crash"))!.startTime!;
    expect(seconds(thirdRun.startedAt) - seconds(podStarted)).toBeGreaterThanOrEqual(10);
    expect(kubelet.log()).toContain("back-off 10s restarting failed container=crash ");
    expect(await (crash.state.terminated ? kubelet.logs("crash", "crash") : previousLog("crash", "crash"))).toBe("crashing\n");
  });

  test("a restarted kubelet adopts the running containers instead of starting them again", async () => {
    const before = await containerWhen("web", "server", "ready", (c) => c.ready);
    logs.push(kubelet.log());
    expect(await kubelet.stop()).toBe(143);
    kubelet = await Kubelet.start(kubelet.endpoint, work);
    const after = await containerWhen("web", "server", "ready again", (c) => c.ready);
    expect(after).toMatchObject({ containerID: before.containerID, restartCount: 0, state: { running: { startedAt: before.state.running!.startedAt } } });
    expect(kubelet.log()).not.toContain("No sandbox for pod can be found");
  });

  test("the kubelet logs no error the reference containerd does not cause too", () => {
    const unexpected = [...logs, kubelet.log()].flatMap((log) =>
      errorLines(log).filter((line) => !errorsTheReferenceCauses.some((known) => known.test(line)) && !askedAfterRemoving(log, line)),
    );
    expect(unexpected).toEqual([]);
  });
});

/**
 * A NotFound for a container the kubelet itself removed earlier in the run: its own race (a
 * restarted kubelet removes dead containers while its image GC asks for their status), answered as
 * containerd answers for any removed container.
 */
function askedAfterRemoving(log: string, line: string): boolean {
  const id = line.match(/find container \\"([0-9a-f]{64})\\": not found/)?.[1];
  if (!id) return false;
  const removed = log.indexOf(`"RemoveContainer" containerID="${id}"`);
  return removed >= 0 && removed < log.indexOf(line);
}
