// `bun test --preload ./test/shared/bun-preload.ts`: sends this repository's `import ... from
// "vitest"` to test/shared/adapter.ts and `import ... from "fast-check"` to test/shared/fast-check.ts.
// Bun answers the first with its own bun:test before any resolver plugin sees it, so the plugin
// rewrites the specifiers as each file loads. Only this repository's TypeScript files are touched
// (not node_modules).

import { readFileSync } from "node:fs";

interface PluginBuilder {
  onLoad(options: { filter: RegExp }, load: (args: { path: string }) => { contents: string; loader: "ts" }): void;
}
// Typed here: the repository has no Bun type definitions.
const { Bun } = globalThis as unknown as { Bun: { plugin(plugin: { name: string; setup(build: PluginBuilder): void }): void } };

const standIns: Record<string, string> = {
  vitest: new URL("./adapter.ts", import.meta.url).pathname,
  "fast-check": new URL("./fast-check.ts", import.meta.url).pathname,
};
const repository = new URL("../../", import.meta.url).pathname;
const repositoryTs = new RegExp(`^${repository.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?!node_modules/).*\\.ts$`);

Bun.plugin({
  name: "vitest and fast-check for bun:test",
  setup(build) {
    build.onLoad({ filter: repositoryTs }, ({ path }) => ({
      contents: readFileSync(path, "utf8").replace(/from\s+["'](vitest|fast-check)["']/g, (_, name: string) => `from ${JSON.stringify(standIns[name])}`),
      loader: "ts",
    }));
  },
});
