// The kernel's tables a container's process reads about the namespaces it is in: /proc/net/* of its
// network namespace (proc-net.ts) and /proc/sysvipc/* of its IPC namespace (proc-sysvipc.ts). A
// namespace the fake made holds what the fake knows. The node's own (host network, host IPC) is
// the machine's when the operator lets the fake read the machine's tables (the node's files reach
// /proc/net and /proc/sysvipc: `fake-cri serve --allow-host-root`), as on a real node, where the
// node's processes and the containers sharing its namespaces see the same sockets and segments;
// else it holds what the fake knows too.

import { hostNetwork, type Network } from "./network.ts";
import { procNetFile } from "./proc-net.ts";
import { procSysvipcFile } from "./proc-sysvipc.ts";

/** Where a process is: its network namespace (network.ts's name) and whether its IPC namespace is the node's. */
export interface KernelNamespaces {
  network: string;
  hostIpc: boolean;
}

/** The node's copy of a kernel table, or undefined where the fake may not read it. */
export type HostKernelTable = (path: string) => Promise<Uint8Array | undefined>;

const encoder = new TextEncoder();

/** The table at `path` as the process sees it; undefined when `path` is not one of these tables. */
export async function kernelTable(path: string, where: KernelNamespaces, network: Network, hostTable: HostKernelTable | undefined): Promise<Uint8Array | undefined> {
  const own = procNetFile(path, network.ports(where.network));
  const table = own ?? procSysvipcFile(path);
  if (table === undefined) return undefined;
  const onNode = own !== undefined ? where.network === hostNetwork : where.hostIpc;
  return (onNode ? await hostTable?.(path) : undefined) ?? encoder.encode(table);
}
