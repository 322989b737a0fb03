// Vitest's global setup: the fake-cri command bundled once (esbuild: src/cli/main.ts and everything
// it imports, dependencies included, in one ES module) for the suites that start it as a child
// process, some sixty starts a run. Node spends most of a start resolving, reading and linking
// modules one by one: the compiled tree (about 290 modules) took 0.55 s of CPU to print its
// version or start serving, the bundle takes 0.25 s; through tsx it was 1.2 s. Bundling costs
// about 0.6 s of CPU. It is bundled again only when a source file or the lockfile is newer than
// the last bundle.

import { readdirSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { bundledCli, repoRoot } from "./fake-cri-process.ts";

const inputs = ["src", "fake-containerd", "tsconfig.json", "package-lock.json"];

const mtime = (path: string): number => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0;

function newestInput(): number {
  return Math.max(
    ...inputs.flatMap((input) => {
      const path = join(repoRoot, input);
      if (!statSync(path).isDirectory()) return [mtime(path)];
      return readdirSync(path, { recursive: true, encoding: "utf8" }).map((file) => mtime(join(path, file)));
    }),
  );
}

export default async function buildCli(): Promise<void> {
  if (mtime(bundledCli) > newestInput()) return;
  // Written under a name of its own and renamed into place: two runs at once never see half a file.
  const partial = `${bundledCli}.${process.pid}`;
  await build({
    entryPoints: [join(repoRoot, "src/cli/main.ts")],
    outfile: partial,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "error",
    // The dependencies written as CommonJS (grpc-js) call require for Node's own modules.
    banner: { js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);' },
  });
  renameSync(partial, bundledCli);
}
