// Every timestamp the fake produces comes from a Clock, so a seeded run with a virtual clock is
// byte-for-byte repeatable. Times are nanoseconds since the Unix epoch as bigint, like Go's
// time.Time.UnixNano() that CRI puts on the wire.

/** Where the fake's time comes from: a RealClock, or a VirtualClock that only advance() moves. */
export interface Clock {
  /** Current time in nanoseconds since the Unix epoch. */
  now(): bigint;
  /** Runs `fn` after `ms` milliseconds of this clock's time; returns a cancel function. */
  setTimer(ms: number, fn: () => void): () => void;
  /** Resolves after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>;
}

const nsPerMs = 1_000_000n;

/** Wall-clock time with real timers. */
export class RealClock implements Clock {
  now(): bigint {
    // performance.timeOrigin + now() has sub-millisecond precision where Date.now() does not.
    const ms = performance.timeOrigin + performance.now();
    return BigInt(Math.floor(ms * 1000)) * 1000n;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const handle = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(handle);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(ms, resolve));
  }
}

interface PendingTimer {
  due: bigint;
  seq: number;
  fn: () => void;
}

/**
 * Time that moves only when told to. Timers fire in due order (ties in creation order) as
 * advance() passes them. Each call to now() also ticks by `tickNs` (default 1µs) so that two events
 * never share a timestamp unless a test asks for that with tickNs = 0.
 */
export class VirtualClock implements Clock {
  private current: bigint;
  /** How far each now() moves the clock. */
  readonly tickNs: bigint;
  private timers: PendingTimer[] = [];
  private seq = 0;

  /** Default start: 2021-10-06T00:00:00Z, the day containerd v1.5.7 was released. */
  constructor(options: { startNs?: bigint; tickNs?: bigint } = {}) {
    this.current = options.startNs ?? 1_633_478_400_000_000_000n;
    this.tickNs = options.tickNs ?? 1000n;
  }

  now(): bigint {
    const t = this.current;
    this.current += this.tickNs;
    return t;
  }

  /** The current time without ticking. */
  peek(): bigint {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer = { due: this.current + BigInt(Math.round(Math.max(0, ms) * 1e6)), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(ms, resolve));
  }

  /**
   * Moves time forward by `ms`, firing due timers in order. Awaits a macrotask first, so that work
   * already started (a call made just before) reaches its first wait before time moves, and
   * between timers, so that work a timer starts (promise chains) settles before the next fires.
   */
  async advance(ms: number): Promise<void> {
    await settle();
    const target = this.current + BigInt(Math.round(ms * 1e6));
    for (;;) {
      const next = this.nextDue();
      if (!next || next.due > target) break;
      this.timers = this.timers.filter((t) => t !== next);
      if (next.due > this.current) this.current = next.due;
      next.fn();
      await settle();
    }
    if (target > this.current) this.current = target;
    await settle();
  }

  /** Number of timers waiting to fire. */
  pendingTimers(): number {
    return this.timers.length;
  }

  /** Milliseconds of this clock's time until the next timer fires; undefined when none waits. */
  nextTimerInMs(): number | undefined {
    const next = this.nextDue();
    return next === undefined ? undefined : Number(next.due - this.current) / 1e6;
  }

  private nextDue(): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.timers) {
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

/** Lets queued promise reactions run (a macrotask boundary). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export function nsToMs(ns: bigint): number {
  return Number(ns / nsPerMs);
}

/**
 * The time for bookkeeping (how long a process has run), which must not move a virtual clock:
 * only timestamps the fake hands out take a tick.
 */
export function readClock(clock: Clock): bigint {
  return clock instanceof VirtualClock ? clock.peek() : clock.now();
}
