// CDI devices (Container Device Interface) a CreateContainer request asks for, as containerd 2.x
// handles them (WithCDI, with tags.cncf.io/container-device-interface v1.1.1): the config's
// CDIDevices in order, then the devices named by `cdi.k8s.io/<any>` annotations, each device once;
// each resolved from the CDI spec files in the `cdi_spec_dirs`, read again for every container;
// then the edits of every device's spec (once per spec) and of the device itself applied to the
// container's OCI spec: env, device nodes (with their cgroup rules), mounts, hooks, extra groups.
// golden/cri/2.4/cdi-devices-from-specs.json and cdi-devices-unresolvable.json hold what 2.4.2 did.

import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { clean } from "../../go/filepath.ts";
import { quote } from "../../go/strconv.ts";
import { isNotExist, type HostFsStat } from "../../node/host-fs.ts";
import { HostBoundaryError, type NodeFiles } from "../../node/node-files.ts";
import type { CDIDevice } from "../api/v1.ts";
import type { Hooks, RuntimeSpec } from "./oci-defaults.ts";

const annotationPrefix = "cdi.k8s.io/";

/** `vendor.com/class=name`: the qualified device name an annotation must give. */
const qualifiedName = /^[A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9]?\/[A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9]?=[A-Za-z0-9_.:-]+$/;

/**
 * The devices the request names, each once. An annotation's value is a comma-separated list of
 * qualified names; one that is not fails the request. The annotations are read in key order
 * (containerd reads them in Go's map order).
 */
export function requestedCdiDevices(cdiDevices: readonly CDIDevice[], annotations: Readonly<Record<string, string>>): string[] {
  const devices = new Set(cdiDevices.map((device) => device.name));
  const keys = Object.keys(annotations)
    .filter((key) => key.startsWith(annotationPrefix))
    .sort();
  for (const key of keys) {
    for (const name of annotations[key]!.split(",")) {
      if (!qualifiedName.test(name)) throw new Error(`failed to parse CDI device annotations: invalid CDI device name ${JSON.stringify(name)}`);
      devices.add(name);
    }
  }
  return [...devices];
}

// The spec file's schema, strict as the library's decoder (unknown fields refuse the file). Intel
// RDT and network devices are left out: the fake's OCI spec has no place for them, so a file using
// them is refused too (KNOWN_DIFFERENCES.md, cdi-specs-from-allowed-dirs).
const uint = z.number().int().nonnegative();
const envList = z.array(z.string().regex(/^[^=]+=/, "invalid environment variable"));
const deviceNode = z.strictObject({
  path: z.string().min(1),
  hostPath: z.string().optional(),
  type: z.enum(["b", "c", "u", "p", ""]).optional(),
  major: z.number().int().optional(),
  minor: z.number().int().optional(),
  fileMode: uint.optional(),
  permissions: z.string().regex(/^(none|[rwm]*)$/).optional(),
  uid: uint.optional(),
  gid: uint.optional(),
});
const hookNames = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"] as const;
const hook = z.strictObject({
  hookName: z.enum(hookNames),
  path: z.string().min(1),
  args: z.array(z.string()).optional(),
  env: envList.optional(),
  timeout: z.number().int().optional(),
});
const mount = z.strictObject({
  hostPath: z.string().min(1),
  containerPath: z.string().min(1),
  options: z.array(z.string()).optional(),
  type: z.string().optional(),
});
const containerEdits = z.strictObject({
  env: envList.optional(),
  deviceNodes: z.array(deviceNode).optional(),
  hooks: z.array(hook).optional(),
  mounts: z.array(mount).optional(),
  additionalGids: z.array(uint).optional(),
});
const specFile = z.strictObject({
  cdiVersion: z.string(),
  // vendor/class: each a letter, then letters, digits, '_', '-' or '.', ending in a letter or digit.
  kind: z.string().regex(/^[A-Za-z]([A-Za-z0-9_.-]*[A-Za-z0-9])?\/[A-Za-z]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/),
  annotations: z.record(z.string(), z.string()).optional(),
  devices: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9_.:-]*[A-Za-z0-9])?$/),
        annotations: z.record(z.string(), z.string()).optional(),
        containerEdits,
      }),
    )
    .min(1),
  containerEdits: containerEdits.optional(),
});

type ContainerEdits = z.infer<typeof containerEdits>;
type SpecFile = z.infer<typeof specFile>;

interface CdiDevice {
  spec: SpecFile;
  edits: ContainerEdits;
}

type SpecVersionFields = Pick<SpecFile, "cdiVersion" | "kind" | "annotations" | "devices" | "containerEdits">;

const allEdits = (spec: SpecVersionFields): ContainerEdits[] => [...spec.devices.map((d) => d.containerEdits), ...(spec.containerEdits ? [spec.containerEdits] : [])];
const hasEntries = (o: object | undefined): boolean => o !== undefined && Object.keys(o).length > 0;

