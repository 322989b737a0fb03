// Laws of the ash emulation: every script of the supported grammar parses, prints back and parses to
// the same tree; mvdan/sh's parser (sh-syntax, its WebAssembly build) reads the script and our
// printout of it as the same program; and running any of them never throws: the process exits,
// runs on, or says what the emulation does not follow.
import fc from "fast-check";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { getProcessor, LangVariant, type GetWebAssemblyInstance } from "sh-syntax";
import { describe, expect, test } from "vitest";
import type { Program } from "../fake-containerd/emulation/syntax/ast.ts";
import { parse } from "../fake-containerd/emulation/syntax/parser.ts";
import { printProgram } from "../fake-containerd/emulation/syntax/printer.ts";
import { emulated } from "../fake-containerd/emulation/testing/emulate.ts";
import { shellScript } from "./arbitraries/shell.ts";

/** The tree without ids and lines, which printing may move. */
function shape(program: Program): unknown {
  return JSON.parse(JSON.stringify(program.body, (key, value: unknown) => (key === "id" || key === "line" ? undefined : value)));
}

/**
 * sh-syntax's parser, its WebAssembly compiled once: its own `print` compiles the module again for
 * every call (two a run), which was most of this file's CPU.
 */
const { WebAssembly: webAssembly } = globalThis as unknown as {
  // Not in the TypeScript libraries this project builds with (ES2023, no DOM).
  WebAssembly: { compile(bytes: Uint8Array): Promise<unknown>; instantiate(module: unknown, imports: unknown): Promise<unknown> };
};
const wasm = await webAssembly.compile(await readFile(createRequire(import.meta.url).resolve("sh-syntax/main.wasm")));
const processor = getProcessor(((imports) => webAssembly.instantiate(wasm, imports)) as GetWebAssemblyInstance);

/** mvdan/sh's canonical form of a script (bash mode: it knows ash's $'...', ${x/a/b} and &>). */
function canonical(script: string): Promise<string> {
  return processor(script, { variant: LangVariant.LangBash, print: true }) as Promise<string>;
}

describe("the shell's syntax", () => {
  test("a script parses, prints back and parses again to the same tree", () => {
    fc.assert(
      fc.property(shellScript(), (script) => {
        const program = parse(script);
        expect(program.syntaxError).toBeUndefined();
        expect(shape(parse(printProgram(program)))).toEqual(shape(program));
      }),
      { numRuns: 500 },
    );
  });

  test("mvdan/sh reads a script and our printout of it as the same program", async () => {
    await fc.assert(
      fc.asyncProperty(shellScript(), async (script) => {
        expect(await canonical(printProgram(parse(script)))).toBe(await canonical(script));
      }),
      { numRuns: 200 },
    );
  });
});

describe("the evaluator", () => {
  const files = { "/": ["tmp", "etc"], "/tmp": [], "/etc": ["passwd"], "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\n" };

  test("never throws: a script exits with a status, runs on, or says what is not emulated", async () => {
    await fc.assert(
      fc.asyncProperty(shellScript(), fc.boolean(), async (script, exec) => {
        const result = await emulated(["sh", "-c", script], { exec, files, env: ["PATH=/bin", "HOME=/root"], hasFile: (path) => path === "/bin/sh", horizonMs: 5000 });
        if (result.exit) expect(result.exit.code).toBeGreaterThanOrEqual(0);
        for (const chunk of result.output ?? []) expect(chunk.data).not.toContain("fake-cri emulation failed");
      }),
      { numRuns: 300 },
    );
  });
});
