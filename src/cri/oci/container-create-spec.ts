// The OCI spec of a CRI container (containerd 1.6.20 container_create_linux.go containerSpec and
// containerSpecOpts, with the pkg/cri/opts and oci spec options they use): containerd's default
// Linux spec, then the container's process (args, env, cwd, tty), mounts, masked and read-only
// paths, capabilities, privileges, resources, cgroup, pod namespaces, annotations; and the options
// containerd applies while creating the container because they read the image's files (the user
// from /etc/passwd and /etc/group of the container's snapshot).

import { quote } from "../../go/strconv.ts";
import { clean, join } from "../../go/filepath.ts";
import { parseInt } from "../../go/strconv.ts";
import { wrap } from "../../go/errors.ts";
import { getPassthroughAnnotations } from "../helpers/annotations.ts";
import type { CriRuntime } from "../helpers/config-types.ts";
import { getSandboxRootDir, getVolatileSandboxRootDir } from "../helpers/dirs.ts";
import { isInCRIMounts } from "../helpers/mounts.ts";
import {
  type ContainerConfig,
  type Int64Value,
  type LinuxContainerResources,
  type LinuxContainerSecurityContext,
  Mount as CriMount,
  MountPropagation,
  mountPropagationToJSON,
  NamespaceMode,
  type PodSandboxConfig,
  SecurityProfile_ProfileType,
  SupplementalGroupsPolicy,
} from "../api/v1.ts";
import type { CriConfig } from "../config.ts";
import type { HostFs } from "../../node/host-fs.ts";
import type { PreparedPaths } from "../../node/node-files.ts";
import { mountHolding, type HostMount } from "../../../fake-containerd/host-mounts.ts";
import type { OciImageConfig } from "../store/image-store.ts";
import { keyValueText } from "../server/container-config-json.ts";
import { defaultUnixSpec, type LinuxResources, type Mount, type RuntimeSpec } from "./oci-defaults.ts";
import { generateSecurityProfile, seccompSpecOpt } from "./security-profiles.ts";
import { ociIdMapping } from "./user-namespaces.ts";

type ImageConfig = NonNullable<OciImageConfig["config"]>;

/** What containerSpec needs from the plugin. */
export interface SpecContext {
  config: CriConfig;
  /** The plugin's own files (a sandbox's hostname file, a runtime's base spec). */
  hostFs: HostFs;
  /** The node paths the request names (mounts' host paths, a seccomp profile), looked at beforehand. */
  paths: PreparedPaths;
  /** os.Hostname() of the node. */
  nodeHostname: string;
  /**
   * The node's mount table, where the fake may read it and a mount asks for propagation; without
   * it, a volume's propagation is taken as the node allows it.
   */
  nodeMounts?: readonly HostMount[];
}

export interface ContainerSpecInput {
  id: string;
  sandboxId: string;
  sandboxPid: number;
  containerName: string;
  imageName: string;
  config: ContainerConfig;
  sandboxConfig: PodSandboxConfig | undefined;
  imageConfig: ImageConfig;
  /** The plugin's mounts (/etc/hosts ...) and the image's volumes, after the request's own. */
  extraMounts: CriMount[];
  ociRuntime: CriRuntime;
  /** The PID of the container whose PID namespace this one joins (NamespaceMode TARGET). */
  targetPid: number;
}

/** Annotations the CRI plugin puts on every container's spec (pkg/cri/annotations). */
export const annotationKeys = {
  containerType: "io.kubernetes.cri.container-type",
  sandboxId: "io.kubernetes.cri.sandbox-id",
  sandboxNamespace: "io.kubernetes.cri.sandbox-namespace",
  sandboxUid: "io.kubernetes.cri.sandbox-uid",
  sandboxName: "io.kubernetes.cri.sandbox-name",
  containerName: "io.kubernetes.cri.container-name",
  imageName: "io.kubernetes.cri.image-name",
  untrustedWorkload: "io.kubernetes.cri.untrusted-workload",
} as const;

const etcHostname = "/etc/hostname";
const etcHosts = "/etc/hosts";
const resolvConfPath = "/etc/resolv.conf";
const devShm = "/dev/shm";
const defaultPathEnv = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Every capability a Linux 5.9+ kernel knows, which is what "ALL" and privileged grant. */
export const allCapabilities: readonly string[] = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
  "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
  "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
  "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
];

/**
 * containerMounts: the sandbox's hostname (when the pod has one on disk), hosts, resolv.conf and
 * /dev/shm, each unless the request mounts that path itself.
 */
