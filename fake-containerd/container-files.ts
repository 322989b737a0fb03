// A container's files as its processes see and change them: through the mounts its processes made
// (container-mounts.ts), files tests registered and the filesystem hook (the CRI layer's mounts of
// the node's files) first, then /proc/<pid>/status and /proc/sys, then the container's snapshot.
// The task service hands each process a view of these (ProcessHost).

import { ContainerMounts, tmpfsFiles } from "./container-mounts.ts";
import { copyOfTree } from "./mount-propagation.ts";
import type { ContainerRecord, ContainerStore } from "./containers.ts";
import { privilegesOf, unprivileged, type Privileges, type PrivilegesSpec } from "./privileges.ts";
import { pathRulesMembers, pathRulesOf, placeIn, type PathRules } from "./masked-paths.ts";
import { procStatus, type StatusSpec } from "./proc-status.ts";
import { readProcSys, type SysctlSpec } from "./proc-sys.ts";
import type { ProcessRegistry } from "./processes/registry.ts";
import type { FileChange, ProcessUser } from "./processes/script.ts";
import { pathParts } from "./snapshots/fs.ts";
import { jsonDocument, type JsonPick } from "./events.ts";

/** What the view needs of its namespace: the containers, the processes registry, and the snapshots. */
export interface ContainerFilesLinks {
  readonly containers: ContainerStore;
  readonly processes: ProcessRegistry;
  /** A file of a container's snapshot (its root filesystem). */
  readRootfs?(snapshotter: string, key: string, path: string): Uint8Array | undefined;
  /** The names in a directory of a container's snapshot, or undefined when it is not one. */
  readRootfsDir?(snapshotter: string, key: string, path: string): string[] | undefined;
  /** Makes a process's change in a container's snapshot. */
  changeRootfs?(snapshotter: string, key: string, change: FileChange): void;
}

const rootMembers: JsonPick = { root: { readonly: true } };
const sysctlMembers: JsonPick = { hostname: true, linux: { sysctl: true, namespaces: true } };
const statusMembers: JsonPick = { process: { capabilities: true, noNewPrivileges: true }, linux: { seccomp: true } };
const privilegesMembers: JsonPick = { process: { capabilities: true, noNewPrivileges: true }, linux: { seccomp: true, maskedPaths: true } };
const encoder = new TextEncoder();

/** A process whose status file is read: its name (comm), user, and PIDs in its PID namespace. */
export interface StatusProcess {
  readonly name: string;
  readonly user: ProcessUser;
  readonly pid: number;
  readonly ppid: number;
}

export class ContainerFiles {
  private readonly namespace: string;
  private readonly links: ContainerFilesLinks;
  /** The container whose process has this PID, for a namespace joined as /proc/PID/ns/TYPE. */
  private readonly containerOfPid: (pid: number) => string | undefined;
  /** The mounts the containers' processes made. */
  private readonly mounts = new ContainerMounts();

  constructor(namespace: string, links: ContainerFilesLinks, containerOfPid: (pid: number) => string | undefined) {
    this.namespace = namespace;
    this.links = links;
    this.containerOfPid = containerOfPid;
  }

  /**
   * Registered files and the filesystem hook first, then /proc/self/status (of `reader`, the
   * process reading) and the sysctls in /proc/sys, then the snapshot.
   */
  async readFile(containerId: string, mountedPath: string, reader?: StatusProcess): Promise<Uint8Array | undefined> {
    const record = this.recordOf(containerId);
    if (!record) return undefined;
    const through = this.mounts.through(containerId, mountedPath);
    if ("tmpfs" in through) return tmpfsFiles.readFile(through.tmpfs, through.path);
    const path = through.path;
    switch (placeIn(pathRulesOfRecord(record).masked, path)) {
      case "below":
        return undefined;
      case "at":
        return (await this.readUnmasked(record, path, reader)) && new Uint8Array();
      default:
        return this.readUnmasked(record, path, reader);
    }
  }

