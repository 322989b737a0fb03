import { describe, expect, test } from "vitest";
import { RealClock } from "./clock.ts";

/** Keeps the event loop busy for `ms`, as a long request does: no timer can run meanwhile. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe("RealClock.fireOverdue", () => {
  test("fires the timers whose time passed while the loop was busy, in due order, once", async () => {
    const clock = new RealClock();
    const fired: string[] = [];
    clock.setTimer(5, () => fired.push("b"));
    clock.setTimer(1, () => fired.push("a"));
    clock.setTimer(60_000, () => fired.push("later"));
    const cancel = clock.setTimer(2, () => fired.push("cancelled"));
    cancel();
    busy(10);
    expect(clock.fireOverdue()).toBe(true);
    expect(fired).toEqual(["a", "b"]);
    expect(clock.fireOverdue()).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fired).toEqual(["a", "b"]);
  });

  test("a timer that already ran on time is not fired again", async () => {
    const clock = new RealClock();
    let runs = 0;
    clock.setTimer(1, () => runs++);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(runs).toBe(1);
    expect(clock.fireOverdue()).toBe(false);
    expect(runs).toBe(1);
  });

  test("ties fire in the order they were set", () => {
    const clock = new RealClock();
    const fired: number[] = [];
    for (let i = 0; i < 20; i++) clock.setTimer(0, () => fired.push(i));
    busy(2);
    clock.fireOverdue();
    expect(fired).toEqual([...Array(20).keys()]);
  });
});

describe("RealClock's cancelled timers", () => {
  test("let go of their work at once, though they wait in the heap until their time", () => {
    // A served ExecSync with a timeout cancels its timer when the exec ends; the exec it would have
    // killed must not stay reachable for the rest of the timeout.
    const clock = new RealClock();
    const work = () => {};
    const cancel = clock.setTimer(60_000, work);
    const heap = Reflect.get(clock, "heap") as Array<{ fn: () => void }>;
    expect(heap.map((t) => t.fn)).toContain(work);
    cancel();
    expect(heap).toHaveLength(1);
    expect(heap.map((t) => t.fn)).not.toContain(work);
  });
});
