// The fake as a transcript target: a fresh fake per scenario, set up as the reference runtime was
// (its CRI config, Version, and a registry serving the golden archives under the same names, strict,
// no image present), on a virtual clock that wait and sleep steps advance. Reached either in-process
// or over its own unix socket with the generated gRPC client, v1 and v1alpha2.

import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { VirtualClock } from "../../fake-containerd/index.ts";
import { archiveFiles, type ArchiveFile } from "../../fake-containerd/images/import.ts";
import { registryOf } from "../../fake-containerd/registry.ts";
import { connectCri, type CriV1Client, type CriV1alpha2Client } from "../../src/cri/transport/grpc.ts";
import { createFakeCri, type FakeCri } from "../../src/harness/index.ts";
import type { ContainerdVersion } from "../../src/cri/versions/index.ts";
import type { CriTarget } from "../../src/transcript/target.ts";
import { referenceCdiSpecs, referenceConfigWith, referenceRegistry, referenceStall } from "./reference-runtime.ts";

export interface ClosableTarget extends CriTarget {
  close(): Promise<void>;
}

let archives: Promise<{ files: ArchiveFile[]; references: readonly string[] }[]> | undefined;
let cdiSpecs: { name: string; bytes: Buffer }[] | undefined;

/** The golden archives, unpacked once per process (every fresh fake's registry pushes the same files). */
function referenceArchives(): Promise<{ files: ArchiveFile[]; references: readonly string[] }[]> {
  archives ??= Promise.all(
    referenceRegistry.map(async ({ archive, references }) => ({
      files: await archiveFiles(new Uint8Array(readFileSync(archive))),
      references,
    })),
  );
  return archives;
}

/**
 * A fake answering as `containerd`, set up as that version's reference runtime before each
 * recorded scenario: its config (with the `passthrough` handler; or an instance's whole
 * config.toml, paths included), its Version, a
 * registry serving exactly what the reference registry served, strict pulls (any other name is
 * NotFound), its CDI specs, no image at all, seeded IDs on a virtual clock.
 */
export async function createReferenceFake(containerd: ContainerdVersion, config = referenceConfigWith(containerd)): Promise<FakeCri> {
  const fake = await createFakeCri({
    seed: 1,
    containerd,
    config,
    strictImages: true,
    withoutSandboxImage: true,
  });
  // The reference's CDI specs (read once per process), in the fake node's first default CDI spec dir.
  fake.hostFs.mkdirAll("/etc/cdi");
  cdiSpecs ??= readdirSync(referenceCdiSpecs).map((name) => ({ name, bytes: readFileSync(join(referenceCdiSpecs, name)) }));
  for (const { name, bytes } of cdiSpecs) fake.hostFs.writeFile(`/etc/cdi/${name}`, bytes.slice());
  const registry = registryOf(fake.containerd);
  for (const { files, references } of await referenceArchives()) {
    const [pushed] = await registry.pushArchive(files);
    if (pushed === undefined) throw new Error(`no named image in the archive for ${references.join(", ")}`);
    for (const reference of references) if (reference !== pushed) await registry.tag(reference, pushed);
  }
  // The stalling registry's stall/ (referenceStall): a large blob never arrives, so a local pull of it is cancelled.
  const fetch = registry.fetch.bind(registry);
  const never = new Promise<never>(() => {});
  registry.fetch = (ref, desc) => (ref.startsWith(referenceStall.prefix) && desc.size > referenceStall.afterBytes ? never : fetch(ref, desc));
  return fake;
}

/** Routes every call to whatever the current value of `pick()` is, so a reset swaps the fake under a fixed target. */
function forwarding<T extends object>(pick: () => T): T {
  return new Proxy({} as T, {
    get: (_, key) => {
      const current = pick() as Record<string | symbol, unknown>;
      const value = current[key];
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(current) : value;
    },
  });
}

/** How long a server stream of the fake may send nothing before the run takes it as idle. */
const streamIdleMs = 200;

/**
 * The in-process clients of a fresh reference fake of `containerd` per reset, its config with a
 * transcript's `imagesConfig` lines.
 */
export function inProcessTarget(containerd: ContainerdVersion, imagesConfig?: readonly string[]): ClosableTarget {
  let fake: FakeCri | undefined;
  const current = (): FakeCri => {
    if (!fake) throw new Error("the target was not reset");
    return fake;
  };
  return {
    runtime: forwarding(() => current().runtime) as CriTarget["runtime"],
    image: forwarding(() => current().image) as CriTarget["image"],
    v1alpha2: {
      runtime: forwarding(() => current().v1alpha2.runtime) as NonNullable<CriTarget["v1alpha2"]>["runtime"],
      image: forwarding(() => current().v1alpha2.image) as NonNullable<CriTarget["v1alpha2"]>["image"],
    },
    reset: async () => {
      await fake?.close();
      fake = await createReferenceFake(containerd, referenceConfigWith(containerd, imagesConfig));
    },
    elapse: (ms) => (current().clock as VirtualClock).advance(ms),
    streamIdleMs,
    close: async () => {
      await fake?.close();
      fake = undefined;
    },
  };
}

/**
 * A fresh reference fake of `containerd` per reset, served on its own unix socket (fake.serve) and reached with
 * connectCri for v1 and v1alpha2: every request and answer crosses the wire. `imagesConfig` as for inProcessTarget.
 */
export function socketTarget(containerd: ContainerdVersion, imagesConfig?: readonly string[]): ClosableTarget {
  const dir = mkdtempSync(join(tmpdir(), "fake-cri-replay-"));
  let served = 0;
  let state: { fake: FakeCri; v1: CriV1Client; alpha: CriV1alpha2Client } | undefined;
  const current = () => {
    if (!state) throw new Error("the target was not reset");
    return state;
  };
  const shutdown = async (): Promise<void> => {
    if (!state) return;
    state.v1.close();
    state.alpha.close();
    await state.fake.close();
    state = undefined;
  };
  return {
    runtime: forwarding(() => current().v1.runtime) as CriTarget["runtime"],
    image: forwarding(() => current().v1.image) as CriTarget["image"],
    v1alpha2: {
      runtime: forwarding(() => current().alpha.runtime) as NonNullable<CriTarget["v1alpha2"]>["runtime"],
      image: forwarding(() => current().alpha.image) as NonNullable<CriTarget["v1alpha2"]>["image"],
    },
    reset: async () => {
      await shutdown();
      const fake = await createReferenceFake(containerd, referenceConfigWith(containerd, imagesConfig));
      const server = await fake.serve(`unix://${join(dir, `cri-${++served}.sock`)}`);
      state = { fake, v1: connectCri(server.endpoint, "v1"), alpha: connectCri(server.endpoint, "v1alpha2") };
    },
    elapse: (ms) => (current().fake.clock as VirtualClock).advance(ms),
    streamIdleMs,
    close: async () => {
      await shutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
