// Go's fmt.Errorf("<context>: %w", err): the text gains a prefix, the kind (errdefs.IsX) survives.
import { ContainerdError } from "../errdefs.ts";

export function wrapError(prefix: string, cause: unknown): ContainerdError {
  const kind = cause instanceof ContainerdError ? cause.kind : "unknown";
  const message = cause instanceof Error ? cause.message : String(cause);
  const error = new ContainerdError(kind, `${prefix}: ${message}`);
  (error as { cause?: unknown }).cause = cause;
  return error;
}
