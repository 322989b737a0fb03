// stream_idle_timeout for one connection: traffic only notes the time; a single timer wakes when
// the connection could first have been idle long enough and sleeps again for what is left since
// the last traffic. Resetting a timer on every frame (clearTimeout + setTimeout) was the largest
// per-message cost of the streaming server.

export class IdleTimeout {
  private readonly timeoutMs: number;
  private readonly onIdle: () => void;
  private lastActivity = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** Calls `onIdle` once no traffic has been noted for `timeoutMs` (never when it is 0 or less). */
  constructor(timeoutMs: number, onIdle: () => void) {
    this.timeoutMs = timeoutMs;
    this.onIdle = onIdle;
    if (timeoutMs <= 0) return;
    this.lastActivity = performance.now();
    this.sleep(timeoutMs);
  }

  /** Traffic: the connection is not idle now. */
  touch(): void {
    if (this.timer !== undefined) this.lastActivity = performance.now();
  }

  /** The connection has closed: no more checks. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private sleep(ms: number): void {
    this.timer = setTimeout(this.check, ms);
    // Node's and Bun's timers would keep the process alive; Deno's are numbers.
    (this.timer as { unref?: () => void }).unref?.();
  }

  private readonly check = (): void => {
    const left = this.lastActivity + this.timeoutMs - performance.now();
    // A timer may fire a fraction of a millisecond before its time by performance.now().
    if (left >= 1) {
      this.sleep(Math.ceil(left));
      return;
    }
    this.timer = undefined;
    this.onIdle();
  };
}
