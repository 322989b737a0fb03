import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{src,fake-containerd,properties,golden,test}/**/*.test.ts"],
    exclude: ["**/node_modules/**", "test/deno/**", "test/bun/**"],
    testTimeout: 60_000,
  },
});
