// Real Go clients that send the unix socket path as the HTTP/2 :authority, against the server:
// test/old-grpc-client (grpc-go v1.27.1, built here with `go build` into .cache/bin) and, when
// scripts/crictl.sh has built them, crictl binaries from .cache/bin.

import * as grpc from "@grpc/grpc-js";
import { execFile, execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Code, CriError, clientContextError } from "../errors.ts";
import { serveCri, type CriServer } from "./grpc.ts";
import { HpackDecoder } from "./hpack.ts";
import { listen, recordingRawServer, tempSocketPath } from "./testing/h2-raw.ts";
import { createStub, stubVersion } from "./testing/stub-service.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const clientSource = join(root, "test/old-grpc-client");
const binDir = join(process.env.FAKE_CRI_CACHE ?? join(root, ".cache"), "bin");
const oldClient = join(binDir, "old-grpc-client");
const haveGo = (() => {
  try {
    execFileSync("go", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** Builds the client unless a build newer than its sources is there already. */
function buildOldClient(): void {
  const newestSource = Math.max(
    ...["main.go", "go.mod", "go.sum"].map((f) => statSync(join(clientSource, f)).mtimeMs),
  );
  if (existsSync(oldClient) && statSync(oldClient).mtimeMs >= newestSource) return;
  execFileSync("go", ["build", "-o", oldClient, "."], { cwd: clientSource, stdio: ["ignore", "ignore", "inherit"] });
}

interface CallResult {
  call: string;
  response?: Record<string, string>;
  error?: string;
}

function runOldClient(endpoint: string, dial: "target" | "path", timeout: string, calls: string[]): Promise<CallResult[]> {
  return new Promise((resolvePromise, reject) =>
    execFile(oldClient, ["-endpoint", endpoint, "-dial", dial, "-timeout", timeout, ...calls], (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolvePromise(stdout.trim().split("\n").map((line) => JSON.parse(line) as CallResult));
    }),
  );
}

/** The :authority of the first request `command` sends to a socket that records and never answers. */
async function firstAuthority(path: string, command: string, args: string[]): Promise<string | undefined> {
  const { server, frames } = recordingRawServer((f) => f.some((x) => x.type === 0x1));
  await listen(server, path);
  const child = spawn(command, args, { stdio: "ignore" });
  try {
    const headers = (await frames).find((f) => f.type === 0x1)!;
    return new HpackDecoder().decode(headers.payload).find((f) => f.name === ":authority")?.value;
  } finally {
    child.kill();
    server.close();
  }
}

const goVersionJson = {
  version: stubVersion.version,
  runtime_name: stubVersion.runtimeName,
  runtime_version: stubVersion.runtimeVersion,
  runtime_api_version: stubVersion.runtimeApiVersion,
};

describe.skipIf(!haveGo)("grpc-go v1.27.1 client (test/old-grpc-client)", () => {
  const dir = tempSocketPath("cri.sock");
  let server: CriServer;
  beforeAll(async () => {
    buildOldClient();
    server = await serveCri(createStub().services, { listen: `unix://${dir.path}` });
  }, 300_000);
  afterAll(async () => {
    await server?.close();
    dir.cleanup();
  });

  test.each([
    ["target", (p: string) => `unix://${p}`],
    ["path", (p: string) => p],
  ] as const)("dialing by %s, it sends an :authority nghttp2 refuses", async (dial, want) => {
    const path = `${dir.path}.capture-${dial}`;
    const authority = await firstAuthority(path, oldClient, ["-endpoint", `unix://${path}`, "-dial", dial, "v1.Version"]);
    expect(authority).toBe(want(path));
  });

  test("a bare grpc-js server resets its streams with PROTOCOL_ERROR", async () => {
    const path = `${dir.path}.bare`;
    const bare = new grpc.Server();
    bare.addService(
      {
        version: {
          path: "/runtime.v1.RuntimeService/Version",
          requestStream: false,
          responseStream: false,
          requestSerialize: (b: Buffer) => b,
          requestDeserialize: (b: Buffer) => b,
          responseSerialize: (b: Buffer) => b,
          responseDeserialize: (b: Buffer) => b,
        },
      },
      { version: (_call: unknown, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.alloc(0)) },
    );
    await new Promise<void>((ok, fail) =>
      bare.bindAsync(`unix://${path}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? fail(e) : ok())),
    );
    const [result] = await runOldClient(`unix://${path}`, "target", "2s", ["v1.Version"]);
    bare.forceShutdown();
    expect(result!.error).toBe(
      "rpc error: code = Internal desc = stream terminated by RST_STREAM with error code: PROTOCOL_ERROR",
    );
  });

  test.each(["target", "path"] as const)("dialing by %s, it is answered on v1alpha2 and v1", async (dial) => {
    const results = await runOldClient(server.endpoint, dial, "1s", [
      "v1alpha2.Version",
      "v1.Version",
      "v1.Status",
      "v1.ListImages",
      "v1.PodSandboxStatus",
      "v1.Version",
    ]);
    expect(results).toEqual([
      { call: "v1alpha2.Version", response: goVersionJson },
      { call: "v1.Version", response: goVersionJson },
      {
        call: "v1.Status",
        error: new CriError(Code.NotFound, "an error occurred when try to find sandbox: not found").goString(),
      },
      { call: "v1.ListImages", error: "rpc error: code = Unimplemented desc = method ListImages not implemented" },
      // grpc-go's own words for a deadline, which connectCri reproduces.
      { call: "v1.PodSandboxStatus", error: clientContextError(Code.DeadlineExceeded).goString() },
      { call: "v1.Version", response: goVersionJson },
    ]);
  });
});

const crictls = existsSync(binDir) ? readdirSync(binDir).filter((f) => /^crictl-/.test(f)).sort() : [];

describe.skipIf(crictls.length === 0)("crictl from .cache/bin (scripts/crictl.sh)", () => {
  const dir = tempSocketPath("cri.sock");
  let server: CriServer;
  beforeAll(async () => {
    server = await serveCri(createStub().services, { listen: `unix://${dir.path}` });
  });
  afterAll(async () => {
    await server?.close();
    dir.cleanup();
  });

  test.each(crictls)("%s version", async (crictl) => {
    const stdout = await new Promise<string>((ok, fail) =>
      execFile(join(binDir, crictl), ["--runtime-endpoint", server.endpoint, "--timeout", "5s", "version"], (err, out, stderr) =>
        err ? fail(new Error(`${err.message}\n${stderr}`)) : ok(out),
      ),
    );
    expect(stdout).toBe(
      `Version:  ${stubVersion.version}\nRuntimeName:  ${stubVersion.runtimeName}\n` +
        `RuntimeVersion:  ${stubVersion.runtimeVersion}\nRuntimeApiVersion:  ${stubVersion.runtimeApiVersion}\n`,
    );
  });

  test.each(crictls.filter((c) => c.includes("old-authority")))("%s sends the socket path as :authority", async (crictl) => {
    const path = `${dir.path}.capture`;
    const authority = await firstAuthority(path, join(binDir, crictl), ["--runtime-endpoint", `unix://${path}`, "--timeout", "2s", "version"]);
    expect(authority).toBe(path);
  });
});
