// The paths runc hides or freezes in a container (the spec's linux.maskedPaths and readonlyPaths,
// containerd's defaults under /proc and /sys and the CRI's own): over a masked file runc binds
// /dev/null (it reads empty, takes writes and keeps nothing), over a masked directory a read-only
// empty tmpfs; a read-only path is remounted read-only. A path that is not there is left alone.
// Pinned by golden/cri/<version>/exec-sync-masked-readonly-paths.json.

import { clean } from "../src/go/filepath.ts";
import type { JsonPick } from "./events.ts";

/** The spec members this reads. */
export const pathRulesMembers: JsonPick = { linux: { maskedPaths: true, readonlyPaths: true } };

export interface PathRules {
  readonly masked: readonly string[];
  readonly readOnly: readonly string[];
}

export function pathRulesOf(spec: unknown): PathRules {
  const linux = (spec as { linux?: { maskedPaths?: unknown; readonlyPaths?: unknown } } | undefined)?.linux;
  return { masked: cleanPaths(linux?.maskedPaths), readOnly: cleanPaths(linux?.readonlyPaths) };
}

/** Whether `path` is one of `roots` ("at") or inside one ("below"). */
export function placeIn(roots: readonly string[], path: string): "at" | "below" | undefined {
  const target = clean(path);
  let place: "at" | "below" | undefined;
  for (const root of roots) {
    if (target === root) return "at";
    if (target.startsWith(root === "/" ? "/" : `${root}/`)) place = "below";
  }
  return place;
}

function cleanPaths(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string" && v.startsWith("/")).map(clean) : [];
}
