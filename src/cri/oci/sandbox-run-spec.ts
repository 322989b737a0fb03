// The pause container's OCI spec as containerd 1.6.20 builds it (sandboxContainerSpec and
// sandboxContainerSpecOpts in sandbox_run_linux.go, with the oci and customopts options they
// use): first the spec that needs nothing but the request and the image config, then the options
// NewContainer applies once the snapshot exists (seccomp, and the user, which may need the image's
// /etc/passwd and /etc/group).

import type { Mount as SnapshotMount } from "../../../fake-containerd/snapshots/backend.ts";
import { wrap } from "../../go/errors.ts";
import { clean } from "../../go/filepath.ts";
import { quote } from "../../go/strconv.ts";
import {
  type Int64Value,
  type LinuxSandboxSecurityContext,
  NamespaceMode,
  type PodSandboxConfig,
  type SELinuxOption,
  type UserNamespace,
} from "../api/v1.ts";
import type { OciImageConfig } from "../store/image-store.ts";
import { getPassthroughAnnotations } from "../helpers/annotations.ts";
import { getCgroupsPath, replaceOrAppendEnvValues } from "./container-create-spec.ts";
import { defaultUnixSpec, type RuntimeSpec } from "./oci-defaults.ts";
import { devShm, getResolvPath, getSandboxDevShm, resolvConfPath } from "../server/sandbox-files.ts";
import { seccompSpecOpt, type ProfileFiles } from "./security-profiles.ts";
import { parseUsernsIds } from "./user-namespaces.ts";
import type { CriService } from "../server/service.ts";

/** The CRI annotations containerd puts on a sandbox's spec (pkg/cri/annotations). */
const criAnnotations = {
  containerType: "io.kubernetes.cri.container-type",
  containerTypeSandbox: "sandbox",
  sandboxId: "io.kubernetes.cri.sandbox-id",
  sandboxNamespace: "io.kubernetes.cri.sandbox-namespace",
  sandboxUid: "io.kubernetes.cri.sandbox-uid",
  sandboxName: "io.kubernetes.cri.sandbox-name",
  sandboxLogDir: "io.kubernetes.cri.sandbox-log-directory",
  sandboxImageName: "io.kubernetes.cri.podsandbox.image-name",
  sandboxCpuPeriod: "io.kubernetes.cri.sandbox-cpu-period",
  sandboxCpuQuota: "io.kubernetes.cri.sandbox-cpu-quota",
  sandboxCpuShares: "io.kubernetes.cri.sandbox-cpu-shares",
  sandboxMem: "io.kubernetes.cri.sandbox-memory",
} as const;

const relativeRootfsPath = "rootfs";
const defaultSandboxOomAdj = -998;
const defaultSandboxCpuShares = 2n;
/** The containerd daemon's own oom_score_adj, which restrict_oom_score_adj keeps pods above. */
const daemonOomScoreAdj = 0;

/** fmt's %v of a Go []string. */
const goStrings = (v: readonly string[] | undefined): string => `[${(v ?? []).join(" ")}]`;

/** fmt's %v of a Go map, keys sorted. */
function goMap(v: Record<string, unknown> | undefined, value: (x: unknown) => string): string {
  const keys = Object.keys(v ?? {}).sort();
  return `map[${keys.map((k) => `${k}:${value(v![k])}`).join(" ")}]`;
}

/** fmt's %+v of a *imagespec.ImageConfig. */
function imageConfigPlusV(config: NonNullable<OciImageConfig["config"]>): string {
  return (
    `&{User:${config.User ?? ""} ExposedPorts:${goMap(config.ExposedPorts, () => "{}")} Env:${goStrings(config.Env)} ` +
    `Entrypoint:${goStrings(config.Entrypoint)} Cmd:${goStrings(config.Cmd)} Volumes:${goMap(config.Volumes, () => "{}")} ` +
    `WorkingDir:${config.WorkingDir ?? ""} Labels:${goMap(config.Labels, String)} StopSignal:${config.StopSignal ?? ""} ` +
    `ArgsEscaped:${(config as { ArgsEscaped?: boolean }).ArgsEscaped === true}}`
  );
}

/** The String() of the CRI's SELinuxOption (gogo's stringer). */
function selinuxOptionString(o: SELinuxOption): string {
  return `&SELinuxOption{User:${o.user},Role:${o.role},Type:${o.type},Level:${o.level},}`;
}

const selinuxLevel = /^s\d(-s\d)??(:c\d{1,4}(\.c\d{1,4})?(,c\d{1,4}(\.c\d{1,4})?)*)?$/;

/**
 * initLabelsFromOpt with SELinux off (containerd disables it unless enable_selinux, and the fake
 * node has none): the level is still checked, and no labels come out.
 */
