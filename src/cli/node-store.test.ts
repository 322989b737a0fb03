import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { createFakeCri } from "../harness/index.ts";
import type { MemoryHostFs } from "../node/host-fs.ts";
import { NodeStore, readJournal } from "./node-store.ts";
import { lockState } from "./state-lock.ts";

const dir = mkdtempSync(join(tmpdir(), "fake-cri-node-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const path = (name: string): string => join(dir, `${++files}-${name}`);

/**
 * What a server that dies now leaves: its state file and journal as they are, and its lock (the
 * store is then let go of; abandon() would take back a state file its own start made).
 */
async function crash(store: NodeStore, state: string): Promise<void> {
  const files = [state, `${state}.journal`, `${state}.journal.old`].filter((file) => existsSync(file)).map((file) => [file, readFileSync(file)] as const);
  await store.abandon();
  rmSync(`${state}.journal.old`, { force: true });
  for (const [file, bytes] of files) writeFileSync(file, bytes);
  writeFileSync(`${state}.lock`, "2147483646\n");
}

const record = (seq: number) => JSON.stringify({ seq, containerd: [], files: [{ path: `/f${seq}`, kind: "dir", mode: 0o755 }] });

describe("the journal", () => {
  test("a last line cut short, or zeros after it (power lost mid-write), is dropped", async () => {
    const journal = path("journal");
    writeFileSync(journal, `${record(1)}\n${record(2)}\n{"seq":3,"conta`);
    expect((await readJournal(journal)).map((r) => r.seq)).toEqual([1, 2]);
    writeFileSync(journal, `${record(1)}\n${"\0".repeat(100)}`);
    expect((await readJournal(journal)).map((r) => r.seq)).toEqual([1]);
  });

  test("a broken line with records after it is refused, naming the file, the line and the field", async () => {
    const journal = path("journal");
    writeFileSync(journal, `${record(1)}\n{"seq":2,\n${record(3)}\n`);
    await expect(readJournal(journal)).rejects.toThrow(`journal ${journal}: line 2: not JSON`);
    writeFileSync(journal, `${record(1)}\n${JSON.stringify({ seq: 2, containerd: [{ kind: "container", namespace: "k8s.io", key: "x", value: { id: 5 } }], files: [] })}\n`);
    await expect(readJournal(journal)).rejects.toThrow(`journal ${journal}: line 2: containerd[0]`);
  });
});

describe("the state's lock", () => {
  test("a second holder is refused while the first lives; a lock left by a process that is gone is taken over", async () => {
    const state = path("state.json");
    const first = await lockState(state);
    expect(first.stale).toBe(false);
    await expect(lockState(state)).rejects.toThrow(
      `${state} is in use by another fake-cri serve (pid ${process.pid}, lock ${state}.lock); stop it first, or remove the lock if that process is not fake-cri`,
    );
    await first.release();
    writeFileSync(`${state}.lock`, "2147483646\n");
    const second = await lockState(state);
    expect(second.stale).toBe(true);
    expect(readFileSync(`${state}.lock`, "utf8")).toBe(`${process.pid}\n`);
    await second.release();
  });
});

describe("the node store", () => {
  test("what a call changed is in the journal when it is answered; a restart after a crash rebuilds it without tasks", async () => {
    const state = path("state.json");
    const { store, loaded } = await NodeStore.open(state);
    expect(loaded).toEqual({ state: undefined, crashed: false });
    const fake = await createFakeCri({ seed: 1, images: ["busybox:1.36"], commit: () => store.durable() });
    await store.attach({ containerd: fake.containerd, hostFs: fake.hostFs as MemoryHostFs, saveState: () => fake.saveState() });
    const pod = { metadata: { name: "p", namespace: "n", uid: "u" } };
    const { podSandboxId } = await fake.runtime.runPodSandbox({ config: pod });
    expect(readFileSync(`${state}.journal`, "utf8")).toContain(podSandboxId);
    await fake.close();
    await crash(store, state);

    const again = await NodeStore.open(state);
    expect(again.loaded.crashed).toBe(true);
    const restored = await createFakeCri({ state: again.loaded.state!, commit: () => again.store.durable() });
    await again.store.attach({ containerd: restored.containerd, hostFs: restored.hostFs as MemoryHostFs, saveState: () => restored.saveState() });
    const { items } = await restored.runtime.listPodSandbox({});
    expect(items.map((p) => [p.id, p.state])).toEqual([[podSandboxId, 1]]);
    await again.store.close(restored.saveState());
    await restored.close();
  });

  test("a journal that outgrows the state is folded into it; a crash at any point of that loses nothing", async () => {
    const state = path("state.json");
    const { store } = await NodeStore.open(state, { compactAtBytes: 1 });
    const fake = await createFakeCri({ seed: 1, commit: () => store.durable() });
    await store.attach({ containerd: fake.containerd, hostFs: fake.hostFs as MemoryHostFs, saveState: () => fake.saveState() });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await fake.runtime.runPodSandbox({ config: { metadata: { name: `p${i}`, namespace: "n", uid: `u${i}` } } })).podSandboxId);
    // A compaction ends by removing the old journal: the files are settled once it is gone.
    while (existsSync(`${state}.journal.old`)) await new Promise((resolve) => setTimeout(resolve, 10));
    await fake.close();
    await crash(store, state);
    // Folded in after the first write (the journal then waits to be twice the state's size).
    expect(readFileSync(`${state}.journal`, "utf8")).not.toContain(ids[0]);
    // The server dies between the two steps of the next compaction: the journal renamed away and a
    // new one begun, the state not yet replaced. Both journals are read.
    renameSync(`${state}.journal`, `${state}.journal.old`);
    writeFileSync(`${state}.journal`, "");
    const again = await NodeStore.open(state);
    const restored = await createFakeCri({ state: again.loaded.state! });
    expect((await restored.runtime.listPodSandbox({})).items.map((p) => p.id).sort()).toEqual([...ids].sort());
    await again.store.abandon();
    await restored.close();
  });

  test("a start that fails after the store was attached takes back the state file it made, and lets go of the lock", async () => {
    const state = path("state.json");
    const { store } = await NodeStore.open(state);
    const fake = await createFakeCri({ seed: 1, commit: () => store.durable() });
    await store.attach({ containerd: fake.containerd, hostFs: fake.hostFs as MemoryHostFs, saveState: () => fake.saveState() });
    await fake.close();
    await store.abandon();
    expect(readdirSync(dir).filter((name) => name.startsWith(basename(state)))).toEqual([]);
  });

  test("a state file that does not read as one is refused with its name and field, and left as it was", async () => {
    const state = path("state.json");
    for (const [text, why] of [
      ["{", "not a fake-cri state: "],
      ['{"format":"fake-cri/1"}', "not a fake-cri state: containerd: Invalid input"],
      ['{"format":"fake-cri/2","containerd":{},"hostFs":null}', 'not a fake-cri state: format: Invalid input: expected "fake-cri/1"'],
    ] as const) {
      writeFileSync(state, text);
      await expect(NodeStore.open(state)).rejects.toThrow(`--state ${state}: ${why}`);
      expect(readFileSync(state, "utf8")).toBe(text);
      // The refused start let go of the lock.
      await (await lockState(state)).release();
    }
  });
});