export function containerMounts(ctx: Pick<SpecContext, "config" | "hostFs">, sandboxId: string, config: ContainerConfig): CriMount[] {
  const mounts: CriMount[] = [];
  const securityContext = config.linux?.securityContext;
  const readonly = securityContext?.readonlyRootfs ?? false;
  const mount = (containerPath: string, hostPath: string, ro: boolean, selinuxRelabel: boolean): CriMount =>
    CriMount.fromPartial({ containerPath, hostPath, readonly: ro, selinuxRelabel, propagation: MountPropagation.PROPAGATION_PRIVATE });
  const sandboxRoot = getSandboxRootDir(ctx.config, sandboxId);
  if (!isInCRIMounts(etcHostname, config.mounts)) {
    // Pods from containerd before 1.1.6 have no hostname file; their containers go without.
    const hostname = join(sandboxRoot, "hostname");
    if (ctx.hostFs.exists(hostname)) mounts.push(mount(etcHostname, hostname, readonly, true));
  }
  if (!isInCRIMounts(etcHosts, config.mounts)) mounts.push(mount(etcHosts, join(sandboxRoot, "hosts"), readonly, true));
  if (!isInCRIMounts(resolvConfPath, config.mounts)) {
    mounts.push(mount(resolvConfPath, join(sandboxRoot, "resolv.conf"), readonly, true));
  }
  if (!isInCRIMounts(devShm, config.mounts)) {
    let sandboxDevShm = join(getVolatileSandboxRootDir(ctx.config, sandboxId), "shm");
    if (securityContext?.namespaceOptions?.ipc === NamespaceMode.NODE) sandboxDevShm = devShm;
    mounts.push(mount(devShm, sandboxDevShm, false, sandboxDevShm !== devShm));
  }
  return mounts;
}

/** containerSpec: the spec before the options that need the container's root filesystem. */
export function containerSpec(ctx: SpecContext, input: ContainerSpecInput): RuntimeSpec {
  const { config, sandboxConfig, imageConfig, ociRuntime } = input;
  const spec = baseSpec(ctx, input.id, ociRuntime);
  const process = spec.process!;
  const linux = (spec.linux ??= {});
  const securityContext = config.linux?.securityContext;

  spec.mounts = (spec.mounts ?? []).filter((m) => m.destination !== "/run");
  // Without a base runtime spec of its own, a runtime gets none of the default security settings.
  if (ociRuntime.baseRuntimeSpec === "") {
    delete process.apparmorProfile;
    delete linux.seccomp;
    delete process.rlimits;
  }
  spec.root = { ...spec.root, path: "rootfs" };
  process.args = processArgs(config, imageConfig);
  process.env = replaceOrAppendEnvValues(process.env ?? [], [defaultPathEnv]);
  process.noNewPrivileges = false;
  if (config.workingDir !== "") process.cwd = config.workingDir;
  else if (imageConfig.WorkingDir) process.cwd = imageConfig.WorkingDir;
  if (config.tty) {
    process.terminal = true;
    process.env = [...process.env, "TERM=xterm"];
  }
  checkSelinuxLevel(securityContext?.selinuxOptions?.level ?? "");
  const hostname = sandboxConfig?.hostname || ctx.nodeHostname;
  process.env = replaceOrAppendEnvValues(process.env, [`HOSTNAME=${hostname}`]);
  const env = [...(imageConfig.Env ?? []), ...config.envs.map((e) => `${e.key}=${keyValueText(e)}`)];
  if (env.length > 0) process.env = replaceOrAppendEnvValues(process.env, env);

  try {
    applyMounts(ctx, spec, config, input.extraMounts);
  } catch (err) {
    // containerd's WithMounts is a spec option: its errors come out of the spec's generation.
    throw wrap(err, ociRuntime.baseRuntimeSpec === "" ? "failed to generate spec" : "failed to apply OCI options");
  }

  if (!ctx.config.disableProcMount) {
    linux.maskedPaths = noPaths;
    linux.readonlyPaths = noPaths;
    if (securityContext && securityContext.maskedPaths.length > 0) linux.maskedPaths = [...securityContext.maskedPaths];
    if (securityContext && securityContext.readonlyPaths.length > 0) linux.readonlyPaths = [...securityContext.readonlyPaths];
  }

  applyCapabilities(spec, securityContext);

  if (securityContext?.privileged) {
    if (!sandboxConfig?.linux?.securityContext?.privileged) throw new Error("no privileged container allowed in sandbox");
    applyPrivileged(spec);
    if (!ociRuntime.privilegedWithoutHostDevices) {
      linux.resources = { ...linux.resources, devices: [{ allow: true, access: "rwm" }] };
    }
  }

  if (process.capabilities) delete process.capabilities.ambient;
  delete linux.mountLabel;
  delete process.selinuxLabel;

  if (securityContext?.noNewPrivs) process.noNewPrivileges = true;
  if (securityContext?.readonlyRootfs) spec.root = { ...spec.root!, readonly: true };

  if (ctx.config.disableCgroup) {
    delete linux.cgroupsPath;
  } else {
    applyResources(spec, config.linux?.resources, ctx.config);
    const cgroupParent = sandboxConfig?.linux?.cgroupParent ?? "";
    if (cgroupParent !== "") linux.cgroupsPath = getCgroupsPath(cgroupParent, input.id);
  }

  const annotations: Record<string, string> = { ...spec.annotations };
  Object.assign(annotations, getPassthroughAnnotations(sandboxConfig?.annotations, ociRuntime.podAnnotations));
  Object.assign(annotations, getPassthroughAnnotations(config.annotations, ociRuntime.containerAnnotations));

  const oomScoreAdj = oomScoreAdjOf(config, ctx.config.restrictOomScoreAdj);
  if (oomScoreAdj !== undefined) process.oomScoreAdj = oomScoreAdj;
  applyPodNamespaces(spec, securityContext, input.sandboxPid, input.targetPid);
  process.user.additionalGids = mergeGids(process.user.additionalGids, (securityContext?.supplementalGroups ?? []).map(toUint32));
  const metadata = sandboxConfig?.metadata;
  annotations[annotationKeys.containerType] = "container";
  annotations[annotationKeys.sandboxId] = input.sandboxId;
  annotations[annotationKeys.sandboxNamespace] = metadata?.namespace ?? "";
  annotations[annotationKeys.sandboxUid] = metadata?.uid ?? "";
  annotations[annotationKeys.sandboxName] = metadata?.name ?? "";
  annotations[annotationKeys.containerName] = input.containerName;
  annotations[annotationKeys.imageName] = input.imageName;
  spec.annotations = annotations;
  // The node runs cgroup v2, where unprivileged containers get a cgroup namespace of their own.
  if (!securityContext?.privileged) setNamespace(spec, { type: "cgroup" });
  return spec;
}

