import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { IdleTimeout } from "./idle-timeout.ts";

describe("IdleTimeout", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test("a connection without traffic is idle after the timeout", () => {
    const onIdle = vi.fn();
    new IdleTimeout(1000, onIdle);
    vi.advanceTimersByTime(999);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  test("traffic puts the timeout off until that long after the last of it", () => {
    const onIdle = vi.fn();
    const idle = new IdleTimeout(1000, onIdle);
    for (let i = 0; i < 30; i++) {
      vi.advanceTimersByTime(100);
      idle.touch();
    }
    vi.advanceTimersByTime(999);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  test("a stopped timeout never fires, nor does a timeout of 0", () => {
    const stopped = vi.fn();
    new IdleTimeout(1000, stopped).stop();
    const never = vi.fn();
    new IdleTimeout(0, never).touch();
    vi.advanceTimersByTime(60_000);
    expect(stopped).not.toHaveBeenCalled();
    expect(never).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
