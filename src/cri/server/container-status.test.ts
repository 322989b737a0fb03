import { afterEach, describe, expect, test } from "vitest";
import { ContainerState } from "../api/v1.ts";
import { Code } from "../errors.ts";
import type { FakeCri } from "../../harness/index.ts";
import { advance, busybox, create, createAndStart, newFake, rejection, runPod, status, type Pod } from "../testing/container-fixtures.ts";

let fake: FakeCri;
let pod: Pod;

afterEach(async () => {
  await fake?.close();
});

async function setUp() {
  fake = await newFake();
  pod = await runPod(fake);
}

describe("ContainerStatus", () => {
  test("image as its tag and imageRef as its repo digest when the image has one, else the ID", async () => {
    await setUp();
    const { images } = await fake.image.listImages({});
    const image = images.find((i) => i.repoTags.includes(busybox))!;
    const id = await create(fake, pod, "app", ["true"], { image: { image: image.id } });
    const s = await status(fake, id);
    expect(s.image?.image).toBe(busybox);
    expect(s.imageRef).toBe(image.repoDigests[0] ?? image.id);
    const [listed] = (await fake.runtime.listContainers({})).containers;
    expect(listed!.image?.image).toBe(image.id);
    expect(listed!.imageRef).toBe(image.id);
  });

  test("once the image is gone, the config's image and the image ID are reported", async () => {
    await setUp();
    const { images } = await fake.image.listImages({});
    const image = images.find((i) => i.repoTags.includes(busybox))!;
    const id = await create(fake, pod, "app", ["true"], { image: { image: "busybox:1.36" } });
    await fake.image.removeImage({ image: { image: image.id } });
    const s = await status(fake, id);
    expect(s.image?.image).toBe("busybox:1.36");
    expect(s.imageRef).toBe(image.id);
  });

  test("times by state: a created container has no start or finish, a running one no finish", async () => {
    await setUp();
    const id = await create(fake, pod, "app", ["sleep", "5"]);
    const created = await status(fake, id);
    expect([created.state, created.startedAt, created.finishedAt]).toEqual([ContainerState.CONTAINER_CREATED, 0n, 0n]);
    await fake.runtime.startContainer({ containerId: id });
    const running = await status(fake, id);
    expect(running.state).toBe(ContainerState.CONTAINER_RUNNING);
    expect(running.startedAt).toBeGreaterThan(created.createdAt);
    expect(running.finishedAt).toBe(0n);
    await advance(fake, 5000);
    const exited = await status(fake, id);
    expect(exited).toMatchObject({ state: ContainerState.CONTAINER_EXITED, startedAt: running.startedAt, exitCode: 0, reason: "Completed" });
    expect(exited.finishedAt - running.startedAt).toBeGreaterThan(4_999_000_000n);
  });

  test("echoes labels, annotations, mounts and the log path", async () => {
    await setUp();
    const id = await create(fake, pod, "app", ["true"], {
      labels: { a: "1" },
      annotations: { b: "2" },
      mounts: [{ containerPath: "/data", hostPath: "/srv/data", readonly: true, propagation: 1 }],
    });
    const s = await status(fake, id);
    expect(s.labels).toEqual({ a: "1" });
    expect(s.annotations).toEqual({ b: "2" });
    expect(s.mounts).toEqual([expect.objectContaining({ containerPath: "/data", hostPath: "/srv/data", readonly: true, propagation: 1 })]);
    expect(s.logPath).toBe("/var/log/pods/pod/app.log");
  });

  test("verbose info: containerd's ContainerInfo JSON with snake_case config, runtime options and spec", async () => {
    fake = await newFake({ config: { containerd: { runtimes: { runc: { type: "io.containerd.runc.v2", options: { Root: "/run/r", SystemdCgroup: true } } } } } });
    pod = await runPod(fake);
    const id = await createAndStart(fake, pod, "app", ["sleep", "infinity"], { workingDir: "/tmp", tty: true, stdin: true });
    const { info } = await fake.runtime.containerStatus({ containerId: id, verbose: true });
    const text = info.info!;
    expect(Object.keys(JSON.parse(text))).toEqual(["sandboxID", "pid", "removing", "snapshotKey", "snapshotter", "runtimeType", "runtimeOptions", "config", "runtimeSpec"]);
    const parsed = JSON.parse(text);
    expect(parsed.pid).toBe(fake.service.containerStore.get(id).status.get().pid);
    expect(parsed.removing).toBe(false);
    expect(parsed.runtimeOptions).toEqual({ root: "/run/r", systemd_cgroup: true });
    expect(parsed.config).toEqual({
      metadata: { name: "app" },
      image: { image: busybox },
      command: ["sleep", "infinity"],
      working_dir: "/tmp",
      log_path: "app.log",
      stdin: true,
      tty: true,
      linux: {},
    });
    expect(parsed.runtimeSpec.process.terminal).toBe(true);
    expect(parsed.runtimeSpec.process.env).toContain("TERM=xterm");
    expect((await fake.runtime.containerStatus({ containerId: id })).info).toEqual({});
  });

  test("unknown, empty and ambiguous IDs", async () => {
    await setUp();
    const unknown = await rejection(fake.runtime.containerStatus({ containerId: "zzzz" }));
    expect([unknown.code, unknown.message]).toEqual([Code.NotFound, 'an error occurred when try to find container "zzzz": not found']);
    const empty = await rejection(fake.runtime.containerStatus({ containerId: "" }));
    expect([empty.code, empty.message]).toEqual([Code.Unknown, `an error occurred when try to find container "": Prefix can't be empty`]);
  });

  test("v1alpha2 answers the same status", async () => {
    await setUp();
    const id = await createAndStart(fake, pod, "app", ["sh", "-c", "exit 3"]);
    await advance(fake, 0);
    const alpha = (await fake.v1alpha2.runtime.containerStatus({ containerId: id })).status!;
    expect(alpha).toMatchObject({ id, state: 2, exitCode: 3, reason: "Error" });
  });
});
