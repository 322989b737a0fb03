import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { ContainerState } from "../../src/cri/api/v1.ts";
import { Code, CriError } from "../../src/cri/errors.ts";
import { connectCri, createCriClient } from "../../src/cri/transport/grpc.ts";
import { createFakeCri } from "../../src/harness/index.ts";
import { busybox, runPod } from "./pod.ts";

const dir = mkdtempSync(join(tmpdir(), "fake-cri-shared-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let sockets = 0;
const nextSocket = (): string => `unix://${join(dir, `cri-${++sockets}.sock`)}`;

describe("over a unix socket (serve + connectCri on this runtime)", () => {
  test("Version and Status; the socket is 0600 and gone after close", async () => {
    const fake = await createFakeCri({ seed: 1 });
    const server = await fake.serve(nextSocket());
    const path = server.endpoint.slice("unix://".length);
    expect(statSync(path).mode & 0o777).toBe(0o600);

    const client = connectCri(server.endpoint);
    expect(await client.runtime.version({})).toEqual({
      version: "0.1.0",
      runtimeName: "containerd",
      runtimeVersion: "v2.4.2",
      runtimeApiVersion: "v1",
    });
    const { status } = await client.runtime.status({});
    expect(status?.conditions.map((c) => [c.type, c.status])).toEqual([
      ["RuntimeReady", true],
      ["NetworkReady", true],
      ["ContainerdHasNoDeprecationWarnings", true],
    ]);
    client.close();
    await fake.close();
    expect(() => statSync(path)).toThrow();
  });

  test("createCriClient: v1 and v1alpha2 on one connection, 64-bit integers as bigint, failures as CriError", async () => {
    const fake = await createFakeCri({ seed: 1, images: ["busybox:1.36"], containerd: "1.6" }); // 1.6 serves v1alpha2
    const client = createCriClient((await fake.serve(nextSocket())).endpoint);
    expect((await client.runtime.version({})).runtimeApiVersion).toBe("v1");
    expect((await client.v1alpha2.runtime.version({ version: "v1alpha2" })).runtimeApiVersion).toBe("v1alpha2");
    const { image } = await client.image.imageStatus({ image: { image: "busybox:1.36" } });
    expect(typeof image!.size).toBe("bigint");
    await expect(client.v1alpha2.image.imageStatus({ image: { image: "" } })).rejects.toEqual(
      new CriError(Code.Unknown, `can not resolve "" locally: ambiguous digest string`),
    );
    client.close();
    await fake.close();
  });

  test("v1alpha2 on the same socket answers as the in-process v1alpha2 client (Version says v1alpha2)", async () => {
    const fake = await createFakeCri({ seed: 1, containerd: "1.6" });
    const server = await fake.serve(nextSocket());
    const client = connectCri(server.endpoint, "v1alpha2");
    const inProcess = await fake.v1alpha2.runtime.version({ version: "v1alpha2" });
    expect(inProcess.runtimeApiVersion).toBe("v1alpha2");
    expect(await client.runtime.version({ version: "v1alpha2" })).toEqual(inProcess);
    expect(await client.image.listImages({})).toEqual(await fake.v1alpha2.image.listImages({}));
    client.close();
    await fake.close();
  });

  test("images over the socket answer as in-process; a fault arrives as the same status", async () => {
    const fake = await createFakeCri({ seed: 1 });
    const server = await fake.serve(nextSocket());
    const client = connectCri(server.endpoint);
    const { imageRef } = await client.image.pullImage({ image: { image: "busybox:1.36" } });
    expect(await client.image.imageStatus({ image: { image: busybox } })).toEqual(await fake.image.imageStatus({ image: { image: busybox } }));
    expect((await client.image.listImages({})).images.map((i) => i.id)).toContain(imageRef);
    const usage = (await client.image.imageFsInfo({})).imageFilesystems;
    expect(usage).toHaveLength(1);

    fake.containerd.faults.inject({ op: "images.create", error: { kind: "unavailable", message: "bolt: database not open: unavailable" } });
    await expect(client.image.pullImage({ image: { image: "alpine:3.19" } })).rejects.toEqual(
      new CriError(Code.Unavailable, 'failed to pull and unpack image "docker.io/library/alpine:3.19": bolt: database not open: unavailable'),
    );
    client.close();
    await fake.close();
  });

  test("v1alpha2 is an unknown service as containerd 2.4.2 answers it", async () => {
    const fake = await createFakeCri({ seed: 1 });
    const server = await fake.serve(nextSocket());
    const client = connectCri(server.endpoint, "v1alpha2");
    await expect(client.runtime.version({})).rejects.toEqual(new CriError(Code.Unimplemented, "unknown service runtime.v1alpha2.RuntimeService"));
    client.close();
    await fake.close();
  });

  test("GetContainerEvents streams a pod's events until the client cancels", async () => {
    const fake = await createFakeCri({ seed: 1 });
    const server = await fake.serve(nextSocket());
    const client = connectCri(server.endpoint);
    const { podSandboxId } = await client.runtime.runPodSandbox({ config: { metadata: { name: "web", namespace: "shared", uid: "web-1" } } });
    const cancel = new AbortController();
    const received: [string, number][] = [];
    const ended = await (async () => {
      for await (const event of client.runtime.getContainerEvents({}, { signal: cancel.signal })) {
        received.push([event.containerId, event.containerEventType]);
        if (received.length === 2) cancel.abort();
      }
    })().catch((err: unknown) => err);
    expect(received).toEqual([
      [podSandboxId, 0], // CONTAINER_CREATED_EVENT: held for the first subscriber
      [podSandboxId, 1], // CONTAINER_STARTED_EVENT
    ]);
    expect(ended).toEqual(new CriError(Code.Canceled, "context canceled"));
    client.close();
    await fake.close();
  });

  test("a server stream that fails ends with its status (GetContainerEvents, unimplemented in containerd 1.6.20)", async () => {
    const fake = await createFakeCri({ seed: 1, containerd: "1.6" });
    const server = await fake.serve(nextSocket());
    const client = connectCri(server.endpoint);
    const received: unknown[] = [];
    const failure = await (async () => {
      for await (const event of client.runtime.getContainerEvents({})) received.push(event);
    })().catch((err: unknown) => err);
    expect(received).toEqual([]);
    expect(failure).toEqual(new CriError(Code.Unimplemented, "method GetContainerEvents not implemented"));
    client.close();
    await fake.close();
  });

  test("a pod's lifecycle through the socket", async () => {
    const fake = await createFakeCri({ seed: 1, images: [busybox] });
    const server = await fake.serve(nextSocket());
    const client = connectCri(server.endpoint);
    const { containerId } = await runPod(client.runtime);
    expect((await client.runtime.containerStatus({ containerId })).status).toMatchObject({ state: ContainerState.CONTAINER_RUNNING });
    await client.runtime.stopContainer({ containerId, timeout: 0n });
    expect((await client.runtime.containerStatus({ containerId })).status).toMatchObject({
      state: ContainerState.CONTAINER_EXITED,
      exitCode: 137,
    });
    await client.runtime.removeContainer({ containerId });
    await expect(client.runtime.containerStatus({ containerId })).rejects.toEqual(
      new CriError(Code.NotFound, `an error occurred when try to find container "${containerId}": not found`),
    );
    client.close();
    await fake.close();
  });
});
