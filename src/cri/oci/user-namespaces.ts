// A pod's user namespace (containerd 2.4.2 parseUsernsIDs and parseUsernsIDMap in helpers.go,
// setupNetnsWithinUserns in sandbox_run_linux.go): the CRI's UserNamespace turned into the OCI ID
// mappings, with 2.4.2's refusals. 1.6.20 reads none of it (its profile says so).

import { type IDMapping, NamespaceMode, namespaceModeToJSON, type UserNamespace } from "../api/v1.ts";
import { quote } from "../../go/strconv.ts";
import type { IdMapping } from "./oci-defaults.ts";

/** One mapping line at most (what the remapped snapshot supports), of a length of at least 1. */
function idMappings(mappings: readonly IDMapping[]): IdMapping[] {
  if (mappings.length === 0) return [];
  if (mappings.length > 1) throw new Error(`only one mapping line supported, got ${mappings.length} mapping lines`);
  const [mapping] = mappings as [IDMapping];
  if (mapping.length < 1) throw new Error(`invalid mapping length: ${mapping.length}`);
  return [ociIdMapping(mapping)];
}

/** A CRI ID mapping as the OCI spec writes it. */
export function ociIdMapping(m: IDMapping): IdMapping {
  return { containerID: m.containerId, hostID: m.hostId, size: m.length };
}

/** The mode as Go's %q of the enum writes it: "POD", "NODE" ... */
function modeName(mode: NamespaceMode): string {
  return quote(namespaceModeToJSON(mode));
}

/**
 * parseUsernsIDs: the mappings of a pod-level user namespace (POD: both required), none for NODE
 * (none allowed); any other mode is refused. No options at all: no user namespace.
 */
export function parseUsernsIds(userns: UserNamespace | undefined): { uids: IdMapping[]; gids: IdMapping[] } {
  if (!userns) return { uids: [], gids: [] };
  let uids: IdMapping[];
  let gids: IdMapping[];
  try {
    uids = idMappings(userns.uids);
  } catch (err) {
    throw new Error(`UID mapping: ${(err as Error).message}`);
  }
  try {
    gids = idMappings(userns.gids);
  } catch (err) {
    throw new Error(`GID mapping: ${(err as Error).message}`);
  }
  switch (userns.mode) {
    case NamespaceMode.NODE:
      if (uids.length !== 0 || gids.length !== 0) {
        throw new Error(
          `can't use user namespace mode ${modeName(userns.mode)} with mappings. Got ${uids.length} UID mappings and ${gids.length} GID mappings`,
        );
      }
      break;
    case NamespaceMode.POD:
      if (uids.length === 0 || gids.length === 0) throw new Error(`can't use user namespace mode ${modeName(userns.mode)} without UID and GID mappings`);
      break;
    default:
      throw new Error(`unsupported user namespace mode: ${modeName(userns.mode)}`);
  }
  return { uids, gids };
}

/**
 * setupNetnsWithinUserns: a pod-level user namespace's network namespace is made inside it, which
 * takes exactly one UID and one GID mapping; the kernel refuses a mapping of length 0 when the
 * helper process that enters it is started.
 */
export function checkNetnsWithinUserns(userns: UserNamespace): void {
  if (userns.uids.length !== 1) throw new Error(`required only one uid mapping, but got ${userns.uids.length} uid mapping(s)`);
  if (userns.gids.length !== 1) throw new Error(`required only one gid mapping, but got ${userns.gids.length} gid mapping(s)`);
  if (userns.uids[0]!.length === 0 || userns.gids[0]!.length === 0) {
    throw new Error("failed to start noop process for unshare: fork/exec /proc/self/exe: invalid argument");
  }
}