function initLabelsFromOpt(options: SELinuxOption | undefined): { processLabel: string; mountLabel: string } {
  if (options && options.level !== "" && !selinuxLevel.test(options.level)) {
    throw new Error(
      `failed to init selinux options ${selinuxOptionString(options)}: the format of 'level' ${quote(options.level)} is not correct`,
    );
  }
  return { processLabel: "", mountLabel: "" };
}

function withoutNamespace(spec: RuntimeSpec, type: string): void {
  if (!spec.linux) return;
  spec.linux.namespaces = (spec.linux.namespaces ?? []).filter((ns) => ns.type !== type);
}

/**
 * sandboxContainerSpec: the spec before NewContainer (nsPath is filled in later by
 * updateNetNamespacePath). The restricted OOM score is the only spec option that can fail in
 * containerd (reading its own oom_score_adj), and cannot here.
 */
export function sandboxContainerSpec(
  c: CriService,
  id: string,
  config: PodSandboxConfig,
  imageConfig: OciImageConfig["config"],
  nsPath: string,
  runtimePodAnnotations: readonly string[],
  imageName: string,
): RuntimeSpec {
  const image = imageConfig ?? {};
  const spec = defaultUnixSpec(id);
  const process = spec.process!;
  const linux = spec.linux!;

  spec.mounts = spec.mounts!.filter((m) => clean(m.destination) !== "/run");
  // WithoutDefaultSecuritySettings: no apparmor profile, no seccomp, none of the default rlimits.
  delete process.apparmorProfile;
  delete linux.seccomp;
  delete process.rlimits;
  spec.root = { path: relativeRootfsPath };
  if ((image.Env ?? []).length > 0) process.env = replaceOrAppendEnvValues(process.env ?? [], image.Env!);
  spec.root.readonly = true;
  spec.hostname = config.hostname;
  if (image.WorkingDir) process.cwd = image.WorkingDir;

  const entrypoint = image.Entrypoint ?? [];
  const cmd = image.Cmd ?? [];
  if (entrypoint.length === 0 && cmd.length === 0) {
    throw new Error(`invalid empty entrypoint and cmd in image config ${imageConfigPlusV(image)}`);
  }
  process.args = [...entrypoint, ...cmd];

  const cgroupParent = config.linux?.cgroupParent ?? "";
  if (c.config.disableCgroup) linux.cgroupsPath = "";
  else if (cgroupParent !== "") linux.cgroupsPath = getCgroupsPath(cgroupParent, id);

  const securityContext = config.linux?.securityContext;
  const nsOptions = securityContext?.namespaceOptions;
  if (nsOptions?.network === NamespaceMode.NODE) {
    withoutNamespace(spec, "network");
    withoutNamespace(spec, "uts");
  } else {
    const namespaces = linux.namespaces ?? [];
    const i = namespaces.findIndex((ns) => ns.type === "network");
    if (i >= 0) namespaces[i] = { type: "network", path: nsPath };
    else namespaces.push({ type: "network", path: nsPath });
    linux.namespaces = namespaces;
  }
  if (nsOptions?.pid === NamespaceMode.NODE) withoutNamespace(spec, "pid");
  if (nsOptions?.ipc === NamespaceMode.NODE) withoutNamespace(spec, "ipc");
  if (c.profile.userNamespaces) withPodUserNamespace(spec, nsOptions?.usernsOptions);

  const shmSource = nsOptions?.ipc === NamespaceMode.NODE ? devShm : getSandboxDevShm(c, id);
  spec.mounts.push(
    { destination: devShm, type: "bind", source: shmSource, options: ["rbind", "ro"] },
    { destination: resolvConfPath, type: "bind", source: getResolvPath(c, id), options: ["rbind", "ro"] },
  );

  const labels = initLabelsFromOpt(securityContext?.selinuxOptions);
  linux.mountLabel = labels.mountLabel;
  process.selinuxLabel = labels.processLabel;
  process.user.additionalGids = mergeGids(process.user.additionalGids ?? [], (securityContext?.supplementalGroups ?? []).map(Number));

  const sysctls = { ...(config.linux?.sysctls ?? {}) };
  if (nsOptions?.network !== NamespaceMode.NODE) {
    if (c.config.enableUnprivilegedPorts && !("net.ipv4.ip_unprivileged_port_start" in sysctls)) {
      sysctls["net.ipv4.ip_unprivileged_port_start"] = "0";
    }
    if (c.config.enableUnprivilegedIcmp && !("net.ipv4.ping_group_range" in sysctls)) {
      sysctls["net.ipv4.ping_group_range"] = "0 2147483647";
    }
  }
  linux.sysctl = { ...(linux.sysctl ?? {}), ...sysctls };

  if (!c.config.disableCgroup) {
    linux.resources ??= {};
    linux.resources.cpu = { ...(linux.resources.cpu ?? {}), shares: defaultSandboxCpuShares };
  }

  const annotations: Record<string, string> = {};
  const resources = config.linux?.resources;
  if (resources) {
    annotations[criAnnotations.sandboxCpuPeriod] = resources.cpuPeriod.toString();
    annotations[criAnnotations.sandboxCpuQuota] = resources.cpuQuota.toString();
    annotations[criAnnotations.sandboxCpuShares] = resources.cpuShares.toString();
    annotations[criAnnotations.sandboxMem] = resources.memoryLimitInBytes.toString();
  }

  process.oomScoreAdj = c.config.restrictOomScoreAdj ? Math.max(defaultSandboxOomAdj, daemonOomScoreAdj) : defaultSandboxOomAdj;

  Object.assign(annotations, getPassthroughAnnotations(config.annotations, runtimePodAnnotations));
  const meta = config.metadata;
  annotations[criAnnotations.containerType] = criAnnotations.containerTypeSandbox;
  annotations[criAnnotations.sandboxId] = id;
  annotations[criAnnotations.sandboxNamespace] = meta?.namespace ?? "";
  annotations[criAnnotations.sandboxUid] = meta?.uid ?? "";
  annotations[criAnnotations.sandboxName] = meta?.name ?? "";
  annotations[criAnnotations.sandboxLogDir] = config.logDirectory;
  if (c.profile.sandboxImageNameAnnotation) annotations[criAnnotations.sandboxImageName] = imageName;
  spec.annotations = { ...(spec.annotations ?? {}), ...annotations };
  return spec;
}

