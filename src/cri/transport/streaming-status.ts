// What an exec or attach reports on its error stream when it ends: a metav1.Status. The v4 (and
// v5) protocols send it as JSON, encoding/json's bytes; the older ones send only a failure's
// message, as text, and nothing on success. The client reads a NonZeroExitCode status's ExitCode
// cause as the command's exit code.

import { goJson, type GoJsonValue } from "../../go/json.ts";
import type { CodeExitError } from "../server/streaming-runtime.ts";

/** The metav1.Status fields these statuses use, in the struct's order. */
export interface ApiStatus {
  status: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: { causes: Array<{ reason?: string; message?: string }> };
  code?: number;
}

export const successStatus: ApiStatus = { status: "Success" };

/** The status of an exec whose command exited with another code than 0. */
export function nonZeroExitStatus(err: CodeExitError): ApiStatus {
  return {
    status: "Failure",
    message: `command terminated with non-zero exit code: ${err.message}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(err.code) }] },
  };
}

/** apierrors.NewInternalError. */
export function internalErrorStatus(message: string): ApiStatus {
  return {
    status: "Failure",
    message: `Internal error occurred: ${message}`,
    reason: "InternalError",
    details: { causes: [{ message }] },
    code: 500,
  };
}

/** v4WriteStatusFunc: json.Marshal of the status (metadata is an empty ListMeta, never left out). */
export function v4StatusBytes(status: ApiStatus): Uint8Array {
  const value: Record<string, GoJsonValue | undefined> = { metadata: {}, ...status };
  return new TextEncoder().encode(goJson(value as GoJsonValue));
}

/** v1WriteStatusFunc: a failure's message; nothing for success. */
export function v1StatusBytes(status: ApiStatus): Uint8Array | undefined {
  return status.status === "Success" ? undefined : new TextEncoder().encode(status.message ?? "");
}
