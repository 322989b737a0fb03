import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { ociSpec } from "./containers.ts";
import { createFakeContainerd } from "./index.ts";
import { loadStateFile, saveStateFile } from "./state-file.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fake-containerd-state-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("state files", () => {
  test("save then load gives the same state, and leaves no temporary file", async () => {
    const fake = createFakeContainerd({ seed: 9 });
    await fake.namespace("k8s.io").containers.create({ id: "c1", spec: ociSpec({ process: { args: ["sh"] } }) });
    await (await fake.namespace("k8s.io").tasks.create("c1")).start();
    const path = join(dir, "state.json");
    await saveStateFile(path, fake.saveState());
    expect(await readdir(dir)).toEqual(["state.json"]);
    const loaded = await loadStateFile(path);
    expect(loaded).toEqual(fake.saveState());
    expect(createFakeContainerd({ state: loaded }).saveState()).toEqual(loaded);
  });

  test("a save replaces the old file whole", async () => {
    const path = join(dir, "state.json");
    await saveStateFile(path, createFakeContainerd({ seed: 1 }).saveState());
    const second = createFakeContainerd({ seed: 2 });
    second.ids.next();
    await saveStateFile(path, second.saveState());
    expect((await loadStateFile(path)).ids).toEqual(second.saveState().ids);
  });

  test("a failed save leaves the old file and no temporary file", async () => {
    const path = join(dir, "state.json");
    await saveStateFile(path, createFakeContainerd({ seed: 1 }).saveState());
    const before = await readFile(path, "utf8");
    const broken = { ...createFakeContainerd({ seed: 2 }).saveState(), notes: [1n] as unknown as string[] };
    await expect(saveStateFile(path, broken)).rejects.toThrow(/BigInt/);
    expect(await readFile(path, "utf8")).toBe(before);
    expect(await readdir(dir)).toEqual(["state.json"]);
  });

  test("loading something else fails clearly", async () => {
    const path = join(dir, "other.json");
    await writeFile(path, JSON.stringify({ hello: 1 }));
    await expect(loadStateFile(path)).rejects.toThrow(`${path}: not a fake-containerd state: format: Invalid input: expected "fake-containerd/1"`);
  });

  test("a state with a field of the wrong kind is refused with the field's path", async () => {
    const path = join(dir, "bad-field.json");
    const fake = createFakeContainerd({ seed: 1 });
    await fake.namespace("k8s.io").containers.create({ id: "c1", spec: ociSpec({}) });
    const state = JSON.parse(JSON.stringify(fake.saveState()));
    state.stores[0].containers.containers[0].createdAt = "yesterday";
    await writeFile(path, JSON.stringify(state));
    await expect(loadStateFile(path)).rejects.toThrow(
      `${path}: not a fake-containerd state: stores[0].containers.containers[0].createdAt: expected a decimal integer`,
    );
  });
});
