#!/usr/bin/env node
// The fake-cri command. A checkout runs the TypeScript sources through tsx (a dev dependency); an
// installed package, which has no tsx, runs its build (dist/, made when it was packed); failing
// both, Node's own type stripping (22.18+) runs the sources (erasable syntax, .ts imports).
import { existsSync } from "node:fs";

const built = new URL("../dist/src/cli/main.js", import.meta.url);
const sources = new URL("../src/cli/main.ts", import.meta.url);

async function tsxRegistered() {
  try {
    const { register } = await import("tsx/esm/api");
    register();
    return true;
  } catch {
    return false;
  }
}

if (await tsxRegistered()) await import(sources.href);
else if (existsSync(built)) await import(built.href);
else if (process.features?.typescript) await import(sources.href);
else {
  process.stderr.write("fake-cri: needs tsx (npm install), a built package, or Node.js with TypeScript support (22.18+)\n");
  process.exit(1);
}