  private async readUnmasked(record: ContainerRecord, path: string, reader: StatusProcess | undefined): Promise<Uint8Array | undefined> {
    const containerId = record.id;
    const registered = await this.links.processes.readFile(this.namespace, record, path);
    if (registered) return registered;
    if (reader && pathParts(path).join("/") === "proc/self/status") return this.procStatus(containerId, reader, true);
    const sysctl = readProcSys(path, sysctlSpecOf(record), (pid) => {
      const owner = this.containerOfPid(pid);
      const ownerRecord = owner === undefined ? undefined : this.recordOf(owner);
      return ownerRecord && sysctlSpecOf(ownerRecord);
    });
    if (sysctl || record.snapshotKey === "" || !this.links.readRootfs) return sysctl;
    try {
      return this.links.readRootfs(record.snapshotter, record.snapshotKey, path);
    } catch {
      return undefined;
    }
  }

  /** /proc/<pid>/status of a process of the container: `running` for the one reading it, else asleep. */
  procStatus(containerId: string, process: StatusProcess, running: boolean): Uint8Array | undefined {
    const record = this.recordOf(containerId);
    if (!record) return undefined;
    const spec = (specDocument(record, statusMembers) ?? {}) as StatusSpec;
    return encoder.encode(procStatus({ ...process, running }, spec));
  }

  /**
   * What the kernel lets a process of the container running as `user` do. Every process start asks
   * (an exec, the pause), and reading it means decoding the spec, seccomp profile and all: it is
   * kept per spec and per root or not, the only thing of the user it depends on.
   */
  privileges(containerId: string, user: ProcessUser): Privileges {
    const record = this.recordOf(containerId);
    if (!record?.spec) return unprivileged;
    const root = user.uid === 0;
    const known = privilegesBySpec.get(record.spec);
    const cached = root ? known?.root : known?.other;
    if (cached) return cached;
    const spec = specDocument(record, privilegesMembers);
    const privileges = spec ? privilegesOf(spec as PrivilegesSpec, user) : unprivileged;
    privilegesBySpec.set(record.spec, { ...known, [root ? "root" : "other"]: privileges });
    return privileges;
  }

  /**
   * The names in a directory: the snapshot's, with what registered files and the filesystem hook
   * add (mount points), or only theirs where a mount hides the snapshot.
   */
  async readDir(containerId: string, mountedPath: string): Promise<string[] | undefined> {
    const record = this.recordOf(containerId);
    if (!record) return undefined;
    const through = this.mounts.through(containerId, mountedPath);
    if ("tmpfs" in through) return tmpfsFiles.readDir(through.tmpfs, through.path);
    const path = through.path;
    switch (placeIn(pathRulesOfRecord(record).masked, path)) {
      case "below":
        return undefined;
      case "at":
        return (await this.readDirUnmasked(record, path)) && [];
      default:
        return this.readDirUnmasked(record, path);
    }
  }

  private async readDirUnmasked(record: ContainerRecord, path: string): Promise<string[] | undefined> {
    const added = await this.links.processes.readDir(this.namespace, record, path);
    if (added?.hidesSnapshot || record.snapshotKey === "" || !this.links.readRootfsDir) return added?.names;
    let own: string[] | undefined;
    try {
      own = this.links.readRootfsDir(record.snapshotter, record.snapshotKey, path);
    } catch {
      own = undefined;
    }
    if (!added) return own;
    return own ? [...new Set([...own, ...added.names])] : added.names;
  }

  /**
   * Whether the path is on a read-only filesystem: a masked directory's or a read-only path's, else
   * a mount's, else the spec's root.readonly.
   */
  async readOnly(containerId: string, mountedPath: string): Promise<boolean> {
    const record = this.recordOf(containerId);
    if (!record) return false;
    const through = this.mounts.through(containerId, mountedPath);
    if ("tmpfs" in through) return false;
    const path = through.path;
    const rules = pathRulesOfRecord(record);
    if (placeIn(rules.readOnly, path) !== undefined) return true;
    switch (placeIn(rules.masked, path)) {
      case "below":
        return true;
      case "at":
        return (await this.readDirUnmasked(record, path)) !== undefined;
    }
    const mounted = await this.links.processes.readOnly(this.namespace, record, path);
    return mounted ?? rootReadOnly(record);
  }

  /** Where the path's file lives: under a mount, where the filesystem hook says; else in the snapshot, at the path. */
  async locate(containerId: string, mountedPath: string): Promise<string> {
    const through = this.mounts.through(containerId, mountedPath);
    if ("tmpfs" in through) return through.location;
    const path = through.path;
    const record = this.recordOf(containerId);
    if (!record) return path;
    return (await this.links.processes.locate(this.namespace, record, path)) ?? path;
  }

