// Laws of the change records `fake-cri serve --state` journals (fake-containerd's takeChanges,
// MemoryHostFs's takeChanges): the records taken at any points of a run, laid over the state the
// run started from, give the state it ended in (tasks aside: a journal carries none); and laying
// a prefix of them again changes nothing, which recovery relies on after a crash mid-compaction.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { applyChanges, withoutTasks, type ContainerdChange, type FakeContainerdState } from "../fake-containerd/index.ts";
import { MemoryHostFs, type MemoryHostFsChange, type MemoryHostFsState } from "../src/node/host-fs.ts";
import { createFakeCri, type FakeCri } from "../src/harness/index.ts";

type Step =
  | { kind: "run"; pod: number }
  | { kind: "create"; pod: number; name: string }
  | { kind: "start" | "stop" | "remove"; container: number }
  | { kind: "exec"; container: number; file: string }
  | { kind: "stopPod" | "removePod"; pod: number }
  | { kind: "pull" | "removeImage"; image: string }
  | { kind: "take" };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("run" as const), pod: fc.nat(3) }),
  fc.record({ kind: fc.constant("create" as const), pod: fc.nat(3), name: fc.constantFrom("a", "b") }),
  fc.record({ kind: fc.constantFrom("start" as const, "stop" as const, "remove" as const), container: fc.nat(5) }),
  fc.record({ kind: fc.constant("exec" as const), container: fc.nat(5), file: fc.constantFrom("/tmp/x", "/etc/hosts", "/data/y") }),
  fc.record({ kind: fc.constantFrom("stopPod" as const, "removePod" as const), pod: fc.nat(3) }),
  fc.record({ kind: fc.constantFrom("pull" as const, "removeImage" as const), image: fc.constantFrom("busybox:1.36", "alpine:3", "nginx") }),
  fc.constant({ kind: "take" as const }),
);

/** Lists in key order, so that states that hold the same objects compare equal. */
function normalise(state: FakeContainerdState): unknown {
  const byKey = (key: string) => (a: Record<string, unknown>, b: Record<string, unknown>) => String(a[key]).localeCompare(String(b[key]));
  const copy = JSON.parse(JSON.stringify(withoutTasks(state))) as FakeContainerdState & { stores: any[] };
  copy.stores.sort(byKey("namespace"));
  for (const s of copy.stores) {
    s.containers.containers.sort(byKey("id"));
    s.others.content?.blobs.sort(byKey("digest"));
    s.others.images?.images.sort(byKey("name"));
    s.others.snapshots?.snapshotters.sort(byKey("name"));
    for (const sn of s.others.snapshots?.snapshotters ?? []) {
      sn.store.snapshots.sort(byKey("key"));
      sn.backend.snapshots.sort(byKey("key"));
    }
  }
  return { ...copy, notes: [], clock: null, processes: null, faults: null };
}

async function play(fake: FakeCri, steps: readonly Step[], take: () => void): Promise<void> {
  const pods = new Map<number, { id: string; config: object }>();
  const containers: string[] = [];
  const ignore = () => undefined;
  for (const s of steps) {
    switch (s.kind) {
      case "take":
        take();
        break;
      case "run": {
        const config = { metadata: { name: `p${s.pod}`, namespace: "ns", uid: `u${s.pod}` }, logDirectory: "/var/log/pods/p" };
        const answer = await fake.runtime.runPodSandbox({ config }).catch(ignore);
        if (answer) pods.set(s.pod, { id: answer.podSandboxId, config });
        break;
      }
      case "create": {
        const pod = pods.get(s.pod);
        if (!pod) break;
        const answer = await fake.runtime
          .createContainer({
            podSandboxId: pod.id,
            sandboxConfig: pod.config,
            config: {
              metadata: { name: s.name },
              image: { image: "busybox:1.36" },
              command: ["sh", "-c", "echo hi; sleep 1000"],
              logPath: `${s.name}.log`,
              mounts: [{ containerPath: "/data", hostPath: `/volumes/${s.pod}` }],
            },
          })
          .catch(ignore);
        if (answer) containers.push(answer.containerId);
        break;
      }
      case "start":
      case "stop":
      case "remove": {
        const containerId = containers[s.container];
        if (!containerId) break;
        if (s.kind === "start") await fake.runtime.startContainer({ containerId }).catch(ignore);
        else if (s.kind === "stop") await fake.runtime.stopContainer({ containerId, timeout: 0n }).catch(ignore);
        else await fake.runtime.removeContainer({ containerId }).catch(ignore);
        break;
      }
      case "exec": {
        const containerId = containers[s.container];
        if (containerId) await fake.runtime.execSync({ containerId, cmd: ["sh", "-c", `echo x >> ${s.file}`], timeout: 5n }).catch(ignore);
        break;
      }
      case "stopPod":
      case "removePod": {
        const pod = pods.get(s.pod);
        if (!pod) break;
        if (s.kind === "stopPod") await fake.runtime.stopPodSandbox({ podSandboxId: pod.id }).catch(ignore);
        else await fake.runtime.removePodSandbox({ podSandboxId: pod.id }).catch(ignore);
        break;
      }
      case "pull":
        await fake.image.pullImage({ image: { image: s.image } }).catch(ignore);
        break;
      case "removeImage":
        await fake.image.removeImage({ image: { image: s.image } }).catch(ignore);
    }
  }
  await fake.containerd.events.delivered();
}

describe("change records", () => {
  test("laid over the state a run started from, they give the state it ended in; laid again, nothing changes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const fake = await createFakeCri({ seed: 1, images: ["busybox:1.36"] });
        fake.containerd.trackChanges();
        (fake.hostFs as MemoryHostFs).trackChanges();
        const start = JSON.parse(JSON.stringify(fake.saveState())) as { containerd: FakeContainerdState; hostFs: MemoryHostFsState };
        const taken: Array<{ containerd: ContainerdChange[]; files: MemoryHostFsChange[] }> = [];
        const take = () => taken.push({ containerd: fake.containerd.takeChanges(), files: (fake.hostFs as MemoryHostFs).takeChanges() });
        await play(fake, steps, take);
        take();
        const end = fake.saveState();

        const records = JSON.parse(JSON.stringify(taken)) as typeof taken;
        const rebuilt = applyChanges(structuredClone(start.containerd), records.flatMap((r) => r.containerd));
        expect(normalise(rebuilt)).toEqual(normalise(end.containerd));
        const files = MemoryHostFs.fromState(start.hostFs);
        files.applyChanges(records.flatMap((r) => r.files));
        expect(files.toState()).toEqual(end.hostFs);

        // Again from a later state: a prefix laid once more, then the rest, as after a crash mid-compaction.
        const half = Math.floor(records.length / 2);
        applyChanges(rebuilt, records.slice(0, half).flatMap((r) => r.containerd));
        applyChanges(rebuilt, records.slice(half).flatMap((r) => r.containerd));
        expect(normalise(rebuilt)).toEqual(normalise(end.containerd));
        files.applyChanges(records.slice(0, half).flatMap((r) => r.files));
        files.applyChanges(records.slice(half).flatMap((r) => r.files));
        expect(files.toState()).toEqual(end.hostFs);
        await fake.close();
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
