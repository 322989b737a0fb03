#!/usr/bin/env node
// The fake-cri command: runs src/cli.ts. TypeScript loads through tsx when it is installed (a dev
// dependency, so any checkout after `npm install`), else through Node's own type stripping (Node
// 22.18+ / 23.6+), which the sources support (erasable syntax only, .ts imports).

try {
  const { register } = await import("tsx/esm/api");
  register();
} catch {
  if (!process.features?.typescript) {
    process.stderr.write("fake-cri: needs tsx (npm install) or Node.js with TypeScript support (22.18+)\n");
    process.exit(1);
  }
}
await import(new URL("../src/cli.ts", import.meta.url).href);
