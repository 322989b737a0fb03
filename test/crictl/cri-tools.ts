// What the tests of cri-tools' binaries (crictl.test.ts, critest.test.ts) share: building a binary
// with scripts/crictl.sh, running it, and `fake-cri serve` as a child process to point it at.

import { execFile, spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
/** Building needs Go; FAKE_CRI_SKIP_CRICTL=1 skips these suites where there is none. */
export const skip = process.env.FAKE_CRI_SKIP_CRICTL === "1";

/** A cold build (empty Go module and build caches) takes minutes. */
export const buildTimeoutMs = 20 * 60_000;

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(file: string, args: readonly string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: repoRoot, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 << 20, env: { ...process.env, ...options.env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr: err && code === -1 ? `${stderr}${err.message}` : stderr });
      },
    );
  });
}

/** Builds (or finds in .cache/bin) crictl or critest as scripts/crictl.sh `flags` say; a failure says how to get past it. */
export async function buildCriTool(flags: readonly string[]): Promise<string> {
  const built = await run("bash", [join(repoRoot, "scripts/crictl.sh"), ...flags], { timeoutMs: buildTimeoutMs });
  if (built.code !== 0) {
    throw new Error(
      `${["scripts/crictl.sh", ...flags].join(" ")} failed (exit ${built.code}): ${built.stderr.trim().split("\n").slice(-5).join("\n")}\n` +
        "crictl and critest are built with Go through the Go module proxy; CI has both. Locally, install Go or set " +
        "FAKE_CRI_SKIP_CRICTL=1 to skip these suites.",
    );
  }
  return built.stdout.trim();
}

export interface Served {
  child: ChildProcess;
  endpoint: string;
  dataDir: string;
  stderr: () => string;
}

/** Starts `fake-cri serve` (bin/fake-cri.js) on a socket in `dir`; resolves once it prints its endpoint. */
export function serveFake(dir: string): Promise<Served> {
  const dataDir = join(dir, "data");
  const child = spawn(process.execPath, ["bin/fake-cri.js", "serve", "--listen", `unix://${join(dir, "fake.sock")}`, "--data-dir", dataDir], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) resolve({ child, endpoint: out.split("\n")[0]!, dataDir, stderr: () => err });
    });
    child.once("exit", (code) => reject(new Error(`fake-cri serve exited with ${code} before serving: ${err}`)));
  });
}

export function stopFake(served: Served): Promise<number | null> {
  if (served.child.exitCode !== null) return Promise.resolve(served.child.exitCode);
  return new Promise((resolve) => {
    served.child.once("exit", (code) => resolve(code));
    served.child.kill("SIGTERM");
  });
}
