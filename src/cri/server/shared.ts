// What the RPCs share: the request context as Go sees it, Go's duration arithmetic.

import type { CallContext } from "../service-types.ts";

/**
 * The RPC's context as the Go code sees it: a call made with a context that is done fails at once
 * with the context's error, without reaching containerd. Calls containerd makes with a context of
 * its own (task.Wait, the deferred cleanups) do not check it.
 */
export function checkContext(call: CallContext): void {
  if (call.signal.aborted) throw call.signal.reason;
}

/** time.Duration(seconds) * time.Second, wrapping on overflow as Go's int64 does. */
export function secondsToDuration(seconds: bigint): bigint {
  return BigInt.asIntN(64, seconds * 1_000_000_000n);
}
