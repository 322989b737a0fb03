// containerd's error kinds (its errdefs package). A containerd client sees an error as
// "<context>: <kind>", e.g. `container "abc": not found`; the CRI layer branches on the kind and wraps
// the text, so both have to be right.

import { checkName } from "./names.ts";

/**
 * containerd's error kinds by name, valued as containerd spells them (the text a wrapped error ends
 * with): `ErrorKind.NotFound` is `"not found"`. Either form can be given where a kind is asked for;
 * anything else is refused with the list of kinds.
 */
export const ErrorKind = {
  Unknown: "unknown",
  InvalidArgument: "invalid argument",
  NotFound: "not found",
  AlreadyExists: "already exists",
  FailedPrecondition: "failed precondition",
  Unavailable: "unavailable",
  NotImplemented: "not implemented",
  Canceled: "canceled",
  DeadlineExceeded: "deadline exceeded",
} as const;

/** One of containerd's error kinds, as containerd spells it ("not found"). */
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];

/** Every error kind. */
export const errorKinds: readonly ErrorKind[] = Object.values(ErrorKind);

/** Throws, listing the kinds, unless `kind` is one of them. */
export function checkErrorKind(kind: unknown): asserts kind is ErrorKind {
  checkName("containerd error kind", kind, errorKinds);
}

/** An error of one of containerd's kinds; the CRI layer maps the kind to a gRPC code. */
export class ContainerdError extends Error {
  readonly kind: ErrorKind;

  constructor(kind: ErrorKind, message: string) {
    checkErrorKind(kind);
    super(message);
    this.name = "ContainerdError";
    this.kind = kind;
  }
}

/** An error of `kind` whose text is `<context>: <kind>`, as errors.Wrapf(errdefs.ErrX, ...) reads. */
export function containerdError(kind: ErrorKind, context?: string): ContainerdError {
  return new ContainerdError(kind, context ? `${context}: ${kind}` : kind);
}

export const notFound = (context?: string) => containerdError("not found", context);
export const alreadyExists = (context?: string) => containerdError("already exists", context);
export const failedPrecondition = (context?: string) => containerdError("failed precondition", context);
export const invalidArgument = (context?: string) => containerdError("invalid argument", context);
export const unavailable = (context?: string) => containerdError("unavailable", context);
export const notImplemented = (context?: string) => containerdError("not implemented", context);

/**
 * An error its caller is expected to branch on and drop (an exec killed after it has exited, as
 * containerd's WithProcessKill does after every exec): built without capturing a stack, which was
 * a tenth of an ExecSync's CPU.
 */
export function expectedError(kind: ErrorKind, context: string): ContainerdError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return containerdError(kind, context);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** errdefs.IsX: true when the error (or a ContainerdError it carries as cause) is of that kind. */
export function isKind(err: unknown, kind: ErrorKind): boolean {
  for (let e: unknown = err; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if (e instanceof ContainerdError) return e.kind === kind;
  }
  return false;
}

/** errdefs.IsNotFound: whether the error (or its cause) is of kind "not found". */
export const isNotFound = (err: unknown): boolean => isKind(err, "not found");
/** errdefs.IsAlreadyExists: whether the error (or its cause) is of kind "already exists". */
export const isAlreadyExists = (err: unknown): boolean => isKind(err, "already exists");

/**
 * fmt.Errorf("<context>: %w", err): the text gains a prefix and the kind (errdefs.IsX) survives;
 * an error that is not a ContainerdError wraps as kind "unknown". The original stays the cause.
 */
export function wrapError(context: string, err: unknown): ContainerdError {
  const kind = err instanceof ContainerdError ? err.kind : "unknown";
  const message = err instanceof Error ? err.message : String(err);
  const wrapped = new ContainerdError(kind, `${context}: ${message}`);
  (wrapped as { cause?: unknown }).cause = err;
  return wrapped;
}
