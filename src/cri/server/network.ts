// The pod network as the CRI plugin sees it through go-cni (v1.1.6): ready once a network config
// has loaded, with go-cni's error texts when not. Nothing is set up on the host. A fake node starts
// with a network config installed (as the reference runtime has) unless told otherwise; a config
// written into the CNI conf dir (UpdateRuntimeConfig's template) loads it, as containerd's conf
// syncer does when the directory changes.

import type { CriConfig } from "../config.ts";
import type { HostFs } from "../../node/host-fs.ts";
import { goJson, type GoJsonValue } from "../../go/json.ts";

/** go-cni's ErrCNINotInitialized. */
export const cniNotInitialized = "cni plugin not initialized";

const confExtensions = [".conf", ".conflist", ".json"];

export class CniNetwork {
  readonly confDir: string;
  readonly binDir: string;
  readonly maxConfNum: number;
  private readonly fs: HostFs;
  /** A network config the fake node has outside the host filesystem (the "network ready" switch). */
  private installed: boolean;
  private loaded = false;
  private lastLoadError: string | undefined;

  constructor(config: CriConfig, fs: HostFs, installed: boolean) {
    this.confDir = config.cni.networkPluginConfDir;
    this.binDir = config.cni.networkPluginBinDir;
    this.maxConfNum = config.cni.networkPluginMaxConfNum;
    this.fs = fs;
    this.installed = installed;
    this.load();
  }

  /** libcni.Status: undefined when ready, else the error text. */
  status(): string | undefined {
    return this.loaded ? undefined : cniNotInitialized;
  }

  /** libcni.Load with containerd's options (loopback + the conf dir): updates the last load status. */
  load(): boolean {
    this.loaded = this.installed || this.confFiles().length > 0;
    this.lastLoadError = this.loaded
      ? undefined
      : `cni config load failed: no network config found in ${this.confDir}: ${cniNotInitialized}: failed to load cni config`;
    return this.loaded;
  }

  /** The conf syncer's last status: "OK" or the load error. */
  lastStatus(): string {
    return this.lastLoadError ?? "OK";
  }

  /** Installs or removes the node's own network config, then reloads (a test's switch). */
  setInstalled(installed: boolean): void {
    this.installed = installed;
    this.load();
  }

  /** libcni.GetConfig as JSON, as Status verbose info shows it. */
  configJson(): string {
    const networks: GoJsonValue = this.loaded
      ? [
          network("cni-loopback", "0.3.1", "loopback", "lo"),
          network("fake-cri", "1.0.0", "bridge", "eth0"),
        ]
      : null;
    return goJson({
      PluginDirs: [this.binDir],
      PluginConfDir: this.confDir,
      PluginMaxConfNum: this.maxConfNum,
      Prefix: "eth",
      Networks: networks,
    });
  }

  private confFiles(): string[] {
    if (!this.fs.exists(this.confDir)) return [];
    try {
      return this.fs.readDir(this.confDir).filter((name) => confExtensions.some((ext) => name.endsWith(ext)));
    } catch {
      return [];
    }
  }
}

function network(name: string, cniVersion: string, type: string, ifName: string): GoJsonValue {
  const plugin = `{"type":"${type}"}`;
  return {
    Config: {
      Name: name,
      CNIVersion: cniVersion,
      Plugins: [{ Network: { type, ipam: {}, dns: {} }, Source: plugin }],
      Source: `{"cniVersion":"${cniVersion}","name":"${name}","plugins":[${plugin}]}`,
    },
    IFName: ifName,
  };
}
