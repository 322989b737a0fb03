// What a container's processes see of the node's filesystem: runc bind-mounts the host paths a
// container's spec names (the pod's /etc/hostname, /etc/hosts, /etc/resolv.conf, volumes), so a
// `cat /etc/hostname` in the container reads the node's file. fake-containerd has no host
// filesystem of its own; this gives it the plugin's, through its filesystem hook, consulted after
// test-registered files and before the container's snapshot.

import type { FakeContainerd } from "../../../fake-containerd/index.ts";
import { clean, join } from "../../go/filepath.ts";
import type { HostFs } from "../host-fs.ts";
import { parseSpec } from "./oci-defaults.ts";

/** Makes bind mounts of `hostFs` visible to the processes of `containerd`. */
export function installBindMountReader(containerd: FakeContainerd, hostFs: HostFs): void {
  containerd.processes.setFilesystem(({ record }, path) => {
    if (!record.spec) return undefined;
    const target = clean(path);
    let best: { destination: string; source: string } | undefined;
    for (const m of parseSpec(record.spec).mounts ?? []) {
      if (m.type !== "bind" || m.source === undefined) continue;
      const destination = clean(m.destination);
      const covers = target === destination || target.startsWith(destination === "/" ? "/" : `${destination}/`);
      if (covers && (!best || destination.length > best.destination.length)) best = { destination, source: m.source };
    }
    if (!best) return undefined;
    const hostPath = join(best.source, target.slice(best.destination.length));
    try {
      return hostFs.stat(hostPath).isDirectory ? undefined : hostFs.readFile(hostPath);
    } catch {
      return undefined;
    }
  });
}
