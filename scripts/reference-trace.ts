// The TypeScript half of scripts/trace-reference.sh: empties a reference containerd through the CRI,
// and replays a trace against the fake set up as the reference runtime (golden/cri/fake-target.ts:
// its config, its registry's images, nothing present; answering as the containerd version the
// trace's Version answer names) or against a reference containerd.
//
//   tsx scripts/reference-trace.ts reset ENDPOINT
//   tsx scripts/reference-trace.ts replay TRACE.json [--config config.toml | --endpoint ENDPOINT]
//
// reset removes every sandbox, container and image of ENDPOINT: only for a reference instance.
// replay --endpoint resets it first, so the replay starts where the recording did. --config gives
// the fake the instance's own config.toml (its root and state dirs show in verbose answers).
// Prints the replay's report; exit status 1 if any answer differs.

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { connectLiveTarget } from "../golden/cri/live-target.ts";
import { createReferenceFake } from "../golden/cri/fake-target.ts";
import { defaultContainerdVersion } from "../src/cri/versions/index.ts";
import { parseTrace, fakeTarget, replayTrace } from "../src/trace/index.ts";
import { traceContainerdVersion } from "../src/trace/replay.ts";

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    options: { config: { type: "string" }, endpoint: { type: "string" } },
    allowPositionals: true,
  });
  const [command, argument] = positionals;
  if (command === "reset" && argument) {
    const live = connectLiveTarget(argument);
    await live.reset().finally(() => live.close());
    return 0;
  }
  if (command !== "replay" || !argument) throw new Error("usage: reference-trace.ts reset ENDPOINT | replay TRACE.json [--config FILE | --endpoint ENDPOINT]");
  const trace = parseTrace(readFileSync(argument, "utf8"), argument);
  if (values.endpoint) {
    const live = connectLiveTarget(values.endpoint);
    try {
      await live.reset();
      const result = await replayTrace(trace, { target: live, targetName: values.endpoint });
      console.log(result.report);
      return result.differences === 0 ? 0 : 1;
    } finally {
      live.close();
    }
  }
  const containerd = traceContainerdVersion(trace) ?? defaultContainerdVersion;
  const fake = await createReferenceFake(containerd, values.config === undefined ? undefined : readFileSync(values.config, "utf8"));
  try {
    const result = await replayTrace(trace, { target: fakeTarget(fake), targetName: `the fake set up as the reference containerd ${containerd}` });
    console.log(result.report);
    return result.differences === 0 ? 0 : 1;
  } finally {
    await fake.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
