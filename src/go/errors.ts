// github.com/pkg/errors' Wrap/Wrapf and fmt.Errorf("...: %w"): the text gains context in front,
// and the original error stays reachable as `cause`, so kind checks (errdefs.IsNotFound ...) still
// see through the wrapping.

/** `<context>: <err text>`, keeping `err` as the cause. */
export function wrap(err: unknown, context: string): Error {
  const message = err instanceof Error ? err.message : String(err);
  return new Error(`${context}: ${message}`, { cause: err });
}

/** The innermost cause of a chain of wrapped errors (pkg/errors' Cause). */
export function rootCause(err: unknown): unknown {
  let e = err;
  while (e instanceof Error && e.cause !== undefined) e = e.cause;
  return e;
}
