// The part of vitest's API this repository's tests use, on the test runner of the runtime at hand:
// node:test under `deno test`, bun:test under `bun test`. Test files keep importing "vitest"; on
// Deno an import map (deno-imports.json) and on Bun a preload plugin (bun-preload.ts) send that
// import here, so one file runs under vitest, deno test and bun test. Suites and hooks are the
// runner's own; assertions are vitest's own matchers (@vitest/expect), so a test asserts the same
// thing on every runtime. With FAKE_CRI_TEST_RESULTS set, each test appends its outcome to that
// file, so run-runtime.ts counts tests the same way on both runners (deno test reports the tests
// inside a suite as steps of it).

import {
  ASYMMETRIC_MATCHERS_OBJECT,
  ChaiStyleAssertions,
  chai,
  customMatchers,
  getState,
  JestAsymmetricMatchers,
  JestChaiExpect,
  JestExtend,
  setState,
} from "@vitest/expect";
import { format, objDisplay } from "@vitest/utils/display";
import { appendFileSync } from "node:fs";
import process from "node:process";

type Body = () => unknown;
type Hook = () => unknown;
type NativeTest = () => Promise<void>;

/** What each runtime's runner provides: nested suites, tests and the four hooks. */
interface NativeRunner {
  suite(name: string, body: Body): void;
  test(name: string, body: NativeTest, skip: boolean, timeoutMs: number): void;
  beforeAll(hook: Hook): void;
  afterAll(hook: Hook): void;
  beforeEach(hook: Hook): void;
  afterEach(hook: Hook): void;
}

/** vitest.config.ts's testTimeout, so a test has the same time on every runtime. */
const defaultTimeoutMs = 60_000;

async function denoRunner(): Promise<NativeRunner> {
  const node = await import("node:test");
  return {
    suite: (name, body) => void node.describe(name, body as () => void),
    test: (name, body, skip, timeout) => void node.test(name, { skip, timeout }, body),
    beforeAll: (hook) => node.before(hook as () => void),
    afterAll: (hook) => node.after(hook as () => void),
    beforeEach: (hook) => node.beforeEach(hook as () => void),
    afterEach: (hook) => node.afterEach(hook as () => void),
  };
}

async function bunRunner(): Promise<NativeRunner> {
  // A specifier in a variable keeps tsc (which has no bun types here) from resolving it.
  const specifier = "bun:test";
  const bun = (await import(specifier)) as {
    describe: (name: string, body: Body) => void;
    test: ((name: string, body: Body, timeoutMs: number) => void) & { skip: (name: string, body: Body) => void };
    beforeAll: (hook: Hook) => void;
    afterAll: (hook: Hook) => void;
    beforeEach: (hook: Hook) => void;
    afterEach: (hook: Hook) => void;
  };
  return {
    suite: bun.describe,
    test: (name, body, skip, timeout) => (skip ? bun.test.skip(name, body) : bun.test(name, body, timeout)),
    beforeAll: bun.beforeAll,
    afterAll: bun.afterAll,
    beforeEach: bun.beforeEach,
    afterEach: bun.afterEach,
  };
}

function runnerOfThisRuntime(): Promise<NativeRunner> {
  if ("Deno" in globalThis) return denoRunner();
  if ("Bun" in globalThis) return bunRunner();
  throw new Error("test/shared/adapter.ts runs under deno test or bun test; under Node, vitest runs the tests itself");
}

const native = await runnerOfThisRuntime();

// expect, assembled from @vitest/expect the way vitest assembles its own (without snapshots and poll).
chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(ChaiStyleAssertions);
chai.use(JestAsymmetricMatchers);

type Expect = ((value: unknown, message?: string) => Chai.Assertion) & Record<string, unknown>;

function createExpect(): Expect {
  const expect = ((value: unknown, message?: string) => {
    const { assertionCalls } = getState(expect as never);
    setState({ assertionCalls: assertionCalls + 1 }, expect as never);
    return chai.expect(value, message);
  }) as Expect;
  Object.assign(expect, chai.expect);
  Object.assign(expect, (globalThis as Record<symbol, object>)[ASYMMETRIC_MATCHERS_OBJECT]);
  setState({ assertionCalls: 0, isExpectingAssertions: false, expectedAssertionsNumber: null }, expect as never);
  expect.extend = (matchers: unknown) => (chai.expect as unknown as { extend: (e: unknown, m: unknown) => void }).extend(expect, matchers);
  expect.unreachable = (message?: string) => {
    chai.assert.fail(`expected${message ? ` "${message}" ` : " "}not to be reached`);
  };
  (expect.extend as (m: unknown) => void)(customMatchers);
  return expect;
}

export const expect = createExpect();