/**
 * The spec versions the CDI library knows, newest first, each with whether a spec uses what that
 * version introduced. 1.1.0's Intel RDT schemata and network devices, 0.7.0's Intel RDT, cannot
 * occur: the fake's schema refuses those fields.
 */
const cdiVersions: readonly (readonly [string, (spec: SpecVersionFields) => boolean])[] = [
  ["1.1.0", () => false],
  ["1.0.0", () => false],
  ["0.8.0", () => false],
  ["0.7.0", (spec) => allEdits(spec).some((e) => (e.additionalGids?.length ?? 0) > 0)],
  [
    "0.6.0",
    (spec) => hasEntries(spec.annotations) || spec.devices.some((d) => hasEntries(d.annotations)) || (spec.kind.split("/")[1] ?? "").includes("."),
  ],
  ["0.5.0", (spec) => spec.devices.some((d) => /^[0-9]/.test(d.name)) || allEdits(spec).some((e) => (e.deviceNodes ?? []).some((n) => (n.hostPath ?? "") !== ""))],
  ["0.4.0", (spec) => allEdits(spec).some((e) => (e.mounts ?? []).some((m) => (m.type ?? "") !== ""))],
  ["0.3.0", () => false],
  ["0.2.0", () => false],
  ["0.1.0", () => false],
];
const earliestCdiVersion = "0.3.0";

/**
 * The library's ValidateVersion: the spec's cdiVersion (a leading "v" allowed) must be one it knows
 * and no older than what the fields the spec uses need (0.3.0 at least). Returns that minimum.
 */
export function validateCdiVersion(spec: SpecVersionFields): string {
  const index = (v: string) => cdiVersions.findIndex(([known]) => known === v);
  const declared = index(spec.cdiVersion.startsWith("v") ? spec.cdiVersion.slice(1) : spec.cdiVersion);
  if (declared < 0) throw new Error(`invalid version ${quote(spec.cdiVersion)}`);
  const minimum = cdiVersions.find(([, requires]) => requires(spec))?.[0] ?? earliestCdiVersion;
  if (index(minimum) < declared) throw new Error(`the spec version must be at least v${minimum}`);
  return minimum;
}

/** A file's spec, or undefined for one the library would not load (it only logs those). */
function parseSpecFile(text: string): SpecFile | undefined {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch {
    return undefined;
  }
  const parsed = specFile.safeParse(raw);
  if (!parsed.success) return undefined;
  try {
    validateCdiVersion(parsed.data);
  } catch {
    return undefined;
  }
  const names = parsed.data.devices.map((d) => d.name);
  return new Set(names).size === names.length ? parsed.data : undefined;
}

/**
 * The devices the spec dirs define, by qualified name. A later dir takes precedence over an
 * earlier one; two files of the same dir defining a device leave it undefined. A dir the fake may
 * not read (outside its data dir and the allowed host roots) counts as empty, as a missing one does.
 */
export async function loadCdiDevices(files: NodeFiles, dirs: readonly string[]): Promise<Map<string, CdiDevice>> {
  const devices = new Map<string, CdiDevice & { priority: number }>();
  const conflicts = new Set<string>();
  for (const [priority, dir] of dirs.entries()) {
    let names: string[];
    try {
      names = await files.readDir(dir);
    } catch (err) {
      if (isNotExist(err) || err instanceof HostBoundaryError) continue;
      throw err;
    }
    for (const name of names) {
      if (!name.endsWith(".json") && !name.endsWith(".yaml")) continue;
      const path = `${dir}/${name}`;
      let spec: SpecFile | undefined;
      try {
        if ((await files.stat(path)).isDirectory) continue;
        spec = parseSpecFile(new TextDecoder().decode(await files.readFile(path)));
      } catch {
        continue;
      }
      if (!spec) continue;
      for (const device of spec.devices) {
        const qualified = `${spec.kind}=${device.name}`;
        const other = devices.get(qualified);
        if (other?.priority === priority) conflicts.add(qualified);
        devices.set(qualified, { spec, edits: device.containerEdits, priority });
      }
    }
  }
  for (const name of conflicts) devices.delete(name);
  return devices;
}

/**
 * Applies the devices' edits to the spec, each spec's own edits before its first device's; any
 * device no spec defines fails it first. What a device node leaves out is read from the host
 * device (`files`).
 */
export async function injectCdiDevices(
  files: NodeFiles,
  spec: RuntimeSpec,
  defined: ReadonlyMap<string, CdiDevice>,
  requested: readonly string[],
): Promise<void> {
  const unresolved = requested.filter((name) => !defined.has(name));
  if (unresolved.length > 0) throw new Error(`CDI device injection failed: unresolvable CDI devices ${unresolved.join(", ")}`);
  const edits: ContainerEdits[] = [];
  const specs = new Set<SpecFile>();
  for (const name of requested) {
    const device = defined.get(name)!;
    if (!specs.has(device.spec)) {
      specs.add(device.spec);
      if (device.spec.containerEdits) edits.push(device.spec.containerEdits);
    }
    edits.push(device.edits);
  }
  try {
    const completed: ContainerEdits[] = [];
    for (const e of edits) completed.push(e.deviceNodes ? { ...e, deviceNodes: await Promise.all(e.deviceNodes.map((n) => fillFromHost(files, n))) } : e);
    applyEdits(spec, completed);
  } catch (err) {
    throw new Error(`CDI device injection failed: failed to inject devices: ${err instanceof Error ? err.message : String(err)}`);
  }
}