const selinuxLevel = /^s\d(-s\d)??(:c\d{1,4}(\.c\d{1,4})?(,c\d{1,4}(\.c\d{1,4})?)*)?$/;

/** checkSelinuxLevel: a level is checked even on a node without SELinux (which sets no labels). */
function checkSelinuxLevel(level: string): void {
  if (level !== "" && !selinuxLevel.test(level)) throw new Error(`the format of 'level' ${quote(level)} is not correct`);
}

/** The default spec, or the runtime's base spec file (with the cgroup path made the container's). */
function baseSpec(ctx: SpecContext, id: string, ociRuntime: CriRuntime): RuntimeSpec {
  if (ociRuntime.baseRuntimeSpec === "") return defaultUnixSpec(id);
  let text: string;
  try {
    text = new TextDecoder().decode(ctx.hostFs.readFile(ociRuntime.baseRuntimeSpec));
  } catch {
    throw new Error(`can't find base OCI spec ${quote(ociRuntime.baseRuntimeSpec)}`);
  }
  let spec: RuntimeSpec;
  try {
    spec = JSON.parse(text, (_, v: unknown) => v) as RuntimeSpec;
  } catch (err) {
    throw wrap(err, "failed to clone OCI spec");
  }
  spec.process ??= { user: { uid: 0, gid: 0 }, cwd: "" };
  spec.linux = { ...spec.linux, cgroupsPath: join("/", "k8s.io", id) };
  return spec;
}

/** WithProcessArgs: the request's command and args over the image's entrypoint and cmd. */
function processArgs(config: ContainerConfig, image: ImageConfig): string[] {
  let command: string[] = config.command;
  let args: string[] = config.args;
  if (command.length === 0) {
    if (args.length === 0) args = [...(image.Cmd ?? [])];
    const entrypoint = image.Entrypoint ?? [];
    if (!(entrypoint.length === 1 && entrypoint[0] === "")) command = [...entrypoint];
  }
  if (command.length === 0 && args.length === 0) throw new Error("no command specified");
  return [...command, ...args];
}

