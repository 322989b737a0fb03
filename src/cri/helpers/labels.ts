// Labels the plugin puts on containerd containers, and the filter that finds them again.

import { utf8Length } from "../../go/digest.ts";
import { type GoStringInput, quote } from "../../go/strconv.ts";
import { containerKindLabel } from "./constants.ts";

/**
 * A containerd filter matching label `k` equal to `v`. Both sides are Go-quoted (%q) because
 * containerd's filter syntax needs the quotes for keys with dots and values with spaces.
 */
export function filterLabel(k: GoStringInput, v: GoStringInput): string {
  return `labels.${quote(k)}==${quote(v)}`;
}

/** The most a containerd label may hold, key and value together, in UTF-8 bytes. */
export const maxLabelSize = 4096;

/**
 * The labels of a new container: the image's, overridden by the request's, and the kind label
 * over both, so that a request can never pass itself off as the other kind. containerd 1.6 and later
 * drop the image's labels too big for a containerd label (`dropOversizedImageLabels`); v1.5.7 kept
 * them, and the create failed later.
 */
export function buildLabels(
  configLabels: Record<string, string> | undefined,
  imageConfigLabels: Record<string, string> | undefined,
  containerType: string,
  dropOversizedImageLabels = false,
): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(imageConfigLabels ?? {})) {
    if (!dropOversizedImageLabels || utf8Length(k) + utf8Length(v) <= maxLabelSize) labels[k] = v;
  }
  Object.assign(labels, configLabels);
  labels[containerKindLabel] = containerType;
  return labels;
}
