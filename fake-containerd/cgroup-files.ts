// The cgroup v1 files a container reads under /sys/fs/cgroup, as on the reference node (runc
// mounts the container's own cgroups there): drawn from the same figures as the task's metrics,
// so what a process reads and what ContainerStats answers agree. Only the usage files; the rest of
// the hierarchy (controls, per-CPU splits) is not modelled.

import type { Metric } from "./task-types.ts";

/** The kernel's "no limit" for a memory cgroup: the largest page-aligned signed 64-bit count. */
const unlimited = 9_223_372_036_854_771_712n;

/** Linux's USER_HZ: cpuacct.stat counts in hundredths of a second. */
const nsPerTick = 10_000_000n;

/**
 * The file at `path` in the container (`/sys/fs/cgroup/<controller>/<file>`) from the task's
 * metrics, or undefined when it is not one of those modelled.
 */
export function cgroupFile(path: string, metric: () => Metric): Uint8Array | undefined {
  const match = /^\/+sys\/+fs\/+cgroup\/+([a-z]+)\/+([a-z_.]+)$/.exec(path);
  const text = match && cgroupText(`${match[1]}/${match[2]}`, metric());
  return text ? new TextEncoder().encode(text) : undefined;
}

function cgroupText(path: string, metric: Metric): string | undefined {
  const { cpu, memory } = metric.data;
  const limit = memory.usageLimit >= unlimited ? unlimited : memory.usageLimit;
  switch (path) {
    case "memory/memory.usage_in_bytes":
      return `${memory.usage}\n`;
    case "memory/memory.limit_in_bytes":
      return `${limit}\n`;
    case "memory/memory.stat": {
      const own: Array<[string, bigint]> = [
        ["cache", memory.file],
        ["rss", memory.anon],
        ["rss_huge", 0n],
        ["shmem", 0n],
        ["mapped_file", 0n],
        ["dirty", 0n],
        ["writeback", 0n],
        ["swap", 0n],
        ["pgfault", memory.pgfault],
        ["pgmajfault", memory.pgmajfault],
        ["inactive_anon", memory.anon],
        ["active_anon", 0n],
        ["inactive_file", memory.inactiveFile],
        ["active_file", memory.file - memory.inactiveFile],
        ["unevictable", 0n],
      ];
      const lines = [...own, ["hierarchical_memory_limit", limit] as const, ...own.map(([key, value]) => [`total_${key}`, value] as const)];
      return lines.map(([key, value]) => `${key} ${value}\n`).join("");
    }
    case "cpuacct/cpuacct.usage":
      return `${cpu.usageUsec * 1000n}\n`;
    case "cpuacct/cpuacct.stat":
      return `user ${(cpu.userUsec * 1000n) / nsPerTick}\nsystem ${(cpu.systemUsec * 1000n) / nsPerTick}\n`;
    default:
      return undefined;
  }
}
