// fake.exec() and fake.attach(): interactive streams without HTTP.

import { afterEach, describe, expect, test } from "vitest";
import { createFakeCri, type FakeCri } from "./index.ts";

let fake: FakeCri;

afterEach(async () => {
  await fake?.close();
});

async function start(container: { command: string[]; stdin?: boolean; stdinOnce?: boolean; tty?: boolean }): Promise<string> {
  fake = await createFakeCri({ seed: 1, images: ["busybox:1.36"] });
  const config = { metadata: { name: "p", namespace: "default", uid: "p" } };
  const { podSandboxId } = await fake.runtime.runPodSandbox({ config });
  const { containerId } = await fake.runtime.createContainer({
    podSandboxId,
    sandboxConfig: config,
    config: { metadata: { name: "c" }, image: { image: "busybox:1.36" }, ...container },
  });
  await fake.runtime.startContainer({ containerId });
  return containerId;
}

describe("fake.exec", () => {
  test("output and the exit code, stdout and stderr apart", async () => {
    const id = await start({ command: ["sleep", "infinity"] });
    const run = fake.exec(id, ["sh", "-c", "echo out; echo err >&2; exit 5"]);
    expect(await run.exitCode).toBe(5);
    expect([run.stdout.text(), run.stderr.text()]).toEqual(["out\n", "err\n"]);
  });

  test("an interactive shell on a terminal: prompt, echo, resize, exit", async () => {
    const id = await start({ command: ["sleep", "infinity"] });
    const shell = fake.exec(id, ["sh"], { tty: true, stdin: true });
    await shell.stdout.waitFor("/ # ");
    shell.resize(120, 40);
    shell.write("echo hi\r");
    await shell.stdout.waitFor("hi\r\n/ # ");
    shell.write("exit 2\r");
    expect(await shell.exitCode).toBe(2);
    expect(shell.stdout.text()).toBe("/ # echo hi\r\nhi\r\n/ # exit 2\r\n");
  });

  test("an exec in a container that is not running fails as the streaming server reports it", async () => {
    const id = await start({ command: ["true"] });
    await fake.advance(100);
    await expect(fake.exec(id, ["echo"]).exitCode).rejects.toThrow("failed to exec in container: container is in CONTAINER_EXITED state");
  });
});

describe("fake.attach", () => {
  test("a container's shell started with stdin: commands in, output out, done when stdin closes", async () => {
    const id = await start({ command: ["/bin/sh"], stdin: true, stdinOnce: true });
    const attached = fake.attach(id, { stdin: true });
    attached.write("echo -n hello\n");
    await attached.stdout.waitFor("hello");
    attached.closeStdin();
    await attached.done;
    const { status } = await fake.runtime.containerStatus({ containerId: id });
    expect([status?.state, status?.exitCode]).toEqual([2, 0]);
  });
});
