// crictl's streaming commands against `fake-cri serve` as a child process, over both transports
// crictl offers (--transport spdy, the default, and websocket): exec without a terminal, exec with
// stdin, exec -it driven through a pseudo-terminal, attach, and port-forward with an HTTP GET
// through it. The pseudo-terminal is util-linux's `script`: Debian installs it everywhere (bsdutils
// is essential), it needs no build, and it passes keystrokes through as typed.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { stopFakeCri } from "../fake-cri-process.ts";
import { buildCriTool, buildTimeoutMs, run, serveFake, skip, type Run, type Served } from "./cri-tools.ts";

if (skip) {
  test.skip("crictl streaming against fake-cri serve: skipped because FAKE_CRI_SKIP_CRICTL=1", () => {});
}

/** A free TCP port on 127.0.0.1 (for crictl port-forward's local end). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** GET http://127.0.0.1:port/path, retried while the forward is not up yet. */
async function httpGet(port: number, path = "/"): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path, agent: false }, (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (d: string) => (body += d));
          res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        });
        req.on("error", reject);
        req.end();
      });
    } catch (err) {
      if (attempt >= 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Runs a command under `script`'s pseudo-terminal, typing `keys` (each after its pause). */
function inPty(argv: readonly string[], keys: Array<[number, string]>): Promise<Run> {
  const command = argv.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const child = spawn("script", ["-qec", command, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString("latin1")));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  void (async () => {
    for (const [pauseMs, data] of keys) {
      await new Promise((r) => setTimeout(r, pauseMs));
      child.stdin.write(data);
    }
  })();
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

describe.skipIf(skip).each([{ transport: "spdy" }, { transport: "websocket" }])("crictl streaming over $transport against fake-cri serve", ({ transport }) => {
  let binary: string;
  let served: Served;
  let work: string;
  let podId = "";
  let sleeper = "";
  let shell = "";
  let web = "";

  const crictl = (args: readonly string[], options: { input?: string } = {}): Promise<Run> => {
    const argv = ["--config", "/dev/null", "--runtime-endpoint", served.endpoint, "--image-endpoint", served.endpoint, "--timeout", "30s", ...args];
    if (options.input === undefined) return run(binary, argv);
    return new Promise((resolve) => {
      const child = spawn(binary, argv, { stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.stdin.end(options.input);
      child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  };
  const ok = async (args: readonly string[]): Promise<string> => {
    const result = await crictl(args);
    if (result.code !== 0) throw new Error(`crictl ${args.join(" ")} exited ${result.code}: ${result.stderr}\nfake-cri: ${served.stderr()}`);
    return result.stdout.trim();
  };
  const file = (name: string, value: unknown): string => {
    const path = join(work, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };

  beforeAll(async () => {
    binary = await buildCriTool([]);
    work = mkdtempSync(join(tmpdir(), "fake-cri-streaming-"));
    served = await serveFake(work);
    const pod = file("pod.json", { metadata: { name: "streams", namespace: "default", uid: `streams-${transport}` }, log_directory: join(served.hostRoot, "logs"), linux: {} });
    const container = (name: string, extra: object) =>
      file(`${name}.json`, { metadata: { name }, image: { image: "busybox:1.36" }, log_path: `${name}.log`, linux: {}, ...extra });
    await ok(["pull", "busybox:1.36"]);
    await ok(["pull", "nginx:1.25"]);
    podId = await ok(["runp", pod]);
    sleeper = await ok(["create", podId, container("sleeper", { command: ["sleep", "infinity"] }), pod]);
    shell = await ok(["create", podId, container("shell", { command: ["/bin/sh"], stdin: true, stdin_once: true }), pod]);
    web = await ok(["create", podId, file("web.json", { metadata: { name: "web" }, image: { image: "nginx:1.25" }, log_path: "web.log", linux: {} }), pod]);
    for (const id of [sleeper, shell, web]) await ok(["start", id]);
  }, buildTimeoutMs);

  afterAll(async () => {
    if (served) expect(await stopFakeCri(served)).toBe(0);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("exec without a terminal: stdout, stderr, and the exit code crictl reports", async () => {
    const echoed = await crictl(["exec", "--transport", transport, sleeper, "echo", "hi"]);
    expect([echoed.code, echoed.stdout]).toEqual([0, "hi\n"]);
    const failed = await crictl(["exec", "--transport", transport, sleeper, "sh", "-c", "echo out; echo err >&2; exit 3"]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe("out\n");
    expect(failed.stderr).toContain("err\n");
    expect(failed.stderr).toContain(`execing command in container ${sleeper}: command terminated with exit code 3`);
  });

  test("exec -i: stdin reaches the command until it ends", async () => {
    const catted = await crictl(["exec", "--transport", transport, "-i", sleeper, "cat"], { input: "line one\nline two\n" });
    expect([catted.code, catted.stdout]).toEqual([0, "line one\nline two\n"]);
  });

  test("exec -it through a pseudo-terminal: an interactive sh prompts, echoes, and exits with its status", async () => {
    const session = await inPty(
      [binary, "--config", "/dev/null", "--runtime-endpoint", served.endpoint, "exec", "--transport", transport, "-it", sleeper, "sh"],
      [
        [500, "echo hi there\r"],
        [300, "exit 3\r"],
      ],
    );
    expect(session.stdout).toContain("/ # echo hi there\r\nhi there\r\n/ # exit 3\r\n");
    expect(session.code).toBe(1);
  });

  test("attach: stdin to the container's shell, its output back, the container done when stdin ends", async () => {
    const attached = await crictl(["attach", "--transport", transport, "-i", shell], { input: "echo -n hello\n" });
    expect([attached.code, attached.stdout]).toEqual([0, "hello"]);
    const status = JSON.parse(await ok(["inspect", shell])).status;
    expect([status.state, status.exitCode]).toEqual(["CONTAINER_EXITED", 0]);
  });

  test("port-forward to nginx's port 80: an HTTP GET through it gets its page", async () => {
    const local = await freePort();
    const forward = spawn(
      binary,
      ["--config", "/dev/null", "--runtime-endpoint", served.endpoint, "port-forward", "--transport", transport, podId, `${local}:80`],
      { stdio: "ignore" },
    );
    try {
      const page = await httpGet(local);
      expect(page.status).toBe(200);
      expect(page.headers.server).toBe("nginx/1.25");
      expect(page.body).toContain("Welcome to nginx!");
      expect((await httpGet(local, "/missing")).status).toBe(404);
    } finally {
      forward.kill();
    }
  });
});
