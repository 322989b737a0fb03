// The recording proxy against stub upstreams: what clients get through it is what they get
// directly (answers, statuses, streams, both API versions, old clients), what it answers itself
// (an upstream that is down, a deadline that passes, an upstream that goes away) and what it keeps.

import * as grpc from "@grpc/grpc-js";
import http2 from "node:http2";
import net from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { VersionRequest } from "../cri/api/v1.ts";
import { Code, CriError } from "../cri/errors.ts";
import { connectCri, serveCri, type CriServer } from "../cri/transport/grpc.ts";
import { tempSocketPath } from "../cri/transport/testing/h2-raw.ts";
import { createStub, eventCount, failingStreamServices, stubVersion } from "../cri/transport/testing/stub-service.ts";
import type { CriServices } from "../cri/service-types.ts";
import { startRecordingProxy, type RecordingProxy } from "./proxy.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An upstream serving `services` and the proxy in front of it, both on unix sockets of their own. */
async function proxied(services: CriServices): Promise<{ upstream: CriServer; proxy: RecordingProxy }> {
  const dir = tempSocketPath();
  cleanups.push(dir.cleanup);
  const upstream = await serveCri(services, { listen: `unix://${dir.path}.upstream` });
  cleanups.push(() => upstream.close());
  const proxy = await startRecordingProxy({ upstream: upstream.endpoint, listen: `unix://${dir.path}` });
  cleanups.push(() => proxy.close());
  return { upstream, proxy };
}

/** The proxy in front of a server of the test's own (not a CRI server) listening on a unix socket. */
async function proxiedBy(server: net.Server | http2.Http2Server): Promise<{ upstream: string; proxy: RecordingProxy }> {
  const dir = tempSocketPath();
  cleanups.push(dir.cleanup);
  await new Promise<void>((resolve) => server.listen(`${dir.path}.upstream`, resolve));
  cleanups.push(() => server.close());
  const upstream = `unix://${dir.path}.upstream`;
  const proxy = await startRecordingProxy({ upstream, listen: `unix://${dir.path}` });
  cleanups.push(() => proxy.close());
  return { upstream, proxy };
}

function client(endpoint: string) {
  const c = connectCri(endpoint);
  cleanups.push(() => c.close());
  return c;
}

/** Sends one gRPC call with a raw HTTP/2 client, which (unlike a gRPC library) does not enforce its own deadline. */
function rawCall(endpoint: string, path: string, message: Uint8Array, headers: http2.OutgoingHttpHeaders) {
  const session = http2.connect("http://localhost", { createConnection: () => net.connect(endpoint.slice("unix://".length)) });
  cleanups.push(() => session.destroy());
  const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...headers });
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  stream.end(frame);
  return new Promise<{ status: string | undefined; message: string | undefined; ms: number }>((resolve) => {
    const started = performance.now();
    const settle = (h: http2.IncomingHttpHeaders) =>
      resolve({ status: h["grpc-status"] as string | undefined, message: h["grpc-message"] as string | undefined, ms: performance.now() - started });
    stream.on("response", (h, flags) => {
      if (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) settle(h);
    });
    stream.on("trailers", settle);
    stream.resume();
  });
}

describe("what clients get through the proxy", () => {
  test("answers, statuses and server streams of both API versions, as from the upstream itself", async () => {
    const stub = createStub();
    const { proxy } = await proxied(stub.services);
    const v1 = client(proxy.endpoint);
    const alpha = connectCri(proxy.endpoint, "v1alpha2");
    cleanups.push(() => alpha.close());

    expect(await v1.runtime.version({})).toEqual(stubVersion);
    expect(await alpha.runtime.version({ version: "v1alpha2" })).toMatchObject({ runtimeName: stubVersion.runtimeName });
    await expect(v1.runtime.status({})).rejects.toEqual(new CriError(Code.NotFound, "an error occurred when try to find sandbox: not found"));
    await expect(v1.runtime.containerStatus({ containerId: "100%-ü" })).rejects.toEqual(
      new CriError(Code.NotFound, 'an error occurred when try to find container "100%-ü"'),
    );
    const events: string[] = [];
    const controller = new AbortController();
    const cancelled = (async () => {
      for await (const event of v1.runtime.getContainerEvents({}, { signal: controller.signal })) {
        events.push(event.containerId);
        if (events.length === eventCount) controller.abort();
      }
    })();
    await expect(cancelled).rejects.toEqual(new CriError(Code.Canceled, "context canceled"));
    expect(events).toEqual(["c0", "c1", "c2"]);
    expect((await stub.next("stream")).aborted).toBe(true);

    // A client of its own (grpc-js shares one connection between the two above): a second connection.
    expect(await rawCall(proxy.endpoint, "/runtime.v1.ImageService/ImageFsInfo", new Uint8Array(), {})).toMatchObject({ status: "0" });

    // Each call kept with its octets, its connection and the status its client got.
    expect(proxy.connections).toBe(2);
    expect(proxy.exchanges.map((e) => [e.path, e.connection, e.status?.code])).toEqual([
      ["/runtime.v1.RuntimeService/Version", 1, Code.OK],
      ["/runtime.v1alpha2.RuntimeService/Version", 1, Code.OK],
      ["/runtime.v1.RuntimeService/Status", 1, Code.NotFound],
      ["/runtime.v1.RuntimeService/ContainerStatus", 1, Code.NotFound],
      ["/runtime.v1.RuntimeService/GetContainerEvents", 1, Code.Canceled],
      ["/runtime.v1.ImageService/ImageFsInfo", 2, Code.OK],
    ]);
    expect(proxy.exchanges[3]!.status!.message).toBe('an error occurred when try to find container "100%-ü"');
    expect(Buffer.concat(proxy.exchanges[0]!.request).subarray(5)).toEqual(Buffer.from(VersionRequest.encode({ version: "" }).finish()));
    expect(proxy.exchanges.every((e) => e.ended! >= e.started)).toBe(true);
  });

  test("a stream that ends with an error passes its messages and its status", async () => {
    const { proxy } = await proxied(failingStreamServices());
    const ids: string[] = [];
    await expect(
      (async () => {
        for await (const event of client(proxy.endpoint).runtime.getContainerEvents({})) ids.push(event.containerId);
      })(),
    ).rejects.toEqual(new CriError(Code.Unavailable, "events stream broke"));
    expect(ids).toEqual(["a", "b"]);
    expect(proxy.exchanges[0]!.status).toEqual({ code: Code.Unavailable, message: "events stream broke" });
  });

  test("a client that sends the socket path as :authority (kubelets < 1.26, crictl <= 1.26) gets through the shim", async () => {
    const { proxy } = await proxied(createStub().services);
    const path = proxy.endpoint.slice("unix://".length);
    const old = new grpc.Client(proxy.endpoint, grpc.credentials.createInsecure(), { "grpc.default_authority": path });
    cleanups.push(() => old.close());
    const answer = await new Promise<Buffer>((resolve, reject) =>
      old.makeUnaryRequest("/runtime.v1.RuntimeService/Version", (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), (err, res) =>
        err ? reject(err) : resolve(res!),
      ),
    );
    expect(answer.length).toBeGreaterThan(0);
  });
});