/** oci's replaceOrAppendEnvValues: overrides replace by name, a name without "=" unsets. */
export function replaceOrAppendEnvValues(defaults: readonly string[], overrides: readonly string[]): string[] {
  const index = new Map<string, number>();
  const results: string[] = [];
  defaults.forEach((e, i) => {
    results.push(e);
    index.set(e.split("=", 1)[0]!, i);
  });
  for (const value of overrides) {
    if (!value.includes("=")) {
      const i = index.get(value);
      if (i !== undefined) results[i] = "";
      continue;
    }
    const i = index.get(value.slice(0, value.indexOf("=")));
    if (i !== undefined) results[i] = value;
    else results.push(value);
  }
  return results.filter((e) => e !== "");
}

/**
 * ensureShared / ensureSharedOrSlave: a volume that is to propagate must be on a node mount that
 * propagates (a critest-style `mount --make-rshared` of the volume's directory, or a systemd host's
 * shared root).
 */
function ensurePropagating(table: readonly HostMount[] | undefined, path: string, propagates: (m: HostMount) => boolean, what: string): void {
  const on = table && mountHolding(table, path);
  if (on && !propagates(on)) throw new Error(`path ${quote(path)} is mounted on ${quote(on.mountPoint)} but it is not a ${what} mount`);
}

/** How many elements a clean path has below the root. */
function depth(destination: string): number {
  return destination.split("/").length - 1;
}

/** WithMounts: the request's mounts over the plugin's, ordered by depth, as bind mounts. */
function applyMounts(ctx: SpecContext, spec: RuntimeSpec, config: ContainerConfig, extra: readonly CriMount[]): void {
  // Each destination cleaned once: the checks and the sort below compare cleaned paths.
  const requested = config.mounts.map((mount) => ({ mount, destination: clean(mount.containerPath) }));
  const requestedDestinations = new Set(requested.map((m) => m.destination));
  const mounts = [...requested];
  for (const mount of extra) {
    const destination = clean(mount.containerPath);
    if (!requestedDestinations.has(destination)) mounts.push({ mount, destination });
  }
  // A stable sort by depth, as Go's sort.Stable.
  mounts.sort((a, b) => depth(a.destination) - depth(b.destination));

  const defaults = [...(spec.mounts ?? []), cgroupMount];
  const supplied = new Set(mounts.map((m) => m.destination));
  spec.mounts = defaults.filter((m) => {
    const dst = clean(m.destination);
    if (supplied.has(dst)) return false;
    return !(supplied.has("/dev") && dst.startsWith("/dev/"));
  });
  for (const { mount } of mounts) {
    const src = mount.hostPath;
    // The host path is created when missing, as a directory.
    if (!ctx.paths.exists(src)) {
      try {
        ctx.paths.mkdirAll(src, 0o755);
      } catch (err) {
        throw wrap(err, `failed to mkdir ${quote(src)}`);
      }
    }
    const options = ["rbind"];
    switch (mount.propagation) {
      case MountPropagation.PROPAGATION_PRIVATE:
        options.push("rprivate");
        break;
      case MountPropagation.PROPAGATION_BIDIRECTIONAL:
        ensurePropagating(ctx.nodeMounts, src, (m) => m.shared, "shared");
        options.push("rshared");
        spec.linux!.rootfsPropagation = "rshared";
        break;
      case MountPropagation.PROPAGATION_HOST_TO_CONTAINER:
        ensurePropagating(ctx.nodeMounts, src, (m) => m.shared || m.slave, "shared or slave");
        options.push("rslave");
        if (spec.linux!.rootfsPropagation !== "rshared" && spec.linux!.rootfsPropagation !== "rslave") {
          spec.linux!.rootfsPropagation = "rslave";
        }
        break;
      default:
        options.push("rprivate");
    }
    options.push(readOnlyOption(mount));
    const bind: Mount = { destination: mount.containerPath, type: "bind", source: src, options: sharedOptions(options) };
    // runc is asked to ID-map the mount (2.x's CRI API; the task manager then checks runc can).
    if (mount.uidMappings.length > 0) bind.uidMappings = mount.uidMappings.map(ociIdMapping);
    if (mount.gidMappings.length > 0) bind.gidMappings = mount.gidMappings.map(ociIdMapping);
    spec.mounts.push(bind);
  }
}

/** The cgroup filesystem every container gets unless it mounts something there (every spec shares it). */
const cgroupMount: Readonly<Mount> = Object.freeze({
  destination: "/sys/fs/cgroup",
  type: "cgroup",
  source: "cgroup",
  options: Object.freeze(["nosuid", "noexec", "nodev", "relatime", "ro"]),
});

