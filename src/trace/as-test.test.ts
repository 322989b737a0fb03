// The file `fake-cri replay --as-test` writes is a vitest test that runs: written beside a trace
// and run by vitest in a directory of its own ("fake-cri/trace" resolved to this checkout's
// sources, as the package resolves it to its build), it passes on the trace as recorded and fails
// with the replay's report on a changed one. (scripts/check-package.sh runs one against the packed
// package.)

import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { RealClock } from "../../fake-containerd/index.ts";
import { createFakeCri } from "../harness/index.ts";
import { traceTestSource } from "./as-test.ts";
import { recordSession } from "./testing/record-session.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
// Under node_modules, so that the test's `import ... from "vitest"` finds this checkout's vitest.
const dir = mkdtempSync(join(root, "node_modules", ".fake-cri-as-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs vitest once over the directory's test files; resolves with each file's result and the output. */
function vitest(): Promise<{ code: number; output: string; files: Map<string, { status: string; messages: string }> }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("VITEST")));
  const results = join(dir, "results.json");
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [join(root, "node_modules/vitest/vitest.mjs"), "run", "--root", dir, "--config", join(dir, "vitest.config.mjs"), "--reporter=default", "--reporter=json", `--outputFile.json=${results}`],
      { env: { ...env, NO_COLOR: "1" }, timeout: 120_000 },
      (err, stdout, stderr) => {
        // No report when vitest itself failed: every file is then missing from it.
        const report = existsSync(results) ? readFileSync(results, "utf8") : '{"testResults": []}';
        const { testResults } = JSON.parse(report) as { testResults: { name: string; status: string; message: string; assertionResults: { failureMessages: string[] }[] }[] };
        const files = new Map(
          testResults.map((file) => [
            relative(dir, file.name),
            { status: file.status, messages: [file.message, ...file.assertionResults.flatMap((test) => test.failureMessages)].join("\n") },
          ]),
        );
        resolve({ code: err ? Number(err.code ?? 1) : 0, output: stdout + stderr, files });
      },
    ),
  );
}

describe("fake-cri replay --as-test", () => {
  // One vitest run (a vitest start is most of this test's CPU) over two written files: one beside
  // the trace as recorded, one beside a copy with an answer changed.
  test("writes a vitest file that replays the trace: green as recorded, red with the report when an answer changed", async () => {
    const upstream = await createFakeCri({ clock: new RealClock() });
    const { trace } = await recordSession(upstream, async ({ v1 }) => {
      await v1.runtime.version({});
      const { podSandboxId } = await v1.runtime.runPodSandbox({ config: { metadata: { name: "web", namespace: "default", uid: "1" } } });
      await v1.runtime.podSandboxStatus({ podSandboxId });
    });
    await upstream.close();
    writeFileSync(join(dir, "trace.json"), JSON.stringify(trace));
    writeFileSync(join(dir, "trace.test.ts"), traceTestSource({ trace: "./trace.json" }));
    (trace.steps[2] as unknown as { response: { status: { metadata: { name: string } } } }).response.status.metadata.name = "db";
    writeFileSync(join(dir, "changed.json"), JSON.stringify(trace));
    writeFileSync(join(dir, "changed.test.ts"), traceTestSource({ trace: "./changed.json" }));
    writeFileSync(
      join(dir, "vitest.config.mjs"),
      `export default ${JSON.stringify({ resolve: { alias: { "fake-cri/trace": join(root, "src/trace/index.ts") } }, test: { include: ["*.test.ts"] } })};\n`,
    );

    const run = await vitest();
    expect(run.files.get("trace.test.ts"), run.output).toMatchObject({ status: "passed" });
    expect(run.files.get("changed.test.ts"), run.output).toMatchObject({ status: "failed" });
    expect(run.code).toBe(1);
    const report = run.files.get("changed.test.ts")!.messages;
    expect(report).toContain("session, step 2 at ");
    expect(report).toContain("  outcome differs at response.status.metadata.name:");
  }, 150_000);

  test("the source imports fake-cri by its package name and reads the trace and config beside it", () => {
    const source = traceTestSource({ trace: "../traces/node-1.json", containerd: "1.6", config: "./config.toml" });
    expect(source).toContain('import { parseTrace, replayTrace } from "fake-cri/trace";');
    expect(source).toContain('const file = new URL("../traces/node-1.json", import.meta.url);');
    expect(source).toContain('const config = await readFile(new URL("./config.toml", import.meta.url), "utf8");');
    expect(source).toContain('const result = await replayTrace(trace, { containerd: "1.6", config });');
    expect(source).toContain('test("node-1.json replays against fake-cri with the recorded answers"');
  });
});
