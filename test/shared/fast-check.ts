// fast-check as this repository's test files see it under deno test and bun test: the same library,
// with each property run a tenth as many times (at least once). The properties keep their full
// run counts under vitest on Node, in the same `npm test`; on Deno and Bun they show that the code
// they pin runs there, which a few runs do as well as thousands. Reached instead of "fast-check"
// the way adapter.ts is reached instead of "vitest" (deno-imports.json, bun-preload.ts).

import fc from "../../node_modules/fast-check/lib/fast-check.js";

/** How many times fewer a property runs here than under vitest. */
const runsDivisor = 10;

/** fast-check's default when a property names no run count. */
const defaultRuns = 100;

type Assert = typeof fc.assert;

const assert = ((property: Parameters<Assert>[0], params?: Parameters<Assert>[1]) =>
  fc.assert(property, { ...params, numRuns: Math.ceil((params?.numRuns ?? defaultRuns) / runsDivisor) })) as Assert;

export default { ...fc, assert };
