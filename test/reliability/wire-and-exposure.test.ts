// The wire and the way `fake-cri serve` shows itself (issue 17): a call whose status message
// echoes a 100,000-character ID is answered and the connection stays usable; a request over the 16
// MiB limit is refused before it is read; a non-loopback TCP address needs a flag and gets a
// warning; a socket path the kernel would cut short is refused before anything is made; a start
// that fails leaves nothing behind.

import * as grpc from "@grpc/grpc-js";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Code, CriError } from "../../src/cri/errors.ts";
import { connectCri } from "../../src/cri/transport/grpc.ts";
import { startFakeCri, stopFakeCri } from "../fake-cri-process.ts";
import { removeScratch, scratch, serve, type Served } from "./served.ts";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeScratch));

describe("the wire", () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve();
    dirs.push(served.dir);
  }, 60_000);
  afterAll(() => served?.stop());

  test("a status message that echoes a 100,000-character ID is answered, cut, and the connection stays usable", async () => {
    for (let i = 0; i < 10; i++) {
      const err = await served.client.runtime.containerStatus({ containerId: "x".repeat(100_000) }, { timeoutMs: 5000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CriError);
      expect((err as CriError).code).toBe(Code.NotFound);
      expect((err as CriError).message).toMatch(/^an error occurred when try to find container "x+ \.\.\. \[fake-cri: status message cut to fit an HTTP\/2 trailer; it was 100058 bytes\]$/);
      expect((await served.client.runtime.version({}, { timeoutMs: 5000 })).runtimeName).toBe("containerd");
    }
  });

  test("a 64 MiB request is refused from its length prefix, without the server reading it", async () => {
    const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${served.child.pid}/status`, "utf8"))![1]) * 1024;
    const before = rss();
    const channel = new grpc.Client(served.endpoint, grpc.credentials.createInsecure(), { "grpc.max_send_message_length": -1 });
    const err = await new Promise<grpc.ServiceError | undefined>((resolve) =>
      channel.makeUnaryRequest("/runtime.v1.RuntimeService/Version", (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(64 << 20), (e) => resolve(e ?? undefined)),
    );
    expect([err?.code, err?.details]).toEqual([Code.ResourceExhausted, `grpc: received message larger than max (${64 << 20} vs. ${16 << 20})`]);
    expect(rss() - before).toBeLessThan(16 << 20);
    channel.close();
    expect((await served.client.runtime.version({})).runtimeName).toBe("containerd");
  });
});

describe("exposure", () => {
  test("a TCP address beyond loopback is refused without --allow-non-loopback, and warned about with it", async () => {
    await expect(startFakeCri(["serve", "--listen", "tcp://0.0.0.0:0"])).rejects.toThrow(
      "fake-cri: --listen tcp://0.0.0.0:0: not a loopback address; anyone who reaches it could run any CRI call and write the allowed host roots. Pass --allow-non-loopback to serve there anyway",
    );
    const running = await startFakeCri(["serve", "--listen", "tcp://0.0.0.0:0", "--allow-non-loopback"]);
    expect(running.stderr()).toContain("fake-cri: warning: serving on tcp://0.0.0.0:0, beyond loopback: anyone who reaches it can run any CRI call");
    const port = /:(\d+)$/.exec(running.endpoint)![1];
    const client = connectCri(`tcp://127.0.0.1:${port}`);
    expect((await client.runtime.version({})).runtimeName).toBe("containerd");
    client.close();
    expect(await stopFakeCri(running)).toBe(0);
  }, 60_000);

  test("a socket path longer than the kernel takes is refused before anything is made", async () => {
    const dir = scratch("long");
    dirs.push(dir);
    const socket = join(dir, "d".repeat(60), "s".repeat(60), "cri.sock");
    await expect(startFakeCri(["serve", "--listen", `unix://${socket}`])).rejects.toThrow(
      `fake-cri: listen unix ${socket}: the socket path is ${Buffer.byteLength(socket)} bytes long; a unix socket path may have at most 107`,
    );
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);

  test("a start that fails leaves nothing behind: no temporary data dir, no socket directory", async () => {
    const dir = scratch("failed-start");
    dirs.push(dir);
    const temp = join(dir, "tmp");
    mkdirSync(temp);
    writeFileSync(join(dir, "busy.sock"), "not a socket");
    await expect(startFakeCri(["serve", "--listen", `unix://${join(dir, "busy.sock")}`], { TMPDIR: temp })).rejects.toThrow(
      `listen unix ${join(dir, "busy.sock")}: bind: address already in use`,
    );
    await expect(startFakeCri(["serve", "--listen", `unix://${join(dir, "new", "cri.sock")}`, "--config", join(dir, "missing.toml")], { TMPDIR: temp })).rejects.toThrow(
      "no such file or directory",
    );
    await expect(startFakeCri(["serve", "--listen", `unix://${join(dir, "busy.sock")}`, "--state", join(dir, "node", "state.json")], { TMPDIR: temp })).rejects.toThrow(
      "bind: address already in use",
    );
    expect(readdirSync(temp)).toEqual([]);
    expect(existsSync(join(dir, "new"))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(["busy.sock", "tmp"]);
  }, 60_000);
});
