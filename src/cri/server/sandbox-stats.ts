// PodSandboxStats and ListPodSandboxStats (containerd 1.6.20 sandbox_stats*.go). containerd reads
// the pod's cgroup (its cgroup parent; none configured is an error) and the eth0 counters of its
// network namespace. The fake pod's cgroup holds its pause task and its containers' tasks, so its
// figures are the sum of their fake-containerd task metrics (cgroup v2 fields); the network
// counters are 0. Only a ready sandbox has stats.

import type { Metric } from "../../../fake-containerd/index.ts";
import { isKind, isNotFound } from "../../../fake-containerd/index.ts";
import { unavailable } from "../../../fake-containerd/errdefs.ts";
import { wrap } from "../../go/errors.ts";
import { quote } from "../../go/strconv.ts";
import { defaultIfName } from "../helpers/constants.ts";
import {
  type ContainerStats,
  ContainerState,
  type ListPodSandboxStatsRequest,
  type ListPodSandboxStatsResponse,
  type PodSandboxStats,
  type PodSandboxStatsRequest,
  type PodSandboxStatsResponse,
} from "../api/v1.ts";
import type { CallContext } from "../service-types.ts";
import type { Sandbox } from "../store/sandbox-store.ts";
import { SandboxState } from "../store/sandbox-status.ts";
import { cpuContainerStats, listContainerStats, memoryContainerStats } from "./container-stats.ts";
import { matchLabelSelector, normalizeSandboxId } from "./sandbox-list.ts";
import type { CriService } from "./service.ts";

export async function podSandboxStats(c: CriService, r: PodSandboxStatsRequest, call: CallContext): Promise<PodSandboxStatsResponse> {
  let sandbox: Sandbox;
  try {
    sandbox = c.sandboxStore.get(r.podSandboxId);
  } catch (err) {
    throw wrap(err, `an error occurred when trying to find sandbox ${r.podSandboxId}`);
  }
  if (c.profile.sandboxController) {
    try {
      return { stats: await controllerSandboxStats(c, sandbox, call) };
    } catch (err) {
      throw wrap(err, `failed to decode pod sandbox metrics ${r.podSandboxId}`);
    }
  }
  let metrics: Metric;
  try {
    metrics = await metricsForSandbox(c, sandbox);
  } catch (err) {
    throw wrap(err, `failed getting metrics for sandbox ${r.podSandboxId}`);
  }
  try {
    return { stats: await sandboxStats(c, sandbox, metrics, call) };
  } catch (err) {
    throw wrap(err, `failed to decode pod sandbox metrics ${r.podSandboxId}`);
  }
}

export async function listPodSandboxStats(
  c: CriService,
  r: ListPodSandboxStatsRequest,
  call: CallContext,
): Promise<ListPodSandboxStatsResponse> {
  const stats: PodSandboxStats[] = [];
  if (c.profile.sandboxController) {
    // 2.x: a pod that is not ready (or gone) is left out; the other failures are joined.
    const failures: string[] = [];
    for (const sandbox of sandboxesFor(c, r)) {
      try {
        stats.push(await controllerSandboxStats(c, sandbox, call));
      } catch (err) {
        if (isKind(err, "unavailable") || isNotFound(err)) continue;
        failures.push(wrap(err, `failed to decode sandbox container metrics for sandbox ${quote(sandbox.id)}`).message);
      }
    }
    if (failures.length > 0) throw new Error(failures.join("\n"));
    return { stats };
  }
  for (const sandbox of sandboxesFor(c, r)) {
    let metrics: Metric;
    try {
      metrics = await metricsForSandbox(c, sandbox);
    } catch (err) {
      throw wrap(err, `failed to obtain metrics for sandbox ${quote(sandbox.id)}`);
    }
    try {
      stats.push(await sandboxStats(c, sandbox, metrics, call));
    } catch (err) {
      throw wrap(err, `failed to decode sandbox container metrics for sandbox ${quote(sandbox.id)}`);
    }
  }
  return { stats };
}

/**
 * 2.x's podSandboxStats: the ready check first (unavailable), then the sandbox controller's metrics
 * of the pod cgroup, then the figures; the network part lists the pod's interfaces.
 */
async function controllerSandboxStats(c: CriService, sandbox: Sandbox, call: CallContext): Promise<PodSandboxStats> {
  const id = sandbox.id;
  if (sandbox.status.get().state !== SandboxState.Ready) {
    throw unavailable(`failed to get pod sandbox stats since sandbox container ${quote(id)} is not in ready state`);
  }
  let metrics: Metric;
  try {
    if ((sandbox.metadata.config.linux?.cgroupParent ?? "") === "") throw new Error(`sandbox ${quote(id)} has no cgroup parent`);
    metrics = await metricsForSandbox(c, sandbox);
  } catch (err) {
    throw wrap(err, `failed getting metrics for sandbox ${id}`);
  }
  const stats = await sandboxStats(c, sandbox, metrics, call);
  const network = stats.linux?.network;
  if (network) {
    network.timestamp = metrics.timestamp;
    network.interfaces = network.defaultInterface ? [{ ...network.defaultInterface }] : [];
  }
  return stats;
}