/** vitest's test.each/describe.each titles: printf placeholders, %# / %$ for the row, $key for a field. */
function eachTitle(template: string, row: unknown, index: number): string {
  const items = Array.isArray(row) ? row : [row];
  let title = template
    .replace(/%%/g, "\u0000")
    .replace(/%#/g, String(index))
    .replace(/%\$/g, String(index + 1));
  let next = 0;
  title = title.replace(/%[sdifjoOc]/g, (placeholder) => (next < items.length ? format(placeholder, items[next++]) : placeholder));
  const first = items[0];
  if (first !== null && typeof first === "object") {
    title = title.replace(/\$([$\w.]+)/g, (_, path: string) =>
      objDisplay(path.split(".").reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], first)),
    );
  }
  return title.replace(/\u0000/g, "%");
}

type TestBody = (...args: any[]) => unknown;

function each(register: (name: string, body: Body) => void) {
  return (rows: readonly unknown[]) =>
    (template: string, body: TestBody): void => {
      rows.forEach((row, index) => {
        const args = Array.isArray(row) ? row : [row];
        register(eachTitle(template, row, index), () => body(...args));
      });
    };
}

const resultsFile = process.env.FAKE_CRI_TEST_RESULTS;

function record(outcome: "pass" | "fail" | "skip", name: string): void {
  if (resultsFile) appendFileSync(resultsFile, `${JSON.stringify({ outcome, name })}\n`);
}

/** How many skipped suites enclose the suite body running now: their tests are skipped one by one. */
let skippedSuites = 0;

/**
 * Thrown by a test's `skip()`, which ends the test there, as vitest's does. Neither runner can
 * mark a test skipped once it has begun (Deno's node:test t.skip() still reports ok), so the
 * runner shows it as passed; the results file says skipped.
 */
class SkippedAtRunTime extends Error {}

/** The part of vitest's TestContext (a test function's argument) these tests use. */
const testContext = {
  expect,
  skip(note?: string): never {
    throw new SkippedAtRunTime(note);
  },
};

/** vitest's default `maxConcurrency`: how many tests of a concurrent suite run at once. */
const maxConcurrency = 5;

/**
 * The tests of a concurrent suite. Neither runner runs two tests at once, so when the runner starts
 * a test, that test and the next ones (up to maxConcurrency in all) are started, and the runner
 * waits for each in turn: as under vitest, up to maxConcurrency of the suite's tests are running at
 * any moment, and each test's outcome is its own.
 */
class ConcurrentTests {
  private readonly bodies: NativeTest[] = [];
  private readonly started: Promise<void>[] = [];

  /** The runner's test for `body`. */
  add(body: NativeTest): NativeTest {
    const index = this.bodies.push(body) - 1;
    return () => {
      const end = Math.min(this.bodies.length, index + maxConcurrency);
      for (let next = this.started.length; next < end; next++) {
        const running = this.bodies[next]!();
        // Awaited by its own test; until then a failure must not count as unhandled.
        running.catch(() => undefined);
        this.started.push(running);
      }
      return this.started[index]!;
    };
  }
}

/** The concurrent suite whose body is being run, if any (nested suites belong to it too). */
let concurrentSuite: ConcurrentTests | undefined;

function defineTest(skip: boolean) {
  return (name: string, body: TestBody = () => undefined, timeoutMs: number = defaultTimeoutMs): void => {
    if (skip || skippedSuites > 0) {
      record("skip", name);
      native.test(name, async () => undefined, true, timeoutMs);
      return;
    }
    const recorded: NativeTest = async () => {
      try {
        await body(testContext);
      } catch (err) {
        if (err instanceof SkippedAtRunTime) {
          record("skip", name);
          return;
        }
        record("fail", name);
        throw err;
      }
      record("pass", name);
    };
    native.test(name, concurrentSuite ? concurrentSuite.add(recorded) : recorded, false, timeoutMs);
  };
}

function defineSuite(skip: boolean, concurrent = false) {
  return (name: string, body: Body): void =>
    native.suite(name, () => {
      const enclosing = concurrentSuite;
      if (skip) skippedSuites++;
      if (concurrent) concurrentSuite = new ConcurrentTests();
      try {
        return body();
      } finally {
        if (skip) skippedSuites--;
        concurrentSuite = enclosing;
      }
    });
}

export const test = Object.assign(defineTest(false), {
  skip: defineTest(true),
  skipIf: (condition: unknown) => defineTest(Boolean(condition)),
  each: each(defineTest(false)),
});
export const it = test;

export const describe = Object.assign(defineSuite(false), {
  skipIf: (condition: unknown) => defineSuite(Boolean(condition)),
  each: each(defineSuite(false)),
  concurrent: defineSuite(false, true),
});

/** A concurrent suite's tests start before the runner reaches them, outside its per-test hooks. */
function perTestHook(register: (hook: Hook) => void): (hook: Hook) => void {
  return (hook) => {
    if (concurrentSuite) throw new Error("test/shared/adapter.ts: beforeEach and afterEach are not supported in a concurrent suite");
    register(hook);
  };
}

export const beforeAll = (hook: Hook): void => native.beforeAll(hook);
export const afterAll = (hook: Hook): void => native.afterAll(hook);
export const beforeEach = perTestHook((hook) => native.beforeEach(hook));
export const afterEach = perTestHook((hook) => native.afterEach(hook));
