// `fake-cri replay`: replays a trace written by `fake-cri record` against the fake in process (or
// any CRI endpoint) and prints, call by call, where the answers differ; exits 1 if any does. With
// --as-test it writes a vitest file that does the same instead. Node-only.

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve, sep } from "node:path";
import { parseArgs } from "node:util";
import { connectCri } from "../cri/transport/grpc.ts";
import { traceTestSource } from "../trace/as-test.ts";
import { containerdFlag } from "./containerd-flag.ts";
import { parseTrace, replayTrace, type TraceTarget } from "../trace/index.ts";

export const replayUsage = `usage: fake-cri replay TRACE.json [--endpoint unix:///path | tcp://HOST:PORT]
                       [--containerd 2.4|1.6] [--config config.toml]
       fake-cri replay TRACE.json --as-test FILE.test.ts [--containerd 2.4|1.6] [--config config.toml]

  Replays every call of a trace from \`fake-cri record\`, one at a time in the order they started,
  at their recorded offsets, and prints each call whose answer differs from the recorded one
  (first differing field, both values, both whole answers) and a summary. Exit status 1 if any
  answer differs.
  --endpoint    replay against this CRI runtime instead of a fresh fake in process; it should start
                as the recorded one did (nothing is removed first); real time passes between calls
  --containerd  the containerd version the fake answers as: 2.4 (containerd 2.4.2) or 1.6 (1.6.20);
                default: the version the trace's Version answer names (the same major and minor
                release), else 2.4
  --config      containerd's config.toml for the fake (the recorded runtime's, for a faithful replay)
  --as-test     write a vitest file that replays the trace against fake-cri (imported as
                "fake-cri/trace") and fails on a difference, instead of replaying now
`;

/** A path as an ES module specifier relative to `from`'s directory: `./trace.json`, `../t/trace.json`. */
function specifierFrom(from: string, to: string): string {
  const path = relative(dirname(from), to).split(sep).join("/");
  return path.startsWith(".") ? path : `./${path}`;
}

function endpointTarget(endpoint: string): { target: TraceTarget; close: () => void } {
  const v1 = connectCri(endpoint, "v1");
  const alpha = connectCri(endpoint, "v1alpha2");
  const target = { runtime: v1.runtime, image: v1.image, v1alpha2: { runtime: alpha.runtime, image: alpha.image } };
  return {
    target: target as unknown as TraceTarget,
    close: () => {
      v1.close();
      alpha.close();
    },
  };
}

export async function replay(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      endpoint: { type: "string" },
      containerd: { type: "string" },
      config: { type: "string" },
      "as-test": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(replayUsage);
    return;
  }
  if (positionals.length !== 1) throw new Error(`replay: one trace file expected, got ${positionals.length}\n${replayUsage}`);
  if (values.endpoint !== undefined && (values.containerd !== undefined || values.config !== undefined || values["as-test"] !== undefined)) {
    throw new Error("replay: --endpoint replays against that runtime; --containerd, --config and --as-test are for the fake");
  }
  const containerd = containerdFlag(values.containerd);
  const file = resolve(positionals[0]!);
  const trace = parseTrace(readFileSync(file, "utf8"), positionals[0]!);
  const config = values.config === undefined ? undefined : resolve(values.config);

  if (values["as-test"] !== undefined) {
    const testFile = resolve(values["as-test"]);
    const source = traceTestSource({
      trace: specifierFrom(testFile, file),
      ...(containerd ? { containerd } : {}),
      ...(config ? { config: specifierFrom(testFile, config) } : {}),
    });
    writeFileSync(testFile, source);
    process.stdout.write(`${testFile}\n`);
    return;
  }

  const endpoint = values.endpoint === undefined ? undefined : endpointTarget(values.endpoint);
  try {
    const result = await replayTrace(trace, {
      ...(endpoint ? { target: endpoint.target, targetName: values.endpoint } : {}),
      ...(containerd ? { containerd } : {}),
      ...(config ? { config: readFileSync(config, "utf8") } : {}),
    });
    process.stdout.write(`${result.report}\n`);
    process.exitCode = result.differences === 0 ? 0 : 1;
  } finally {
    endpoint?.close();
  }
}
