// Laws of the CRI plugin's stores: names are reserved exactly while their owner exists, whatever
// sequence of calls (and failures) got there; an ID prefix finds exactly what a scan finds.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { IdIndexStore } from "../src/cri/store/id-index-store.ts";
import { createFakeCri, type FakeCri } from "../src/harness/index.ts";

type Op =
  | { kind: "runp"; pod: number; attempt: number }
  | { kind: "stopp" | "rmp"; sandbox: number }
  | { kind: "create"; container: number; sandbox: number }
  | { kind: "rm"; container: number };

// Few names and few attempts, so that calls collide.
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("runp" as const), pod: fc.nat(2), attempt: fc.nat(1) }),
  fc.record({ kind: fc.constantFrom("stopp" as const, "rmp" as const), sandbox: fc.nat(4) }),
  fc.record({ kind: fc.constant("create" as const), container: fc.nat(2), sandbox: fc.nat(4) }),
  fc.record({ kind: fc.constant("rm" as const), container: fc.nat(6) }),
);

const podConfig = (pod: number, attempt: number) => ({
  metadata: { name: `pod${pod}`, namespace: "ns", uid: `uid${pod}`, attempt },
  logDirectory: `/var/log/pods/pod${pod}`,
});

async function apply(fake: FakeCri, o: Op, sandboxes: string[], containers: string[]): Promise<void> {
  const pick = (ids: string[], i: number) => ids[i % Math.max(ids.length, 1)] ?? "unknown";
  const ignoreFailure = () => undefined;
  switch (o.kind) {
    case "runp": {
      const r = await fake.runtime.runPodSandbox({ config: podConfig(o.pod, o.attempt) }).catch(ignoreFailure);
      if (r) sandboxes.push(r.podSandboxId);
      return;
    }
    case "stopp":
      await fake.runtime.stopPodSandbox({ podSandboxId: pick(sandboxes, o.sandbox) }).catch(ignoreFailure);
      return;
    case "rmp":
      await fake.runtime.removePodSandbox({ podSandboxId: pick(sandboxes, o.sandbox) }).catch(ignoreFailure);
      return;
    case "create": {
      const podSandboxId = pick(sandboxes, o.sandbox);
      const sandbox = fake.service.sandboxStore.getExact(podSandboxId);
      const r = await fake.runtime
        .createContainer({
          podSandboxId,
          sandboxConfig: sandbox?.metadata.config ?? podConfig(0, 0),
          config: { metadata: { name: `c${o.container}` }, image: { image: "busybox:1.36" }, logPath: `c${o.container}.log` },
        })
        .catch(ignoreFailure);
      if (r) containers.push(r.containerId);
      return;
    }
    case "rm":
      await fake.runtime.removeContainer({ containerId: pick(containers, o.container) }).catch(ignoreFailure);
      return;
  }
}

/** Every reserved name belongs to an existing owner under that name, and every owner holds its name. */
function expectNamesHeldExactlyByOwners(fake: FakeCri): void {
  const s = fake.service;
  const sandboxes = s.sandboxStore.list();
  const containers = s.containerStore.list();
  for (const sb of sandboxes) expect(s.sandboxNameIndex.keyOf(sb.metadata.name)).toBe(sb.id);
  for (const c of containers) expect(s.containerNameIndex.keyOf(c.metadata.name)).toBe(c.id);
  expect(s.sandboxNameIndex.size).toBe(sandboxes.length);
  expect(s.containerNameIndex.size).toBe(containers.length);
  // No container outlives its sandbox's removal.
  const sandboxIds = new Set(sandboxes.map((sb) => sb.id));
  for (const c of containers) expect(sandboxIds.has(c.metadata.sandboxId)).toBe(true);
}

describe("name reservations", () => {
  test("after any sequence of calls, names are reserved exactly while their owner exists", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 14 }), async (ops) => {
        const fake = await createFakeCri({ seed: 1, images: ["busybox:1.36"] });
        try {
          const sandboxes: string[] = [];
          const containers: string[] = [];
          for (const o of ops) {
            await apply(fake, o, sandboxes, containers);
            expectNamesHeldExactlyByOwners(fake);
          }
        } finally {
          await fake.close();
        }
      }),
      { numRuns: 300 },
    );
  }, 300_000);
});

describe("ID prefixes", () => {
  // IDs over a tiny alphabet share prefixes often, which is where ambiguity lives.
  const id = fc.string({ unit: fc.constantFrom("a", "b", "0"), minLength: 1, maxLength: 6 });

  test("a prefix finds exactly the one ID a scan finds, else not found or ambiguous", () => {
    fc.assert(
      fc.property(fc.uniqueArray(id, { maxLength: 12 }), fc.string({ unit: fc.constantFrom("a", "b", "0"), maxLength: 4 }), (ids, prefix) => {
        const store = new IdIndexStore<{ id: string }>();
        for (const i of ids) store.add({ id: i });
        // As in containerd's truncindex, an exact ID does not win over a longer one it prefixes.
        const matches = ids.filter((i) => i.startsWith(prefix));
        let found: string | Error;
        try {
          found = store.get(prefix).id;
        } catch (err) {
          found = err as Error;
        }
        if (prefix === "") expect((found as Error).message).toBe("Prefix can't be empty");
        else if (matches.length === 1) expect(found).toBe(matches[0]);
        else if (matches.length === 0) expect((found as Error).message).toBe("not found");
        else expect((found as Error).message).toBe(`Multiple IDs found with provided prefix: ${prefix}`);
      }),
      { numRuns: 2000 },
    );
  });
});
