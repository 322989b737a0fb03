// Which pod annotations a runtime handler lets through to the OCI spec.

import { pathMatch } from "../../go/path-match.ts";

/**
 * The pod annotations whose key matches one of the runtime's patterns. Patterns use path.Match
 * syntax (not filepath.Match, which would treat `\` as a separator on Windows); a malformed pattern
 * simply matches nothing it had not matched before failing.
 */
export function getPassthroughAnnotations(
  podAnnotations: Record<string, string> | undefined,
  runtimePodAnnotations: readonly string[] | undefined,
): Record<string, string> {
  const passthrough: Record<string, string> = {};
  for (const [key, value] of Object.entries(podAnnotations ?? {})) {
    if ((runtimePodAnnotations ?? []).some((pattern) => pathMatch(pattern, key).matched)) {
      passthrough[key] = value;
    }
  }
  return passthrough;
}
