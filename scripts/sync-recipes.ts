// Keeps docs/recipes.md and the recipe tests in docs/recipes/ the same: each recipe is a test file
// (run by `npm test`), and the page shows each one whole in a block whose info string names it
// (```ts docs/recipes/oom-kill.test.ts). docs/recipes.test.ts fails when they differ;
//
//   npm run docs:recipes      (tsx scripts/sync-recipes.ts --write)
//
// rewrites the page's blocks from the files.

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const page = join(root, "docs/recipes.md");
const folder = "docs/recipes";
const block = /^```ts (docs\/recipes\/[\w.-]+\.test\.ts)\n([\s\S]*?)^```$/gm;

/** The page with every recipe block replaced by its file's text. */
function synced(text: string): string {
  return text.replace(block, (_whole, file: string) => `\`\`\`ts ${file}\n${readFileSync(join(root, file), "utf8")}\`\`\``);
}

/** What differs between the page and the files, one line each; empty when they agree. */
export function recipeMismatches(): string[] {
  const text = readFileSync(page, "utf8");
  const shown = [...text.matchAll(block)].map((m) => m[1]!);
  const files = readdirSync(join(root, folder))
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => `${folder}/${f}`);
  const problems = [
    ...files.filter((f) => !shown.includes(f)).map((f) => `${f} is not on docs/recipes.md`),
    ...shown.filter((f) => !files.includes(f)).map((f) => `docs/recipes.md shows ${f}, which does not exist`),
  ];
  if (problems.length === 0 && synced(text) !== text) problems.push("docs/recipes.md differs from docs/recipes/: run npm run docs:recipes");
  return problems;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  if (process.argv.includes("--write")) writeFileSync(page, synced(readFileSync(page, "utf8")));
  const problems = recipeMismatches();
  for (const problem of problems) console.error(`sync-recipes: ${problem}`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}
