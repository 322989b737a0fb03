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

/** A RealClock timer: due at `dueMs` of performance.now(), done once fired or cancelled. */
interface RealTimer {
  dueMs: number;
  seq: number;
  /** Let go of once the timer is done: a cancelled timer stays in the heap until its time, its work need not. */
  fn: () => void;
  done: boolean;
  handle: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Wall-clock time with real timers. A busy event loop runs a due timer late, after whatever I/O
 * came first: fireOverdue() lets a server fire the timers whose time has passed before it answers
 * a call, so that the answer shows what they did (an OOM kill, a process's exit).
 */
const nothing = (): void => {};

export class RealClock implements Clock {
  /**
   * Timers by due time, earliest first (a binary heap). A cancelled or fired one leaves once it is
   * at the top, so the heap holds about the timers made within the longest delay.
   */
  private readonly heap: RealTimer[] = [];
  private seq = 0;

  now(): bigint {
    // performance.timeOrigin + now() has sub-millisecond precision where Date.now() does not.
    const ms = performance.timeOrigin + performance.now();
    return BigInt(Math.floor(ms * 1000)) * 1000n;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const delay = Math.max(0, ms);
    const timer: RealTimer = { dueMs: performance.now() + delay, seq: this.seq++, fn, done: false, handle: undefined };
    timer.handle = setTimeout(() => {
      this.fire(timer);
      this.dropDone();
    }, delay);
    this.push(timer);
    return () => {
      timer.done = true;
      timer.fn = nothing;
      clearTimeout(timer.handle);
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(ms, resolve));
  }

  /** Fires, in due order, every timer whose time has passed; returns whether any fired. */
  fireOverdue(): boolean {
    let fired = false;
    for (;;) {
      const top = this.heap[0];
      if (!top) return fired;
      if (!top.done) {
        if (top.dueMs > performance.now()) return fired;
        clearTimeout(top.handle);
        this.fire(top);
        fired = true;
      }
      this.pop();
    }
  }

  /** Takes done timers off the top, so that timers fired on time do not pile up. */
  private dropDone(): void {
    while (this.heap[0]?.done) this.pop();
  }

  private fire(timer: RealTimer): void {
    if (timer.done) return;
    const fn = timer.fn;
    timer.done = true;
    timer.fn = nothing;
    fn();
  }

  private push(timer: RealTimer): void {
    const heap = this.heap;
    let i = heap.push(timer) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && earlier(heap[left]!, heap[least]!)) least = left;
      if (right < heap.length && earlier(heap[right]!, heap[least]!)) least = right;
      if (least === i) return;
      [heap[i], heap[least]] = [heap[least]!, heap[i]!];
      i = least;
    }
  }
}

function earlier(a: RealTimer, b: RealTimer): boolean {
  return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
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