const noPaths: readonly string[] = Object.freeze([]);

/** Bind mounts' options, one frozen list per combination, shared by every spec that has it. */
const optionLists = new Map<string, readonly string[]>();

function sharedOptions(options: string[]): readonly string[] {
  const key = options.join(",");
  let list = optionLists.get(key);
  if (!list) optionLists.set(key, (list = Object.freeze(options)));
  return list;
}

/**
 * A mount's "ro", "rro" or "rw". A recursive read-only mount (a field only 2.x decodes; the 2.4
 * profile's runtime handlers all support it) must be read-only and private.
 */
/** Go's String() of the enum: its name, or the number for one it does not define. */
function propagationName(propagation: MountPropagation): string {
  const name = mountPropagationToJSON(propagation);
  return name === "UNRECOGNIZED" ? String(propagation) : name;
}

function readOnlyOption(mount: CriMount): string {
  const hostPath = `(hostPath=${quote(mount.hostPath)})`;
  if (!mount.readonly) {
    if (mount.recursiveReadOnly) throw new Error(`recursive read-only mount conflicts with RW mount ${hostPath}`);
    return "rw";
  }
  if (!mount.recursiveReadOnly) return "ro";
  if (mount.propagation !== MountPropagation.PROPAGATION_PRIVATE) {
    throw new Error(`recursive read-only mount needs private propagation, got ${quote(propagationName(mount.propagation))} ${hostPath}`);
  }
  return "rro";
}

function applyCapabilities(spec: RuntimeSpec, securityContext: LinuxContainerSecurityContext | undefined): void {
  const capabilities = securityContext?.capabilities;
  if (!capabilities) return;
  const caps = (spec.process!.capabilities ??= {});
  const setAll = (list: readonly string[]): void => {
    caps.bounding = [...list];
    caps.effective = [...list];
    caps.permitted = [...list];
  };
  if (capabilities.addCapabilities.includes("ALL")) setAll(allCapabilities);
  if (capabilities.dropCapabilities.includes("ALL")) setAll([]);
  const named = (list: readonly string[]) => list.filter((c) => c.toUpperCase() !== "ALL").map((c) => `CAP_${c.toUpperCase()}`);
  for (const cap of named(capabilities.addCapabilities)) {
    for (const key of ["bounding", "effective", "permitted"] as const) {
      const list = caps[key] ?? [];
      if (!list.includes(cap)) caps[key] = [...list, cap];
    }
  }
  for (const cap of named(capabilities.dropCapabilities)) {
    for (const key of ["bounding", "effective", "permitted"] as const) caps[key] = (caps[key] ?? []).filter((c) => c !== cap);
  }
}

/** oci.WithPrivileged: every capability, no masked or read-only paths, writable sysfs and cgroupfs. */
function applyPrivileged(spec: RuntimeSpec): void {
  const caps = (spec.process!.capabilities ??= {});
  caps.bounding = [...allCapabilities];
  caps.effective = [...allCapabilities];
  caps.permitted = [...allCapabilities];
  delete spec.linux!.maskedPaths;
  delete spec.linux!.readonlyPaths;
  if (spec.mounts) spec.mounts = spec.mounts.map((m) => (m.type === "sysfs" || m.type === "cgroup" ? { ...m, options: (m.options ?? []).filter((o) => o !== "ro") } : m));
  delete spec.process!.selinuxLabel;
  delete spec.process!.apparmorProfile;
  delete spec.linux!.seccomp;
}

/** WithResources: the request's Linux resources into the spec (a nil request changes nothing). */
export function applyResources(
  spec: RuntimeSpec,
  resources: LinuxContainerResources | undefined,
  config: Pick<CriConfig, "disableHugetlbController">,
): void {
  if (!resources) return;
  const linux = (spec.linux ??= {});
  const r: LinuxResources = (linux.resources ??= {});
  const cpu = (r.cpu ??= {});
  const memory = (r.memory ??= {});
  const period = BigInt.asUintN(64, resources.cpuPeriod);
  const shares = BigInt.asUintN(64, resources.cpuShares);
  if (period !== 0n) cpu.period = period;
  if (resources.cpuQuota !== 0n) cpu.quota = resources.cpuQuota;
  if (shares !== 0n) cpu.shares = shares;
  if (resources.cpusetCpus !== "") cpu.cpus = resources.cpusetCpus;
  if (resources.cpusetMems !== "") cpu.mems = resources.cpusetMems;
  const limit = resources.memoryLimitInBytes;
  const swapLimit = resources.memorySwapLimitInBytes;
  if (limit !== 0n) {
    memory.limit = limit;
    // The node has swap accounting, so swap follows memory unless the request says otherwise.
    if (swapLimit === 0n) memory.swap = limit;
  }
  if (swapLimit !== 0n) memory.swap = swapLimit;
  if (!config.disableHugetlbController) {
    for (const l of resources.hugepageLimits) (r.hugepageLimits ??= []).push({ pageSize: l.pageSize, limit: l.limit });
  }
  const unified = Object.entries(resources.unified);
  if (unified.length > 0) r.unified = { ...r.unified, ...Object.fromEntries(unified) };
}

