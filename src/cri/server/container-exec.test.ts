import { afterEach, describe, expect, test } from "vitest";
import { Code } from "../errors.ts";
import type { FakeCri } from "../../harness/index.ts";
import { advance, create, createAndStart, newFake, rejection, runPod, type Pod } from "../testing/container-fixtures.ts";

let fake: FakeCri;
let pod: Pod;

afterEach(async () => {
  await fake?.close();
});

describe("Exec and Attach", () => {
  test("a running container gets one-time URLs on the streaming server", async () => {
    fake = await newFake({ streamBaseUrl: "http://127.0.0.1:10010" });
    pod = await runPod(fake);
    const id = await createAndStart(fake, pod, "app");
    const exec = await fake.runtime.exec({ containerId: id, cmd: ["sh"], stdout: true });
    expect(exec.url).toMatch(/^http:\/\/127\.0\.0\.1:10010\/exec\/[A-Za-z0-9_-]{8}$/);
    const again = await fake.runtime.exec({ containerId: id.slice(0, 10), stdin: true, tty: true });
    expect(again.url).not.toBe(exec.url);
    const attach = await fake.runtime.attach({ containerId: id, stdout: true, stderr: true });
    expect(attach.url).toMatch(/^http:\/\/127\.0\.0\.1:10010\/attach\/[A-Za-z0-9_-]{8}$/);
  });

  test("validation: state first, then the stream combination", async () => {
    fake = await newFake();
    pod = await runPod(fake);
    const created = await create(fake, pod, "created");
    const running = await createAndStart(fake, pod, "running");
    const cases: Array<[Promise<unknown>, Code, string]> = [
      [fake.runtime.exec({ containerId: created, stdout: true }), Code.Unknown, "container is in CONTAINER_CREATED state"],
      [fake.runtime.attach({ containerId: created, stdout: true }), Code.Unknown, "container is in CONTAINER_CREATED state"],
      [fake.runtime.exec({ containerId: running, tty: true, stdout: true, stderr: true }), Code.InvalidArgument, "tty and stderr cannot both be true"],
      [fake.runtime.attach({ containerId: running, tty: true, stderr: true }), Code.InvalidArgument, "tty and stderr cannot both be true"],
      [fake.runtime.exec({ containerId: running, cmd: ["sh"] }), Code.InvalidArgument, "one of stdin, stdout, or stderr must be set"],
      [fake.runtime.attach({ containerId: running }), Code.InvalidArgument, "one of stdin, stdout, and stderr must be set"],
      [fake.runtime.exec({ containerId: "zzzz", stdout: true }), Code.NotFound, 'failed to find container "zzzz" in store: not found'],
      [fake.runtime.attach({ containerId: "zzzz", stdout: true }), Code.NotFound, "failed to find container in store: not found"],
      [fake.runtime.exec({ containerId: "", stdout: true }), Code.Unknown, `failed to find container "" in store: Prefix can't be empty`],
    ];
    for (const [call, code, message] of cases) {
      const err = await rejection(call);
      expect([err.code, err.message]).toEqual([code, message]);
    }
  });

  test("at most 1000 requests wait for the streaming server; each expires after a minute", async () => {
    fake = await newFake();
    pod = await runPod(fake);
    const id = await createAndStart(fake, pod, "app");
    for (let i = 0; i < 1000; i++) await fake.runtime.exec({ containerId: id, stdout: true });
    const full = await rejection(fake.runtime.attach({ containerId: id, stdout: true }));
    expect([full.code, full.message]).toEqual([Code.ResourceExhausted, "maximum number of in-flight requests exceeded"]);
    await advance(fake, 60_001);
    await fake.runtime.attach({ containerId: id, stdout: true });
  });
});
