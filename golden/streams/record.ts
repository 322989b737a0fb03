// Records golden/streams/<scenario>.json from a real containerd 1.6.20 (as root):
//
//   tsx golden/streams/record.ts [scenario ...]     all scenarios, or only the named ones
//
// Starts the reference runtime (scripts/reference/start.sh --registry) in FAKE_CRI_REF_DIR (default
// /tmp/fake-cri-golden-streams), and for each scenario empties it, sets the scenario up through
// the CRI and plays its client script. containerd's stream server listens inside the instance's
// network namespace, so the client runs there (`nsenter --net`, this file with --exchange).

import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connectCri } from "../../src/cri/transport/grpc.ts";
import { connectLiveTarget } from "../cri/live-target.ts";
import { exchange, type ClientStep } from "./exchange.ts";
import { scenarios } from "./scenarios.ts";
import { normalise, writeTranscript } from "./transcript.ts";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const instanceDir = process.env.FAKE_CRI_REF_DIR ?? "/tmp/fake-cri-golden-streams";
const env = { ...process.env, FAKE_CRI_REF_DIR: instanceDir };

function referenceScript(name: string, ...args: string[]): string {
  return execFileSync("bash", [join(repoRoot, "scripts/reference", name), ...args], { env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
}

/** Plays a client script from inside the reference's network namespace. */
function exchangeInNetns(netns: string, url: string, steps: ClientStep[]) {
  const result = spawnSync("nsenter", [`--net=/run/netns/${netns}`, "--", process.execPath, "--import", "tsx", fileURLToPath(import.meta.url), "--exchange"], {
    input: JSON.stringify({ url, steps }),
    encoding: "utf8",
    cwd: repoRoot,
    maxBuffer: 64 << 20,
  });
  if (result.status !== 0) throw new Error(`exchange failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

async function main(): Promise<void> {
  if (process.argv.includes("--exchange")) {
    let input = "";
    for await (const chunk of process.stdin) input += chunk;
    const { url, steps } = JSON.parse(input) as { url: string; steps: ClientStep[] };
    process.stdout.write(JSON.stringify(await exchange(url, steps)));
    return;
  }
  if (process.getuid?.() !== 0) throw new Error("record.ts runs containerd and must run as root");
  const wanted = new Set(process.argv.slice(2));
  const selected = scenarios.filter((s) => wanted.size === 0 || wanted.has(s.name));
  const endpoint = referenceScript("start.sh", "--registry").split("\n").at(-1)!;
  const netns = execFileSync("bash", ["-c", `source ${join(repoRoot, "scripts/reference/env.sh")}; echo "$ref_netns"`], { env, encoding: "utf8" }).trim();
  const target = connectLiveTarget(endpoint);
  const cri = connectCri(endpoint, "v1");
  try {
    const { runtimeName, runtimeVersion } = await target.runtime.version({ version: "" });
    for (const scenario of selected) {
      await target.reset();
      const logs = mkdtempSync(join(tmpdir(), "fake-cri-golden-streams-logs-"));
      try {
        const url = await scenario.setup(cri, logs);
        if (scenario.waitMs) await new Promise((r) => setTimeout(r, scenario.waitMs));
        const events = normalise(exchangeInNetns(netns, url, scenario.steps));
        writeTranscript({ scenario: scenario.name, description: scenario.description, runtime: { runtimeName, runtimeVersion }, events });
        console.error(`${scenario.name}: ${events.length} events`);
      } finally {
        rmSync(logs, { recursive: true, force: true });
      }
    }
    await target.reset();
  } finally {
    target.close();
    cri.close();
    referenceScript("stop.sh");
  }
}

await main();
