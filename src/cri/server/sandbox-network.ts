// The pod network of the fake node, as the reference runtime has it: the loopback network and one
// bridge network with host-local IPAM over 10.88.0.0/16 (gateway 10.88.0.1, pods from 10.88.0.2
// up). Nothing is set up on a host; what is kept is what a CNI setup leaves behind that the CRI
// plugin can observe: the pod's network namespace path, its address, the CNI result, and
// host-local's allocation files (one per address, plus the last reserved address, so allocation goes
// round the range as host-local does and survives a restart with the node's filesystem).

import { join } from "../../go/filepath.ts";
import { defaultIfName } from "../helpers/constants.ts";
import { isNotExist, readTextFile } from "../../node/host-fs.ts";
import { NetNs, type CniResult, type Sandbox } from "../store/sandbox-store.ts";
import { cniNotInitialized } from "./network.ts";
import type { CriService } from "./service.ts";

/** The bridge network's name, as Status' cniconfig shows it. */
const podNetworkName = "fake-cri";

/** ipamDataDir, worked out once per config: it is on the path of every pod's setup and teardown. */
const ipamDataDirs = new WeakMap<CriService["config"], string>();

/**
 * host-local's data dir for the network: /var/lib/cni/networks/<name> beside containerd's default
 * root, and beside a root moved elsewhere (as `fake-cri serve` moves it) so no privilege is needed.
 */
export function ipamDataDir(c: CriService): string {
  let dir = ipamDataDirs.get(c.config);
  if (dir === undefined) ipamDataDirs.set(c.config, (dir = join(c.config.containerdRootDir, "..", "cni", "networks", podNetworkName)));
  return dir;
}

const bridgeName = "cni0";
const subnetBase = ipv4ToNumber("10.88.0.0");
const subnetSize = 1 << 16;
const gateway = subnetBase + 1;
/** host-local's defaults: the first and the last usable address of the subnet. */
const rangeStart = subnetBase + 1;
const rangeEnd = subnetBase + subnetSize - 2;
/** host-local writes the container ID and interface name on two lines, as a Windows text file. */
const lineBreak = "\r\n";

