// What the task service reads of a container's OCI spec (containerd stores it as JSON): the process
// runc starts, its memory limit and resources, and the kernel namespaces it makes or joins.

import type { ContainerRecord } from "./containers.ts";
import { jsonDocument, type JsonPick } from "./events.ts";
import { processUserOf, type ProcessUser } from "./processes/script.ts";

/** The process section of a container's OCI spec, and its memory limit. */
export interface SpecProcess {
  args: string[];
  env: string[];
  cwd: string;
  user: ProcessUser;
  memoryLimit?: bigint;
  resources?: unknown;
  /** What runc's config validation refuses in this spec, in runc's words. */
  configError?: string;
  /** The spec asks for a user namespace with ID mappings (runc 1.1.5 then fails to mount the rootfs). */
  idMappedRootfs?: boolean;
  /** A mount asks runc to ID-map it, which runc 1.1.5's `features` does not offer. */
  idMappedMounts?: boolean;
}

/** The members of a spec that processOfSpec reads. */
const specMembersRead: JsonPick = {
  process: { args: true, env: true, cwd: true, user: true },
  hostname: true,
  linux: { resources: true, namespaces: true, uidMappings: true },
  mounts: true,
};


export function processOfSpec(record: ContainerRecord): SpecProcess {
  let spec: unknown;
  try {
    spec = record.spec ? jsonDocument(record.spec, specMembersRead) : undefined;
  } catch {
    spec = undefined;
  }
  const typed = spec as
    | {
        process?: { args?: unknown; env?: unknown; cwd?: unknown; user?: unknown };
        hostname?: unknown;
        linux?: { resources?: unknown; namespaces?: unknown; uidMappings?: unknown };
        mounts?: unknown;
      }
    | undefined;
  const process = typed?.process;
  const limit = memoryLimit(typed?.linux?.resources);
  const out: SpecProcess = {
    args: strings(process?.args),
    env: strings(process?.env),
    cwd: typeof process?.cwd === "string" ? process.cwd : "",
    user: processUserOf(process?.user),
  };
  if (limit !== undefined) out.memoryLimit = limit;
  if (typed?.linux?.resources !== undefined) out.resources = typed.linux.resources;
  if (hostnameWithoutUts(typed)) out.configError = "unable to set hostname without a private UTS namespace";
  if (Array.isArray(typed?.linux?.uidMappings) && typed.linux.uidMappings.length > 0) out.idMappedRootfs = true;
  if (Array.isArray(typed?.mounts) && typed.mounts.some(idMapped)) out.idMappedMounts = true;
  return out;
}

/** containerd 2.x's usesIDMapMounts, for one mount: mappings, or the idmap / ridmap option. */
function idMapped(mount: { uidMappings?: unknown; gidMappings?: unknown; options?: unknown }): boolean {
  if (mount.uidMappings !== undefined || mount.gidMappings !== undefined) return true;
  return Array.isArray(mount.options) && mount.options.some((o) => o === "idmap" || o === "ridmap");
}

/** How many /proc/PID/ns joins are followed before giving up (a loop of joins is a broken spec). */
export const maxNamespaceJoins = 8;

/** A spec's path to another process's namespace, by type: the PID is the group. */
export const namespaceJoins = { network: /^\/proc\/(\d+)\/ns\/net$/, pid: /^\/proc\/(\d+)\/ns\/pid$/, ipc: /^\/proc\/(\d+)\/ns\/ipc$/ } as const;

/** The spec's linux.namespaces entries (type and path, "" for a new namespace). */
export function specNamespaces(record: ContainerRecord): ReadonlyArray<{ type: string; path: string }> {
  if (!record.spec) return [];
  let namespaces = namespacesBySpec.get(record.spec);
  if (namespaces === undefined) {
    namespaces = namespacesOf(record.spec);
    namespacesBySpec.set(record.spec, namespaces);
  }
  return namespaces;
}

/** Namespaces by the record's spec, which a record never changes: every exec's start asks for its PID namespace. */
const namespacesBySpec = new WeakMap<object, ReadonlyArray<{ type: string; path: string }>>();

function namespacesOf(specAny: NonNullable<ContainerRecord["spec"]>): ReadonlyArray<{ type: string; path: string }> {
  let spec: unknown;
  try {
    spec = jsonDocument(specAny, namespaceMembersRead);
  } catch {
    return [];
  }
  const namespaces = (spec as { linux?: { namespaces?: unknown } } | undefined)?.linux?.namespaces;
  if (!Array.isArray(namespaces)) return [];
  return namespaces.map((ns: { type?: unknown; path?: unknown }) => ({
    type: typeof ns?.type === "string" ? ns.type : "",
    path: typeof ns?.path === "string" ? ns.path : "",
  }));
}

const namespaceMembersRead: JsonPick = { linux: { namespaces: true } };

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** runc refuses a hostname unless the container has its own UTS namespace (a host-network pod has not). */
function hostnameWithoutUts(spec: { hostname?: unknown; linux?: { namespaces?: unknown } } | undefined): boolean {
  if (typeof spec?.hostname !== "string" || spec.hostname === "") return false;
  const namespaces = Array.isArray(spec.linux?.namespaces) ? spec.linux.namespaces : [];
  return !namespaces.some((ns) => (ns as { type?: unknown })?.type === "uts");
}

export function memoryLimit(resources: unknown): bigint | undefined {
  const limit = (resources as { memory?: { limit?: unknown } } | undefined)?.memory?.limit;
  if (typeof limit === "number" && Number.isInteger(limit) && limit > 0) return BigInt(limit);
  if (typeof limit === "string" && /^[1-9]\d*$/.test(limit)) return BigInt(limit);
  return undefined;
}
