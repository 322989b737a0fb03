// A call that waits on a virtual clock nobody advances waits forever: a seeded fake's time moves
// only with fake.advance(). Rather than leave a test to hang until its timeout, a call still in
// flight after a second of real time while the clock has timers pending says so on the console.

import { VirtualClock, type Clock } from "../../fake-containerd/index.ts";

/** How long (real ms) a call may wait on a virtual clock with pending timers before it says so. */
export const virtualTimeWarningMs = 1000;

/** Starts watching a call described by `what`; the returned function stops watching (call it when it ends). */
export function watchVirtualTime(clock: Clock, what: string): () => void {
  if (!(clock instanceof VirtualClock)) return stopNothing;
  const timer = setTimeout(() => {
    const next = clock.nextTimerInMs();
    if (next === undefined) return;
    console.warn(
      `fake-cri: ${what} is still waiting after ${virtualTimeWarningMs} ms of real time, and the fake's clock is ` +
        `virtual (a seed or a VirtualClock) with ${clock.pendingTimers()} timer(s) pending, the next due in ${next} ms ` +
        "of fake time: only fake.advance(ms) moves it",
    );
  }, virtualTimeWarningMs);
  // Node's and Bun's timers would keep the process alive; Deno's are numbers and end with the call.
  (timer as { unref?: () => void }).unref?.();
  return () => clearTimeout(timer);
}

function stopNothing(): void {}
