import * as grpc from "@grpc/grpc-js";
import { spawn } from "node:child_process";
import { lstat, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { existsSync } from "node:fs";
import http2 from "node:http2";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { VersionResponse } from "../api/v1.ts";
import * as v1 from "../api/v1.ts";
import { Code, ContextError, CriError } from "../errors.ts";
import { connectCri, fitStatusMessage, maxMessageSize, maxStatusMessageBytes, parseEndpoint, serveCri, type CriServer } from "./grpc.ts";
import { listen, tempSocketPath } from "./testing/h2-raw.ts";
import { createStub, eventCount, failingStreamServices, slowMillis, stubVersion } from "./testing/stub-service.ts";

const dir = tempSocketPath();
afterAll(() => dir.cleanup());
let socketCount = 0;
const nextSocket = (): string => `${dir.path}.${++socketCount}`;

async function rejection(p: Promise<unknown>): Promise<CriError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof CriError)) throw new Error(`expected a CriError, got ${String(err)}`);
  return err;
}

const status = (err: CriError): [number, string] => [err.code, err.message];

describe.each([
  ["unix socket", "unix"],
  ["loopback TCP", "tcp"],
] as const)("over a %s", (_name, transport) => {
  const stub = createStub();
  let server: CriServer;
  beforeAll(async () => {
    server = await serveCri(stub.services, {
      listen: transport === "unix" ? `unix://${nextSocket()}` : "tcp://127.0.0.1:0",
    });
  });
  afterAll(() => server.close());

  test("the endpoint says where it listens", () => {
    expect(server.endpoint).toMatch(transport === "unix" ? /^unix:\/\/\// : /^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(parseEndpoint(server.endpoint).kind).toBe(transport);
  });

  describe.each(["v1", "v1alpha2"] as const)("CRI %s", (version) => {
    const client = () => connectCri(server.endpoint, version as "v1");
    const clients: ReturnType<typeof client>[] = [];
    const open = (): ReturnType<typeof client> => {
      const c = client();
      clients.push(c);
      return c;
    };
    afterAll(() => clients.forEach((c) => c.close()));

    test("Version answers", async () => {
      expect(await open().runtime.version({ version: "0.1.0" })).toEqual(stubVersion);
      expect(stub.lastVersionCall()?.metadata?.["user-agent"]?.[0]).toMatch(/grpc-node-js/);
    });

    test("a CriError reaches the client with its code and message", async () => {
      const err = await rejection(open().runtime.status({}));
      expect(status(err)).toEqual([Code.NotFound, "an error occurred when try to find sandbox: not found"]);
      expect(err.goString()).toBe(
        "rpc error: code = NotFound desc = an error occurred when try to find sandbox: not found",
      );
    });

    test("a plain Error becomes Unknown with its message", async () => {
      expect(status(await rejection(open().runtime.listContainers({})))).toEqual([
        Code.Unknown,
        "failed to list containers: boom",
      ]);
    });

    test("an error caused by a containerd not-found is NotFound, as errdefs.ToGRPC maps it", async () => {
      expect(status(await rejection(open().runtime.containerStatus({ containerId: "abc" })))).toEqual([
        Code.NotFound,
        'an error occurred when try to find container "abc"',
      ]);
    });

    test("left-out RPCs containerd 1.6.20 registers answer as grpc-go's Unimplemented server", async () => {
      const c = open();
      expect(status(await rejection(c.image.listImages({})))).toEqual([
        Code.Unimplemented,
        "method ListImages not implemented",
      ]);
      expect(status(await rejection(c.runtime.exec({})))).toEqual([Code.Unimplemented, "method Exec not implemented"]);
    });

    test("a deadline reaches the handler as an aborted signal; the handler keeps working", async () => {
      const started = Date.now();
      const err = await rejection(open().runtime.podSandboxStatus({ podSandboxId: "slow" }, { timeoutMs: 100 }));
      expect(status(err)).toEqual([Code.DeadlineExceeded, "context deadline exceeded"]);
      expect(Date.now() - started).toBeLessThan(slowMillis);
      const seen = await stub.next("slow");
      expect(Date.now() - started).toBeGreaterThanOrEqual(slowMillis - 5);
      expect(seen.aborted).toBe(true);
      // The client resets the stream when its deadline passes; whether that or the server's own
      // deadline ends the call first is a race, as it is for a grpc-go server's stream context.
      expect([new ContextError(Code.DeadlineExceeded), new ContextError(Code.Canceled)]).toContainEqual(seen.reason);
      // The client's 100 ms, counted from when the call arrived: not before the client's own deadline,
      // and past by now (the handler has run its slow course); how late it arrived is the machine's load.
      expect(seen.deadline!.getTime()).toBeGreaterThanOrEqual(started + 100 - 5);
      expect(seen.deadline!.getTime()).toBeLessThanOrEqual(Date.now());
    });

    test("a cancelled call reaches the handler as an aborted signal with context canceled", async () => {
      const controller = new AbortController();
      const call = open().runtime.removeContainer({ containerId: "x" }, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      expect(status(await rejection(call))).toEqual([Code.Canceled, "context canceled"]);
      const seen = await stub.next("cancelled");
      expect((seen.reason as ContextError).message).toBe("context canceled");
      expect(seen.deadline).toBeUndefined();
    });

    test("a response over 16 MiB fails as grpc-go's send limit does", async () => {
      const err = await rejection(open().runtime.listPodSandbox({ filter: { id: "huge" } }));
      expect(err.code).toBe(Code.ResourceExhausted);
      const m = /^grpc: trying to send message larger than max \((\d+) vs\. 16777216\)$/.exec(err.message);
      expect(Number(m?.[1])).toBeGreaterThan(maxMessageSize);
    });

    if (version === "v1") {
      test("left-out RPCs containerd 1.6.20 does not know answer as grpc-go does for an unknown method", async () => {
        const c = open();
        expect(status(await rejection(c.runtime.runtimeConfig({})))).toEqual([
          Code.Unimplemented,
          "unknown method RuntimeConfig for service runtime.v1.RuntimeService",
        ]);
        const err = await rejection((async () => {
          for await (const _ of c.runtime.streamContainers({})) break;
        })());
        expect(status(err)).toEqual([
          Code.Unimplemented,
          "unknown method StreamContainers for service runtime.v1.RuntimeService",
        ]);
      });

      test("a newer RPC the implementation provides is served", async () => {
        const got = [];
        for await (const r of open().image.streamImages({})) got.push(r);
        expect(got).toEqual([{ images: [] }]);
      });

      test("GetContainerEvents streams until the client stops, which the handler sees", async () => {
        const events = [];
        for await (const e of open().runtime.getContainerEvents({})) {
          events.push(e);
          if (events.length === eventCount) break;
        }
        expect(events.map((e) => [e.containerId, e.createdAt])).toEqual([
          ["c0", 123n],
          ["c1", 1_000_000_123n],
          ["c2", 2_000_000_123n],
        ]);
        const seen = await stub.next("stream");
        expect((seen.reason as ContextError).message).toBe("context canceled");
      });
    }
  });
});

describe("streams", () => {
  test("an error after some events ends the stream with its status", async () => {
    const server = await serveCri(failingStreamServices(), { listen: `unix://${nextSocket()}` });
    const client = connectCri(server.endpoint);
    const got: string[] = [];
    const err = await rejection((async () => {
      for await (const e of client.runtime.getContainerEvents({})) got.push(e.containerId);
    })());
    expect(got).toEqual(["a", "b"]);
    expect(status(err)).toEqual([Code.Unavailable, "events stream broke"]);
    client.close();
    await server.close();
  });

  test("a stream deadline reads as grpc-go's context deadline exceeded", async () => {
    const stub = createStub();
    const server = await serveCri(stub.services, { listen: "tcp://127.0.0.1:0" });
    const client = connectCri(server.endpoint);
    let count = 0;
    const err = await rejection((async () => {
      for await (const _ of client.runtime.getContainerEvents({}, { timeoutMs: 150 })) count++;
    })());
    expect(count).toBe(eventCount);
    expect(status(err)).toEqual([Code.DeadlineExceeded, "context deadline exceeded"]);
    expect([Code.DeadlineExceeded, Code.Canceled]).toContain(((await stub.next("stream")).reason as ContextError).code);
    client.close();
    await server.close();
  });
});

describe("status messages longer than a trailer carries", () => {
  test("are cut at a character's edge, saying how long they were", () => {
    expect(fitStatusMessage("short")).toBe("short");
    const long = fitStatusMessage(`not found: ${"é".repeat(10_000)}`);
    const bytes = new TextEncoder().encode(long).length;
    expect(bytes).toBeLessThanOrEqual(maxStatusMessageBytes);
    expect(long).toMatch(/^not found: é+ \.\.\. \[fake-cri: status message cut to fit an HTTP\/2 trailer; it was 20011 bytes\]$/);
  });

  test("an RPC echoing a 100,000-character ID is answered, and the connection stays healthy", async () => {
    const runtime = {
      containerStatus: async (request: v1.ContainerStatusRequest) => {
        throw new CriError(Code.NotFound, `an error occurred when try to find container ${JSON.stringify(request.containerId)}: not found`);
      },
      version: async () => stubVersion,
    };
    const server = await serveCri({ runtime } as Parameters<typeof serveCri>[0], { listen: `unix://${nextSocket()}` });
    const client = connectCri(server.endpoint);
    for (let i = 0; i < 5; i++) {
      const err = await rejection(client.runtime.containerStatus({ containerId: "x".repeat(100_000) }, { timeoutMs: 5000 }));
      expect(err.code).toBe(Code.NotFound);
      expect(err.message).toMatch(/^an error occurred when try to find container "x+ \.\.\. \[fake-cri: status message cut/);
      expect(await client.runtime.version({}, { timeoutMs: 5000 })).toEqual(stubVersion);
    }
    client.close();
    await server.close();
  });
});

describe("requests the handlers never see", () => {
  let server: CriServer;
  let channel: grpc.Client;
  beforeAll(async () => {
    server = await serveCri(createStub().services, { listen: `unix://${nextSocket()}` });
    channel = new grpc.Client(server.endpoint, grpc.credentials.createInsecure(), {
      "grpc.max_send_message_length": -1,
    });
  });
  afterAll(async () => {
    channel.close();
    await server.close();
  });
  const raw = (path: string, body: Buffer): Promise<grpc.ServiceError> =>
    new Promise((resolve, reject) =>
      channel.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, body, (err) =>
        err ? resolve(err) : reject(new Error("call succeeded")),
      ),
    );

  test("a request over 16 MiB fails as grpc-go's receive limit does", async () => {
    const err = await raw("/runtime.v1.RuntimeService/Version", Buffer.alloc(maxMessageSize + 1));
    expect([err.code, err.details]).toEqual([
      Code.ResourceExhausted,
      `grpc: received message larger than max (${maxMessageSize + 1} vs. ${maxMessageSize})`,
    ]);
  });

  test("an undecodable request fails as grpc-go's unmarshal error does", async () => {
    const err = await raw("/runtime.v1.RuntimeService/Version", Buffer.from([0x0a, 0x05, 0x61]));
    expect(err.code).toBe(Code.Internal);
    expect(err.details).toMatch(/^grpc: failed to unmarshal the received message /);
  });

  test("an RPC containerd does not know is refused before its request is read", async () => {
    const err = await raw("/runtime.v1.RuntimeService/RuntimeConfig", Buffer.from([0xff]));
    expect([err.code, err.details]).toEqual([
      Code.Unimplemented,
      "unknown method RuntimeConfig for service runtime.v1.RuntimeService",
    ]);
  });
});

describe("the unix socket", () => {
  test("is created 0600 and removed on close; close is idempotent", async () => {
    const path = nextSocket();
    const server = await serveCri({}, { listen: `unix://${path}` });
    const info = await lstat(path);
    expect(info.isSocket()).toBe(true);
    expect(info.mode & 0o777).toBe(0o600);
    await server.close();
    await server.close();
    expect(existsSync(path)).toBe(false);
  });

  test("defaults to a fresh socket in the temp dir", async () => {
    const server = await serveCri({ runtime: { version: async () => stubVersion } });
    const client = connectCri(server.endpoint);
    expect(await client.runtime.version({})).toEqual(stubVersion);
    client.close();
    await server.close();
    expect(existsSync(parseEndpoint(server.endpoint).kind === "unix" ? server.endpoint.slice(7) : "")).toBe(false);
  });

  test("replaces a stale socket file nothing answers on", async () => {
    const path = nextSocket();
    // A process that dies without cleaning up leaves its socket file behind.
    const child = spawn(process.execPath, [
      "-e",
      `require("net").createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, "SIGKILL"))`,
    ]);
    await new Promise((resolve) => child.on("exit", resolve));
    expect((await lstat(path)).isSocket()).toBe(true);
    const server = await serveCri({ runtime: { version: async () => stubVersion } }, { listen: `unix://${path}` });
    const client = connectCri(server.endpoint);
    expect(await client.runtime.version({})).toEqual(stubVersion);
    client.close();
    await server.close();
  });

  test("removes the private socket dirs of servers killed over a minute ago, and only those", async () => {
    const temp = await mkdtemp(join(tmpdir(), "fake-cri-sweep-"));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = temp;
    try {
      const killed = join(temp, "fake-cri-grpc-AAAAAA");
      const live = join(temp, "fake-cri-grpc-BBBBBB");
      const unmade = join(temp, "fake-cri-grpc-CCCCCC");
      // Bound a moment ago: a server starting now, not yet listening.
      const starting = join(temp, "fake-cri-grpc-DDDDDD");
      for (const dir of [killed, live, unmade, starting]) await mkdir(dir);
      for (const dir of [killed, starting]) {
        const child = spawn(process.execPath, [
          "-e",
          `require("net").createServer().listen(${JSON.stringify(join(dir, "grpc.sock"))}, () => process.kill(process.pid, "SIGKILL"))`,
        ]);
        await new Promise((resolve) => child.on("exit", resolve));
      }
      const longAgo = new Date(Date.now() - 120_000);
      await utimes(join(killed, "grpc.sock"), longAgo, longAgo);
      const other = net.createServer();
      await listen(other, join(live, "grpc.sock"));
      await utimes(join(live, "grpc.sock"), longAgo, longAgo);
      const server = await serveCri({}, { listen: `unix://${join(temp, "cri.sock")}` });
      expect(existsSync(killed)).toBe(false);
      expect(existsSync(join(live, "grpc.sock"))).toBe(true);
      expect(existsSync(unmade)).toBe(true);
      expect(existsSync(join(starting, "grpc.sock"))).toBe(true);
      await server.close();
      other.close();
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      await rm(temp, { recursive: true, force: true });
    }
  });

  test("refuses a socket something answers on, and leaves it alone", async () => {
    const path = nextSocket();
    const other = net.createServer();
    await listen(other, path);
    await expect(serveCri({}, { listen: `unix://${path}` })).rejects.toThrow(
      `listen unix ${path}: bind: address already in use`,
    );
    expect((await lstat(path)).isSocket()).toBe(true);
    other.close();
  });

  test("refuses a path that is not a socket, and leaves it alone", async () => {
    const path = nextSocket();
    await writeFile(path, "keep me");
    await expect(serveCri({}, { listen: `unix://${path}` })).rejects.toThrow(
      `listen unix ${path}: bind: address already in use`,
    );
    expect(await readFile(path, "utf8")).toBe("keep me");
  });

  test("close cancels calls in flight; their handlers see context canceled", async () => {
    const stub = createStub();
    const server = await serveCri(stub.services, { listen: `unix://${nextSocket()}` });
    const client = connectCri(server.endpoint);
    const call = rejection(client.runtime.removeContainer({ containerId: "x" }));
    await new Promise((r) => setTimeout(r, 50));
    await server.close();
    expect((await stub.next("cancelled")).reason).toEqual(new ContextError(Code.Canceled));
    expect((await call).code).toBe(Code.Unavailable);
    client.close();
  });

  test("accepts a client that sends the socket path as :authority (what nghttp2 alone refuses)", async () => {
    const path = nextSocket();
    const server = await serveCri({ runtime: { version: async () => stubVersion } }, { listen: `unix://${path}` });
    const session = http2.connect("http://localhost", { createConnection: () => net.connect(path) });
    const body = Buffer.from(v1.VersionRequest.encode({ version: "0.1.0" }).finish());
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, body.length]), body]);
    for (const authority of [path, `unix://${path}`, "localhost"]) {
      const req = session.request({
        ":method": "POST",
        ":path": "/runtime.v1alpha2.RuntimeService/Version",
        ":authority": authority,
        "content-type": "application/grpc",
        te: "trailers",
      });
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => req.on("trailers", resolve));
      req.end(frame);
      expect((await trailers)["grpc-status"]).toBe("0");
      const reply = Buffer.concat(chunks);
      expect(VersionResponse.decode(reply.subarray(5))).toEqual(stubVersion);
    }
    session.close();
    await server.close();
  });
});

