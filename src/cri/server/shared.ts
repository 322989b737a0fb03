// What the RPCs share: the request context as Go sees it, Go's duration arithmetic, name
// reservation refusals.

import { wrap } from "../../go/errors.ts";
import { CriError } from "../errors.ts";
import type { CallContext } from "../service-types.ts";
import { NameReservationError } from "../store/name-registrar.ts";
import type { CriService } from "./service.ts";

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

/**
 * A name reservation's refusal as the RPC reports it: `<context>: <registrar's text>`, with the
 * version's code when the name (or ID) is held by another (profile.nameReservedCode).
 */
export function nameReservationFailure(c: CriService, context: string, err: unknown): Error {
  if (err instanceof NameReservationError && err.reserved) return new CriError(c.profile.nameReservedCode, `${context}: ${err.message}`);
  return wrap(err, context);
}