/** 2.x: the pod's own user namespace with its ID mappings (POD), or the node's (NODE). */
function withPodUserNamespace(spec: RuntimeSpec, userns: UserNamespace | undefined): void {
  let mappings;
  try {
    mappings = parseUsernsIds(userns);
  } catch (err) {
    throw new Error(`user namespace configuration: ${(err as Error).message}`);
  }
  if (userns?.mode === NamespaceMode.NODE) withoutNamespace(spec, "user");
  if (userns?.mode !== NamespaceMode.POD) return;
  const linux = spec.linux!;
  linux.namespaces = [...(linux.namespaces ?? []).filter((ns) => ns.type !== "user"), { type: "user" }];
  linux.uidMappings = mappings.uids;
  linux.gidMappings = mappings.gids;
}

/** customopts' mergeGids: the union, sorted. */
function mergeGids(a: readonly number[], b: readonly number[]): number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

/**
 * updateNetNamespacePath: the spec with the pod's namespace path on its network namespace entry.
 * A new spec, sharing what did not change: the container record holds the old one.
 */
export function updateNetNamespacePath(spec: RuntimeSpec, nsPath: string): RuntimeSpec {
  const namespaces = spec.linux?.namespaces ?? [];
  const i = namespaces.findIndex((n) => n.type === "network");
  if (i < 0) return spec;
  const updated = [...namespaces];
  updated[i] = { ...namespaces[i]!, path: nsPath };
  return { ...spec, linux: { ...spec.linux, namespaces: updated } };
}

/** generateUserString for a sandbox (no user name): `uid[:gid]`, "" for none. */
function userString(uid: Int64Value | undefined, gid: Int64Value | undefined): string {
  const user = uid ? uid.value.toString() : "";
  const group = gid ? gid.value.toString() : "";
  if (user === "") {
    if (group !== "") throw new Error(`user group ${quote(group)} is specified without user`);
    return "";
  }
  return group !== "" ? `${user}:${group}` : user;
}

/** A spec option applied inside NewContainer, after the snapshot is prepared. */
export type SandboxSpecOption = (spec: RuntimeSpec, rootfs: SnapshotRootfs) => Promise<void>;

/** The prepared snapshot, for options that read the image's files. */
export interface SnapshotRootfs {
  /** snapshotter.Mounts: a fake-containerd operation (faults apply). */
  mounts(): Promise<SnapshotMount[]>;
  /** A file of the snapshot's merged view. */
  readFile(path: string): Uint8Array;
}

/** Where containerd mounts a snapshot to read the image's user files (mount.WithTempMount). */
const tempMountRoot = "/var/lib/containerd/tmpmounts/containerd-mount";

/**
 * sandboxContainerSpecOpts: seccomp for the pod's profile and the user (the security context's
 * run_as_user/run_as_group, else the image's user). Throws the errors containerd wraps as "failed
 * to generate seccomp spec opts" / "failed to generate user string".
 */
