// Records golden/cri/<version>/<scenario>.json from a real containerd (npm run golden:record:cri, as root).
//
//   tsx golden/cri/record.ts [--containerd 2.4|1.6] [scenario ...]
//
// all of the version's scenarios, or only the named ones; the version defaults to
// $FAKE_CRI_CONTAINERD, else 2.4. Starts the reference runtime of that version
// (scripts/reference/start.sh --registry --containerd <version>, serving the committed images in
// golden/cri/images) in its own instance dir (FAKE_CRI_REF_DIR, default /tmp/fake-cri-golden), runs
// every scenario on an emptied runtime (a freshly started one for those that ask, or that need their
// own images config: start.sh --images-config), writes the transcripts and stops the runtime.

import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultContainerdVersion, isContainerdVersion, type ContainerdVersion } from "../../src/cri/versions/index.ts";
import { connectLiveTarget } from "./live-target.ts";
import { runSteps, type CallResult } from "./run.ts";
import { scenarios } from "./scenarios/index.ts";
import { buildTranscript, writeTranscript } from "./transcript.ts";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const instanceDir = process.env.FAKE_CRI_REF_DIR ?? "/tmp/fake-cri-golden";
const env = { ...process.env, FAKE_CRI_REF_DIR: instanceDir };

function script(name: string, ...args: string[]): string {
  return execFileSync("bash", [join(repoRoot, "scripts/reference", name), ...args], {
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
}

/** host-local IPAM remembers the last address it gave out; emptying its data dir restarts at the first. */
async function forgetPodAddresses(): Promise<void> {
  const ipamDir = join(instanceDir, "cni/ipam");
  for (const entry of readdirSync(ipamDir)) rmSync(join(ipamDir, entry), { recursive: true, force: true });
}

/** stop.sh deletes the instance dir; containerd's log is kept for a failed recording. */
function keepLog(): void {
  const kept = join(tmpdir(), `fake-cri-golden-containerd-${basename(instanceDir)}.log`);
  copyFileSync(join(instanceDir, "containerd.log"), kept);
  console.error(`containerd's log: ${kept}`);
}

/** `--containerd V` among the arguments (else $FAKE_CRI_CONTAINERD, else the default) and the rest. */
function parseArguments(args: readonly string[]): { containerd: ContainerdVersion; names: string[] } {
  let containerd = process.env.FAKE_CRI_CONTAINERD ?? defaultContainerdVersion;
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--containerd") containerd = args[++i] ?? "";
    else names.push(args[i]!);
  }
  if (!isContainerdVersion(containerd)) throw new Error(`--containerd takes 2.4 or 1.6, not ${JSON.stringify(containerd)}`);
  return { containerd, names };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("record.ts runs containerd and must run as root");
  const { containerd, names } = parseArguments(process.argv.slice(2));
  const ofVersion = scenarios.filter((s) => s.containerd.includes(containerd));
  const unknown = names.filter((name) => !ofVersion.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`no such scenario for containerd ${containerd}: ${unknown.join(", ")}`);
  const selected = ofVersion.filter((s) => names.length === 0 || names.includes(s.name));

  const started = performance.now();
  const start = (imagesConfig: readonly string[] = []): string =>
    script("start.sh", "--registry", "--containerd", containerd, ...imagesConfig.flatMap((line) => ["--images-config", line])).split("\n").at(-1)!;
  const endpoint = start();
  let runningConfig: readonly string[] = [];
  let target = connectLiveTarget(endpoint, { afterReset: forgetPodAddresses });
  let calls = 0;
  const failed: string[] = [];
  try {
    const { runtimeName, runtimeVersion, runtimeApiVersion } = await target.runtime.version({ version: "" });
    for (const scenario of selected) {
      const t0 = performance.now();
      const imagesConfig = scenario.imagesConfig ?? [];
      if (scenario.freshRuntime || JSON.stringify(imagesConfig) !== JSON.stringify(runningConfig)) {
        target.close();
        script("stop.sh");
        start(imagesConfig);
        runningConfig = imagesConfig;
        target = connectLiveTarget(endpoint, { afterReset: forgetPodAddresses });
      }
      await target.reset();
      const logRoot = mkdtempSync(join(instanceDir, "golden-logs", "run-"));
      const results: CallResult[] = [];
      try {
        for await (const result of runSteps(scenario.steps, target, logRoot)) results.push(result);
      } catch (err) {
        failed.push(scenario.name);
        console.error(`${scenario.name}: FAILED, not written: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      } finally {
        rmSync(logRoot, { recursive: true, force: true });
      }
      writeTranscript(containerd, buildTranscript(scenario, { runtimeName, runtimeVersion, runtimeApiVersion }, results));
      calls += results.length;
      console.error(`${scenario.name}: ${results.length} calls, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    await target.reset();
  } catch (err) {
    keepLog();
    throw err;
  } finally {
    target.close();
    if (failed.length > 0) keepLog();
    script("stop.sh");
  }
  const seconds = (performance.now() - started) / 1000;
  console.error(`recorded ${selected.length - failed.length} scenarios (containerd ${containerd}), ${calls} calls in ${seconds.toFixed(1)} s`);
  if (failed.length > 0) throw new Error(`scenarios that failed to record: ${failed.join(", ")}`);
}

await main();
