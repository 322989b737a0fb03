// Replays one version's transcripts (or the named ones) against a live CRI endpoint:
//
//   CRI_ENDPOINT=unix:///tmp/fake-cri-ref/containerd.sock tsx golden/cri/replay-live.ts [--containerd 2.4|1.6] [scenario ...]
//
// Without --containerd, the suite whose recording runtime gave the endpoint's Version answer.
// Against the reference containerd (scripts/reference/start.sh --registry, which serves the
// committed images) every transcript must match: that shows the normalisation covers everything
// that varies between runs. Against `fake-cri serve` it is the socket-level replay. The endpoint is
// emptied (through the CRI) before each transcript. No known differences apply here: a real
// containerd must match its own recordings exactly. Against a reference instance the log roots are
// made in its golden-logs/ (beside the socket), the shared mount record.ts records in. A transcript
// recorded with its own images config (Transcript.imagesConfig) replays only when named, against an
// endpoint started with it (start.sh --images-config ...); otherwise it is skipped.

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { containerdVersions, isContainerdVersion, type ContainerdVersion } from "../../src/cri/versions/index.ts";
import { connectLiveTarget } from "./live-target.ts";
import { replayTranscript } from "./replay.ts";
import { loadTranscripts } from "./transcript.ts";

const endpoint = process.env.CRI_ENDPOINT;
if (!endpoint) {
  console.error("golden:replay:live: set CRI_ENDPOINT to the endpoint to replay against (unix:///... or tcp://...)");
  process.exit(1);
}
const args = process.argv.slice(2);
const versionAt = args.indexOf("--containerd");
const named = versionAt < 0 ? undefined : args.splice(versionAt, 2)[1];
if (named !== undefined && !isContainerdVersion(named)) throw new Error(`--containerd takes ${containerdVersions.join(" or ")}`);
const wanted = new Set(args);
const target = connectLiveTarget(endpoint);
const instanceLogs = endpoint.startsWith("unix://") ? join(dirname(endpoint.slice("unix://".length)), "golden-logs") : "";
const logParent = instanceLogs !== "" && existsSync(instanceLogs) ? instanceLogs : undefined;

/** The suite recorded from the runtime that answers Version as the endpoint does. */
async function suiteOfEndpoint(): Promise<ContainerdVersion> {
  const { runtimeVersion } = await target.runtime.version({ version: "" });
  const found = containerdVersions.find((version) => loadTranscripts(version)[0]?.runtime.runtimeVersion === runtimeVersion);
  if (!found) throw new Error(`no suite was recorded from a runtime with version ${runtimeVersion}: pass --containerd`);
  return found;
}

let failed = 0;
let calls = 0;
let count = 0;
const started = performance.now();
try {
  const containerd = named ?? (await suiteOfEndpoint());
  const transcripts = loadTranscripts(containerd).filter((t) => (wanted.size === 0 && !t.imagesConfig) || wanted.has(t.scenario));
  for (const t of loadTranscripts(containerd)) {
    if (t.imagesConfig && !wanted.has(t.scenario)) console.log(`skip ${t.scenario} (recorded with images config ${JSON.stringify(t.imagesConfig)}: name it against an endpoint started so)`);
  }
  count = transcripts.length;
  console.log(`containerd ${containerd}'s transcripts against ${endpoint}`);
  for (const transcript of transcripts) {
    const result = await replayTranscript(transcript, target, { knownDifferences: [], logParent });
    calls += result.calls;
    if (result.ok) {
      console.log(`ok   ${transcript.scenario} (${result.calls} calls)`);
    } else {
      failed++;
      console.log(`FAIL ${result.report}`);
    }
  }
  await target.reset();
} finally {
  target.close();
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`${count - failed}/${count} transcripts match, ${calls} calls, ${seconds} s`);
process.exitCode = failed === 0 ? 0 : 1;
