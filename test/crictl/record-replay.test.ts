// `fake-cri record` in front of `fake-cri serve`, with crictl pointed at the proxy: crictl's
// everyday session (scripts/reference/smoke.sh, the one the reference containerd passes) goes
// through unchanged, the trace replays against a fresh fake in process with no difference, and an
// answer changed in the trace is reported with its call and field. Both crictl builds (the current
// one and the one that sends the socket path as :authority) go through the proxy.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseTrace, type Trace } from "../../src/trace/index.ts";
import { fakeCriCommand, repoRoot, startFakeCri, stopFakeCri, type FakeCriProcess } from "../fake-cri-process.ts";
import { buildCriTool, buildTimeoutMs, run, skip } from "./cri-tools.ts";

if (skip) {
  test.skip("crictl through fake-cri record: skipped because FAKE_CRI_SKIP_CRICTL=1", () => {});
}

describe.skipIf(skip)("crictl through fake-cri record in front of fake-cri serve", () => {
  let crictl: string;
  let oldCrictl: string;
  let work: string;
  let served: FakeCriProcess;
  let recorder: FakeCriProcess;
  let trace: Trace;
  const file = (name: string): string => join(work, name);
  const replay = (...args: string[]) => run(fakeCriCommand[0]!, [...fakeCriCommand.slice(1), "replay", ...args], { timeoutMs: 120_000 });

  beforeAll(async () => {
    crictl = await buildCriTool([]);
    oldCrictl = await buildCriTool(["--old-authority"]);
    work = mkdtempSync(join(tmpdir(), "fake-cri-record-"));
    // The plugin's dirs under data/ and the pods' netns files under its state dir; the replay's
    // fake is given the same config, so verbose answers (crictl info, inspectp) name the same dirs.
    const data = file("data");
    writeFileSync(
      file("config.toml"),
      `version = 2\nroot = "${data}/root"\nstate = "${data}/state"\n` +
        `[plugins."io.containerd.grpc.v1.cri"]\n  netns_mounts_under_state_dir = true\n`,
    );
    served = await startFakeCri(["serve", "--listen", `unix://${file("fake.sock")}`, "--data-dir", data, "--config", file("config.toml")]);
    recorder = await startFakeCri(["record", "--upstream", served.endpoint, "--listen", `unix://${file("proxy.sock")}`, "--out", file("trace.json")]);
  }, buildTimeoutMs);

  afterAll(async () => {
    if (recorder) await stopFakeCri(recorder);
    if (served) expect(await stopFakeCri(served)).toBe(0);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("crictl's everyday session passes through the proxy unchanged (scripts/reference/smoke.sh --oom)", async () => {
    // Its scratch directory (mktemp -d), with the pod's log directory, inside the data dir the fake may write.
    mkdirSync(file("data/tmp"), { recursive: true });
    const smoke = await run("bash", [join(repoRoot, "scripts/reference/smoke.sh"), "--oom", recorder.endpoint], {
      env: { CRICTL: crictl, TMPDIR: file("data/tmp") },
      timeoutMs: 120_000,
    });
    expect(smoke.stdout + smoke.stderr).toContain(`smoke: all steps passed against ${recorder.endpoint}`);
    const old = await run(oldCrictl, ["--config", "/dev/null", "--runtime-endpoint", recorder.endpoint, "version"]);
    expect(old.stdout).toContain("RuntimeName:  containerd");
  }, 150_000);

  test("on SIGTERM it writes the trace: every call, normalised like a golden transcript", async () => {
    expect(await stopFakeCri(recorder)).toBe(0);
    expect(recorder.stderr()).toMatch(/fake-cri record: SIGTERM: wrote \d+ calls from \d+ connections/);
    trace = parseTrace(readFileSync(file("trace.json"), "utf8"), "trace.json");
    expect(trace.runtime).toEqual({ runtimeName: "containerd", runtimeVersion: "v2.4.2", runtimeApiVersion: "v1" });
    const methods = new Set(trace.steps.map((s) => s.method));
    for (const method of ["version", "status", "pullImage", "runPodSandbox", "createContainer", "startContainer", "execSync", "stopContainer", "removePodSandbox", "imageFsInfo"]) {
      expect(methods).toContain(method);
    }
    // Each crictl run is a connection of its own; the old crictl's Version is the last call.
    expect(trace.connections).toBe(Math.max(...trace.steps.map((s) => s.connection)));
    const run = trace.steps.find((s) => s.method === "runPodSandbox")!;
    expect(run).toMatchObject({ request: { config: { metadata: { name: "example" } } }, response: { podSandboxId: "$id1" } });
    // crictl --timeout 30s, doubled for runp; grpc-timeout counts down from the client's clock.
    expect(run.timeoutMs).toBeGreaterThan(59_000);
    expect(run.timeoutMs).toBeLessThanOrEqual(60_000);
  });

  test("the trace replays against a fresh fake in process: every answer matches", async () => {
    const replayed = await replay(file("trace.json"), "--config", file("config.toml"));
    expect(replayed.stdout).toContain(`trace: ${trace.calls} calls replayed against the fake in-process answering as containerd 2.4: all answers match`);
    expect(replayed.code, replayed.stdout + replayed.stderr).toBe(0);
  }, 150_000);

  test("an answer changed in the trace is reported with its call and field, and the replay exits 1", async () => {
    const index = trace.steps.findIndex((s) => s.method === "containerStatus" && "response" in s && JSON.stringify(s.response).includes('"exitCode":143'));
    expect(index).toBeGreaterThan(0);
    const changed = structuredClone(trace);
    const status = (changed.steps[index] as unknown as { response: { status: { exitCode: number } } }).response.status;
    status.exitCode = 137;
    writeFileSync(file("changed.json"), JSON.stringify(changed));
    const replayed = await replay(file("changed.json"), "--config", file("config.toml"));
    expect(replayed.code).toBe(1);
    const call = trace.steps[index]!;
    expect(replayed.stdout).toContain(`trace, step ${index} at +${call.at} ms on connection ${call.connection}: v1 runtime.containerStatus\n`);
    expect(replayed.stdout).toContain("  outcome differs at response.status.exitCode:\n    containerd: 137\n    target:     143\n");
    expect(replayed.stdout).toContain(`trace: ${trace.calls} calls replayed against the fake in-process answering as containerd 2.4: 1 answer differs`);
  }, 150_000);
});