describe("what the proxy answers itself", () => {
  test("an upstream that is down: Unavailable, naming the upstream and why", async () => {
    const dir = tempSocketPath();
    cleanups.push(dir.cleanup);
    const proxy = await startRecordingProxy({ upstream: `unix://${dir.path}.nobody`, listen: `unix://${dir.path}` });
    cleanups.push(() => proxy.close());
    const error = await client(proxy.endpoint).runtime.version({}).catch((err: CriError) => err);
    expect(error).toMatchObject({ code: Code.Unavailable });
    expect((error as CriError).message).toBe(`fake-cri record: the upstream unix://${dir.path}.nobody is unavailable: connect ENOENT ${dir.path}.nobody`);
    expect(proxy.exchanges[0]!.status).toEqual({ code: Code.Unavailable, message: (error as CriError).message });
  });

  test("a slow upstream: at the client's deadline the upstream call is cancelled and the client told, even a client that does not count", async () => {
    const stub = createStub();
    const { proxy } = await proxied(stub.services);
    // RemoveContainer waits until it is cancelled.
    const answer = await rawCall(proxy.endpoint, "/runtime.v1.RuntimeService/RemoveContainer", new Uint8Array(), { "grpc-timeout": "200m" });
    expect(answer).toMatchObject({ status: String(Code.DeadlineExceeded), message: "context deadline exceeded" });
    expect(answer.ms).toBeGreaterThanOrEqual(190);
    expect(answer.ms).toBeLessThan(2_000);
    expect((await stub.next("cancelled")).aborted).toBe(true);
    expect(proxy.exchanges[0]).toMatchObject({ timeoutMs: 200, status: { code: Code.DeadlineExceeded, message: "context deadline exceeded" } });
  });

  test("an upstream that dies during a call: Unavailable", async () => {
    // It takes the connection and the call's first octets, then its process is gone.
    const dying = net.createServer((socket) => socket.once("data", () => setTimeout(() => socket.destroy(), 50)));
    const { upstream, proxy } = await proxiedBy(dying);
    const error = (await client(proxy.endpoint).runtime.version({}).catch((err: CriError) => err)) as CriError;
    expect(error.code).toBe(Code.Unavailable);
    expect(error.message).toMatch(new RegExp(`^fake-cri record: the upstream ${upstream} is unavailable`));
  });

  test("an upstream that resets the call: the client's call is reset the same way", async () => {
    const refusing = http2.createServer();
    refusing.on("stream", (stream) => {
      stream.on("error", () => {});
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
    });
    const { proxy } = await proxiedBy(refusing);
    const error = (await client(proxy.endpoint).runtime.version({}).catch((err: CriError) => err)) as CriError;
    expect(error.code).toBe(Code.Unavailable);
    expect(proxy.exchanges[0]!.status).toEqual({ code: Code.Unavailable, message: "stream terminated by RST_STREAM with error code: REFUSED_STREAM" });
  });

  test("calls in flight when the recording stops are kept without a status", async () => {
    const { proxy } = await proxied(createStub().services);
    const c = client(proxy.endpoint);
    const stream = c.runtime.getContainerEvents({})[Symbol.asyncIterator]();
    await stream.next();
    await proxy.close();
    await stream.next().catch(() => undefined);
    expect(proxy.exchanges[0]!.status).toBeUndefined();
    expect(proxy.exchanges[0]!.response.length).toBeGreaterThan(0);
  });
});
