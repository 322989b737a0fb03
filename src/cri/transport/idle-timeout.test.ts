// Real timers, so that the test runs on Deno and Bun too: each check holds however late a timer fires.

import { describe, expect, test } from "vitest";
import { IdleTimeout } from "./idle-timeout.ts";

const timeoutMs = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("IdleTimeout", () => {
  test("a connection without traffic is idle once the timeout has passed", async () => {
    const started = performance.now();
    const idleAt = await new Promise<number>((resolve) => new IdleTimeout(timeoutMs, () => resolve(performance.now())));
    expect(idleAt).toBeGreaterThanOrEqual(started + timeoutMs - 1);
  });

  test("traffic puts the timeout off until that long after the last of it", async () => {
    let idleAt: number | undefined;
    const idle = new IdleTimeout(timeoutMs, () => (idleAt = performance.now()));
    let lastTouch = performance.now();
    for (let i = 0; i < 12; i++) {
      await sleep(5);
      if (idleAt !== undefined) break;
      idle.touch();
      lastTouch = performance.now();
    }
    while (idleAt === undefined) await sleep(5);
    expect(idleAt - lastTouch).toBeGreaterThanOrEqual(timeoutMs - 2);
  });

  test("a stopped timeout never fires, nor does a timeout of 0", async () => {
    let fired = 0;
    new IdleTimeout(timeoutMs, () => fired++).stop();
    new IdleTimeout(0, () => fired++).touch();
    await sleep(3 * timeoutMs);
    expect(fired).toBe(0);
  });
});
