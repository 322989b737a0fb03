// image_pull_progress_timeout (containerd 2.x's pull progress reporter): while a pull runs, a ticker
// looks at the registry requests in flight and the bytes read from them; when requests are in
// flight and no byte has arrived for longer than the timeout, the pull is cancelled and PullImage
// fails `failed to pull and unpack image "<ref>": context canceled` (Canceled). The ticker runs
// every 10 s, or every half timeout when the timeout is shorter. A timer that sees no request in
// flight, new bytes, or requests just started after an idle tick starts the no-progress period
// again. A timeout of 0 turns it off.

import type { Clock } from "../../../fake-containerd/clock.ts";
import { canceled, type ContextError } from "../errors.ts";

const defaultReportIntervalMs = 10_000;

/** Requests in flight and bytes read, as the registry client reports them to the watchdog. */
export interface PullProgress {
  /** Waits for `request` (a registry request), counting it in flight until it settles; rejects once the pull is cancelled. */
  track(request: Promise<Uint8Array>): Promise<Uint8Array>;
  /** Stops the ticker (the pull is over). */
  stop(): void;
}

/** A pull that never times out. */
const untimed: PullProgress = { track: (request) => request, stop: () => {} };

export function watchPullProgress(clock: Clock, timeoutMs: number): PullProgress {
  if (timeoutMs <= 0) return untimed;
  const intervalMs = timeoutMs < defaultReportIntervalMs ? timeoutMs / 2 : defaultReportIntervalMs;
  let active = 0;
  let bytesRead = 0;
  let lastSeenBytes = 0;
  let lastSeenAt = clock.now();
  let previousActive = 0;
  let cancelled: ContextError | undefined;
  const cancels = new Set<(reason: ContextError) => void>();
  let stopTimer = (): void => {};

  const tick = (): void => {
    const quiet = active === 0 || bytesRead > lastSeenBytes || previousActive === 0;
    previousActive = active;
    if (quiet) {
      lastSeenBytes = bytesRead;
      lastSeenAt = clock.now();
    } else if (Number(clock.now() - lastSeenAt) / 1e6 > timeoutMs) {
      cancelled = canceled();
      for (const cancel of cancels) cancel(cancelled);
      return;
    }
    stopTimer = clock.setTimer(intervalMs, tick);
  };
  stopTimer = clock.setTimer(intervalMs, tick);

  return {
    track(request) {
      if (cancelled) return Promise.reject(cancelled);
      active++;
      let cancel!: (reason: ContextError) => void;
      const abandoned = new Promise<never>((_, reject) => (cancel = reject));
      cancels.add(cancel);
      const settled = request.then((bytes) => {
        bytesRead += bytes.length;
        return bytes;
      });
      // A stalled request is left behind once the pull is cancelled: what it brings later is dropped.
      settled.catch(() => {});
      return Promise.race([settled, abandoned]).finally(() => {
        active--;
        cancels.delete(cancel);
      });
    },
    stop: () => stopTimer(),
  };
}
