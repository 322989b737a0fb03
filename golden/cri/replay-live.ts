// Replays every transcript (or the named ones) against a live CRI endpoint:
//
//   CRI_ENDPOINT=unix:///tmp/fake-cri-ref/containerd.sock tsx golden/cri/replay-live.ts [scenario ...]
//
// Against the reference containerd (scripts/reference/start.sh --registry, which serves the
// committed images) every transcript must match: that shows the normalisation covers everything
// that varies between runs. Against `fake-cri serve` it is the socket-level replay. The endpoint is
// emptied (through the CRI) before each transcript. No known differences apply here: a real
// containerd must match its own recordings exactly.

import { connectLiveTarget } from "./live-target.ts";
import { replayTranscript } from "./replay.ts";
import { loadTranscripts } from "./transcript.ts";

const endpoint = process.env.CRI_ENDPOINT;
if (!endpoint) {
  console.error("golden:replay:live: set CRI_ENDPOINT to the endpoint to replay against (unix:///... or tcp://...)");
  process.exit(1);
}
const wanted = new Set(process.argv.slice(2));
const transcripts = loadTranscripts().filter((t) => wanted.size === 0 || wanted.has(t.scenario));
const target = connectLiveTarget(endpoint);
let failed = 0;
let calls = 0;
const started = performance.now();
try {
  for (const transcript of transcripts) {
    const result = await replayTranscript(transcript, target, { knownDifferences: [] });
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
console.log(`${transcripts.length - failed}/${transcripts.length} transcripts match, ${calls} calls, ${seconds} s`);
process.exitCode = failed === 0 ? 0 : 1;
