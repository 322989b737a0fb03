// `fake-cri serve --state` keeps what it answered (issue 17): killed with SIGKILL while clients
// create pods, it comes back with every pod a client was told about and no address reserved for a
// pod that is not there; a second server on the same state is refused; a state file that is not
// one is refused with its name and field, and left as it was (each variant through the store the
// command uses, one through the command itself).

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { PodSandboxState } from "../../src/cri/api/v1.ts";
import { NodeStore } from "../../src/cli/node-store.ts";
import { startFakeCri } from "../fake-cri-process.ts";
import { removeScratch, scratch, serve } from "./served.ts";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeScratch));

/** The IPAM reservations a saved node holds: address -> the sandbox it is reserved for. */
function reservations(statePath: string): Map<string, string> {
  const state = JSON.parse(readFileSync(statePath, "utf8")) as { hostFs: { entries: Array<{ path: string; kind: string; data?: string }> } };
  const out = new Map<string, string>();
  for (const entry of state.hostFs.entries) {
    const address = /\/cni\/networks\/fake-cri\/(\d+\.\d+\.\d+\.\d+)$/.exec(entry.path)?.[1];
    if (address && entry.data) out.set(address, Buffer.from(entry.data, "base64").toString().split("\r\n")[0]!);
  }
  return out;
}

describe("kill -9 under load", () => {
  test("every pod a client was told about is there after a restart, and no address is held for a pod that is not", async () => {
    const dir = scratch("kill");
    dirs.push(dir);
    const state = join(dir, "state.json");
    const first = await serve(["--state", state], dir);
    const acknowledged: string[] = [];
    let killed = false;
    const client = async (w: number): Promise<void> => {
      for (let i = 0; !killed; i++) {
        try {
          const config = { metadata: { name: `p${w}-${i}`, namespace: "load", uid: `u${w}-${i}` } };
          acknowledged.push((await first.client.runtime.runPodSandbox({ config })).podSandboxId);
          if (i % 3 === 0) await first.client.runtime.stopPodSandbox({ podSandboxId: acknowledged.at(-1)! });
        } catch {
          return;
        }
      }
    };
    const clients = [0, 1, 2, 3].map(client);
    while (acknowledged.length < 100) await new Promise((resolve) => setTimeout(resolve, 10));
    first.child.kill("SIGKILL");
    killed = true;
    await Promise.allSettled(clients);
    first.client.close();
    expect(existsSync(`${state}.lock`)).toBe(true);

    const second = await serve(["--state", state], dir);
    expect(second.stderr()).toContain("was left by a server that did not stop cleanly");
    const listed = (await second.client.runtime.listPodSandbox({})).items;
    const ids = new Set(listed.map((pod) => pod.id));
    expect(acknowledged.filter((id) => !ids.has(id))).toEqual([]);
    // Their processes ended with the server, as on a node that went down.
    expect(new Set(listed.map((pod) => pod.state))).toEqual(new Set([PodSandboxState.SANDBOX_NOTREADY]));
    expect(await second.stop()).toBe(0);
    const held = reservations(state);
    expect([...held.values()].filter((owner) => !ids.has(owner))).toEqual([]);
    // The stopped ones gave theirs back before the kill; the rest still hold one each.
    expect(new Set(held.values()).size).toBe(held.size);
  }, 60_000);
});

describe("two servers on one state", () => {
  test("the second is refused, clearly, and the first serves on", async () => {
    const dir = scratch("two");
    dirs.push(dir);
    const state = join(dir, "state.json");
    const first = await serve(["--state", state], dir);
    await expect(startFakeCri(["serve", "--listen", `unix://${join(dir, "second.sock")}`, "--state", state])).rejects.toThrow(
      `fake-cri: ${state} is in use by another fake-cri serve (pid ${first.child.pid}, lock ${state}.lock)`,
    );
    expect(existsSync(join(dir, "second.sock"))).toBe(false);
    expect((await first.client.runtime.version({})).runtimeName).toBe("containerd");
    expect(await first.stop()).toBe(0);
    expect(existsSync(`${state}.lock`)).toBe(false);
  }, 60_000);
});

describe("a state file that is not one", () => {
  const variants: Array<[string, string, string]> = [
    ["empty", "", "not a fake-cri state: "],
    ["cut short", '{"format":"fake-cri/1","containerd":{"format":"fake-cont', "not a fake-cri state: "],
    ["not an object", "[]", "not a fake-cri state: (the whole value): Invalid input: expected object, received array"],
    ["no format", "{}", "not a fake-cri state: format: Invalid input"],
    ["another version", '{"format":"fake-cri/2","containerd":{},"hostFs":null}', 'format: Invalid input: expected "fake-cri/1"'],
    ["format only", '{"format":"fake-cri/1"}', "containerd: Invalid input: expected object, received undefined"],
    ["no node files", '{"format":"fake-cri/1","containerd":null}', "containerd: Invalid input: expected object, received null"],
    ["another tool's file", '{"hello":"world"}', "not a fake-cri state: format: Invalid input"],
  ];
  const saved = (change: (state: any) => void): string => {
    const state = JSON.parse(valid);
    change(state);
    return JSON.stringify(state);
  };
  let valid: string;

  test("every variant is refused with the file's name and the field, and the file is left as it was", async () => {
    const dir = scratch("corrupt");
    dirs.push(dir);
    const state = join(dir, "state.json");
    const first = await serve(["--state", state], dir);
    await first.client.runtime.runPodSandbox({ config: { metadata: { name: "p", namespace: "n", uid: "u" } } });
    expect(await first.stop()).toBe(0);
    valid = readFileSync(state, "utf8");
    variants.push(
      ["a timestamp that is not a number", saved((s) => (s.containerd.stores[0].containers.containers[0].createdAt = "now")), "containerd.stores[0].containers.containers[0].createdAt: expected a decimal integer"],
      ["an unknown field", saved((s) => (s.containerd.extra = 1)), 'containerd: Unrecognized key: "extra"'],
      ["a node file that is not base64", saved((s) => (s.hostFs.entries.find((e: { kind: string }) => e.kind === "file").data = "%%%")), "expected base64"],
      ["a relative node path", saved((s) => (s.hostFs.entries[0].path = "var")), "expected an absolute path"],
    );
    for (const [name, text, why] of variants) {
      writeFileSync(state, text);
      const opened = NodeStore.open(state);
      await expect(opened, name).rejects.toThrow(`--state ${state}: `);
      await expect(opened, name).rejects.toThrow(why);
      expect(readFileSync(state, "utf8"), name).toBe(text);
      expect(existsSync(`${state}.lock`), name).toBe(false);
    }
    // And through the command: it exits with the error, and leaves nothing behind.
    const [, text, why] = variants.at(-1)!;
    writeFileSync(state, text);
    await expect(startFakeCri(["serve", "--listen", `unix://${join(dir, "again.sock")}`, "--state", state])).rejects.toThrow(why);
    expect(readFileSync(state, "utf8")).toBe(text);
    expect(existsSync(`${state}.lock`)).toBe(false);
    expect(existsSync(join(dir, "again.sock"))).toBe(false);
  }, 120_000);
});