export function sandboxContainerSpecOpts(
  c: CriService,
  config: PodSandboxConfig,
  imageConfig: OciImageConfig["config"],
  profiles: ProfileFiles,
): SandboxSpecOption[] {
  const securityContext: LinuxSandboxSecurityContext | undefined = config.linux?.securityContext;
  const options: SandboxSpecOption[] = [];
  const seccomp = seccompSpecOpt(securityContext, c.config.unsetSeccompProfile, profiles);
  if (seccomp !== undefined) options.push(async (spec) => seccomp(spec));

  let user: string;
  try {
    user = userString(securityContext?.runAsUser, securityContext?.runAsGroup);
  } catch (err) {
    throw wrap(err, "failed to generate user string");
  }
  if (user === "") user = imageConfig?.User ?? "";
  if (user !== "") options.push(withUser(user));
  return options;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

/** moby/sys/user's line parsing: colon fields, numbers that do not parse read as 0. */
function parseColonFile(text: string): string[][] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => line.split(":"));
}

const atoi = (s: string | undefined): number => (/^[+-]?\d+$/.test(s ?? "") ? Number(s) : 0);

function readUsers(rootfs: SnapshotRootfs, filter: (u: PasswdEntry) => boolean): PasswdEntry[] {
  const text = new TextDecoder().decode(readRootFile(rootfs, "/etc/passwd"));
  return parseColonFile(text)
    .map((f) => ({ name: f[0] ?? "", uid: atoi(f[2]), gid: atoi(f[3]) }))
    .filter(filter);
}

function readGroupId(rootfs: SnapshotRootfs, name: string): number {
  const text = new TextDecoder().decode(readRootFile(rootfs, "/etc/group"));
  const group = parseColonFile(text).find((f) => (f[0] ?? "") === name);
  if (!group) throw new Error("no groups found");
  return atoi(group[2]);
}

/** A file of the image as read through containerd's temporary mount of the snapshot. */
function readRootFile(rootfs: SnapshotRootfs, path: string): Uint8Array {
  try {
    return rootfs.readFile(path);
  } catch {
    throw new Error(`open ${tempMountRoot}${path}: no such file or directory`);
  }
}

function isNotExistError(err: unknown): boolean {
  return err instanceof Error && err.message.endsWith(": no such file or directory");
}

/**
 * oci.WithUser: `uid`, `name`, `uid:gid` and the mixed forms; names are looked up in the image
 * (which takes the snapshot's mounts). The GID always ends up first among the additional GIDs.
 */
export function withUser(userstr: string): SandboxSpecOption {
  return async (spec, rootfs) => {
    const process = (spec.process ??= { user: { uid: 0, gid: 0 }, cwd: "" });
    delete process.user.additionalGids;
    try {
      const parts = userstr.split(":");
      if (parts.length === 1) {
        if (/^[+-]?\d+$/.test(parts[0]!)) await userById(spec, rootfs, Number(parts[0]) >>> 0);
        else await userByName(spec, rootfs, parts[0]!);
      } else if (parts.length === 2) {
        const uidNumeric = /^[+-]?\d+$/.test(parts[0]!);
        const gidNumeric = /^[+-]?\d+$/.test(parts[1]!);
        let uid = uidNumeric ? Number(parts[0]) >>> 0 : 0;
        let gid = gidNumeric ? Number(parts[1]) >>> 0 : 0;
        if (!uidNumeric || !gidNumeric) {
          await rootfs.mounts();
          if (!uidNumeric) {
            const users = readUsers(rootfs, (u) => u.name === parts[0]);
            if (users.length === 0) throw new Error("no users found");
            uid = users[0]!.uid;
          }
          if (!gidNumeric) gid = readGroupId(rootfs, parts[1]!);
        }
        process.user.uid = uid;
        process.user.gid = gid;
      } else {
        throw new Error(`invalid USER value ${userstr}`);
      }
    } finally {
      ensureAdditionalGids(spec);
    }
  };
}

async function userById(spec: RuntimeSpec, rootfs: SnapshotRootfs, uid: number): Promise<void> {
  await rootfs.mounts();
  let users: PasswdEntry[];
  try {
    users = readUsers(rootfs, (u) => u.uid === uid);
  } catch (err) {
    if (!isNotExistError(err)) throw err;
    users = [];
  }
  const user = users[0];
  spec.process!.user.uid = user ? user.uid : uid;
  spec.process!.user.gid = user ? user.gid : 0;
}

async function userByName(spec: RuntimeSpec, rootfs: SnapshotRootfs, name: string): Promise<void> {
  await rootfs.mounts();
  const users = readUsers(rootfs, (u) => u.name === name);
  if (users.length === 0) throw new Error("no users found");
  spec.process!.user.uid = users[0]!.uid;
  spec.process!.user.gid = users[0]!.gid;
}

/** oci's ensureAdditionalGids: the GID first among the additional GIDs, once. */
function ensureAdditionalGids(spec: RuntimeSpec): void {
  const user = spec.process!.user;
  const gids = user.additionalGids ?? [];
  if (!gids.includes(user.gid)) user.additionalGids = [user.gid, ...gids];
}