type DeviceNode = z.infer<typeof deviceNode>;

/**
 * The library's fillMissingInfo: a node is read from its host device (`hostPath`, else `path`),
 * looked at through the node's files. A node stated fully (a type, and numbers unless a FIFO) only
 * takes the host's mode when it states none, and needs no host device; any other takes the host's
 * type (a stated one must match it) and numbers. A host path outside the allowed roots is not
 * looked at: it counts as missing.
 */
async function fillFromHost(files: NodeFiles, node: DeviceNode): Promise<DeviceNode> {
  const type = node.type ?? "";
  const statedFully = type !== "" && ((node.major ?? 0) !== 0 || type === "p");
  const hostPath = node.hostPath || node.path;
  let host: HostFsStat | undefined;
  let problem = "not a device node";
  try {
    host = await files.stat(hostPath);
  } catch (err) {
    if (!isNotExist(err) && !(err instanceof HostBoundaryError)) throw err;
    problem = "no such file or directory";
  }
  const device = host?.device;
  if (!host || !device) {
    if (statedFully) return node;
    throw new Error(`failed to stat CDI host device ${quote(hostPath)}: ${problem}`);
  }
  const filled: DeviceNode = { ...node, hostPath, fileMode: node.fileMode ?? host.mode };
  if (statedFully) return filled;
  if (type !== "" && type !== device.type) throw new Error(`CDI device (${quote(node.path)}, ${quote(hostPath)}), host type mismatch (${type}, ${device.type})`);
  filled.type = device.type;
  if (device.type !== "p" && (node.major ?? 0) === 0) Object.assign(filled, { major: device.major, minor: device.minor });
  return filled;
}

/** ContainerEdits.Apply of the edits appended in order: env, device nodes, mounts, hooks, groups. */
function applyEdits(spec: RuntimeSpec, all: readonly ContainerEdits[]): void {
  const process = spec.process!;
  const linux = (spec.linux ??= {});
  // An entry replaces the one of its name where it is, else goes last.
  const env = (process.env ??= []);
  for (const entry of all.flatMap((e) => e.env ?? [])) {
    const key = `${entry.slice(0, entry.indexOf("="))}=`;
    const at = env.findIndex((e) => e.startsWith(key) || e === key.slice(0, -1));
    if (at < 0) env.push(entry);
    else env[at] = entry;
  }
  for (const node of all.flatMap((e) => e.deviceNodes ?? [])) {
    const type = node.type ?? "";
    const user = process.user;
    const device = {
      path: node.path,
      type,
      major: BigInt(node.major ?? 0),
      minor: BigInt(node.minor ?? 0),
      ...(node.fileMode === undefined ? {} : { fileMode: node.fileMode }),
      ...(node.uid !== undefined ? { uid: node.uid } : user.uid > 0 ? { uid: user.uid } : {}),
      ...(node.gid !== undefined ? { gid: node.gid } : user.gid > 0 ? { gid: user.gid } : {}),
    };
    linux.devices = [...(linux.devices ?? []).filter((d) => d.path !== device.path), device];
    if (type === "b" || type === "c") {
      const access = node.permissions === undefined || node.permissions === "" ? "rwm" : node.permissions === "none" ? "" : node.permissions;
      const resources = (linux.resources ??= {});
      resources.devices = [...(resources.devices ?? []), { allow: true, type, major: device.major, minor: device.minor, access }];
    }
  }
  const mounts = all.flatMap((e) => e.mounts ?? []);
  if (mounts.length > 0) {
    const list = (spec.mounts ??= []);
    for (const m of mounts) {
      const at = list.findIndex((existing) => existing.destination === m.containerPath);
      if (at >= 0) list.splice(at, 1);
      list.push({ destination: m.containerPath, source: m.hostPath, ...(m.type ? { type: m.type } : {}), ...(m.options ? { options: m.options } : {}) });
    }
    // A stable sort by depth, as the library's sortMounts.
    const depth = (destination: string) => clean(destination).split("/").length - 1;
    list.sort((a, b) => depth(a.destination) - depth(b.destination));
  }
  for (const h of all.flatMap((e) => e.hooks ?? [])) {
    const hooks: Hooks = (spec.hooks ??= {});
    const { hookName, ...rest } = h;
    (hooks[hookName] ??= []).push(rest);
  }
  for (const gid of all.flatMap((e) => e.additionalGids ?? [])) {
    const gids = (process.user.additionalGids ??= []);
    if (gid !== 0 && !gids.includes(gid)) gids.push(gid);
  }
}
