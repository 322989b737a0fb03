// Whether a destination is already covered by one of the request's CRI mounts.

import type { Mount } from "../api/v1.ts";
import { clean } from "../../go/filepath.ts";

/** Compares cleaned paths, so `/etc//hosts/` and `/etc/hosts` are the same destination. */
export function isInCRIMounts(dst: string, mounts: readonly Pick<Mount, "containerPath">[] | undefined): boolean {
  const target = clean(dst);
  return (mounts ?? []).some((m) => clean(m.containerPath) === target);
}