  /**
   * A process's change: a mount it makes; else a change to the mount over the path, else to the
   * snapshot. A promise while the change (or the copy of a mount the node sees) is on its way to the
   * node's files; it never rejects.
   */
  changeFile(containerId: string, mountedChange: FileChange): Promise<void> | undefined {
    if (mountedChange.change === "bind" || mountedChange.change === "tmpfs") {
      this.mounts.mount(containerId, { ...mountedChange, change: mountedChange.change });
      return this.propagate(containerId, mountedChange.path);
    }
    const through = this.mounts.through(containerId, mountedChange.path);
    if ("tmpfs" in through) {
      tmpfsFiles.change(through.tmpfs, through.path, mountedChange);
      return;
    }
    const change = { ...mountedChange, path: through.path };
    const record = this.recordOf(containerId);
    // What is written to a masked file goes to /dev/null.
    if (!record || placeIn(pathRulesOfRecord(record).masked, change.path) !== undefined) return undefined;
    const made = this.links.processes.changeFile(this.namespace, record, change);
    if (made !== false) return made === true ? undefined : made;
    if (record.snapshotKey === "" || !this.links.changeRootfs) return undefined;
    try {
      this.links.changeRootfs(record.snapshotter, record.snapshotKey, change);
    } catch {
      // The emulation checked the change against the files when it laid the script out; a snapshot
      // changed since then (or removed) makes it moot, as for a process racing another.
    }
    return undefined;
  }

  /** A mount just made at `mountPoint` shows on the node when the bind over it is rshared: copied there (mount-propagation.ts). */
  private propagate(containerId: string, mountPoint: string): Promise<void> | undefined {
    const record = this.recordOf(containerId);
    if (!record || !this.links.processes.sendsMounts(this.namespace, record, mountPoint)) return undefined;
    return (async () => {
      try {
        const onNode = await this.links.processes.readDir(this.namespace, record, mountPoint);
        if (onNode === undefined || onNode.names.length > 0) return;
        const copy = await copyOfTree({ readDir: (path) => this.readDir(containerId, path), readFile: (path) => this.readFile(containerId, path) }, mountPoint);
        let landed: boolean | Promise<void> = true;
        for (const change of copy ?? []) landed = this.links.processes.changeFile(this.namespace, record, change);
        await landed;
      } catch {
        // The container or its files went away meanwhile: as a mount racing the task's end.
      }
    })();
  }

  /**
   * The container's task starts: a mount namespace of its own, its mounts of the node's files made
   * now; a promise while the filesystem hook looks at the node's mounts (none without a mount table,
   * so that a task's creation takes no extra turn of the event loop).
   */
  started(containerId: string): Promise<void> | undefined {
    this.mounts.reset(containerId);
    const record = this.recordOf(containerId);
    return record && this.links.processes.started(this.namespace, record);
  }

  /** The container's task is gone, with its mount namespace. */
  ended(containerId: string): void {
    this.mounts.reset(containerId);
    const record = this.recordOf(containerId);
    if (record) this.links.processes.ended(this.namespace, record);
  }

  /** The container, or undefined once it is gone (its files then read as missing). */
  private recordOf(containerId: string): ContainerRecord | undefined {
    try {
      return this.links.containers.lookup(containerId);
    } catch {
      return undefined;
    }
  }
}

/** The picked members of the container's spec, or undefined without one (or with one that does not parse). */
/** Privileges worked out from a spec, for a root process and for another (a spec is never changed in place). */
const privilegesBySpec = new WeakMap<object, { root?: Privileges; other?: Privileges }>();

function specDocument(record: ContainerRecord, pick: JsonPick): unknown {
  try {
    return record.spec ? jsonDocument(record.spec, pick) : undefined;
  } catch {
    return undefined;
  }
}

function rootReadOnly(record: ContainerRecord): boolean {
  return (specDocument(record, rootMembers) as { root?: { readonly?: unknown } } | undefined)?.root?.readonly === true;
}

function pathRulesOfRecord(record: ContainerRecord): PathRules {
  return pathRulesOf(specDocument(record, pathRulesMembers));
}

function sysctlSpecOf(record: ContainerRecord): SysctlSpec | undefined {
  return specDocument(record, sysctlMembers) as SysctlSpec | undefined;
}
