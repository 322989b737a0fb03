// gRPC status codes and the errors the CRI layer throws, with the rule that turns any thrown value
// into the status a client receives: containerd's errdefs.ToGRPC (applied to every CRI RPC error),
// then grpc-go's treatment of an error that carries no status. Portable: no grpc-js here.

import { ContainerdError, type ErrorKind } from "../../fake-containerd/errdefs.ts";

/** gRPC status codes (google.golang.org/grpc/codes). */
export const Code = {
  OK: 0,
  Canceled: 1,
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  Aborted: 10,
  OutOfRange: 11,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
  DataLoss: 15,
  Unauthenticated: 16,
} as const;

export type Code = (typeof Code)[keyof typeof Code];

const codeNames = Object.fromEntries(Object.entries(Code).map(([name, code]) => [code, name])) as Record<
  Code,
  keyof typeof Code
>;

/** The code's name as grpc-go's codes.Code.String() prints it ("NotFound"), or "Code(N)". */
export function codeName(code: number): string {
  return codeNames[code as Code] ?? `Code(${code})`;
}

/**
 * An error with a gRPC status, like one made with grpc-go's status.Errorf: RPC implementations throw
 * it with containerd's message text, and clients of this package receive it. `message` is the status
 * message alone, which is what the client reads as the status's details.
 */
export class CriError extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CriError";
    this.code = code;
  }

  /** The text of the error a Go client gets back: `rpc error: code = NotFound desc = ...`. */
  goString(): string {
    return `rpc error: code = ${codeName(this.code)} desc = ${this.message}`;
  }
}

/**
 * Go's context errors: what ctx.Err() returns once a call's deadline has passed or the client has
 * gone. The server aborts a call's AbortSignal with one of these as the reason, so an implementation
 * that rethrows `signal.reason` (or wraps it as a cause) fails the way containerd does.
 */
export class ContextError extends Error {
  readonly code: typeof Code.Canceled | typeof Code.DeadlineExceeded;

  constructor(code: typeof Code.Canceled | typeof Code.DeadlineExceeded) {
    super(code === Code.Canceled ? "context canceled" : "context deadline exceeded");
    this.name = "ContextError";
    this.code = code;
  }
}

/** The ContextError of a call whose deadline passed. */
export const deadlineExceeded = (): ContextError => new ContextError(Code.DeadlineExceeded);
/** The ContextError of a call its client canceled. */
export const canceled = (): ContextError => new ContextError(Code.Canceled);

/**
 * The status a client receives as grpc-go reports its own deadline or cancellation: "context
 * deadline exceeded" / "context canceled" with the matching code.
 */
export function clientContextError(code: typeof Code.Canceled | typeof Code.DeadlineExceeded): CriError {
  return new CriError(code, new ContextError(code).message);
}

/** errdefs.ToGRPC checks the error kinds in this order; the first one found in the chain wins. */
const kindPrecedence: readonly [ErrorKind, Code][] = [
  ["invalid argument", Code.InvalidArgument],
  ["not found", Code.NotFound],
  ["already exists", Code.AlreadyExists],
  ["failed precondition", Code.FailedPrecondition],
  ["unavailable", Code.Unavailable],
  ["not implemented", Code.Unimplemented],
  ["canceled", Code.Canceled],
  ["deadline exceeded", Code.DeadlineExceeded],
];

/** A gRPC status: the code and message a client receives. */
export interface Status {
  code: Code;
  message: string;
}

/**
 * The status a client receives for an error an RPC implementation threw. A CriError keeps its
 * code and message. Otherwise, as errdefs.ToGRPC does, the error's cause chain (errors.Is) is
 * searched for containerd error kinds and context errors, and the first by ToGRPC's precedence
 * gives the code, with the outer error's message. Anything else is Unknown with its message, as
 * grpc-go sends a handler error that has no status. Like grpc-go 1.47's status.FromError, a CriError
 * counts only at the top: a status error does not unwrap, so the chain search stops at one.
 */
export function statusOf(err: unknown): Status {
  if (err instanceof CriError) return { code: err.code, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  const found = new Set<Code>();
  for (let e: unknown = err; e instanceof Error && !(e instanceof CriError); e = e.cause) {
    if (e instanceof ContainerdError) {
      for (const [kind, code] of kindPrecedence) if (e.kind === kind) found.add(code);
    } else if (e instanceof ContextError) {
      found.add(e.code);
    }
  }
  for (const [, code] of kindPrecedence) if (found.has(code)) return { code, message };
  return { code: Code.Unknown, message };
}
