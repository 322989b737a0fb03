// containerd's labels.Validate, applied by every metadata store before it writes labels, and the
// write-side rule of its bolt helpers: a label whose value is empty is not stored at all.
import { ContainerdError } from "../errdefs.ts";
import { utf8Length } from "../../src/go/digest.ts";

const maxLabelBytes = 4096;

/** Throws containerd's invalid-argument error for the first label whose key and value exceed 4096 bytes. */
export function validateLabels(field: string, labels: Readonly<Record<string, string>> | undefined): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    // No UTF-16 unit takes more than 3 bytes in UTF-8, so short labels need no counting.
    if ((key.length + value.length) * 3 <= maxLabelBytes) continue;
    if (utf8Length(key) + utf8Length(value) <= maxLabelBytes) continue;
    // Go slices the key to its first 10 bytes.
    const head = new TextDecoder().decode(new TextEncoder().encode(key).slice(0, 10));
    throw new ContainerdError(
      "invalid argument",
      `${field}: label key and value greater than maximum size (${maxLabelBytes} bytes), key: ${head}: invalid argument`,
    );
  }
}

/** The labels as they read back after a write: entries with empty values are dropped. */
export function storedLabels(labels: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels ?? {})) if (value !== "") out[key] = value;
  return out;
}

/**
 * Applies containerd's update field paths to labels: "labels" replaces them all, "labels.<key>"
 * copies one key (an absent key copies as "", which deletes it). Returns undefined for any other
 * path so the caller can raise its own "cannot update" error.
 */
export function applyLabelPath(
  current: Record<string, string>,
  incoming: Readonly<Record<string, string>> | undefined,
  path: string,
): Record<string, string> | undefined {
  if (path.startsWith("labels.")) {
    const key = path.slice("labels.".length);
    return { ...current, [key]: incoming?.[key] ?? "" };
  }
  if (path === "labels") return { ...(incoming ?? {}) };
  return undefined;
}
