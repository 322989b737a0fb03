import { afterEach, describe, expect, test } from "vitest";
import { Code } from "../errors.ts";
import type { FakeCri } from "../../harness/index.ts";
import { advance, create, createAndStart, newFake, rejection, runPod, text, type Pod } from "../testing/container-fixtures.ts";

let fake: FakeCri;
let pod: Pod;

afterEach(async () => {
  await fake?.close();
});

describe("ReopenContainerLog", () => {
  test("after rotation, output goes to a new file at the log path", async () => {
    fake = await newFake();
    pod = await runPod(fake);
    fake.containerd.processes.onContainer({ args: ["ticker"] }, {
      output: [
        { stream: "stdout", data: "before\n", atMs: 0 },
        { stream: "stdout", data: "after\n", atMs: 1000 },
      ],
    });
    const id = await createAndStart(fake, pod, "tick", ["ticker"]);
    await advance(fake, 600);
    const path = "/var/log/pods/pod/tick.log";
    const rotated = text(fake.hostFs.readFile(path));
    fake.hostFs.removeAll(path);
    expect(await fake.runtime.reopenContainerLog({ containerId: id })).toEqual({});
    await advance(fake, 400);
    expect(rotated.split("\n").filter(Boolean).map((l) => l.split(" ").slice(1).join(" "))).toEqual(["stdout F before"]);
    expect(text(fake.hostFs.readFile(path)).split("\n").filter(Boolean).map((l) => l.split(" ").slice(1).join(" "))).toEqual(["stdout F after"]);
  });

  test("a shell loop that logs every second keeps logging into the reopened file; the rotated one stops growing (critest)", async () => {
    fake = await newFake();
    pod = await runPod(fake);
    const id = await createAndStart(fake, pod, "logger", ["sh", "-c", "while true; do echo hello; sleep 1; done"]);
    const path = "/var/log/pods/pod/logger.log";
    const lines = (file: string) => text(fake.hostFs.readFile(file)).split("\n").filter(Boolean).map((l) => l.split(" ").slice(1).join(" "));
    await advance(fake, 2500);
    expect(lines(path)).toEqual(["stdout F hello", "stdout F hello", "stdout F hello"]);
    fake.hostFs.writeFile(`${path}.new`, fake.hostFs.readFile(path));
    fake.hostFs.removeAll(path);
    await fake.runtime.reopenContainerLog({ containerId: id });
    await advance(fake, 2000);
    expect(lines(path)).toEqual(["stdout F hello", "stdout F hello"]);
    expect(lines(`${path}.new`)).toHaveLength(3);
  });

  test("only a running container's log can be reopened", async () => {
    fake = await newFake();
    pod = await runPod(fake);
    const created = await create(fake, pod, "created");
    const err = await rejection(fake.runtime.reopenContainerLog({ containerId: created }));
    expect([err.code, err.message]).toEqual([Code.Unknown, "container is not running"]);
    const unknown = await rejection(fake.runtime.reopenContainerLog({ containerId: "zzzz" }));
    expect([unknown.code, unknown.message]).toEqual([Code.NotFound, 'an error occurred when try to find container "zzzz": not found']);
    const nolog = await createAndStart(fake, pod, "nolog", ["sleep", "infinity"], { logPath: "" });
    await fake.runtime.reopenContainerLog({ containerId: nolog });
  });
});
