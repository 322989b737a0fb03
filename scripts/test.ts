// `npm test`: the type check, every suite under vitest on Node, and the portable suites under Deno
// and Bun, run side by side. Most of each run is spent waiting (on child processes, sockets and
// timers), not computing, so on two cores the four together take little longer than the longest.
// Each phase's output is printed in one piece when it ends, and at the end each phase's time.
// Exits non-zero if any phase failed.
//
//   tsx scripts/test.ts [typecheck|node|deno|bun ...]     (default: all four)

import { spawn } from "node:child_process";
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const bin = (name: string): string => resolve(root, "node_modules/.bin", name);

const phases: Record<string, string[]> = {
  // TypeScript's native compiler (tsgo): the whole tree in about 5 s of CPU, where tsc took 24 s.
  typecheck: [bin("tsgo"), "--noEmit"],
  node: [bin("vitest"), "run"],
  deno: [bin("tsx"), "test/shared/run-runtime.ts", "deno"],
  bun: [bin("tsx"), "test/shared/run-runtime.ts", "bun"],
};

interface Result {
  name: string;
  exitCode: number;
  seconds: number;
}

function run(name: string, argv: string[]): Promise<Result> {
  const started = performance.now();
  const output: Buffer[] = [];
  return new Promise((done) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => output.push(chunk));
    const finish = (exitCode: number): void => {
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(`\n== ${name} (${argv.slice(1).join(" ")})\n`);
      process.stdout.write(Buffer.concat(output));
      done({ name, exitCode, seconds });
    };
    child.once("error", (error) => {
      output.push(Buffer.from(`${error.message}\n`));
      finish(1);
    });
    child.once("close", (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}

async function main(chosen: string[]): Promise<number> {
  const names = chosen.length > 0 ? chosen : Object.keys(phases);
  const unknown = names.filter((name) => !(name in phases));
  if (unknown.length > 0) {
    process.stderr.write(`unknown phase(s) ${unknown.join(", ")}; phases: ${Object.keys(phases).join(", ")}\n`);
    return 2;
  }
  const started = performance.now();
  const results = await Promise.all(names.map((name) => run(name, phases[name]!)));
  const total = (performance.now() - started) / 1000;
  process.stdout.write("\n== npm test times (phases run side by side)\n");
  for (const r of results) {
    process.stdout.write(`${r.name}: ${r.seconds.toFixed(1)} s${r.exitCode === 0 ? "" : ` (FAILED, exit code ${r.exitCode})`}\n`);
  }
  process.stdout.write(`total: ${total.toFixed(1)} s\n`);
  return results.every((r) => r.exitCode === 0) ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
