// Every way a CRI client found to reach the host through `fake-cri serve` (issue 17), tried against
// a server that may touch only its data dir and one allowed host root: log directories and log
// paths (absolute, relative, "..", symlinked), hostPath mounts (created when missing, read, written
// and removed through by a container's processes, a read-only mount of "/"), a Localhost seccomp
// profile. Each is refused or lands inside the root; the host beside it is byte for byte as it was.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CriError } from "../../src/cri/errors.ts";
import { busybox, removeScratch, runPod, serve, type Served } from "./served.ts";

let served: Served;
/** What `outside` (and the server's working directory) held before the tries. */
let before: string;

/** Every file and directory under `dir`, with its bytes or mode: what an escape would change. */
function snapshot(dir: string): string {
  const lines: string[] = [];
  const walk = (path: string): void => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      const stat = statSync(full, { throwIfNoEntry: false });
      if (stat?.isDirectory()) {
        lines.push(`${relative(dir, full)}/ ${stat.mode}`);
        walk(full);
      } else lines.push(`${relative(dir, full)} ${stat ? readFileSync(full, "utf8") : "(dangling)"}`);
    }
  };
  walk(dir);
  return lines.join("\n");
}

const boundary = /fake-cri may not touch host path .*\(allow a directory with fake-cri serve --allow-host-root DIR\)/;

async function refused(call: Promise<unknown>): Promise<string> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "the call was not refused").toBeInstanceOf(CriError);
  return (err as CriError).message;
}

beforeAll(async () => {
  served = await serve();
  writeFileSync(join(served.outside, "secret"), "the host's secret\n");
  writeFileSync(join(served.outside, "profile.json"), "{}");
  mkdirSync(join(served.outside, "dir"));
  writeFileSync(join(served.outside, "dir", "keep"), "keep\n");
  symlinkSync(served.outside, join(served.hostRoot, "to-outside"));
  symlinkSync(join(served.outside, "secret"), join(served.hostRoot, "secret-link"));
  mkdirSync(join(served.hostRoot, "logs"));
  symlinkSync(join(served.outside, "log.txt"), join(served.hostRoot, "logs", "file-link.log"));
  await served.client.image.pullImage({ image: { image: busybox } });
  before = snapshot(served.outside);
}, 60_000);

afterAll(async () => {
  await served?.stop();
  if (served) removeScratch(served.dir);
});

/** Creates and starts a busybox container in a new pod; resolves with the start's outcome. */
async function startWithLog(logDirectory: string, logPath: string): Promise<{ containerId: string; started: Promise<unknown> }> {
  const { podSandboxId, config } = await runPod(served.client, logDirectory);
  const { containerId } = await served.client.runtime.createContainer({
    podSandboxId,
    sandboxConfig: config,
    config: { metadata: { name: "c" }, image: { image: busybox }, command: ["sh", "-c", "echo escaped; sleep 1000"], logPath },
  });
  return { containerId, started: served.client.runtime.startContainer({ containerId }) };
}

async function withMount(hostPath: string, readonly = false): Promise<string> {
  const { podSandboxId, config } = await runPod(served.client, "");
  const { containerId } = await served.client.runtime.createContainer({
    podSandboxId,
    sandboxConfig: config,
    config: {
      metadata: { name: "m" },
      image: { image: busybox },
      command: ["sleep", "1000"],
      mounts: [{ containerPath: "/mnt", hostPath, readonly }],
    },
  });
  await served.client.runtime.startContainer({ containerId });
  return containerId;
}

const exec = (containerId: string, script: string) => served.client.runtime.execSync({ containerId, cmd: ["sh", "-c", script], timeout: 5n });