/** getCgroupsPath: systemd's `slice:cri-containerd:id` under a .slice parent, else a path. */
export function getCgroupsPath(cgroupsParent: string, id: string): string {
  const trimmed = cgroupsParent.replace(/\/+$/, "");
  const base = trimmed === "" ? (cgroupsParent === "" ? "." : "/") : trimmed.slice(trimmed.lastIndexOf("/") + 1);
  if (base.endsWith(".slice")) return [base, "cri-containerd", id].join(":");
  return join(cgroupsParent, id);
}

/** WithOOMScoreAdj: the request's score, raised to the daemon's own (0) when restricted. */
function oomScoreAdjOf(config: ContainerConfig, restrict: boolean): number | undefined {
  const resources = config.linux?.resources;
  if (!resources) return undefined;
  const adj = Number(BigInt.asIntN(64, resources.oomScoreAdj));
  const daemonOomScoreAdj = 0;
  return restrict && adj < daemonOomScoreAdj ? daemonOomScoreAdj : adj;
}

function setNamespace(spec: RuntimeSpec, ns: { type: "pid" | "network" | "ipc" | "uts" | "cgroup"; path?: string }): void {
  const namespaces = (spec.linux!.namespaces ??= []);
  const i = namespaces.findIndex((n) => n.type === ns.type);
  if (i >= 0) namespaces[i] = ns;
  else namespaces.push(ns);
}

/** WithPodNamespaces: the pod's network, IPC and UTS namespaces, and its PID one unless private. */
function applyPodNamespaces(
  spec: RuntimeSpec,
  securityContext: LinuxContainerSecurityContext | undefined,
  sandboxPid: number,
  targetPid: number,
): void {
  setNamespace(spec, { type: "network", path: `/proc/${sandboxPid}/ns/net` });
  setNamespace(spec, { type: "ipc", path: `/proc/${sandboxPid}/ns/ipc` });
  setNamespace(spec, { type: "uts", path: `/proc/${sandboxPid}/ns/uts` });
  if (securityContext?.namespaceOptions?.pid !== NamespaceMode.CONTAINER) {
    setNamespace(spec, { type: "pid", path: `/proc/${targetPid}/ns/pid` });
  }
}

function toUint32(n: bigint): number {
  return Number(BigInt.asUintN(32, n));
}

/** mergeGids: the union, sorted. */
function mergeGids(a: readonly number[] | undefined, b: readonly number[] | undefined): number[] | undefined {
  const merged = [...new Set([...(a ?? []), ...(b ?? [])])].sort((x, y) => x - y);
  return merged.length === 0 ? undefined : merged;
}

// ---- the options applied while containerd creates the container ----

/** The container's root filesystem as the user options read it (a temporary mount of its snapshot). */
export interface Rootfs {
  /** Where containerd mounted it, for error texts. */
  root: string;
  /** A file's bytes, undefined when it does not exist. */
  readFile(path: string): Uint8Array | undefined;
}

/** A spec option that reads the container's root filesystem. */
export type RootfsSpecOpt = (spec: RuntimeSpec, rootfs: Rootfs) => void;

/**
 * containerSpecOpts: the user (the request's, else the image's), supplementary groups, and the
 * AppArmor and seccomp profiles. Fails as containerd does for a group without a user and for
 * profiles the node cannot apply.
 */
