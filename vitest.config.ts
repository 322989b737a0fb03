import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

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
  },
});
