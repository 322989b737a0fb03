// The files containerd 1.6.20 writes for a sandbox (setupSandboxFiles in sandbox_run_linux.go):
// hostname, hosts (the node's /etc/hosts), resolv.conf (from the DNS config, else the node's), and
// the sandbox's /dev/shm, a tmpfs mount point (here only the directory, so containerd's
// cleanupSandboxFiles, which unmounts it, has nothing to do). The node's own files come from the
// node filesystem when it has them, else from the fake node's defaults below (an in-memory node
// starts empty).

import { join } from "../../go/filepath.ts";
import { quote } from "../../go/strconv.ts";
import { wrap } from "../../go/errors.ts";
import { getSandboxRootDir, getVolatileSandboxRootDir } from "../helpers/dirs.ts";
import { NamespaceMode, type PodSandboxConfig } from "../api/v1.ts";
import { readTextFile } from "../../node/host-fs.ts";
import type { CriService } from "./service.ts";

export const etcHosts = "/etc/hosts";
export const resolvConfPath = "/etc/resolv.conf";
export const devShm = "/dev/shm";

/** What the fake node has where the node filesystem has nothing. */
const nodeDefaults = {
  hostname: "fake-cri-node",
  hosts: "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
  resolvConf: "nameserver 127.0.0.53\noptions edns0 trust-ad\n",
} as const;

const getSandboxHostname = (c: CriService, id: string): string => join(getSandboxRootDir(c.config, id), "hostname");
const getSandboxHosts = (c: CriService, id: string): string => join(getSandboxRootDir(c.config, id), "hosts");
export const getResolvPath = (c: CriService, id: string): string => join(getSandboxRootDir(c.config, id), "resolv.conf");
export const getSandboxDevShm = (c: CriService, id: string): string => join(getVolatileSandboxRootDir(c.config, id), "shm");

/** A node file's text, or the fake node's default when the node filesystem lacks it. */
function nodeFile(c: CriService, path: string, fallback: string): string {
  return c.hostFs.exists(path) ? readTextFile(c.hostFs, path) : fallback;
}

/** os.Hostname of the node. */
export function nodeHostname(c: CriService): string {
  return nodeFile(c, "/etc/hostname", `${nodeDefaults.hostname}\n`).trim();
}

const hostIpc = (config: PodSandboxConfig): boolean =>
  config.linux?.securityContext?.namespaceOptions?.ipc === NamespaceMode.NODE;

/**
 * resolv.conf content for a DNS config: search, nameserver and options lines; "" when the config
 * says nothing (the node's file is used then).
 */
function parseDnsOptions(servers: readonly string[], searches: readonly string[], options: readonly string[]): string {
  let content = "";
  if (searches.length > 0) content += `search ${searches.join(" ")}\n`;
  if (servers.length > 0) content += `nameserver ${servers.join("\nnameserver ")}\n`;
  if (options.length > 0) content += `options ${options.join(" ")}\n`;
  return content;
}

/** setupSandboxFiles: the sandbox root dir must exist. */
export function setupSandboxFiles(c: CriService, id: string, config: PodSandboxConfig): void {
  const hostnamePath = getSandboxHostname(c, id);
  const hostname = config.hostname !== "" ? config.hostname : nodeHostname(c);
  try {
    c.hostFs.writeFile(hostnamePath, `${hostname}\n`, 0o644);
  } catch (err) {
    throw wrap(err, `failed to write hostname to ${quote(hostnamePath)}`);
  }

  const hostsPath = getSandboxHosts(c, id);
  try {
    c.hostFs.writeFile(hostsPath, nodeFile(c, etcHosts, nodeDefaults.hosts), 0o644);
  } catch (err) {
    throw wrap(err, `failed to generate sandbox hosts file ${quote(hostsPath)}`);
  }

  const dns = config.dnsConfig;
  const resolvContent = dns ? parseDnsOptions(dns.servers, dns.searches, dns.options) : "";
  const resolvPath = getResolvPath(c, id);
  if (resolvContent === "") {
    try {
      c.hostFs.writeFile(resolvPath, nodeFile(c, resolvConfPath, nodeDefaults.resolvConf), 0o644);
    } catch (err) {
      throw wrap(err, `failed to copy host's resolv.conf to ${quote(resolvPath)}`);
    }
  } else {
    try {
      c.hostFs.writeFile(resolvPath, resolvContent, 0o644);
    } catch (err) {
      throw wrap(err, `failed to write resolv content to ${quote(resolvPath)}`);
    }
  }

  // A host-IPC pod uses the node's /dev/shm, which the fake node always has.
  if (!hostIpc(config)) {
    try {
      c.hostFs.mkdirAll(getSandboxDevShm(c, id), 0o700);
    } catch (err) {
      throw wrap(err, "failed to create sandbox shm");
    }
  }
}
