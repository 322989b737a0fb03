// The file `fake-cri replay --as-test` writes is a vitest test that runs: written beside a trace
// and run by vitest in a directory of its own ("fake-cri/trace" resolved to this checkout's
// sources, as the package resolves it to its build), it passes on the trace as recorded and fails
// with the replay's report on a changed one. (scripts/check-package.sh runs one against the packed
// package.)

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
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

function vitest(): Promise<{ code: number; output: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("VITEST")));
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [join(root, "node_modules/vitest/vitest.mjs"), "run", "--root", dir, "--config", join(dir, "vitest.config.mjs")],
      { env: { ...env, NO_COLOR: "1" }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, output: stdout + stderr }),
    ),
  );
}

describe("fake-cri replay --as-test", () => {
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
    writeFileSync(
      join(dir, "vitest.config.mjs"),
      `export default ${JSON.stringify({ resolve: { alias: { "fake-cri/trace": join(root, "src/trace/index.ts") } }, test: { include: ["*.test.ts"] } })};\n`,
    );

    const green = await vitest();
    expect(green.output).toContain("✓ trace.test.ts");
    expect(green.code, green.output).toBe(0);

    (trace.steps[2] as unknown as { response: { status: { metadata: { name: string } } } }).response.status.metadata.name = "db";
    writeFileSync(join(dir, "trace.json"), JSON.stringify(trace));
    const red = await vitest();
    expect(red.code).toBe(1);
    expect(red.output).toContain("session, step 2 at ");
    expect(red.output).toContain("  outcome differs at response.status.metadata.name:");
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
