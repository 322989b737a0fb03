// crictl (sigs.k8s.io/cri-tools, built by scripts/crictl.sh into .cache/bin) against `fake-cri serve`
// as a child process: the everyday commands a person or a script runs, with both the current crictl
// and the one that sends the socket path as :authority (as crictl <= 1.26 and kubelets < 1.26 did).
// Building needs Go; without it this suite fails, unless FAKE_CRI_SKIP_CRICTL=1 says to skip it.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { repoRoot, stopFakeCri } from "../fake-cri-process.ts";
import { buildCriTool, buildTimeoutMs, run, serveFake, skip, type Run, type Served } from "./cri-tools.ts";

const examples = join(repoRoot, "scripts/reference/examples");

const hex64 = /^[0-9a-f]{64}$/;

/** What crictl reported as errors: the messages of its logrus error and fatal lines, unquoted. */
function errorsOf(result: Run): string {
  expect(result.code, "crictl was expected to fail").not.toBe(0);
  const messages = [...result.stderr.matchAll(/level=(?:error|fatal) msg=("(?:[^"\\]|\\.)*")/g)].map((m) => JSON.parse(m[1]!) as string);
  expect(messages, `no error in crictl's stderr: ${result.stderr}`).not.toEqual([]);
  return messages.join("\n");
}

/** Polls `check` every 100 ms until it returns a value, for up to 10 s (real time: the served fake runs on a real clock). */
async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const found = await check();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within 10 s`);
}

if (skip) {
  test.skip("crictl against fake-cri serve: skipped because FAKE_CRI_SKIP_CRICTL=1", () => {});
}

describe.skipIf(skip).each([
  { name: "crictl", flags: [] as string[] },
  { name: "crictl sending the socket path as :authority", flags: ["--old-authority"] },
])("$name against fake-cri serve", ({ flags }) => {
  let binary: string;
  let served: Served;
  let work: string;
  let logDir: string;
  const files = { pod: "", container: "", oom: join(examples, "oom-container.json") };

  /** crictl with only the endpoint configured; fails the test unless it exits 0. */
  const crictl = async (...args: string[]): Promise<Run> => {
    const result = await crictlMayFail(...args);
    if (result.code !== 0) throw new Error(`crictl ${args.join(" ")} exited ${result.code}: ${result.stderr}\nfake-cri: ${served.stderr()}`);
    return result;
  };
  const crictlMayFail = (...args: string[]): Promise<Run> =>
    run(binary, ["--config", "/dev/null", "--runtime-endpoint", served.endpoint, "--image-endpoint", served.endpoint, "--timeout", "30s", ...args]);
  const json = async (...args: string[]) => JSON.parse((await crictl(...args)).stdout) as Record<string, any>;

  beforeAll(async () => {
    binary = await buildCriTool(flags);
    work = mkdtempSync(join(tmpdir(), "fake-cri-crictl-"));
    served = await serveFake(work);
    logDir = join(served.hostRoot, "logs");
    mkdirSync(logDir);
    // The reference examples, logging into this run's directory.
    const podConfig = JSON.parse(readFileSync(join(examples, "pod.json"), "utf8"));
    podConfig.log_directory = logDir;
    const containerConfig = JSON.parse(readFileSync(join(examples, "container.json"), "utf8"));
    files.pod = join(work, "pod.json");
    files.container = join(work, "container.json");
    writeFileSync(files.pod, JSON.stringify(podConfig));
    writeFileSync(files.container, JSON.stringify(containerConfig));
  }, buildTimeoutMs);

  afterAll(async () => {
    if (served) expect(await stopFakeCri(served)).toBe(0);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const busybox = "docker.io/library/busybox:1.36";
  let imageId = "";
  let podId = "";
  let containerId = "";

  test("version", async () => {
    expect((await crictl("version")).stdout).toBe(
      "Version:  0.1.0\nRuntimeName:  containerd\nRuntimeVersion:  v2.4.2\nRuntimeApiVersion:  v1\n",
    );
  });

  test("info: runtime and network ready, no deprecation warnings, the runtime handlers, the plugin's config", async () => {
    const info = await json("info");
    expect(info.status.conditions).toEqual([
      { type: "RuntimeReady", status: true, reason: "", message: "" },
      { type: "NetworkReady", status: true, reason: "", message: "" },
      { type: "ContainerdHasNoDeprecationWarnings", status: true, reason: "", message: "" },
    ]);
    expect(info.runtimeHandlers.map((h: { name?: string }) => h.name ?? "")).toEqual(["", "runc"]);
    expect(info.config.containerd.defaultRuntimeName).toBe("runc");
    expect(info.lastCNILoadStatus).toBe("OK");
  });

  test("pull (no registry: the fake makes the image up), then images and inspecti show it", async () => {
    const pulled = (await crictl("pull", "busybox:1.36")).stdout;
    expect(pulled).toMatch(/^Image is up to date for sha256:[0-9a-f]{64}\n$/);
    imageId = pulled.trim().split(" ").at(-1)!;
    const table = (await crictl("images")).stdout.split("\n");
    expect(table[0]).toMatch(/^IMAGE\s+TAG\s+IMAGE ID\s+SIZE$/);
    expect(table).toContainEqual(expect.stringMatching(new RegExp(`^docker\\.io/library/busybox\\s+1\\.36\\s+${imageId.slice(7, 20)}\\s+\\S+`)));
    expect((await crictl("images", "-q")).stdout.split("\n")).toContain(imageId);
    const inspected = await json("inspecti", "-o", "json", busybox);
    expect(inspected.status.id).toBe(imageId);
    expect(inspected.status.repoTags).toEqual([busybox]);
    expect(inspected.status.repoDigests).toEqual([expect.stringMatching(/^docker\.io\/library\/busybox@sha256:[0-9a-f]{64}$/)]);
  });

  test("runp, and a second runp of the same pod is refused naming the first", async () => {
    const ran = (await crictl("runp", files.pod)).stdout;
    expect(ran).toMatch(/^[0-9a-f]{64}\n$/);
    podId = ran.trim();
    expect(errorsOf(await crictlMayFail("runp", files.pod))).toContain(
      `code = FailedPrecondition desc = failed to reserve sandbox name "example_default_example-uid-1_0": ` +
        `name "example_default_example-uid-1_0" is reserved for "${podId}"`,
    );
  });

  test("pods", async () => {
    expect((await crictl("pods", "--id", podId, "-q")).stdout).toBe(`${podId}\n`);
    const listed = await json("pods", "-o", "json");
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toMatchObject({
      id: podId,
      metadata: { name: "example", namespace: "default", uid: "example-uid-1", attempt: 0 },
      state: "SANDBOX_READY",
      labels: { app: "example" },
      annotations: { "example.com/owner": "scripts/reference" },
    });
    const table = (await crictl("pods")).stdout.split("\n");
    expect(table[1]).toMatch(new RegExp(`^${podId.slice(0, 13)}\\s+.+\\s+Ready\\s+example\\s+default\\s+0\\s+\\(default\\)$`));
  });

  test("inspectp", async () => {
    const inspected = await json("inspectp", podId);
    expect(inspected.status).toMatchObject({
      id: podId,
      state: "SANDBOX_READY",
      metadata: { name: "example", namespace: "default", uid: "example-uid-1", attempt: 0 },
    });
    // 2.x reports the pod's own namespace options, none here.
    expect(inspected.status.linux.namespaces.options).toBeUndefined();
    expect(inspected.status.network.ip).toMatch(/^10\.88\.\d+\.\d+$/);
    expect(inspected.info).toMatchObject({ image: "registry.k8s.io/pause:3.6", processStatus: "running", runtimeType: "io.containerd.runc.v2" });
    expect(inspected.info.config.metadata.name).toBe("example");
  });

  test("create, and a second create of the same container is refused naming the first", async () => {
    const created = (await crictl("create", podId, files.container, files.pod)).stdout;
    expect(created).toMatch(/^[0-9a-f]{64}\n$/);
    containerId = created.trim();
    expect(errorsOf(await crictlMayFail("create", podId, files.container, files.pod))).toContain(
      `code = FailedPrecondition desc = failed to reserve container name "echo_example_default_example-uid-1_0"; ` +
        `check if another CreateContainer request is in progress: name "echo_example_default_example-uid-1_0" is reserved for "${containerId}"`,
    );
  });

  test("start", async () => {
    expect((await crictl("start", containerId)).stdout).toBe(`${containerId}\n`);
  });

  test("ps", async () => {
    expect((await crictl("ps", "--id", containerId, "--state", "running", "-q")).stdout).toBe(`${containerId}\n`);
    const listed = await json("ps", "-o", "json");
    expect(listed.containers).toHaveLength(1);
    expect(listed.containers[0]).toMatchObject({
      id: containerId,
      podSandboxId: podId,
      metadata: { name: "echo", attempt: 0 },
      image: { image: busybox },
      imageRef: imageId,
      state: "CONTAINER_RUNNING",
      labels: { role: "echo" },
    });
  });

  test("inspect", async () => {
    const inspected = await json("inspect", containerId);
    expect(inspected.status).toMatchObject({
      id: containerId,
      state: "CONTAINER_RUNNING",
      metadata: { name: "echo", attempt: 0 },
      image: { image: busybox },
      logPath: join(logDir, "echo.log"),
      exitCode: 0,
      reason: "",
    });
    expect(inspected.status.imageRef).toMatch(/^docker\.io\/library\/busybox@sha256:[0-9a-f]{64}$/);
    expect(inspected.info).toMatchObject({ sandboxID: podId, runtimeType: "io.containerd.runc.v2", snapshotter: "overlayfs" });
    expect(inspected.info.runtimeSpec.process.args).toEqual(["sh", "-c", "echo hello from busybox; echo to stderr >&2; exec sleep 3600"]);
  });

  test("logs: stdout and stderr from the CRI log file", async () => {
    const logs = await eventually("the container's output in its log", async () => {
      const result = await crictl("logs", containerId);
      return result.stderr.includes("to stderr\n") ? result : undefined;
    });
    expect(logs.stdout).toBe("hello from busybox\n");
    const file = readFileSync(join(logDir, "echo.log"), "utf8");
    expect(file).toMatch(/^\S+Z stdout F hello from busybox\n\S+Z stderr F to stderr\n$/);
  });

  test("exec -s: output and a failing command's exit code", async () => {
    expect((await crictl("exec", "-s", containerId, "echo", "exec-ok")).stdout.trimEnd()).toBe("exec-ok");
    expect((await crictl("exec", "-s", containerId, "cat", "/etc/hostname")).stdout.trimEnd()).toBe("example");
    expect(errorsOf(await crictlMayFail("exec", "-s", containerId, "sh", "-c", "exit 3"))).toContain("command 'sh -c exit 3' exited with 3");
  });

  test("stop: SIGTERM ends the shell (143); stopping an unknown ID succeeds, as in 2.x", async () => {
    expect((await crictl("stop", "--timeout", "2", containerId)).stdout).toBe(`${containerId}\n`);
    const inspected = await json("inspect", containerId);
    expect(inspected.status).toMatchObject({ state: "CONTAINER_EXITED", exitCode: 143, reason: "Error" });
    expect((await crictl("stop", "0123456789abcdef")).stdout).toBe("0123456789abcdef\n");
  });

  test("exec -s in an exited container is refused", async () => {
    expect(errorsOf(await crictlMayFail("exec", "-s", containerId, "echo", "late"))).toContain("code = Unknown desc = failed to exec in container: container is in CONTAINER_EXITED state");
  });

  test("rm", async () => {
    expect((await crictl("rm", containerId)).stdout).toBe(`${containerId}\n`);
    expect((await crictl("ps", "-a", "-q")).stdout).toBe("");
  });

  test("a memory hog under a 32 MiB limit is OOM-killed", async () => {
    const id = (await crictl("create", podId, files.oom, files.pod)).stdout.trim();
    expect(id).toMatch(hex64);
    await crictl("start", id);
    const status = await eventually("the memory hog's exit", async () => {
      const { status } = await json("inspect", id);
      return status.state === "CONTAINER_EXITED" ? status : undefined;
    });
    expect(status).toMatchObject({ exitCode: 137, reason: "OOMKilled" });
    expect((await crictl("rm", id)).stdout).toBe(`${id}\n`);
  });

  test("stopp", async () => {
    expect((await crictl("stopp", podId)).stdout).toBe(`Stopped sandbox ${podId}\n`);
    const inspected = await json("inspectp", podId);
    expect(inspected.status.state).toBe("SANDBOX_NOTREADY");
    expect(inspected.status.network.ip).toBe("");
    expect(inspected.info).toMatchObject({ processStatus: "deleted", netNamespaceClosed: true });
  });

  test("rmp", async () => {
    expect((await crictl("rmp", podId)).stdout).toBe(`Removed sandbox ${podId}\n`);
    expect((await crictl("pods", "-q")).stdout).toBe("");
  });

  test("rmi, then the image is gone and can be pulled again", async () => {
    expect((await crictl("rmi", "busybox:1.36")).stdout).toBe(`Deleted: ${busybox}\n`);
    expect(errorsOf(await crictlMayFail("inspecti", busybox))).toBe(`no such image "${busybox}" present`);
    expect((await crictl("images", "-q")).stdout.split("\n")).not.toContain(imageId);
    expect((await crictl("pull", busybox)).stdout).toBe(`Image is up to date for ${imageId}\n`);
  });

  test("imagefsinfo", async () => {
    const info = await json("imagefsinfo");
    expect(info.status.containerFilesystems).toEqual([]);
    expect(info.status.imageFilesystems).toHaveLength(1);
    const [fs] = info.status.imageFilesystems;
    // Under serve, a real directory in the data dir (KNOWN_DIFFERENCES: image-fs-in-the-data-dir).
    expect(fs.fsId.mountpoint).toBe(join(work, "data", "io.containerd.snapshotter.v1.overlayfs"));
    expect(fs.usedBytes.value).toMatch(/^\d+$/);
    expect(fs.inodesUsed.value).toMatch(/^\d+$/);
    expect(fs.timestamp).toMatch(/^\d+$/);
  });

  test("the reference runtime's smoke script passes unchanged against the fake", async () => {
    const smoke = await run("bash", [join(repoRoot, "scripts/reference/smoke.sh"), "--oom", served.endpoint], {
      // Its scratch directory (mktemp -d), with the pod's log directory, inside what the fake may touch.
      env: { ...process.env, CRICTL: binary, TMPDIR: served.hostRoot },
      timeoutMs: 120_000,
    });
    expect(smoke.stdout + smoke.stderr).toContain(`smoke: all steps passed against ${served.endpoint}`);
    expect(smoke.code).toBe(0);
  }, 150_000);
});
