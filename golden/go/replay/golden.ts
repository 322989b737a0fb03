// Replays golden/go/<group>.json against the TypeScript ports. Each case holds a Go call's input and
// either its output or its error text; the port must produce exactly the same.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

export interface GoldenCase {
  fn: string;
  in: unknown;
  out?: unknown;
  err?: string;
}

export interface GoldenFile {
  meta: { group: string; go: string; containerd: string; seed: number; count: number };
  cases: GoldenCase[];
}

/** A Go string as the recorder writes it: plain when valid UTF-8, hex bytes otherwise. */
export type GoString = string | { hex: string };

export function loadGolden(group: string): GoldenFile {
  const path = fileURLToPath(new URL(`../${group}.json`, import.meta.url));
  return JSON.parse(readFileSync(path, "utf8")) as GoldenFile;
}

export function goBytes(s: GoString): Uint8Array {
  if (typeof s === "string") return new TextEncoder().encode(s);
  return Uint8Array.from(s.hex.match(/../g) ?? [], (h) => parseInt(h, 16));
}

/** True when the recorder had to hex-encode the string (it is not valid UTF-8). */
export function isRawBytes(s: GoString): s is { hex: string } {
  return typeof s !== "string";
}

/** What a port returned for one case: a value, or the text of the error it raised. */
export type Outcome = { out: unknown } | { err: string };

/** Runs a port on a case's input; a thrown Error becomes its message, as Go's err.Error() is. */
export function outcomeOf(run: () => unknown): Outcome {
  try {
    return { out: run() };
  } catch (e) {
    if (e instanceof Error) return { err: e.message };
    throw e;
  }
}

/** outcomeOf for asynchronous ports. */
export async function outcomeOfAsync(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { out: await run() };
  } catch (e) {
    if (e instanceof Error) return { err: e.message };
    throw e;
  }
}

/** A deliberate difference from Go, kept on purpose: which cases it covers and why. */
export interface GoldenException {
  fn: string;
  reason: string;
  applies(c: GoldenCase): boolean;
}

/**
 * Registers one vitest test per function of the group. `ports` maps each recorded function name to
 * a runner that turns the case input into an Outcome. Every case must match exactly, apart from
 * cases claimed by a listed exception; a function recorded but not ported fails the suite.
 */
export function replayGolden(
  group: string,
  ports: Record<string, (input: any) => Outcome | Promise<Outcome>>,
  exceptions: GoldenException[] = [],
): void {
  const golden = loadGolden(group);
  const byFn = new Map<string, GoldenCase[]>();
  for (const c of golden.cases) {
    const list = byFn.get(c.fn) ?? [];
    list.push(c);
    byFn.set(c.fn, list);
  }
  for (const [fn, cases] of byFn) {
    test(`${group}: ${fn} matches Go on ${cases.length} recorded cases`, async () => {
      const port = ports[fn];
      expect(port, `no TypeScript port registered for ${fn}`).toBeTypeOf("function");
      const failures: string[] = [];
      for (const c of cases) {
        if (exceptions.some((x) => x.fn === fn && x.applies(c))) continue;
        const expected: Outcome = c.err !== undefined ? { err: c.err } : { out: c.out ?? null };
        const actual = await port!(c.in);
        if (!sameOutcome(expected, actual)) {
          failures.push(
            `${fn}(${JSON.stringify(c.in)})\n  go: ${JSON.stringify(expected)}\n  ts: ${stringify(actual)}`,
          );
        }
      }
      expect(failures.slice(0, 20).join("\n"), `${failures.length} of ${cases.length} cases differ`).toBe("");
    });
  }
}

function sameOutcome(a: Outcome, b: Outcome): boolean {
  if ("err" in a || "err" in b) return "err" in a && "err" in b && a.err === b.err;
  return deepEqual(normalise(a.out), normalise(b.out));
}

// Go's nil slice/map and an omitted output both arrive as null/undefined.
function normalise(v: unknown): unknown {
  return v === undefined ? null : v;
}

/** Structural equality; objects compare as maps (key order never matters, as Go maps are unordered). */
function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(normalise(x), normalise(bb[i])));
  }
  const ak = Object.keys(a).filter((k) => (a as any)[k] !== undefined);
  const bk = Object.keys(b).filter((k) => (b as any)[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => deepEqual((a as any)[k], (b as any)[k]));
}

function stringify(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));
}