function ipv4ToNumber(ip: string): number {
  return ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

function numberToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** Where pod network namespaces are mounted (netns_mounts_under_state_dir moves them). */
function netnsMountDir(c: CriService): string {
  return c.config.netnsMountsUnderStateDir ? join(c.config.stateDir, "netns") : "/var/run/netns";
}

/** A random hex string of `bytes` bytes from the fake's (seeded) ID source. */
function randomHex(c: CriService, bytes: number): string {
  return c.ids.next().slice(0, bytes * 2);
}

/**
 * netns.NewNetNS: a new network namespace mounted at `cni-<uuid>` in the mount dir; the mount point
 * is a file on the node.
 */
export function newNetNs(c: CriService): NetNs {
  const b = randomHex(c, 16);
  const name = `cni-${b.slice(0, 8)}-${b.slice(8, 12)}-${b.slice(12, 16)}-${b.slice(16, 20)}-${b.slice(20)}`;
  const dir = netnsMountDir(c);
  c.hostFs.mkdirAll(dir);
  const path = join(dir, name);
  c.hostFs.writeFile(path, "", 0o444);
  return new NetNs(path, c.hostFs);
}

const reservationName = /^\d+\.\d+\.\d+\.\d+$/;

/** What host-local writes into a reservation file: the container ID and the interface, a line each. */
function reservationOwner(id: string): string {
  return `${id}${lineBreak}${defaultIfName}`;
}

/**
 * What host-local's data dir held when it was last read: each owner's reservations, in name
 * order. Valid while the directory's revision is `revision`; the plugin's own allocations and
 * releases keep it up to date, and any other change to the directory makes it be read again.
 */
interface ReservationIndex {
  dataDir: string;
  revision: number;
  owners: Map<string, string[]>;
}

/** Per node filesystem, since that is where the reservations live (a restarted plugin shares it). */
const reservationIndexes = new WeakMap<CriService["hostFs"], ReservationIndex>();

/**
 * host-local's reservation for `id` on eth0, or undefined. host-local finds it by reading every
 * reservation; the address the sandbox recorded is looked at first, which is where it is unless
 * the setup failed before recording it. Reading every reservation on each teardown would make a
 * pod's teardown cost grow with the pods running, so what was read is kept (ReservationIndex).
 */
function addressOf(c: CriService, id: string, recorded: string): string | undefined {
  const dataDir = ipamDataDir(c);
  if (!c.hostFs.exists(dataDir)) return undefined;
  const owner = reservationOwner(id);
  if (recorded !== "" && c.hostFs.exists(join(dataDir, recorded)) && holds(c, dataDir, recorded, owner)) return recorded;
  const index = reservationIndex(c, dataDir);
  if (index) return index.owners.get(owner)?.[0];
  for (const name of c.hostFs.readDir(dataDir)) {
    if (reservationName.test(name) && holds(c, dataDir, name, owner)) return name;
  }
  return undefined;
}

/**
 * The data dir's index, read again if the directory changed; undefined if the fs keeps no
 * revisions or an entry cannot be read.
 */
function reservationIndex(c: CriService, dataDir: string): ReservationIndex | undefined {
  const revision = c.hostFs.revision?.(dataDir);
  if (revision === undefined) return undefined;
  let index = reservationIndexes.get(c.hostFs);
  if (index?.dataDir === dataDir && index.revision === revision) return index;
  index = { dataDir, revision, owners: new Map() };
  for (const name of c.hostFs.readDir(dataDir)) {
    if (!reservationName.test(name)) continue;
    let owner: string;
    try {
      owner = readTextFile(c.hostFs, join(dataDir, name)).trim();
    } catch {
      // Something there is not a readable file: addressOf reads entry by entry instead, and fails or
      // finds the reservation exactly where host-local would.
      return undefined;
    }
    const held = index.owners.get(owner);
    if (held) held.push(name);
    else index.owners.set(owner, [name]);
  }
  reservationIndexes.set(c.hostFs, index);
  return index;
}

/**
 * Runs the plugin's own change to the data dir and brings the index along, if it was current
 * before: a change by anyone else still shows as a revision the index does not know.
 */
function changeReservations(c: CriService, dataDir: string, change: () => void, update: (owners: Map<string, string[]>) => void): void {
  const index = reservationIndexes.get(c.hostFs);
  const current = index?.dataDir === dataDir && index.revision === c.hostFs.revision?.(dataDir);
  change();
  if (!current || !index) return;
  update(index.owners);
  index.revision = c.hostFs.revision!(dataDir)!;
}

/** Whether reservation file `name` is `owner`'s. */
function holds(c: CriService, dataDir: string, name: string, owner: string): boolean {
  return readTextFile(c.hostFs, join(dataDir, name)).trim() === owner;
}

/** host-local's allocation: the next free address after the last one reserved, going round. */
function allocate(c: CriService, id: string): string {
  const dataDir = ipamDataDir(c);
  const lastReservedFile = join(dataDir, "last_reserved_ip.0");
  c.hostFs.mkdirAll(dataDir, 0o755);
  let last: number | undefined;
  try {
    const text = readTextFile(c.hostFs, lastReservedFile).trim();
    const n = ipv4ToNumber(text);
    if (reservationName.test(text) && n >= rangeStart && n <= rangeEnd) last = n;
  } catch (err) {
    if (!isNotExist(err)) throw err;
  }
  const first = last === undefined ? rangeStart : last === rangeEnd ? rangeStart : last + 1;
  let candidate = first;
  do {
    const ip = numberToIpv4(candidate);
    const file = join(dataDir, ip);
    if (candidate !== gateway && !c.hostFs.exists(file)) {
      const owner = reservationOwner(id);
      changeReservations(
        c,
        dataDir,
        () => {
          c.hostFs.writeFile(file, owner, 0o644);
          c.hostFs.writeFile(lastReservedFile, ip, 0o644);
        },
        (owners) => {
          const held = owners.get(owner);
          if (held) held.splice(sortedPosition(held, ip), 0, ip);
          else owners.set(owner, [ip]);
        },
      );
      return ip;
    }
    candidate = candidate === rangeEnd ? rangeStart : candidate + 1;
  } while (candidate !== first);
  throw new Error(
    `plugin type="bridge" failed (add): failed to allocate for range 0: no IP addresses available in range set: ${numberToIpv4(rangeStart)}-${numberToIpv4(rangeEnd)}`,
  );
}

/** A MAC address as the kernel makes one for a veth: random, locally administered, unicast. */
function randomMac(c: CriService): string {
  const hex = randomHex(c, 6);
  // The first octet: multicast bit cleared, locally administered bit set.
  const first = (parseInt(hex.slice(0, 2), 16) & 0xfe) | 0x02;
  let mac = first.toString(16).padStart(2, "0");
  for (let i = 2; i < 12; i += 2) mac += `:${hex.slice(i, i + 2)}`;
  return mac;
}

/**
 * go-cni's Setup of the loopback and bridge networks in the sandbox's namespace: the pod gets the
 * next address; the CNI result is what go-cni builds from both plugins' results.
 */
export function setupPodNetwork(c: CriService, sandbox: Sandbox): CniResult {
  if (c.network.status() !== undefined) throw new Error(cniNotInitialized);
  const meta = sandbox.metadata;
  const ip = allocate(c, meta.id);
  const veth = `veth${randomHex(c, 4)}`;
  return {
    interfaces: {
      [defaultIfName]: { ipConfigs: [{ ip, gateway: numberToIpv4(gateway) }], mac: randomMac(c), sandbox: meta.netnsPath },
      lo: { ipConfigs: [{ ip: "127.0.0.1", gateway: "" }, { ip: "::1", gateway: "" }], mac: "00:00:00:00:00:00", sandbox: meta.netnsPath },
      [bridgeName]: { ipConfigs: [], mac: randomMac(c), sandbox: "" },
      [veth]: { ipConfigs: [], mac: randomMac(c), sandbox: "" },
    },
    dns: [{}, {}],
    routes: [{ dst: "0.0.0.0/0" }],
  };
}

/** go-cni's Remove: host-local releases the sandbox's address; nothing else stays behind. */
export function teardownPodNetwork(c: CriService, sandbox: Sandbox): void {
  if (c.network.status() !== undefined) throw new Error(cniNotInitialized);
  const ip = addressOf(c, sandbox.metadata.id, sandbox.metadata.ip);
  if (ip === undefined) return;
  const dataDir = ipamDataDir(c);
  const owner = reservationOwner(sandbox.metadata.id);
  changeReservations(
    c,
    dataDir,
    () => c.hostFs.removeAll(join(dataDir, ip)),
    (owners) => {
      const held = owners.get(owner)?.filter((name) => name !== ip) ?? [];
      if (held.length > 0) owners.set(owner, held);
      else owners.delete(owner);
    },
  );
}

/**
 * Releases every address reserved for a sandbox that is not among `sandboxIds`, and says which. A
 * node that went down in the middle of a RunPodSandbox (`fake-cri serve --state` after kill -9) can
 * hold an address whose pod never came to be; host-local would keep it forever.
 */
export function releaseOrphanedAddresses(c: CriService, sandboxIds: ReadonlySet<string>): string[] {
  const dataDir = ipamDataDir(c);
  if (!c.hostFs.exists(dataDir)) return [];
  const released: string[] = [];
  for (const name of c.hostFs.readDir(dataDir)) {
    if (!reservationName.test(name)) continue;
    const owner = readTextFile(c.hostFs, join(dataDir, name)).split(lineBreak)[0]!.trim();
    if (sandboxIds.has(owner)) continue;
    c.hostFs.removeAll(join(dataDir, name));
    released.push(name);
  }
  return released;
}

/** Where `name` goes in the sorted `names` (readDir's order). */
function sortedPosition(names: readonly string[], name: string): number {
  let i = 0;
  while (i < names.length && names[i]! < name) i++;
  return i;
}
