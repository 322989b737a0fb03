import { afterEach, describe, expect, test } from "vitest";
import { Code } from "../errors.ts";
import { maxExecSyncStreamSize } from "./container-execsync.ts";
import { createFakeCri, type FakeCri } from "../../harness/index.ts";
import { advance, create, createAndStart, newFake, rejection, runPod, text, type Pod } from "../testing/container-fixtures.ts";

let fake: FakeCri;
let pod: Pod;
let id: string;

afterEach(async () => {
  await fake?.close();
});

async function setUp() {
  fake = await newFake();
  pod = await runPod(fake);
  id = await createAndStart(fake, pod, "app");
}

const execSync = (cmd: string[], timeout = 10n) => fake.runtime.execSync({ containerId: id, cmd, timeout });

describe("ExecSync", () => {
  test("output and exit codes of the everyday commands, non-zero codes included", async () => {
    await setUp();
    const cases: Array<[string[], string, string, number]> = [
      [["echo", "hello"], "hello\n", "", 0],
      [["echo", "two", "words"], "two words\n", "", 0],
      [["echo", ""], "\n", "", 0],
      [["true"], "", "", 0],
      [["false"], "", "", 1],
      [["sh", "-c", "exit 7"], "", "", 7],
      [["sh", "-c", "exit 256"], "", "", 0],
      [["sh", "-c", "echo out; exit 3"], "out\n", "", 3],
      [["cat", "/etc/hostname"], "pod\n", "", 0],
      [["cat", "/etc/no-such-file"], "", "cat: can't open '/etc/no-such-file': No such file or directory\n", 1],
    ];
    for (const [cmd, stdout, stderr, exitCode] of cases) {
      const r = await execSync(cmd);
      expect([cmd, text(r.stdout), text(r.stderr), r.exitCode]).toEqual([cmd, stdout, stderr, exitCode]);
    }
    expect(text((await execSync(["cat", "/etc/passwd"])).stdout)).toMatch(/^root:x:0:0:/);
    expect(text((await fake.runtime.execSync({ containerId: id.slice(0, 9), cmd: ["echo", "by prefix"] })).stdout)).toBe("by prefix\n");
  });

  test("sh -c reads the container's files for cat, hostname and id, also inside $(...)", async () => {
    fake = await newFake();
    pod = await runPod(fake);
    id = await createAndStart(fake, pod, "app", ["sleep", "infinity"], {
      linux: { securityContext: { runAsUser: { value: 1000n }, runAsGroup: { value: 2000n } } },
    });
    const r = await execSync(["sh", "-c", "echo $(id -u):$(id -g) && cat /etc/hostname; hostname || echo never"]);
    expect([text(r.stdout), text(r.stderr), r.exitCode]).toEqual(["1000:2000\npod\npod\n", "", 0]);
  });

  test("ls sees the node's files through a volume, the mount points runc makes, and the files tests register", async () => {
    fake = await newFake();
    pod = await runPod(fake);
    fake.hostFs.mkdirAll("/srv/data/sub");
    fake.hostFs.writeFile("/srv/data/b.txt", "b\n");
    fake.hostFs.writeFile("/srv/data/.hidden", "");
    id = await createAndStart(fake, pod, "app", ["sleep", "infinity"], {
      mounts: [
        { hostPath: "/srv/data", containerPath: "/data" },
        { hostPath: "/srv/data/sub", containerPath: "/data/inner/sub" },
        { hostPath: "/srv/data", containerPath: "/opt/deep/volume" },
      ],
    });
    fake.containerd.processes.addFile("/opt/registered.txt", "r\n", { containerId: id });
    const listing = async (cmd: string[]) => {
      const r = await execSync(cmd);
      return [text(r.stdout), text(r.stderr), r.exitCode];
    };
    expect(await listing(["ls", "-A", "/data"])).toEqual([".hidden\nb.txt\ninner\nsub\n", "", 0]);
    expect(await listing(["ls", "/opt"])).toEqual(["deep\nregistered.txt\n", "", 0]);
    expect(await listing(["ls", "/opt/deep/volume/b.txt", "/data/nope"])).toEqual(["/opt/deep/volume/b.txt\n", "ls: /data/nope: No such file or directory\n", 1]);
    // /dev is a tmpfs: what the image has there is hidden, the mount points inside it are not.
    expect(await listing(["ls", "/dev"])).toEqual(["mqueue\npts\nshm\n", "", 0]);
    fake.hostFs.writeFile("/srv/data/later.txt", "");
    expect(await listing(["sh", "-c", "ls /data && cat /data/b.txt"])).toEqual(["b.txt\ninner\nlater.txt\nsub\nb\n", "", 0]);
  });

  test("a container's script changes its files at the moment each command runs (a liveness probe's file), also across a saved state", async () => {
    fake = await newFake();
    pod = await runPod(fake);
    id = await createAndStart(fake, pod, "probe", ["sh", "-c", "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"]);
    const probe = async () => (await execSync(["cat", "/tmp/healthy"])).exitCode;
    // As with a real process, the script's first command runs soon after the start, not before StartContainer returns.
    await advance(fake, 1_000);
    expect(await probe()).toBe(0);
    await advance(fake, 9_000);
    expect(await probe()).toBe(0);
    const state = JSON.parse(JSON.stringify(fake.saveState()));
    await fake.close();
    fake = await createFakeCri({ containerd: "1.6", state });
    await advance(fake, 20_000);
    expect(await probe()).toBe(1);
    expect(text((await execSync(["ls", "-A", "/tmp"])).stdout)).toBe("");
  });

  test("a read-only root filesystem refuses changes; volumes take them, into the node's files", async () => {
    fake = await newFake();
    pod = await runPod(fake);
    fake.hostFs.mkdirAll("/srv/data");
    id = await createAndStart(fake, pod, "ro", ["sleep", "infinity"], {
      mounts: [{ hostPath: "/srv/data", containerPath: "/data" }],
      linux: { securityContext: { readonlyRootfs: true } },
    });
    const r = await execSync(["sh", "-c", "touch /x; echo saved > /data/note && cat /data/note"]);
    expect([text(r.stdout), text(r.stderr), r.exitCode]).toEqual(["saved\n", "touch: /x: Read-only file system\n", 0]);
    expect(text(fake.hostFs.readFile("/srv/data/note"))).toBe("saved\n");
  });

  test("/proc/sys shows the pod's sysctls in the namespaces the container shares with its sandbox", async () => {
    fake = await newFake();
    const sysctls = { "kernel.shm_rmid_forced": "1", "net.ipv4.ip_forward": "1", "vm.swappiness": "10" };
    pod = await runPod(fake, "pod", { linux: { sysctls } });
    id = await createAndStart(fake, pod, "app");
    const cat = async (file: string) => {
      const r = await execSync(["cat", `/proc/sys/${file}`]);
      return [text(r.stdout), r.exitCode];
    };
    expect(await cat("kernel/shm_rmid_forced")).toEqual(["1\n", 0]);
    expect(await cat("net/ipv4/ip_forward")).toEqual(["1\n", 0]);
    expect(await cat("kernel/hostname")).toEqual(["pod\n", 0]);
    // Not one a kernel namespace holds, or one no spec set: the node's value, which the fake does not know.
    expect(await cat("vm/swappiness")).toEqual(["", 1]);
    expect(await cat("kernel/shmmax")).toEqual(["", 1]);
  });

  test("a command runc cannot start is an error naming the exec, not an exit code", async () => {
    await setUp();
    const cases: Array<[string[], string]> = [
      [[], "exec failed: exec failed: args must not be empty"],
      [["/no/such/binary"], 'exec failed: exec failed: unable to start container process: exec: "/no/such/binary": stat /no/such/binary: no such file or directory'],
      [["no-such-command"], 'exec failed: exec failed: unable to start container process: exec: "no-such-command": executable file not found in $PATH'],
    ];
    for (const [cmd, reason] of cases) {
      const err = await rejection(execSync(cmd));
      expect(err.code).toBe(Code.Unknown);
      expect(err.message).toMatch(new RegExp(`^failed to exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime ${escape(reason)}: unknown$`));
    }
    const task = await fake.containerd.namespace("k8s.io").tasks.get(id);
    expect((await task.pids()).length).toBe(1);
  });

  test("only in a running container", async () => {
    await setUp();
    const created = await create(fake, pod, "created");
    const err = await rejection(fake.runtime.execSync({ containerId: created, cmd: ["true"] }));
    expect([err.code, err.message]).toEqual([Code.Unknown, "failed to exec in container: container is in CONTAINER_CREATED state"]);
    await fake.runtime.stopContainer({ containerId: id });
    const exited = await rejection(execSync(["true"]));
    expect(exited.message).toBe("failed to exec in container: container is in CONTAINER_EXITED state");
    const unknown = await rejection(fake.runtime.execSync({ containerId: "zzzz", cmd: ["true"] }));
    expect([unknown.code, unknown.message]).toEqual([Code.NotFound, 'failed to exec in container: failed to find container "zzzz" in store: not found']);
  });

  test("a timeout kills the exec and fails the call with DeadlineExceeded; the container runs on", async () => {
    await setUp();
    const call = execSync(["sleep", "30"], 2n);
    call.catch(() => undefined);
    await advance(fake, 0);
    await advance(fake, 2000);
    const err = await rejection(call);
    expect([err.code, err.message]).toEqual([Code.DeadlineExceeded, "failed to exec in container: timeout 2s exceeded: context deadline exceeded"]);
    const task = await fake.containerd.namespace("k8s.io").tasks.get(id);
    expect((await task.pids()).map((p) => p.info?.execId)).toEqual([undefined]);
    expect(text((await execSync(["echo", "still here"])).stdout)).toBe("still here\n");
  });

  test("without a timeout it waits as long as the command runs", async () => {
    await setUp();
    let done = false;
    const call = fake.runtime.execSync({ containerId: id, cmd: ["sleep", "100"] }).then((r) => ((done = true), r));
    await advance(fake, 0);
    await advance(fake, 99_000);
    expect(done).toBe(false);
    await advance(fake, 1000);
    expect((await call).exitCode).toBe(0);
  });

  test("output beyond 16 MiB per stream is dropped", async () => {
    await setUp();
    const chunk = new Uint8Array(1024 * 1024).fill(0x61);
    fake.containerd.processes.onExec({ command: "flood" }, {
      output: Array.from({ length: 17 }, () => ({ stream: "stdout" as const, data: chunk })),
      exit: { code: 0 },
    });
    const r = await execSync(["flood"]);
    expect(r.stdout.length).toBe(maxExecSyncStreamSize);
    expect(r.exitCode).toBe(0);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
