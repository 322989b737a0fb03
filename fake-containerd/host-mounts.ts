// The node's mount table (the kernel's /proc/self/mountinfo, read through the node's files, so only
// where the operator allows it) and what a container's bind mount of a node directory shows of the
// mounts under it. runc copies the directory with the mounts below it when the container starts
// (rbind); after that, a mount the node makes below it reaches the container only through an rslave
// or rshared bind of a shared mount (mount propagation), and a read-only bind ("ro") leaves the
// copied mounts below it as they are (writable), where a recursive one ("rro") makes them
// read-only too. Pinned by host-mounts.test.ts, whose expectations come from containerd 2.4.2 and
// 1.6.20 with runc 1.1.5 (the commands are in that file).

import { isWithin, type NodeFiles } from "../src/node/node-files.ts";

/** One line of /proc/self/mountinfo: the parts the propagation rules read. */
export interface HostMount {
  /** The mount's ID, unique among the mounts of the moment (the kernel reuses an unmounted one's). */
  id: number;
  mountPoint: string;
  /** The per-mount "ro" option. */
  readOnly: boolean;
  /** In a peer group ("shared:N"): mounts made below it propagate to its peers and slaves. */
  shared: boolean;
  /** A slave of a peer group ("master:N"): mounts made in the group reach it. */
  slave: boolean;
}

/** The lines of a mountinfo file, in the kernel's order (a mount stacked on another comes after it). */
export function parseMountInfo(text: string): HostMount[] {
  const mounts: HostMount[] = [];
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    const separator = fields.indexOf("-", 6);
    if (separator < 0) continue;
    const id = Number(fields[0]);
    if (!Number.isInteger(id)) continue;
    mounts.push({
      id,
      mountPoint: unescapeOctal(fields[4]!),
      readOnly: fields[5]!.split(",").includes("ro"),
      shared: fields.slice(6, separator).some((tag) => tag.startsWith("shared:")),
      slave: fields.slice(6, separator).some((tag) => tag.startsWith("master:")),
    });
  }
  return mounts;
}

/**
 * What tells a mount from a later one: its ID with its mount point. The kernel hands an unmounted
 * mount's ID to the next mount made anywhere (critest's parallel specs unmount and mount all the
 * time), so an ID alone can make a mount made after a task started look like one it had.
 */
function sameMountKey(m: HostMount): string {
  return `${m.id} ${m.mountPoint}`;
}

/**
 * containerd's mount.Lookup: the mount `path` is on, the one with the longest mount point above or at
 * it (the first of several at the same point, as containerd takes it).
 */
export function mountHolding(table: readonly HostMount[], path: string): HostMount | undefined {
  let found: HostMount | undefined;
  for (const m of table) if (isWithin(path, m.mountPoint) && (!found || m.mountPoint.length > found.mountPoint.length)) found = m;
  return found;
}

/** The node's mount table now, or undefined where it has none or the fake may not read it. */
export async function readNodeMounts(files: NodeFiles): Promise<HostMount[] | undefined> {
  if (files.mountTable === undefined) return undefined;
  try {
    return parseMountInfo(new TextDecoder().decode(await files.readFile(files.mountTable)));
  } catch {
    return undefined;
  }
}

/** The kernel writes space, tab, newline and backslash in a path as \ooo. */
function unescapeOctal(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** A container's bind mount of a node directory, as its spec's options say. */
export interface NodeBind {
  /** The node's directory. */
  source: string;
  /** "rbind": the mounts below the source come along. */
  recursive: boolean;
  /** "ro" or "rro". */
  readOnly: boolean;
  /** "rro": the mounts below are read-only too. */
  recursiveReadOnly: boolean;
  /** "rslave" or "rshared": mounts the node makes later below a shared source reach the container. */
  receives: boolean;
}

/**
 * What the container sees at `hostPath` (under `bind.source`): the node's file there, read-only or
 * not; or, at a mount point whose mount the container does not have, the directory beneath it
 * (which the fake cannot read: it shows empty and takes no changes); or under such a mount point,
 * nothing of the node's.
 */
export type NodeView = { kind: "node"; readOnly: boolean } | { kind: "beneath mount" } | { kind: "under hidden mount" };

/**
 * The view at `hostPath` through `bind`, given the node's mount table when the container started
 * and now (either undefined when the fake may not read it: everything the node has shows, as live).
 */
export function nodeView(bind: NodeBind, hostPath: string, atStart: readonly HostMount[] | undefined, now: readonly HostMount[] | undefined): NodeView {
  if (!atStart || !now) return { kind: "node", readOnly: bind.readOnly };
  const atStartKeys = new Set(atStart.map(sameMountKey));
  const sourceMount = atStart.findLast((m) => isWithin(bind.source, m.mountPoint));
  const propagates = bind.receives && sourceMount?.shared === true;
  let readOnly = bind.readOnly;
  // The mounts below the source on the way to the path, outermost first (the kernel's order).
  for (const m of now) {
    if (m.mountPoint === bind.source || !isWithin(m.mountPoint, bind.source) || !isWithin(hostPath, m.mountPoint)) continue;
    const copied = atStartKeys.has(sameMountKey(m)) ? bind.recursive : propagates;
    if (!copied) return hostPath === m.mountPoint ? { kind: "beneath mount" } : { kind: "under hidden mount" };
    readOnly = bind.recursiveReadOnly || m.readOnly;
  }
  return { kind: "node", readOnly };
}
