// Labels the plugin puts on containerd containers, and the filter that finds them again.

import { type GoStringInput, quote } from "../go/strconv.ts";
import { containerKindLabel } from "./constants.ts";

/**
 * A containerd filter matching label `k` equal to `v`. Both sides are Go-quoted (%q) because
 * containerd's filter syntax needs the quotes for keys with dots and values with spaces.
 */
export function filterLabel(k: GoStringInput, v: GoStringInput): string {
  return `labels.${quote(k)}==${quote(v)}`;
}

/**
 * The labels of a new container: the image's, overridden by the request's, and the kind label
 * over both, so that a request can never pass itself off as the other kind.
 */
export function buildLabels(
  configLabels: Record<string, string> | undefined,
  imageConfigLabels: Record<string, string> | undefined,
  containerType: string,
): Record<string, string> {
  const labels: Record<string, string> = { ...imageConfigLabels, ...configLabels };
  labels[containerKindLabel] = containerType;
  return labels;
}
