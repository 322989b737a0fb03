// Shared by the sandbox RPC tests: pod configs, the CriError a call fails with, and a summary of
// everything a sandbox leaves on a node (to show that a failed call leaves nothing behind).

import { expect } from "vitest";
import { containerKindLabel } from "../helpers/constants.ts";
import { CriError } from "../errors.ts";
import type { DeepPartial, PodSandboxConfig } from "../api/v1.ts";
import type { FakeCri } from "../../harness/index.ts";
import { ipamDataDir } from "../server/sandbox-network.ts";

export const hex64 = /[0-9a-f]{64}/;

export function podConfig(name: string, extra: DeepPartial<PodSandboxConfig> = {}): DeepPartial<PodSandboxConfig> {
  return { metadata: { name, namespace: "ns", uid: `${name}-uid` }, hostname: name, logDirectory: `/var/log/pods/${name}`, ...extra };
}

/** The CriError a call fails with (a test failure if it succeeds). */
export async function rejection(p: Promise<unknown>): Promise<CriError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(CriError);
    return err as CriError;
  }
  throw new Error("expected the call to fail");
}

/** The one 64-hex ID in a text. */
export function idIn(text: string): string {
  const match = hex64.exec(text);
  if (!match) throw new Error(`no ID in ${JSON.stringify(text)}`);
  return match[0];
}

function dirEntries(fake: FakeCri, path: string): string[] {
  return fake.hostFs.exists(path) ? fake.hostFs.readDir(path) : [];
}

/**
 * What sandboxes leave on the node: the plugin's stores and names, the containerd containers of
 * kind sandbox, their tasks, snapshots that are not image layers, the sandbox directories, network
 * namespaces and address reservations.
 */
export async function sandboxFootprint(fake: FakeCri) {
  const c = fake.service;
  const ns = fake.containerd.namespace("k8s.io");
  const containers = (await ns.containers.list(`labels."${containerKindLabel}"=="sandbox"`)).map((r) => r.id);
  const snapshots = (await ns.snapshots.get("overlayfs").list()).map((s) => s.name).filter((key) => hex64.test(key) && !key.startsWith("sha256:"));
  return {
    sandboxes: c.sandboxStore.list().map((s) => s.id),
    names: c.sandboxNameIndex.size,
    containers,
    tasks: (await ns.tasks.list()).map((t) => t.id),
    snapshots,
    rootDirs: dirEntries(fake, `${c.config.rootDir}/sandboxes`),
    stateDirs: dirEntries(fake, `${c.config.stateDir}/sandboxes`),
    netns: dirEntries(fake, "/var/run/netns"),
    addresses: dirEntries(fake, ipamDataDir(c)).filter((name) => name !== "last_reserved_ip.0"),
  };
}

export const emptyFootprint = {
  sandboxes: [],
  names: 0,
  containers: [],
  tasks: [],
  snapshots: [],
  rootDirs: [],
  stateDirs: [],
  netns: [],
  addresses: [],
};