export function containerSpecOpts(ctx: SpecContext, config: ContainerConfig, imageConfig: ImageConfig): RootfsSpecOpt[] {
  const opts: RootfsSpecOpt[] = [];
  const securityContext = config.linux?.securityContext;
  let userstr: string;
  try {
    userstr = generateUserString(securityContext?.runAsUsername ?? "", securityContext?.runAsUser, securityContext?.runAsGroup);
  } catch (err) {
    throw wrap(err, "failed to generate user string");
  }
  if (userstr === "") userstr = imageConfig.User ?? "";
  if (userstr !== "") {
    const user = userstr;
    opts.push((spec, rootfs) => withUser(spec, rootfs, user));
  }
  // Merge (the default) adds the groups /etc/group lists the user in; Strict only the requested ones.
  const policy = securityContext?.supplementalGroupsPolicy ?? SupplementalGroupsPolicy.Merge;
  if (policy === SupplementalGroupsPolicy.Merge) {
    const gidsUser =
      securityContext?.runAsUsername ? securityContext.runAsUsername : BigInt.asIntN(64, securityContext?.runAsUser?.value ?? 0n).toString();
    opts.push((spec, rootfs) => withAdditionalGids(spec, rootfs, gidsUser));
  } else if (policy !== SupplementalGroupsPolicy.Strict) {
    throw new Error(`not implemented in this containerd release: SupplementalGroupsPolicy=${policy}`);
  }
  const supplementalGroups = (securityContext?.supplementalGroups ?? []).map(toUint32);
  opts.push((spec) => {
    spec.process!.user.additionalGids = mergeGids(spec.process!.user.additionalGids, supplementalGroups);
  });

  let apparmor = securityContext?.apparmor;
  if (!apparmor && securityContext?.apparmorProfile) {
    try {
      apparmor = generateSecurityProfile(securityContext.apparmorProfile);
    } catch (err) {
      throw wrap(err, "failed to generate apparmor spec opts");
    }
  }
  // The node has no AppArmor: only "unconfined" (or nothing) can be honoured.
  if (apparmor && apparmor.profileType !== SecurityProfile_ProfileType.Unconfined) {
    throw new Error("failed to generate apparmor spec opts: apparmor is not supported");
  }

  const seccomp = seccompSpecOpt(securityContext, ctx.config.unsetSeccompProfile, ctx.paths);
  if (seccomp !== undefined) opts.push(seccomp);
  return opts;
}

/** generateUserString: `uid`, `name`, `uid:gid` or `name:gid`; a group alone is an error. */
export function generateUserString(username: string, uid: Int64Value | undefined, gid: Int64Value | undefined): string {
  let user = uid ? uid.value.toString() : "";
  if (username !== "") user = username;
  const group = gid ? gid.value.toString() : "";
  if (user === "") {
    if (group !== "") throw new Error(`user group ${quote(group)} is specified without user`);
    return "";
  }
  return group !== "" ? `${user}:${group}` : user;
}

interface PasswdUser {
  name: string;
  uid: number;
  gid: number;
}

interface GroupEntry {
  name: string;
  gid: number;
  list: string[];
}

/** strconv.Atoi, or undefined where it fails. */
function atoi(s: string): number | undefined {
  try {
    return Number(parseInt(s));
  } catch {
    return undefined;
  }
}

const decoder = new TextDecoder();

/**
 * The last file parsed and what it parsed to: containers of one image read the same /etc/passwd
 * and /etc/group again and again. Callers only read the entries.
 */
function lastParsed<T>(parse: (text: string) => T): (data: Uint8Array) => T {
  let lastText: string | undefined;
  let last: T;
  return (data) => {
    const text = decoder.decode(data);
    if (text !== lastText) {
      last = parse(text);
      lastText = text;
    }
    return last;
  };
}

/** runc's ParsePasswdFilter: `name:pass:uid:gid:...`, unparseable numbers read as 0. */
const parsePasswd = lastParsed((text: string): readonly PasswdUser[] => {
  const users: PasswdUser[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    const parts = line.split(":");
    users.push({ name: parts[0] ?? "", uid: atoi(parts[2] ?? "") ?? 0, gid: atoi(parts[3] ?? "") ?? 0 });
  }
  return users;
});

/** runc's ParseGroupFilter: `name:pass:gid:user,user`; comments and blank lines skipped. */
const parseGroup = lastParsed((text: string): readonly GroupEntry[] => {
  const groups: GroupEntry[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const parts = line.split(":");
    const list = parts.length > 3 ? (parts[3] === "" ? [] : parts[3]!.split(",")) : [];
    groups.push({ name: parts[0] ?? "", gid: atoi(parts[2] ?? "") ?? 0, list });
  }
  return groups;
});

class NotExistError extends Error {}
class NoUsersFoundError extends Error {
  constructor() {
    super("no users found");
  }
}

