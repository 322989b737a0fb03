// fake-cri's own version, from the package.json above this file (src/cli in a checkout,
// dist/src/cli in a build). Node-only.

import { readFile } from "node:fs/promises";

/** The version in fake-cri's package.json. */
export async function packageVersion(): Promise<string> {
  for (let dir = new URL(".", import.meta.url); dir.pathname !== "/"; dir = new URL("..", dir)) {
    const text = await readFile(new URL("package.json", dir), "utf8").catch(() => undefined);
    if (text === undefined) continue;
    const manifest = JSON.parse(text) as { name?: string; version?: string };
    if (manifest.name === "fake-cri" && manifest.version) return manifest.version;
  }
  throw new Error("cannot find fake-cri's package.json");
}
