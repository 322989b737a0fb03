// Model-based tests of the CRI state machine (properties/cri-model): random sequences of CRI calls
// and in-process faults against the fake answering as each containerd version, each answer and the
// whole visible state after each call compared with a model of that version's CRI plugin; and many
// clients at once under fast-check's scheduler. scripts/model-live.ts runs the same sequences
// against a live endpoint (the real containerd 2.4.2 or 1.6.20), which is how the model itself is
// checked.

import fc from "fast-check";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { runSteps } from "../golden/cri/run.ts";
import type { Scenario } from "../golden/cri/scenario.ts";
import type { Command } from "./cri-model/commands.ts";
import { concurrencyProperty } from "./cri-model/concurrency.ts";
import { Runner, Session } from "./cri-model/execute.ts";
import { containerdVersions, profileOf } from "../src/cri/versions/index.ts";
import { avoidOpenFakeBugs, openFakeBugs } from "./cri-model/fake-bugs.ts";
import { CriModel } from "./cri-model/model.ts";
import { renderScenario } from "./cri-model/scenario.ts";
import { formatFailure, runModelSuite } from "./cri-model/suite.ts";
import { criTargetOf, inProcessTarget } from "./cri-model/target.ts";

/**
 * The default version gets the most runs. About 30 s for 100 runs on this machine (2 cores) alone,
 * 45 s beside the rest of npm test.
 */
const modelRuns = { "2.4": { numRuns: 100, maxCommands: 60 }, "1.6": { numRuns: 40, maxCommands: 60 } };
const concurrencyRuns = { numRuns: 40 };

const targets = Object.fromEntries(await Promise.all(containerdVersions.map(async (v) => [v, await inProcessTarget(v)] as const)));
const target = targets["1.6"]!;
afterAll(() => Promise.all(Object.values(targets).map((t) => t.close())));

describe.each(containerdVersions)("the CRI model against the fake in-process answering as containerd %s", (version) => {
  const runs = modelRuns[version];
  test(
    `random call sequences agree with containerd ${version}'s CRI (${runs.numRuns} runs of up to ${runs.maxCommands} commands)`,
    async () => {
      const report = await runModelSuite(targets[version]!, { ...runs, avoid: avoidOpenFakeBugs });
      if (report.failure) expect.fail(formatFailure(report));
      expect(report.runs).toBe(runs.numRuns);
    },
    120_000,
  );
});

describe("the CRI model against the fake in-process answering as containerd 1.6", () => {
  for (const bug of openFakeBugs) {
    test(`open fake bug, still reproduces: ${bug.name}`, async () => {
      await target.reset(1);
      const runner = new Runner(new CriModel(profileOf("1.6")), new Session(target));
      let disagreement = "";
      try {
        for (const command of bug.reproduction) await runner.run(command);
      } catch (err) {
        disagreement = err instanceof Error ? err.message : String(err);
      }
      expect(disagreement).toContain(bug.disagreement);
    });
  }

  test(
    `concurrent clients: one winner per name, a consistent node, nothing left behind (${concurrencyRuns.numRuns} interleavings)`,
    async () => {
      await fc.assert(concurrencyProperty(), concurrencyRuns);
    },
    120_000,
  );
});

describe("a failure's scenario", () => {
  test("is a golden/cri scenario that makes the same calls with the same outcomes", async () => {
    const pod = { name: "alpha", uid: "u1", attempt: 0, labels: { app: "a" }, withLogDirectory: true, network: "pod", withCgroupParent: false } as const;
    const commands: Command[] = [
      { rpc: "pullImage", image: "busybox:1.36" },
      { rpc: "runPodSandbox", pod, runtimeHandler: "" },
      { rpc: "runPodSandbox", pod: { ...pod, labels: {}, withCgroupParent: true }, runtimeHandler: "", api: "v1alpha2" },
      {
        rpc: "createContainer",
        sandbox: { kind: "known", of: "sandbox", among: "live", pick: 0, form: { prefix: 12 } },
        container: { name: "app", attempt: 0, image: "busybox:1.36", program: "exit3", labels: {}, logPath: "app.log" },
        sandboxConfigOf: "own",
      },
      { rpc: "startContainer", container: { kind: "known", of: "container", among: "live", pick: 0, form: "full" } },
      { rpc: "stopContainer", container: { kind: "known", of: "container", among: "live", pick: 0, form: "tooLong" }, timeout: 0 },
      { fault: "dropExitEvent" },
      { rpc: "listContainers", filter: { podSandboxId: { kind: "known", of: "sandbox", among: "live", pick: 0, form: { prefix: 3 } } } },
      { rpc: "removePodSandbox", sandbox: { kind: "known", of: "sandbox", among: "any", pick: 0, form: "full" } },
      { rpc: "containerStatus", container: { kind: "known", of: "container", among: "any", pick: 0, form: "full" } },
    ];
    await target.reset(7);
    const session = new Session(target);
    const runner = new Runner(new CriModel(profileOf("1.6")), session);
    for (const command of commands) await runner.run(command);

    const dir = await mkdtemp(join(tmpdir(), "fake-cri-model-scenario-"));
    try {
      const file = join(dir, "scenario.ts");
      const builder = new URL("../golden/cri/scenario.ts", import.meta.url).href;
      await writeFile(file, `import { defineScenario } from ${JSON.stringify(builder)};\nexport default ${renderScenario("model-check", "check", session.steps)}\n`);
      const scenario = ((await import(pathToFileURL(file).href)) as { default: Scenario }).default;
      await target.reset(7);
      const replayed: string[] = [];
      for await (const { outcome } of runSteps(scenario.steps, criTargetOf(target), target.logRoot)) {
        replayed.push("error" in outcome && outcome.error ? outcome.error.code : "ok");
      }
      expect(replayed).toEqual(session.answers.map((a) => (a.ok ? "ok" : a.code)));
      expect(replayed).toContain("NotFound");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
