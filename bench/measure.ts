// A tiny benchmark loop in the spirit of `go test -bench`: grow the iteration count until a run
// lasts long enough to trust, then report nanoseconds per operation. Benchmarks are scripts run with
// `npx tsx bench/<name>.ts` (or `npm run bench`), never timed tests.

export interface Measurement {
  name: string;
  iterations: number;
  nsPerOp: number;
}

/** Runs `op(i)` repeatedly for about `minMillis` and returns the cost per call. */
export function measure(name: string, op: (i: number) => unknown, minMillis = 1000): Measurement {
  let sink: unknown;
  for (let i = 0; i < 1000; i++) sink = op(i); // warm-up: let the JIT settle before timing
  let iterations = 100;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) sink = op(i);
    const elapsed = performance.now() - start;
    if (elapsed >= minMillis || iterations >= 1e9) {
      keep(sink);
      return { name, iterations, nsPerOp: (elapsed * 1e6) / iterations };
    }
    iterations = Math.min(1e9, Math.ceil(iterations * Math.max(2, (minMillis * 1.2) / Math.max(elapsed, 1))));
  }
}

/** Same as measure() for asynchronous operations. */
export async function measureAsync(
  name: string,
  op: (i: number) => Promise<unknown>,
  minMillis = 1000,
): Promise<Measurement> {
  for (let i = 0; i < 100; i++) await op(i);
  let iterations = 10;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) await op(i);
    const elapsed = performance.now() - start;
    if (elapsed >= minMillis || iterations >= 1e8) {
      return { name, iterations, nsPerOp: (elapsed * 1e6) / iterations };
    }
    iterations = Math.min(1e8, Math.ceil(iterations * Math.max(2, (minMillis * 1.2) / Math.max(elapsed, 1))));
  }
}

/**
 * The JS heap plus ArrayBuffer memory (where specs' bytes live, outside the heap), after collecting
 * twice; freed buffers are released after a collection, so it waits a moment in between. Needs
 * `node --expose-gc`.
 */
export async function memoryUsed(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("memory figures need node --expose-gc");
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Prints a measurement in Go's benchmark line format so the two read side by side. */
export function report(m: Measurement): void {
  console.log(`${m.name.padEnd(40)} ${String(m.iterations).padStart(10)} ${m.nsPerOp.toFixed(1).padStart(12)} ns/op`);
}

let kept: unknown;
// Stops the optimiser from discarding the benchmarked work.
function keep(v: unknown): void {
  kept = v;
}
export function lastKept(): unknown {
  return kept;
}
