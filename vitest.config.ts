import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import LongestFirstSequencer from "./test/sequencer.ts";

/** The package's own entry points resolve to the sources, so docs/recipes import "fake-cri" as users do. */
const entry = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^fake-cri$/, replacement: entry("./src/harness/index.ts") },
      { find: /^fake-cri\/fake-containerd$/, replacement: entry("./fake-containerd/index.ts") },
      { find: /^fake-cri\/grpc$/, replacement: entry("./src/cri/transport/grpc.ts") },
      { find: /^fake-cri\/api\/(v1|v1alpha2)$/, replacement: entry("./src/cri/api/$1.ts") },
      { find: /^fake-cri\/errors$/, replacement: entry("./src/cri/errors.ts") },
    ],
  },
  test: {
    include: ["{src,fake-containerd,properties,golden,test,docs}/**/*.test.ts"],
    exclude: ["**/node_modules/**", "test/deno/**", "test/bun/**"],
    testTimeout: 60_000,
    globalSetup: ["test/build-cli.ts"],
    // One module registry per worker, shared by the files it runs: a fresh process and a fresh
    // import of the tree for each of 160 files cost a third of the run's CPU (306 s against 207 s
    // over the whole run). No test mocks modules, stubs globals or fakes timers, so none can see
    // another's leftovers.
    isolate: false,
    // On 2 cores vitest's default is one worker: every file in turn, so the suites that mostly
    // wait (on fake-cri and Go clients in other processes, on timers) waited one after another.
    maxWorkers: 2,
    sequence: { sequencer: LongestFirstSequencer },
  },
});