describe("deadlines", () => {
  test("the server sends nothing when a deadline passes; the client's own timer decides, as with grpc-go", async () => {
    const stub = createStub();
    const path = nextSocket();
    const server = await serveCri(stub.services, { listen: `unix://${path}` });
    const session = http2.connect("http://localhost", { createConnection: () => net.connect(path) });
    const body = Buffer.from(v1.PodSandboxStatusRequest.encode({ podSandboxId: "slow", verbose: false }).finish());
    const started = Date.now();
    const req = session.request({
      ":method": "POST",
      ":path": "/runtime.v1.RuntimeService/PodSandboxStatus",
      "content-type": "application/grpc",
      te: "trailers",
      "grpc-timeout": "50m",
    });
    req.resume();
    const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => req.on("trailers", resolve));
    req.end(Buffer.concat([Buffer.from([0, 0, 0, 0, body.length]), body]));
    expect((await trailers)["grpc-status"]).toBe("0");
    expect(Date.now() - started).toBeGreaterThanOrEqual(slowMillis - 5);
    expect(((await stub.next("slow")).reason as ContextError).code).toBe(Code.DeadlineExceeded);
    session.close();
    await server.close();
  });
});

describe("parseEndpoint", () => {
  test.each([
    ["unix:///run/fake-cri/cri.sock", { kind: "unix", path: "/run/fake-cri/cri.sock" }],
    ["tcp://127.0.0.1:0", { kind: "tcp", host: "127.0.0.1", port: 0 }],
    ["tcp://:10010", { kind: "tcp", host: "127.0.0.1", port: 10010 }],
    ["tcp://[::1]:80", { kind: "tcp", host: "[::1]", port: 80 }],
    ["tcp://0.0.0.0:65535", { kind: "tcp", host: "0.0.0.0", port: 65535 }],
  ])("%s", (endpoint, want) => {
    expect(parseEndpoint(endpoint)).toEqual(want);
  });

  test.each(["/run/x.sock", "unix://relative.sock", "tcp://127.0.0.1", "tcp://127.0.0.1:65536", "http://x:1"])(
    "rejects %s",
    (endpoint) => {
      expect(() => parseEndpoint(endpoint)).toThrow(`unsupported endpoint ${JSON.stringify(endpoint)}`);
    },
  );

  test("a TCP listener binds loopback unless told otherwise", async () => {
    const server = await serveCri({}, { listen: "tcp://:0" });
    expect(server.endpoint).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    await server.close();
  });
});


