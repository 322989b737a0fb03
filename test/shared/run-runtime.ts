// Runs this repository's portable test suites under Deno or Bun with that runtime's own test runner
// (`deno test`, `bun test`; see adapter.ts), one run per suite with the runner's files on as many
// workers as there are cores (most of the time is spent waiting on timers and sockets), and prints
// for each how many tests passed, failed and were skipped and how long the run took, with the
// runner's own output when the run failed. Exits non-zero if any run failed.
//
//   tsx test/shared/run-runtime.ts deno|bun [suite ...]     (default: every suite)

import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

type Runtime = "deno" | "bun";

interface Suite {
  paths: string[];
  /** Folders under `paths` that another suite runs. */
  others?: string[];
  /** Test files left out, with why, per runtime. */
  leftOut?: Partial<Record<Runtime, Record<string, string>>>;
}

const nodeOnly = {
  "src/cri/transport/authority-shim.test.ts": "checks the shim against the :authority octets Node's nghttp2 accepts",
  "src/cri/transport/old-clients.test.ts": "records how Node's HTTP/2 server treats old grpc-go clients",
  "src/cli/cli.test.ts": "spawns bin/fake-cri.js, a Node command",
  "src/trace/proxy.test.ts": "fake-cri record's proxy is Node-only (node:http2 streams relayed as Node runs them)",
  "src/trace/replay-recorded.test.ts": "records through fake-cri record's proxy, which is Node-only",
  "src/trace/as-test.test.ts": "records through the Node-only proxy and runs Node's vitest",
};

/** Run under vitest only: here they would repeat what other files run on this runtime. */
const onceOnNode = {
  "golden/cri/replay-in-process.test.ts":
    "replay-socket.test.ts replays the same transcripts through the same CRI server and over the wire; test/shared and src/harness test the in-process clients",
};

const suites: Record<string, Suite> = {
  shared: { paths: ["test/shared"] },
  core: { paths: ["fake-containerd", "golden/go/replay", "src/go", "src/node", "src/cri/helpers"] },
  cri: {
    paths: ["src/cri", "src/harness", "src/cli", "src/transcript", "src/trace", "golden/cri"],
    others: ["src/cri/helpers"],
    leftOut: {
      bun: { ...nodeOnly, ...onceOnNode },
      deno: {
        ...nodeOnly,
        ...onceOnNode,
        "src/cri/transport/grpc.test.ts":
          "a Deno client can lose the last message of a server stream that ends with an error (README.md, section Node, Deno and Bun)",
      },
    },
  },
};

const root = resolve(import.meta.dirname, "../..");
const bin = (name: string): string => join(root, "node_modules/.bin", name);

/** The suite's test files, in path order, without those left out on this runtime. */
function testFiles(runtime: Runtime, suite: Suite): string[] {
  const leftOut = new Set(Object.keys(suite.leftOut?.[runtime] ?? {}));
  return suite.paths
    .flatMap((dir) => readdirSync(join(root, dir), { recursive: true, encoding: "utf8" }).map((file) => join(dir, file)))
    .filter((file) => file.endsWith(".test.ts") && !leftOut.has(file))
    .filter((file) => !suite.others?.some((dir) => file.startsWith(`${dir}/`)))
    .sort();
}

/**
 * `deno test` runs each file it is given in a fresh worker, which loads and compiles the tree again:
 * about half of Deno's CPU went there (the core suite's 73 files: 32 s of CPU, against 12 s as two
 * files). So Deno gets one file per worker, each importing its share of the suite's files, which
 * then share one module registry, as under vitest and bun test (--no-isolate). Returns their paths.
 */
function denoShards(name: string, files: string[], scratch: string): string[] {
  const workers = Math.min(availableParallelism(), files.length);
  return Array.from({ length: workers }, (_, worker) => {
    const shard = join(scratch, `deno-${name}-${worker + 1}.test.ts`);
    const imports = files.filter((_, index) => index % workers === worker).map((file) => `import ${JSON.stringify(pathToFileURL(join(root, file)).href)};\n`);
    writeFileSync(shard, imports.join(""));
    return shard;
  });
}

