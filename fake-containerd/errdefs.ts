// containerd's error kinds (its errdefs package). A containerd client sees an error as
// "<context>: <kind>", e.g. `container "abc": not found`; the CRI layer branches on the kind and wraps
// the text, so both have to be right.

export const errorKinds = [
  "unknown",
  "invalid argument",
  "not found",
  "already exists",
  "failed precondition",
  "unavailable",
  "not implemented",
  "canceled",
  "deadline exceeded",
] as const;

export type ErrorKind = (typeof errorKinds)[number];

export class ContainerdError extends Error {
  readonly kind: ErrorKind;

  constructor(kind: ErrorKind, message: string) {
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

/** errdefs.IsX: true when the error (or a ContainerdError it carries as cause) is of that kind. */
export function isKind(err: unknown, kind: ErrorKind): boolean {
  for (let e: unknown = err; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if (e instanceof ContainerdError) return e.kind === kind;
  }
  return false;
}

export const isNotFound = (err: unknown) => isKind(err, "not found");
export const isAlreadyExists = (err: unknown) => isKind(err, "already exists");

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