/**
 * sandboxesForListPodSandboxStatsRequest: without a filter every sandbox (a stopped one then fails
 * the whole call); with one, the matching ready sandboxes.
 */
function sandboxesFor(c: CriService, r: ListPodSandboxStatsRequest): Sandbox[] {
  const all = c.sandboxStore.list();
  const filter = r.filter;
  if (!filter) return all;
  const id = normalizeSandboxId(c, filter.id);
  return all.filter(
    (s) =>
      (id === "" || s.id === id) &&
      matchLabelSelector(filter.labelSelector, s.metadata.config.labels) &&
      s.status.get().state === SandboxState.Ready,
  );
}

/** The tasks in the pod's cgroup: the pause task and those of the sandbox's containers. */
async function podTaskMetrics(c: CriService, sandbox: Sandbox): Promise<Metric[]> {
  const ids = [sandbox.id, ...[...c.containerStore.ofSandbox(sandbox.id)].map((container) => container.id)];
  const metrics: Metric[] = [];
  for (const id of ids) {
    try {
      metrics.push(await c.client.tasks.metricsOf(id));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return metrics;
}

/**
 * metricsForSandbox: the pod cgroup (its parent) must be known; its figures are the sum of its
 * tasks', sampled now.
 */
async function metricsForSandbox(c: CriService, sandbox: Sandbox): Promise<Metric> {
  const cgroupPath = sandbox.metadata.config.linux?.cgroupParent ?? "";
  if (cgroupPath === "") {
    throw new Error(`failed to get cgroup metrics for sandbox ${sandbox.id} because cgroupPath is empty`);
  }
  let metrics: Metric[];
  try {
    metrics = await podTaskMetrics(c, sandbox);
  } catch (err) {
    throw wrap(err, `failed to get stats for cgroup: ${cgroupPath}`);
  }
  const sum = (f: (m: Metric) => bigint) => metrics.reduce((total, m) => total + f(m), 0n);
  const pause = metrics.find((m) => m.id === sandbox.id);
  return {
    timestamp: c.clock.now(),
    id: sandbox.id,
    typeUrl: "io.containerd.cgroups.v2.Metrics",
    data: {
      pids: { current: sum((m) => m.data.pids.current), limit: 0n },
      cpu: {
        usageUsec: sum((m) => m.data.cpu.usageUsec),
        userUsec: sum((m) => m.data.cpu.userUsec),
        systemUsec: sum((m) => m.data.cpu.systemUsec),
      },
      memory: {
        usage: sum((m) => m.data.memory.usage),
        usageLimit: pause?.data.memory.usageLimit ?? 0n,
        anon: sum((m) => m.data.memory.anon),
        file: sum((m) => m.data.memory.file),
        inactiveFile: sum((m) => m.data.memory.inactiveFile),
        pgfault: sum((m) => m.data.memory.pgfault),
        pgmajfault: sum((m) => m.data.memory.pgmajfault),
      },
    },
  };
}

const u64 = (value: bigint) => ({ value });

/** podSandboxStats (Linux). */
async function sandboxStats(c: CriService, sandbox: Sandbox, metrics: Metric, call: CallContext): Promise<PodSandboxStats> {
  const meta = sandbox.metadata;
  if (sandbox.status.get().state !== SandboxState.Ready) {
    throw new Error(`failed to get pod sandbox stats since sandbox container ${quote(meta.id)} is not in ready state`);
  }
  const timestamp = metrics.timestamp;
  const cpu = cpuContainerStats(c, metrics, sandbox);
  const memory = memoryContainerStats(metrics);

  let processCount = 0n;
  for (const container of c.containerStore.ofSandbox(sandbox.id)) {
    if (container.status.state() !== ContainerState.CONTAINER_RUNNING) continue;
    const task = await container.container.task();
    processCount += BigInt((await task.pids()).length);
  }

  let containers: ContainerStats[];
  try {
    containers = (await listContainerStats(c, { filter: { id: "", podSandboxId: meta.id, labelSelector: {} } }, call)).stats;
  } catch (err) {
    throw wrap(err, "failed to obtain container stats during podSandboxStats call");
  }

  return {
    attributes: { id: meta.id, metadata: meta.config.metadata, labels: meta.config.labels, annotations: meta.config.annotations },
    linux: {
      cpu,
      memory,
      network:
        meta.netnsPath !== ""
          ? {
              timestamp: 0n,
              defaultInterface: { name: defaultIfName, rxBytes: u64(0n), rxErrors: u64(0n), txBytes: u64(0n), txErrors: u64(0n) },
              interfaces: [],
            }
          : undefined,
      process: { timestamp, processCount: u64(processCount) },
      containers,
      io: undefined,
    },
    windows: undefined,
  };
}
