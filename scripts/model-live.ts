// The CRI model suite (properties/cri-model) against a live endpoint: differential testing of the
// fake's model against a real containerd (scripts/reference/start.sh --registry), or of any CRI
// runtime. Every disagreement is a bug in the model or in the runtime; a failure prints fast-check's
// seed and path and the shrunk command sequence as a golden/cri scenario.
//
//   CRI_ENDPOINT=unix:///tmp/fake-cri-ref/containerd.sock npx tsx scripts/model-live.ts [--runs N]
//       [--max-commands N] [--seed N] [--path P --replay-path R] [--minutes M]
//   CRI_TARGET=socket npx tsx scripts/model-live.ts ...        the fake over its gRPC socket
//   CRI_TARGET=in-process npx tsx scripts/model-live.ts ...    the fake in-process (to replay an npm test failure)
//   CRI_CONTAINERD=1.6 ...                                     the fake answering as 1.6 (default 2.4)
//
// The model describes the containerd version the target answers as: the fake's, or the one a live
// runtime's Version answer names (containerd 2.4.x or 1.6.x).
//
// The runtime must run on this host (pods log under a temp dir here) and serve what the reference
// registry serves (pause:3.6, busybox:1.36 and :stable); it is emptied before every sequence.

import { parseArgs } from "node:util";
import { avoidOpenFakeBugs } from "../properties/cri-model/fake-bugs.ts";
import { formatFailure, runModelSuite } from "../properties/cri-model/suite.ts";
import { targetFromEnvironment } from "../properties/cri-model/target.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "50" },
    "max-commands": { type: "string", default: "40" },
    seed: { type: "string" },
    path: { type: "string" },
    "replay-path": { type: "string" },
    minutes: { type: "string", default: "30" },
  },
});

if (!process.env.CRI_ENDPOINT && !process.env.CRI_TARGET) {
  console.error("set CRI_ENDPOINT=unix:///path/to/cri.sock, or CRI_TARGET=socket or in-process for the fake");
  process.exit(2);
}

const target = await targetFromEnvironment(process.env);
try {
  const report = await runModelSuite(target, {
    numRuns: Number(values.runs),
    maxCommands: Number(values["max-commands"]),
    ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
    ...(values.path === undefined ? {} : { path: values.path }),
    ...(values["replay-path"] === undefined ? {} : { replayPath: values["replay-path"] }),
    timeLimitMs: Number(values.minutes) * 60_000,
    // The fake's open bugs (fake-bugs.ts) are known; another runtime gets every command.
    ...(target.faults ? { avoid: avoidOpenFakeBugs } : {}),
    onSequence: (sequence, commands, calls) => process.stderr.write(`sequence ${sequence}: ${commands} commands, ${calls} calls\n`),
  });
  console.log(
    `${report.target}: ${report.runs} runs${report.failure ? ", the last failed" : ", all passed"}, ${report.sequences} sequences (shrinking included), ` +
      `${report.commands} commands, ${report.calls} calls, longest ${report.longest} commands, ` +
      `${(report.ms / 1000).toFixed(1)} s, seed ${report.seed}`,
  );
  console.log(
    Object.entries(report.outcomes)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, count]) => `  ${key}: ${count}`)
      .join("\n"),
  );
  if (report.failure) {
    console.log(formatFailure(report));
    process.exitCode = 1;
  }
} finally {
  await target.close();
}
