import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { connectCri } from "../cri/transport/grpc.ts";
import { fakeCriCommand, repoRoot, startFakeCri as start, stopFakeCri as stop } from "../../test/fake-cri-process.ts";

const work = mkdtempSync(join(tmpdir(), "fake-cri-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `fake-cri <args>` (or `command <args>`) to its end. */
function fakeCri(args: string[], env: NodeJS.ProcessEnv = {}, command: readonly string[] = fakeCriCommand): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(command[0]!, [...command.slice(1), ...args], { cwd: repoRoot, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
    ),
  );
}

describe("fake-cri", () => {
  const { version } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };

  test("--version prints the package's version, --help the usage", async () => {
    expect(await fakeCri(["--version"])).toEqual({ code: 0, stdout: `fake-cri ${version}\n`, stderr: "" });
    expect(await fakeCri(["--help"])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^usage: fake-cri [^]*\nusage: fake-cri serve [^]*\nusage: fake-cri record [^]*\nusage: fake-cri replay /) });
  }, 60_000);

  // --version: the one command that loads (and so transforms through tsx) almost none of the tree.
  test("bin/fake-cri.js runs the checkout's sources", async () => {
    expect(await fakeCri(["--version"], {}, [process.execPath, "bin/fake-cri.js"])).toEqual({ code: 0, stdout: `fake-cri ${version}\n`, stderr: "" });
  }, 60_000);

  test("an unknown flag or a missing value gets the usage", async () => {
    const unknown = await fakeCri(["serve", "--seeed", "1"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^fake-cri: Unknown option '--seeed'\nusage: fake-cri serve /);
    expect((await fakeCri(["--listen"])).stderr).toMatch(/^fake-cri: Option '--listen <value>' argument missing\nusage: /);
  }, 60_000);

  test("a missing --config file, a corrupt --state file or a missing --image are named in the error", async () => {
    const missing = join(work, "missing.toml");
    expect(await fakeCri(["serve", "--config", missing])).toMatchObject({ code: 1, stderr: `fake-cri: --config ${missing}: no such file or directory\n` });
    const corrupt = join(work, "corrupt.json");
    writeFileSync(corrupt, '{"format": "fake-cri/1",');
    const loaded = await fakeCri(["serve", "--state", corrupt]);
    expect(loaded).toMatchObject({ code: 1, stderr: expect.stringMatching(new RegExp(`^fake-cri: --state ${corrupt}: not a fake-cri state: `)) });
    const image = join(work, "nope.tar");
    expect(await fakeCri(["serve", "--image", image])).toMatchObject({ code: 1, stderr: `fake-cri: --image ${image}: no such file or directory\n` });
  }, 60_000);
});

