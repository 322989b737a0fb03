// Nothing the fake serves with blocks its one thread on the disk or a child process (issue 17): the
// library core (src/ but the command in src/cli) and fake-containerd/ call no synchronous function
// of node:fs or node:child_process. A FIFO, a slow disk or a deleted data dir would stop every
// client, Version included. Tests and their helpers (testing/ folders) may.

import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const modules = new Map<string, Set<string>>([
  ["fs", new Set(Object.keys(fs).filter((name) => name.endsWith("Sync")))],
  ["child_process", new Set(Object.keys(childProcess).filter((name) => name.endsWith("Sync")))],
]);

/** The core's source files: not tests, not test helpers, not the command. */
function coreFiles(): string[] {
  return ["src", "fake-containerd"].flatMap((top) =>
    readdirSync(join(root, top), { recursive: true, encoding: "utf8" })
      .map((file) => join(top, file))
      .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && !file.split("/").includes("testing") && !file.startsWith("src/cli/")),
  );
}

/** The synchronous calls a module source imports or reaches through a namespace or default import. */
function synchronousCalls(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/^import\s+(type\s+)?([^;]*?)\s+from\s+"(?:node:)?([\w/]+)"/gms)) {
    const sync = modules.get(m[3]!);
    if (!sync || m[1]) continue;
    const clause = m[2]!;
    for (const name of /\{([^}]*)\}/.exec(clause)?.[1]?.split(",") ?? []) {
      const imported = name.trim().replace(/^type\s+/, "").split(/\s+as\s+/)[0]!;
      if (sync.has(imported)) found.push(imported);
    }
    const whole = /^(?:\*\s+as\s+)?(\w+)/.exec(clause)?.[1];
    if (whole) {
      for (const use of source.matchAll(new RegExp(`\\b${whole}\\.(\\w+Sync)\\b`, "g"))) if (sync.has(use[1]!)) found.push(`${whole}.${use[1]}`);
    }
  }
  return found;
}

test("the scan finds synchronous calls however they are imported", () => {
  expect(synchronousCalls('import { readFile, writeFileSync as write } from "node:fs";')).toEqual(["writeFileSync"]);
  expect(synchronousCalls('import * as fs from "fs";\nfs.statSync(p);')).toEqual(["fs.statSync"]);
  expect(synchronousCalls('import cp from "node:child_process";\ncp.execFileSync("x");')).toEqual(["cp.execFileSync"]);
  expect(synchronousCalls('import { execSync } from "./container-execsync.ts";')).toEqual([]);
  expect(synchronousCalls('import type { Stats } from "node:fs";\nimport { readFile } from "node:fs/promises";')).toEqual([]);
});

test("the library core and fake-containerd call no synchronous file or process function", () => {
  const files = coreFiles();
  expect(files.length).toBeGreaterThan(100);
  const calls = files.flatMap((file) => synchronousCalls(readFileSync(join(root, file), "utf8")).map((call) => `${file}: ${call}`));
  expect(calls).toEqual([]);
});