function readRootfsFile(rootfs: Rootfs, path: string): Uint8Array {
  const data = rootfs.readFile(path);
  if (data === undefined) throw new NotExistError(`open ${rootfs.root}${path}: no such file or directory`);
  return data;
}

function userFromPath(rootfs: Rootfs, filter: (u: PasswdUser) => boolean): PasswdUser {
  const user = parsePasswd(readRootfsFile(rootfs, "/etc/passwd")).find(filter);
  if (!user) throw new NoUsersFoundError();
  return user;
}

function gidFromPath(rootfs: Rootfs, name: string): number {
  const group = parseGroup(readRootfsFile(rootfs, "/etc/group")).find((g) => g.name === name);
  if (!group) throw new Error("no groups found");
  return group.gid;
}

/** The error a function run on the temporary mount gives (mount.WithTempMount). */
function onTempMount(rootfs: Rootfs, f: () => void): void {
  try {
    f();
  } catch (err) {
    throw wrap(err, `mount callback failed on ${rootfs.root}`);
  }
}

function ensureAdditionalGids(spec: RuntimeSpec): void {
  const user = spec.process!.user;
  if ((user.additionalGids ?? []).includes(user.gid)) return;
  user.additionalGids = [user.gid, ...(user.additionalGids ?? [])];
}

/** oci.WithUser: uid, name, uid:gid, name:group ... resolved against the image's files. */
function withUser(spec: RuntimeSpec, rootfs: Rootfs, userstr: string): void {
  const user = spec.process!.user;
  user.additionalGids = undefined;
  const parts = userstr.split(":");
  try {
    if (parts.length === 1) {
      const v = atoi(parts[0]!);
      if (v === undefined) {
        onTempMount(rootfs, () => {
          const u = userFromPath(rootfs, (p) => p.name === userstr);
          user.uid = u.uid >>> 0;
          user.gid = u.gid >>> 0;
        });
        return;
      }
      const uid = v >>> 0;
      onTempMount(rootfs, () => {
        try {
          const u = userFromPath(rootfs, (p) => p.uid === uid);
          user.uid = u.uid >>> 0;
          user.gid = u.gid >>> 0;
        } catch (err) {
          if (!(err instanceof NotExistError) && !(err instanceof NoUsersFoundError)) throw err;
          user.uid = uid;
          user.gid = 0;
        }
      });
      return;
    }
    if (parts.length !== 2) throw new Error(`invalid USER value ${userstr}`);
    const uidNumber = atoi(parts[0]!);
    const gidNumber = atoi(parts[1]!);
    let uid = uidNumber === undefined ? 0 : uidNumber >>> 0;
    let gid = gidNumber === undefined ? 0 : gidNumber >>> 0;
    const username = uidNumber === undefined ? parts[0]! : "";
    const groupname = gidNumber === undefined ? parts[1]! : "";
    if (username === "" && groupname === "") {
      user.uid = uid;
      user.gid = gid;
      return;
    }
    onTempMount(rootfs, () => {
      if (username !== "") uid = userFromPath(rootfs, (p) => p.name === username).uid >>> 0;
      if (groupname !== "") gid = gidFromPath(rootfs, groupname) >>> 0;
      user.uid = uid;
      user.gid = gid;
    });
  } finally {
    ensureAdditionalGids(spec);
  }
}

/** The CRI plugin's WithAdditionalGIDs: the user's supplementary groups from /etc/group, merged. */
function withAdditionalGids(spec: RuntimeSpec, rootfs: Rootfs, userstr: string): void {
  const user = spec.process!.user;
  const before = user.additionalGids;
  user.additionalGids = undefined;
  onTempMount(rootfs, () => {
    try {
      let username: string;
      const uid = atoi(userstr);
      if (uid !== undefined) {
        try {
          username = userFromPath(rootfs, (p) => p.uid === uid).name;
        } catch (err) {
          if (err instanceof NotExistError || err instanceof NoUsersFoundError) return;
          throw err;
        }
      } else {
        username = userstr;
      }
      let groups: readonly GroupEntry[];
      try {
        groups = parseGroup(readRootfsFile(rootfs, "/etc/group"));
      } catch (err) {
        if (err instanceof NotExistError) return;
        throw err;
      }
      user.additionalGids = groups.filter((g) => g.name !== username && g.list.includes(username)).map((g) => g.gid >>> 0);
    } finally {
      ensureAdditionalGids(spec);
    }
  });
  user.additionalGids = mergeGids(user.additionalGids, before);
}