describe("log directories and log paths", () => {
  test.each([
    ["an absolute log directory outside", () => join(served.outside, "logs"), "c.log"],
    ["'..' in the log path", () => join(served.hostRoot, "logs"), "../../outside/up.log"],
    ["a relative log directory (the server's working directory)", () => "relative-logs", "c.log"],
    ["a log directory through a symlink to outside", () => join(served.hostRoot, "to-outside"), "c.log"],
    ["a log file that is a symlink to outside", () => join(served.hostRoot, "logs"), "file-link.log"],
  ])("%s is refused at StartContainer", async (_name, logDirectory, logPath) => {
    const { started } = await startWithLog(logDirectory(), logPath);
    expect(await refused(started)).toMatch(boundary);
  });

  test("a log under the allowed root is written where crictl reads it", async () => {
    const { started } = await startWithLog(join(served.hostRoot, "logs", "pod"), "c/0.log");
    await started;
    const log = join(served.hostRoot, "logs", "pod", "c", "0.log");
    for (let i = 0; i < 100 && !(existsSync(log) && readFileSync(log, "utf8").includes("escaped")); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(readFileSync(log, "utf8")).toMatch(/ stdout F escaped\n$/);
  });
});

describe("hostPath mounts", () => {
  test.each([
    ["a missing directory outside (containerd would create it)", () => join(served.outside, "made-by-fake")],
    ["a directory outside", () => join(served.outside, "dir")],
    ["a file outside", () => join(served.outside, "secret")],
    ["'..' out of the root", () => `${served.hostRoot}/../outside/dir`],
    ["a symlink in the root to a directory outside", () => join(served.hostRoot, "to-outside")],
    ["a symlink in the root to a file outside", () => join(served.hostRoot, "secret-link")],
    ["a read-only mount of /", () => "/"],
    ["/etc", () => "/etc"],
  ])("%s is refused at CreateContainer", async (_name, hostPath) => {
    const { podSandboxId, config } = await runPod(served.client, "");
    const message = await refused(
      served.client.runtime.createContainer({
        podSandboxId,
        sandboxConfig: config,
        config: { metadata: { name: "m" }, image: { image: busybox }, mounts: [{ containerPath: "/mnt", hostPath: hostPath(), readonly: true }] },
      }),
    );
    expect(message).toMatch(/^failed to generate container "[0-9a-f]{64}" spec: /);
    expect(message).toMatch(boundary);
  });

  test("through a mount of the root, a process reads, writes and removes inside it, and not through a symlink out of it", async () => {
    mkdirSync(join(served.hostRoot, "volume"));
    writeFileSync(join(served.hostRoot, "volume", "in"), "inside\n");
    symlinkSync(served.outside, join(served.hostRoot, "volume", "out"));
    const containerId = await withMount(join(served.hostRoot, "volume"));
    expect(new TextDecoder().decode((await exec(containerId, "cat /mnt/in")).stdout)).toBe("inside\n");
    const secret = await exec(containerId, "cat /mnt/out/secret");
    expect(new TextDecoder().decode(secret.stdout)).not.toContain("secret");
    await exec(containerId, "echo written > /mnt/new; rm /mnt/in; echo pwned > /mnt/out/secret; echo pwned > /mnt/out/new; touch /mnt/out/touched; rm -r /mnt/out/dir");
    await exec(containerId, "cat /mnt/new"); // waits for the writes before it
    expect(readFileSync(join(served.hostRoot, "volume", "new"), "utf8")).toBe("written\n");
    expect(existsSync(join(served.hostRoot, "volume", "in"))).toBe(false);
  });

  test("a Localhost seccomp profile outside is refused", async () => {
    const { podSandboxId, config } = await runPod(served.client, "");
    const message = await refused(
      served.client.runtime.createContainer({
        podSandboxId,
        sandboxConfig: config,
        config: {
          metadata: { name: "s" },
          image: { image: busybox },
          linux: { securityContext: { seccomp: { profileType: 2, localhostRef: join(served.outside, "profile.json") } } },
        },
      }),
    );
    expect(message).toMatch(boundary);
  });
});

describe("after every try", () => {
  test("nothing outside the root was created, changed or removed, and nothing in the server's working directory", () => {
    expect(snapshot(served.outside)).toBe(before);
    expect(existsSync(join(served.dir, "relative-logs"))).toBe(false);
    const inRepo = execFileSync("git", ["status", "--porcelain", "--ignored", "--", "relative-logs"], { encoding: "utf8" });
    expect(inRepo).toBe("");
  });
});
