// ContainerStats and ListContainerStats (containerd 1.6.20 container_stats.go,
// container_stats_list.go and its _linux part): the task's cgroup metrics as CRI CPU and memory
// usage (CPU nano-cores from the previous sample the store keeps), and the writable layer's usage
// from the snapshot syncer. A container without a task has no metrics: ContainerStats fails,
// ListContainerStats lists it with attributes and its writable layer only.

import type { Metric } from "../../../fake-containerd/index.ts";
import { wrap } from "../../go/errors.ts";
import type {
  ContainerStats,
  ContainerStatsRequest,
  ContainerStatsResponse,
  CpuUsage,
  ListContainerStatsRequest,
  ListContainerStatsResponse,
  MemoryUsage,
} from "../api/v1.ts";
import type { CallContext } from "../service-types.ts";
import type { Container, ContainerMetadata, ContainerStats as StoredStats } from "../store/container-store.ts";
import type { SnapshotUsage } from "./snapshots.ts";
import type { CriService } from "./service.ts";

export async function containerStats(c: CriService, r: ContainerStatsRequest, _call: CallContext): Promise<ContainerStatsResponse> {
  let container: Container;
  try {
    container = c.containerStore.get(r.containerId);
  } catch (err) {
    throw wrap(err, "failed to find container");
  }
  let metrics: Metric[];
  try {
    metrics = await c.client.tasks.metrics(`id==${container.id}`);
  } catch (err) {
    throw wrap(err, "failed to fetch metrics for task");
  }
  // Only an empty answer is possible here (the filter names one ID): Go prints it as "[]".
  if (metrics.length !== 1) throw new Error(`unexpected metrics response: [${metrics.map((m) => m.id).join(" ")}]`);
  const snapshots = await snapshotsByKey(c);
  return { stats: containerMetrics(c, container, snapshots, metrics[0]) };
}

export async function listContainerStats(c: CriService, r: ListContainerStatsRequest, _call: CallContext): Promise<ListContainerStatsResponse> {
  const filter = r.filter;
  let containers: Container[];
  const filters: string[] = [];
  if (!filter) {
    containers = c.containerStore.list();
  } else {
    let id = filter.id;
    try {
      id = c.containerStore.get(id).id;
    } catch {
      // Not a unique prefix: it can only match exactly.
    }
    let sandboxId = filter.podSandboxId;
    try {
      sandboxId = c.sandboxStore.get(sandboxId).id;
    } catch {
      // As above.
    }
    containers = [];
    for (const container of c.containerStore.list()) {
      if (id !== "" && container.id !== id) continue;
      if (sandboxId !== "" && container.metadata.sandboxId !== sandboxId) continue;
      if (!matchLabelSelector(filter.labelSelector, container.metadata.config.labels)) continue;
      containers.push(container);
      filters.push(`id==${container.id}`);
    }
  }
  let metrics: Metric[];
  try {
    metrics = await c.client.tasks.metrics(...filters);
  } catch (err) {
    throw wrap(err, "failed to fetch metrics for tasks");
  }
  const byId = new Map(metrics.map((m) => [m.id, m]));
  const snapshots = await snapshotsByKey(c);
  return { stats: containers.map((container) => containerMetrics(c, container, snapshots, byId.get(container.id))) };
}

function matchLabelSelector(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => Object.hasOwn(labels, k) && labels[k] === v);
}

async function snapshotsByKey(c: CriService): Promise<Map<string, SnapshotUsage>> {
  return new Map((await c.snapshotStore.list()).map((s) => [s.key, s]));
}

/** containerMetrics: attributes, writable layer, and CPU and memory when there are metrics. */
function containerMetrics(c: CriService, container: Container, snapshots: Map<string, SnapshotUsage>, metric: Metric | undefined): ContainerStats {
  const meta: ContainerMetadata = container.metadata;
  const snapshot = snapshots.get(meta.id);
  const stats: ContainerStats = {
    attributes: { id: meta.id, metadata: meta.config.metadata, labels: meta.config.labels, annotations: meta.config.annotations },
    cpu: undefined,
    memory: undefined,
    writableLayer: {
      timestamp: snapshot?.timestamp ?? 0n,
      fsId: { mountpoint: c.imageFsPath },
      usedBytes: { value: snapshot?.size ?? 0n },
      inodesUsed: { value: snapshot?.inodes ?? 0n },
    },
    swap: undefined,
    io: undefined,
  };
  if (metric) {
    stats.cpu = cpuContainerStats(c, metric, container);
    stats.memory = memoryContainerStats(metric);
  }
  return stats;
}

/**
 * cpuContainerStats for cgroup v2 metrics: cumulative usage in ns and the rate since the previous
 * sample of `holder` (a container or sandbox), which keeps this sample for the next one. Where there
 * is no rate (the first sample, a zero interval) 1.6 reports 0 and 2.x leaves it out.
 */
export function cpuContainerStats(c: CriService, metric: Metric, holder: { stats: StoredStats | undefined }): CpuUsage {
  const usageCoreNanoSeconds = BigInt.asUintN(64, metric.data.cpu.usageUsec * 1000n);
  const rate = usageNanoCores(holder, usageCoreNanoSeconds, metric.timestamp);
  return {
    timestamp: metric.timestamp,
    usageCoreNanoSeconds: { value: usageCoreNanoSeconds },
    usageNanoCores: rate === undefined && c.profile.omitsUnknownCpuRate ? undefined : { value: rate ?? 0n },
    psi: undefined,
  };
}

/**
 * getUsageNanoCores: none for the first sample or a zero interval. A sample taken at the same time
 * as the stored one leaves the stored one in place, so the next rate spans the whole interval.
 */
function usageNanoCores(holder: { stats: StoredStats | undefined }, usage: bigint, timestamp: bigint): bigint | undefined {
  const previous = holder.stats;
  if (!previous) {
    holder.stats = { usageCoreNanoSeconds: usage, timestamp };
    return undefined;
  }
  const interval = timestamp - previous.timestamp;
  if (interval <= 0n) return undefined;
  holder.stats = { usageCoreNanoSeconds: usage, timestamp };
  // Go computes this in float64 and truncates to uint64.
  const delta = Number(BigInt.asUintN(64, usage - previous.usageCoreNanoSeconds));
  const rate = Math.trunc((delta / Number(interval)) * 1e9);
  return rate >= 2 ** 64 ? 0n : BigInt(rate);
}

const maxMemorySize = 1n << 62n;

/** memoryContainerStats for cgroup v2 metrics. */
export function memoryContainerStats(metric: Metric): MemoryUsage {
  const memory = metric.data.memory;
  const workingSet = memory.inactiveFile < memory.usage ? memory.usage - memory.inactiveFile : 0n;
  const available = memory.usageLimit > maxMemorySize ? 0n : BigInt.asUintN(64, memory.usageLimit - workingSet);
  return {
    timestamp: metric.timestamp,
    workingSetBytes: { value: workingSet },
    availableBytes: { value: available },
    usageBytes: { value: memory.usage },
    rssBytes: { value: memory.anon },
    pageFaults: { value: memory.pgfault },
    majorPageFaults: { value: memory.pgmajfault },
    psi: undefined,
  };
}
