// What the tests of cri-tools' binaries (crictl.test.ts, critest.test.ts) share: building a binary
// with scripts/crictl.sh, running it, and `fake-cri serve` in a directory of its own to point it at.

import { execFile } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, startFakeCri, type FakeCriProcess } from "../fake-cri-process.ts";
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

export interface Served extends FakeCriProcess {
  /**
   * A host directory the fake may touch (`--allow-host-root`): the tests' pod logs and the temporary
   * directories their tools make (TMPDIR) for hostPath volumes and log directories go here.
   */
  hostRoot: string;
}

/**
 * Starts `fake-cri serve` (with `flags`, such as `--containerd 1.6`) on a socket in `dir`, its data
 * in `dir`/data, `dir`/host and `alsoAllowed` allowed.
 */
export async function serveFake(dir: string, wrapper: readonly string[] = [], alsoAllowed: readonly string[] = [], flags: readonly string[] = []): Promise<Served> {
  const hostRoot = join(dir, "host");
  for (const root of [hostRoot, ...alsoAllowed]) if (!existsSync(root)) mkdirSync(root, { recursive: true });
  const args = ["serve", ...flags, "--listen", `unix://${join(dir, "fake.sock")}`, "--data-dir", join(dir, "data"), ...[hostRoot, ...alsoAllowed].flatMap((root) => ["--allow-host-root", root])];
  return { ...(await startFakeCri(args, {}, wrapper)), hostRoot };
}

/**
 * The pods' subnet (the fake's CNI network, 10.88.0.0/16) on the loopback interface of a network
 * namespace of the test's own, so that a pod's address is one the node has: `fake-cri serve` run
 * in it serves the pods' ports there, as critest's networking and port-forward specs expect to
 * reach them. Needs root (unshare, nsenter, ip).
 */
const podNetworkSetup = "ip link set lo up && ip addr add 10.88.0.1/16 dev lo && exec \"$@\"";

export interface ServedInNetns extends Served {
  /** A command line run in the fake's network namespace. */
  inNetns(argv: readonly string[]): string[];
}

/** `fake-cri serve` as serveFake starts it, in a new network namespace with the pods' subnet on lo. */
export async function serveFakeInNetns(dir: string, flags: readonly string[] = [], alsoAllowed: readonly string[] = []): Promise<ServedInNetns> {
  const running = await serveFake(dir, ["unshare", "--net", "--", "sh", "-c", podNetworkSetup, "sh"], alsoAllowed, flags);
  const pid = running.child.pid!;
  return { ...running, inNetns: (argv) => ["nsenter", `--net=/proc/${pid}/ns/net`, "--", ...argv] };
}
