// Laws of fake-containerd's state: a saved state round-trips through JSON and restore unchanged; a
// restored fake carries on exactly as the original does; seeded runs repeat byte for byte; and
// listing by label through the index finds what a scan finds.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { VirtualClock } from "../fake-containerd/clock.ts";
import { ociSpec, type ContainerRecord } from "../fake-containerd/containers.ts";
import { ContainerdError } from "../fake-containerd/errdefs.ts";
import { parseFilters } from "../fake-containerd/filters.ts";
import { createFakeContainerd, type FakeContainerd } from "../fake-containerd/index.ts";
import { containerId, labelFilter, labels, scenario, type ScenarioStep } from "./arbitraries/containerd.ts";

const runs = { numRuns: 1000 };
const spec = ociSpec({ process: { args: ["app"] } });
const json = (value: unknown) => JSON.stringify(value, (_, v) => (typeof v === "bigint" ? `${v}n` : v));

/** Applies the steps; refusals are part of the scenario, anything else is a bug. */
async function play(fake: FakeContainerd, steps: ScenarioStep[]): Promise<void> {
  const ns = fake.namespace("k8s.io");
  const refusalsOnly = (e: unknown) => {
    if (!(e instanceof ContainerdError)) throw e;
  };
  for (const step of steps) {
    switch (step.kind) {
      case "createContainer":
      case "run":
        fake.processes.onContainer({ containerId: step.id }, step.script);
        await ns.containers.create({ id: step.id, labels: step.labels, spec }).catch(refusalsOnly);
        if (step.kind === "run") {
          const task = await ns.tasks.create(step.id).catch(refusalsOnly);
          await task?.start().catch(refusalsOnly);
        }
        break;
      case "updateLabels":
        await ns.containers.update({ id: step.id, labels: step.labels }, "labels").catch(refusalsOnly);
        break;
      case "deleteContainer":
        await ns.containers.delete(step.id).catch(refusalsOnly);
        break;
      case "createTask":
        await ns.tasks.create(step.id).catch(refusalsOnly);
        break;
      case "advance":
        await (fake.clock as VirtualClock).advance(step.ms);
        break;
      default: {
        const task = await ns.tasks.get(step.id).catch(refusalsOnly);
        if (!task) break;
        if (step.kind === "start") await task.start().catch(refusalsOnly);
        else if (step.kind === "kill") await task.kill(step.signal, { all: step.all }).catch(refusalsOnly);
        else if (step.kind === "pause") await task.pause().catch(refusalsOnly);
        else if (step.kind === "resume") await task.resume().catch(refusalsOnly);
        else if (step.kind === "deleteTask") await task.delete().catch(refusalsOnly);
        else {
          const proc = await task.exec(step.execId, { args: step.argv }).catch(refusalsOnly);
          await proc?.start().catch(refusalsOnly);
        }
      }
    }
  }
  await fake.events.delivered();
}

function fresh(seed: number): FakeContainerd {
  return createFakeContainerd({ seed, clock: new VirtualClock() });
}

describe("saved state", () => {
  test("round-trips through JSON and restore unchanged", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), scenario(), async (seed, steps) => {
        const fake = fresh(seed);
        await play(fake, steps);
        const text = JSON.stringify(fake.saveState());
        const restored = createFakeContainerd({ state: JSON.parse(text) });
        expect(JSON.stringify(restored.saveState())).toBe(text);
        expect(restored.ids.next()).toBe(fake.ids.next());
      }),
      runs,
    );
  });

  test("a restored fake carries on exactly as the original", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), scenario(), scenario(), async (seed, before, after) => {
        const original = fresh(seed);
        await play(original, before);
        const restored = createFakeContainerd({ state: JSON.parse(JSON.stringify(original.saveState())) });
        const streams = [original, restored].map((fake) => fake.events.subscribe());
        await play(original, after);
        await play(restored, after);
        expect(JSON.stringify(restored.saveState())).toBe(JSON.stringify(original.saveState()));
        expect(json(streams[1]!.drain())).toBe(json(streams[0]!.drain()));
      }),
      runs,
    );
  });

  test("the same seed and steps give byte-identical states and events", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), scenario(), async (seed, steps) => {
        const results = [];
        for (let i = 0; i < 2; i++) {
          const fake = fresh(seed);
          const events = fake.events.subscribe();
          await play(fake, steps);
          results.push({ state: JSON.stringify(fake.saveState()), events: json(events.drain()) });
        }
        expect(results[1]).toEqual(results[0]);
      }),
      runs,
    );
  });
});

describe("container listing", () => {
  type Change = { kind: "create" | "update" | "delete"; id: string; labels: Record<string, string> };
  const change: fc.Arbitrary<Change> = fc.record({
    kind: fc.constantFrom("create" as const, "update" as const, "delete" as const),
    id: containerId(),
    labels: labels(),
  });

  test("a label filter finds through the index what a scan of every record finds, in ID order", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(change, labelFilter()), { maxLength: 30 }), async (steps) => {
        const fake = fresh(1);
        const ns = fake.namespace("k8s.io");
        const ignore = () => {};
        for (const step of steps) {
          if (typeof step === "string") {
            const listed = (await ns.containers.list(step)).map((r) => r.id);
            const all: readonly ContainerRecord[] = await ns.containers.list();
            const filter = parseFilters([step]);
            const scanned = all
              .filter((r) =>
                filter.match({
                  field: (path) => {
                    if (path[0] === "id") return r.id;
                    if (path[0] !== "labels") return undefined;
                    const key = path.slice(1).join(".");
                    return Object.hasOwn(r.labels, key) ? r.labels[key] : undefined;
                  },
                }),
              )
              .map((r) => r.id);
            expect(listed).toEqual(scanned);
            expect(scanned).toEqual([...scanned].sort());
          } else if (step.kind === "create") await ns.containers.create({ id: step.id, labels: step.labels, spec }).catch(ignore);
          else if (step.kind === "update") await ns.containers.update({ id: step.id, labels: step.labels }, "labels").catch(ignore);
          else await ns.containers.delete(step.id).catch(ignore);
        }
      }),
      runs,
    );
  });
});
