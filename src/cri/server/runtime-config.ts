// RuntimeConfig: containerd 1.6.20 predates it (the method is unknown to its server). Answered as
// containerd 1.7 and later answer it: the cgroup driver from the first runtime whose options say
// (the default runtime first, then the others by name), runc v2's SystemdCgroup deciding between
// systemd and cgroupfs; with no runtime saying, a node without systemd (this one) uses cgroupfs.
// Listed in golden/cri/KNOWN_DIFFERENCES.md.

import { CgroupDriver, type RuntimeConfigRequest, type RuntimeConfigResponse } from "../api/v1.ts";
import { RUNC_V2_OPTIONS_URL } from "../../go/toml-options.ts";
import { generateRuntimeOptions } from "../helpers/runtime-options.ts";
import type { CriConfig } from "../config.ts";
import type { CallContext } from "../service-types.ts";
import type { CriService } from "./service.ts";

export async function runtimeConfig(c: CriService, _request: RuntimeConfigRequest, _call: CallContext): Promise<RuntimeConfigResponse> {
  return { linux: { cgroupDriver: cgroupDriver(c.config) } };
}

/** getCgroupDriver of containerd 1.7+. */
export function cgroupDriver(config: CriConfig): CgroupDriver {
  const defaultName = config.containerd.defaultRuntimeName;
  const names = Object.keys(config.containerd.runtimes).sort((a, b) => {
    if (a === defaultName) return -1;
    if (b === defaultName) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  for (const name of names) {
    let options;
    try {
      options = generateRuntimeOptions(config.containerd.runtimes[name]!, config);
    } catch {
      continue;
    }
    if (options?.typeUrl === RUNC_V2_OPTIONS_URL) {
      return (options.message as { systemdCgroup: boolean }).systemdCgroup ? CgroupDriver.SYSTEMD : CgroupDriver.CGROUPFS;
    }
  }
  return CgroupDriver.CGROUPFS;
}
