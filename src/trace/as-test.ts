// The vitest file `fake-cri replay --as-test` writes: it replays a trace against fake-cri in process
// and fails with the replay's report when an answer differs, so a recorded incident becomes a
// regression test in the user's own suite. It imports fake-cri by its package name. Portable.

import type { ContainerdVersion } from "../cri/versions/index.ts";

export interface TraceTestOptions {
  /** The trace, relative to the test file (`./trace.json`). */
  trace: string;
  /** The containerd version the fake answers as, if not the one the trace names. */
  containerd?: ContainerdVersion;
  /** containerd's config.toml for the fake, relative to the test file, if the replay takes one. */
  config?: string;
}

/** The source of a vitest file that replays the trace. */
export function traceTestSource(options: TraceTestOptions): string {
  const url = (path: string): string => `new URL(${JSON.stringify(path)}, import.meta.url)`;
  const name = options.trace.replace(/^.*\//, "");
  const replayOptions = [
    ...(options.containerd ? [`containerd: ${JSON.stringify(options.containerd)}`] : []),
    ...(options.config ? ["config"] : []),
  ];
  const config = [
    ...(options.config ? [`  const config = await readFile(${url(options.config)}, "utf8");`] : []),
    `  const result = await replayTrace(trace${replayOptions.length > 0 ? `, { ${replayOptions.join(", ")} }` : ""});`,
  ];
  return [
    `// Replays the CRI trace ${options.trace} against fake-cri in process: every call must get the answer the`,
    "// recorded runtime gave, after fake-cri's normalisation (IDs, times, addresses). Written by",
    "// `fake-cri replay --as-test`; the trace is the test's data, so record it again to change what it expects.",
    "",
    'import { readFile } from "node:fs/promises";',
    'import { expect, test } from "vitest";',
    'import { parseTrace, replayTrace } from "fake-cri/trace";',
    "",
    `test(${JSON.stringify(`${name} replays against fake-cri with the recorded answers`)}, async () => {`,
    `  const file = ${url(options.trace)};`,
    '  const trace = parseTrace(await readFile(file, "utf8"), file.pathname);',
    ...config,
    "  expect(result.differences, result.report).toBe(0);",
    "}, 120_000);",
    "",
  ].join("\n");
}