function command(runtime: Runtime, name: string, files: string[], scratch: string): string[] {
  if (runtime === "deno") {
    return [bin("deno"), "test", "--allow-all", "--no-check", "--parallel", "--reporter=dot", "--import-map=test/shared/deno-imports.json", ...denoShards(name, files, scratch)];
  }
  // --no-isolate: one module registry per worker, as under vitest (vitest.config.ts).
  return [bin("bun"), "test", "--parallel", "--no-isolate", "--preload=./test/shared/bun-preload.ts", "--only-failures", ...files.map((file) => `./${file}`)];
}

interface Outcome {
  name: string;
  exitCode: number;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
}

async function run(runtime: Runtime, name: string, suite: Suite, scratch: string): Promise<Outcome> {
  const results = join(scratch, `${runtime}-${name}.jsonl`);
  writeFileSync(results, "");
  const files = testFiles(runtime, suite);
  process.stdout.write(`${runtime} ${name}: running ${files.length} test files\n`);
  const [program, ...args] = command(runtime, name, files, scratch);
  const started = performance.now();
  const output: Buffer[] = [];
  const exitCode = await new Promise<number>((done, fail) => {
    const child = spawn(program!, args, {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, FAKE_CRI_TEST_RESULTS: results, NO_COLOR: "1" },
    });
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => output.push(chunk));
    child.once("error", fail);
    child.once("close", (code, signal) => done(code ?? (signal ? 128 : 1)));
  });
  const seconds = (performance.now() - started) / 1000;
  // A passing run's output is a page of dots or names; a failing one's says what failed.
  if (exitCode !== 0) process.stdout.write(Buffer.concat(output));
  const outcomes = readFileSync(results, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { outcome: string }).outcome);
  const count = (outcome: string): number => outcomes.filter((o) => o === outcome).length;
  return { name, exitCode, passed: count("pass"), failed: count("fail"), skipped: count("skip"), seconds };
}

async function main(argv: string[]): Promise<number> {
  const [runtime, ...chosen] = argv;
  if (runtime !== "deno" && runtime !== "bun") {
    process.stderr.write("usage: tsx test/shared/run-runtime.ts deno|bun [suite ...]\n");
    return 2;
  }
  const names = chosen.length > 0 ? chosen : Object.keys(suites);
  const unknown = names.filter((name) => !(name in suites));
  if (unknown.length > 0) {
    process.stderr.write(`unknown suite(s) ${unknown.join(", ")}; suites: ${Object.keys(suites).join(", ")}\n`);
    return 2;
  }
  const scratch = mkdtempSync(join(tmpdir(), "fake-cri-runtime-tests-"));
  const outcomes: Outcome[] = [];
  try {
    for (const name of names) outcomes.push(await run(runtime, name, suites[name]!, scratch));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const lines = outcomes.map(
    (o) =>
      `${runtime} ${o.name}: ${o.passed} passed, ${o.failed} failed, ${o.skipped} skipped in ${o.seconds.toFixed(1)} s` +
      (o.exitCode === 0 ? "" : ` (exit code ${o.exitCode})`) +
      // Counts come from tests that ran; a file that fails to load shows only in the runner's output.
      (o.exitCode !== 0 && o.failed === 0 ? ": it failed outside any test; its output is above" : ""),
  );
  const total = (key: "passed" | "failed" | "skipped"): number => outcomes.reduce((sum, o) => sum + o[key], 0);
  const failedRuns = outcomes.filter((o) => o.exitCode !== 0).length;
  lines.push(
    `${runtime} total: ${total("passed")} passed, ${total("failed")} failed, ${total("skipped")} skipped` +
      (failedRuns === 0 ? "" : `; ${failedRuns} of ${outcomes.length} runs failed`),
  );
  for (const name of names) {
    for (const [path, why] of Object.entries(suites[name]!.leftOut?.[runtime] ?? {})) lines.push(`${runtime} ${name}: not run: ${path} (${why})`);
  }
  process.stdout.write(`\n${lines.join("\n")}\n`);
  return outcomes.every((o) => o.exitCode === 0 && o.failed === 0) ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
