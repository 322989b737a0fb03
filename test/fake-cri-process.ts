// `fake-cri` as a child process, for the tests that drive the command itself or point a Go client
// at it: started, its endpoint read from the first line it prints, and stopped with a signal. It
// runs the bundle build-cli.ts (vitest's global setup) makes of the sources for this run;
// bin/fake-cri.js, which runs the sources through tsx in a checkout, has a test of its own in
// src/cli/cli.test.ts, and scripts/check-package.sh runs an installed package's build.

import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("..", import.meta.url));

/**
 * Where build-cli.ts bundles the command: under node_modules, in no package and no commit, and below
 * the repository's package.json, which `fake-cri --version` reads.
 */
export const bundledCli = join(repoRoot, "node_modules/.cache/fake-cri-cli.mjs");

/** The command line that runs `fake-cri`. */
export const fakeCriCommand: readonly string[] = [process.execPath, bundledCli];

export interface FakeCriProcess {
  child: ChildProcess;
  /** The first line `fake-cri serve` prints. */
  endpoint: string;
  stderr: () => string;
}

/** Servers still running: a test that fails before stopping its server must not leave it behind. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * Runs `fake-cri <args>` (under `wrapper`, a command that ends by exec'ing its arguments, when
 * given); resolves once it prints its endpoint, fails if it exits first.
 */
export function startFakeCri(args: readonly string[], env: NodeJS.ProcessEnv = {}, wrapper: readonly string[] = []): Promise<FakeCriProcess> {
  return startServer([...wrapper, ...fakeCriCommand, ...args], env, "fake-cri");
}

/** Runs `argv` (a command and its arguments) in the repository: a server that prints its endpoint as its first line. */
export function startServer(argv: readonly string[], env: NodeJS.ProcessEnv = {}, name = argv.join(" ")): Promise<FakeCriProcess> {
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  let out = "";
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) resolve({ child, endpoint: out.split("\n")[0]!, stderr: () => err });
    });
    child.once("exit", (code) => reject(new Error(`${name} exited with ${code} before serving: ${err}`)));
  });
}

/** Signals the process and resolves with its exit code (at once if it has already exited). */
export function stopFakeCri(running: FakeCriProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
  if (running.child.exitCode !== null) return Promise.resolve(running.child.exitCode);
  return new Promise((resolve) => {
    running.child.once("exit", (code) => resolve(code));
    running.child.kill(signal);
  });
}