describe("fake-cri serve", () => {
  test("prints the endpoint, serves on a 0600 socket, removes it on SIGTERM, saves and reloads state", async () => {
    const socket = join(work, "a", "cri.sock");
    const state = join(work, "state.json");
    const first = await start(["serve", "--listen", `unix://${socket}`, "--state", state, "--seed", "5"]);
    expect(first.endpoint).toBe(`unix://${socket}`);
    expect(statSync(socket).isSocket()).toBe(true);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    const client = connectCri(first.endpoint);
    expect((await client.runtime.version({})).runtimeName).toBe("containerd");
    // A kubelet reads the image filesystem's figures with statfs: it is a real directory of ours.
    const [imageFs] = (await client.image.imageFsInfo({})).imageFilesystems;
    expect(imageFs!.fsId!.mountpoint).toBe(join(`${state}.d`, "io.containerd.snapshotter.v1.overlayfs"));
    expect(statSync(imageFs!.fsId!.mountpoint).isDirectory()).toBe(true);
    client.close();
    expect(await stop(first)).toBe(0);
    expect(existsSync(socket)).toBe(false);
    const saved = JSON.parse(readFileSync(state, "utf8")) as { format: string; hostFs: { format: string } };
    expect(saved.format).toBe("fake-cri/1");
    expect(saved.hostFs.format).toBe("fake-cri-host-fs/1");

    // The second run continues from the file: its seeded IDs carry on without --seed.
    const second = await start(["serve", "--listen", `unix://${socket}`, "--state", state]);
    const again = connectCri(second.endpoint);
    expect((await again.runtime.version({})).runtimeName).toBe("containerd");
    again.close();
    expect(await stop(second, "SIGINT")).toBe(0);
    expect(existsSync(socket)).toBe(false);
    const resaved = JSON.parse(readFileSync(state, "utf8")) as { containerd: { ids: { kind: string } } };
    expect(resaved.containerd.ids.kind).toBe("seeded");
    expect(existsSync(`${state}.d`)).toBe(true);
  }, 60_000);

  test("without --listen it serves under $XDG_RUNTIME_DIR; --config is containerd's config.toml (2.x's version 3 by default)", async () => {
    const runtimeDir = mkdtempSync(join(work, "xdg-"));
    const config = join(work, "config.toml");
    writeFileSync(config, "version = 3\n[plugins.'io.containerd.cri.v1.runtime']\n  max_container_log_line_size = 1024\n");
    const running = await start(["serve", "--config", config], { XDG_RUNTIME_DIR: runtimeDir });
    expect(running.endpoint).toBe(`unix://${runtimeDir}/fake-cri/fake-cri.sock`);
    const client = connectCri(running.endpoint);
    expect((await client.runtime.version({})).runtimeVersion).toBe("v2.4.2");
    const status = await client.runtime.status({ verbose: true });
    expect(JSON.parse(status.info.config!).maxContainerLogLineSize).toBe(1024);
    client.close();
    expect(await stop(running)).toBe(0);
  }, 60_000);

  test("--containerd 1.6 answers as containerd 1.6.20 and reads its version-2 config", async () => {
    const config = join(work, "config16.toml");
    writeFileSync(config, 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "registry.example/pause:1"\n');
    const running = await start(["serve", "--containerd", "1.6", "--config", config, "--listen", `unix://${join(work, "v16.sock")}`]);
    const client = connectCri(running.endpoint);
    expect((await client.runtime.version({})).runtimeVersion).toBe("1.6.20~ds1");
    const status = await client.runtime.status({ verbose: true });
    expect(JSON.parse(status.info.config!).sandboxImage).toBe("registry.example/pause:1");
    client.close();
    expect(await stop(running)).toBe(0);
  }, 60_000);

  test("fake-cri endpoint prints where serve listens unless told", async () => {
    const runtimeDir = mkdtempSync(join(work, "xdg-"));
    const printed = await fakeCri(["endpoint"], { XDG_RUNTIME_DIR: runtimeDir });
    expect(printed.stdout).toBe(`unix://${runtimeDir}/fake-cri/fake-cri.sock\n`);
    const running = await start(["serve"], { XDG_RUNTIME_DIR: runtimeDir });
    expect(`${running.endpoint}\n`).toBe(printed.stdout);
    expect(await stop(running)).toBe(0);
  }, 60_000);

  test("--image puts an OCI archive's images in the registry --strict-images pulls from; --verbose logs each call", async () => {
    const archive = join(repoRoot, "golden/cri/images/busybox-1.36.oci.tar");
    const running = await start(["serve", "--listen", `unix://${join(work, "strict.sock")}`, "--image", archive, "--strict-images", "--verbose"]);
    const client = connectCri(running.endpoint);
    expect((await client.image.pullImage({ image: { image: "busybox:1.36" } })).imageRef).toMatch(/^sha256:[0-9a-f]{64}$/);
    await expect(client.image.pullImage({ image: { image: "nginx:1.25" } })).rejects.toMatchObject({ code: 5 });
    client.close();
    expect(await stop(running)).toBe(0);
    expect(running.stderr()).toMatch(/\nfake-cri: PullImage v1 \d+\.\d ms OK\nfake-cri: PullImage v1 \d+\.\d ms NotFound\n/);
  }, 60_000);

  test("a bad config stops it with containerd's error", async () => {
    const config = join(work, "bad.toml");
    writeFileSync(config, 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "nope"\n');
    await expect(start(["serve", "--config", config, "--listen", `unix://${join(work, "bad.sock")}`])).rejects.toThrow(
      'fake-cri: invalid plugin config: no corresponding runtime configured in `containerd.runtimes` for `containerd` `default_runtime_name = "nope"',
    );
  }, 60_000);
});

describe("fake-cri record and replay", () => {
  const cli = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(fakeCriCommand[0]!, [...fakeCriCommand.slice(1), ...args], { cwd: repoRoot, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      ),
    );

  test("record with the upstream down: it says so, serves, answers Unavailable naming the upstream, and writes the trace on SIGTERM", async () => {
    const upstream = `unix://${join(work, "nobody.sock")}`;
    const out = join(work, "down.json");
    const recording = await start(["record", "--upstream", upstream, "--listen", `unix://${join(work, "proxy.sock")}`, "--out", out]);
    try {
      // stderr comes through a pipe of its own, maybe after the endpoint on stdout.
      for (let i = 0; i < 50 && !recording.stderr().includes("\n"); i++) await new Promise((r) => setTimeout(r, 100));
      expect(recording.stderr()).toContain(`(not answering yet (`);
      const client = connectCri(recording.endpoint);
      await expect(client.runtime.version({})).rejects.toMatchObject({
        code: 14,
        message: `fake-cri record: the upstream ${upstream} is unavailable: connect ENOENT ${join(work, "nobody.sock")}`,
      });
      client.close();
    } finally {
      expect(await stop(recording)).toBe(0);
    }
    const trace = JSON.parse(readFileSync(out, "utf8"));
    expect(trace).toMatchObject({ format: "fake-cri-trace/1", scenario: "down", upstream, calls: 1 });
    expect(trace.steps[0]).toMatchObject({ method: "version", error: { code: "Unavailable" } });
    expect(recording.stderr()).toContain(`fake-cri record: SIGTERM: wrote 1 calls from 1 connections`);

    // Replayed against the fake, which answers: the difference is reported and the exit status says so.
    // The trace names no runtime (nothing answered Version), so the fake answers as its default.
    const replayed = await cli("replay", out);
    expect(replayed.code).toBe(1);
    expect(replayed.stdout).toContain("down, step 0 at +");
    expect(replayed.stdout).toContain("down: 1 call replayed against the fake in-process answering as containerd 2.4: 1 answer differs");
    expect((await cli("replay", out, "--containerd", "1.6")).stdout).toContain("replayed against the fake in-process answering as containerd 1.6:");
    expect(await cli("replay", out, "--containerd", "1.7")).toMatchObject({ code: 1, stderr: "fake-cri: --containerd: 2.4 or 1.6, not 1.7\n" });
  }, 60_000);

  test("replay refuses a corrupt or foreign trace, naming the file and the field", async () => {
    const corrupt = join(work, "corrupt.json");
    writeFileSync(corrupt, '{"format": "fake-cri-trace/1", "scenario": 1}');
    expect(await cli("replay", corrupt)).toMatchObject({ code: 1, stderr: `fake-cri: ${corrupt}: scenario: expected a string, found number 1\n` });
    const golden = join(repoRoot, "golden/cri/2.4/container-lifecycle.json");
    const foreign = await cli("replay", golden);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toBe(`fake-cri: ${golden}: format: expected "fake-cri-trace/1", found nothing: not a trace written by fake-cri record\n`);
  }, 60_000);

  test("replay --as-test writes a vitest file that replays the trace from beside it", async () => {
    const trace = join(repoRoot, "src/trace/testing/pod-exits.trace.json");
    const testFile = join(work, "pod-exits.test.ts");
    const written = await cli("replay", trace, "--as-test", testFile);
    expect(written).toMatchObject({ code: 0, stdout: `${testFile}\n` });
    const source = readFileSync(testFile, "utf8");
    expect(source).toContain('from "fake-cri/trace"');
    expect(source).toContain(`new URL(${JSON.stringify(relative(work, trace))}, import.meta.url)`);
  }, 60_000);
});
