// ListMetricDescriptors and ListPodSandboxMetrics (containerd 2.4.2 list_metric_descriptors.go,
// list_pod_sandbox_metrics_linux.go): the cAdvisor-style metrics the kubelet can take from the
// runtime instead of cAdvisor. Each ready pod gets its eth0 network counters, and each of its
// containers that has a task its figures, labelled pod, namespace, container, ID and the image as
// the kubelet asked for it. Which metrics a container gets is what 2.4.2 gave on the recording node
// (KNOWN_DIFFERENCES.md, pod-sandbox-metrics-of-the-recording-node); the values come from the fake
// task's metrics and the limits its spec sets, the network counters are 0.

import { isNotFound } from "../../../fake-containerd/index.ts";
import type {
  ContainerMetrics,
  ListMetricDescriptorsRequest,
  ListMetricDescriptorsResponse,
  ListPodSandboxMetricsRequest,
  ListPodSandboxMetricsResponse,
  Metric,
  PodSandboxMetrics,
} from "../api/v1.ts";
import { MetricType } from "../api/v1.ts";
import { type LinuxResources, parseSpec } from "../oci/oci-defaults.ts";
import type { CallContext } from "../service-types.ts";
import type { Container } from "../store/container-store.ts";
import type { Sandbox } from "../store/sandbox-store.ts";
import { SandboxState } from "../store/sandbox-status.ts";
import type { CriService } from "./service.ts";

/** Every metric's first labels: the pod, its namespace, the container, its ID, the image. */
const baseLabelKeys = ["pod", "namespace", "container", "id", "image"];

/** The descriptors 2.4.2 lists: name, help, the labels after the base ones. */
const descriptors: readonly (readonly [string, string, string[]?])[] = [
  ["container_blkio_device_usage_total", "Blkio device bytes usage", ["device", "major", "minor", "operation"]],
  ["container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals."],
  ["container_cpu_cfs_throttled_periods_total", "Number of CPU throttled period intervals."],
  ["container_cpu_cfs_throttled_seconds_total", "Total time duration the container has been throttled."],
  ["container_cpu_system_seconds_total", "Cumulative system CPU time consumed in seconds."],
  ["container_cpu_usage_seconds_total", "Cumulative CPU time consumed in seconds."],
  ["container_cpu_user_seconds_total", "Cumulative user CPU time consumed in seconds."],
  ["container_file_descriptors", "Number of open file descriptors for the container."],
  ["container_fs_inodes_free", "Number of available Inodes", ["device"]],
  ["container_fs_inodes_total", "Number of Inodes", ["device"]],
  ["container_fs_limit_bytes", "Number of bytes that can be consumed by the container on this filesystem.", ["device"]],
  ["container_fs_reads_bytes_total", "Cumulative count of bytes read", ["device"]],
  ["container_fs_reads_total", "Cumulative count of reads completed", ["device"]],
  ["container_fs_usage_bytes", "Number of bytes that are consumed by the container on this filesystem.", ["device"]],
  ["container_fs_writes_bytes_total", "Cumulative count of bytes written", ["device"]],
  ["container_fs_writes_total", "Cumulative count of writes completed", ["device"]],
  ["container_last_seen", "Last time a container was seen by the exporter"],
  ["container_memory_cache", "Number of bytes of memory used by the container for caching purposes."],
  ["container_memory_failcnt", "Number of times container memory usage has hit its cgroup v1 upper memory limit, for cg2 this value is not currently supported"],
  ["container_memory_failures_total", "Cumulative count of container memory allocation failures.", ["failure_type", "scope"]],
  ["container_memory_kernel_usage", "Size of kernel memory allocated to the container in bytes, includes page tables, socket buffers..."],
  ["container_memory_mapped_file", "Size of container's memory mapped files in bytes."],
  ["container_memory_max_usage_bytes", "Maximum container memory usage recorded in bytes"],
  ["container_memory_rss", "Size of RSS in bytes, total anonymous memory and [swap cache memory used by the container."],
  ["container_memory_swap", "Container swap usage in bytes."],
  ["container_memory_total_active_file_bytes", "Amount of cache memory bytes, in use by the container, in file on disk."],
  ["container_memory_total_inactive_file_bytes", "Amount of inactive cache memory bytes, for the container, in file on disk."],
  ["container_memory_usage_bytes", "Current memory usage in bytes, including all memory regardless of when it was accessed"],
  ["container_memory_working_set_bytes", "Amount of memory that is actively used by the container, excluding cached memory."],
  ["container_network_receive_bytes_total", "Cumulative count of bytes received", ["interface"]],
  ["container_network_receive_errors_total", "Cumulative count of errors encountered while receiving", ["interface"]],
  ["container_network_receive_packets_dropped_total", "Cumulative count of packets dropped while receiving", ["interface"]],
  ["container_network_receive_packets_total", "Cumulative count of packets received", ["interface"]],
  ["container_network_transmit_bytes_total", "Cumulative count of bytes transmitted", ["interface"]],
  ["container_network_transmit_errors_total", "Cumulative count of errors encountered while transmitting", ["interface"]],
  ["container_network_transmit_packets_dropped_total", "Cumulative count of packets dropped while transmitting", ["interface"]],
  ["container_network_transmit_packets_total", "Cumulative count of packets transmitted", ["interface"]],
  ["container_oom_events_total", "Count of out of memory events observed for the container"],
  ["container_processes", "Number of processes running inside the container."],
  ["container_sockets", "Number of open sockets for the container."],
  ["container_spec_cpu_period", "CPU period of the container"],
  ["container_spec_cpu_shares", "CPU share of the container"],
  ["container_spec_memory_limit_bytes", "Memory limit for the container"],
  ["container_spec_memory_reservation_limit_bytes", "Memory reservation limit for the container"],
  ["container_spec_memory_swap_limit_bytes", "Memory swap limit for the container"],
  ["container_start_time_seconds", "Start time of the container since unix epoch in seconds"],
  ["container_threads", "Number of threads running inside the container"],
  ["container_threads_max", "Maximum number of threads allowed inside the container, infinity if value is zero"],
  ["container_ulimits_soft", "Soft ulimit values for the container root process. Unlimited if -1, except priority and nice", ["ulimit"]],
];

export async function listMetricDescriptors(
  _c: CriService,
  _r: ListMetricDescriptorsRequest,
  _call: CallContext,
): Promise<ListMetricDescriptorsResponse> {
  return {
    descriptors: descriptors.map(([name, help, extra]) => ({ name, help, labelKeys: [...baseLabelKeys, ...(extra ?? [])] })),
  };
}

export async function listPodSandboxMetrics(
  c: CriService,
  _r: ListPodSandboxMetricsRequest,
  _call: CallContext,
): Promise<ListPodSandboxMetricsResponse> {
  const podMetrics: PodSandboxMetrics[] = [];
  for (const sandbox of c.sandboxStore.list()) {
    if (sandbox.status.get().state !== SandboxState.Ready) continue;
    const containerMetrics: ContainerMetrics[] = [];
    for (const container of c.containerStore.ofSandbox(sandbox.id)) {
      const metrics = await metricsOfContainer(c, sandbox, container);
      if (metrics) containerMetrics.push(metrics);
    }
    podMetrics.push({ podSandboxId: sandbox.id, metrics: podNetworkMetrics(c, sandbox), containerMetrics });
  }
  return { podMetrics };
}

const networkCounters = [
  "container_network_receive_bytes_total",
  "container_network_receive_packets_total",
  "container_network_receive_packets_dropped_total",
  "container_network_receive_errors_total",
  "container_network_transmit_bytes_total",
  "container_network_transmit_packets_total",
  "container_network_transmit_packets_dropped_total",
  "container_network_transmit_errors_total",
];

/** The pod's eth0 counters, for a pod with a network namespace (the fake's are 0). */
function podNetworkMetrics(c: CriService, sandbox: Sandbox): Metric[] {
  if (sandbox.metadata.netnsPath === "") return [];
  const meta = sandbox.metadata.config.metadata;
  const labelValues = [meta?.name ?? "", meta?.namespace ?? "", "", sandbox.id, "", "eth0"];
  const timestamp = c.clock.now();
  return networkCounters.map((name) => ({ name, timestamp, metricType: MetricType.COUNTER, labelValues, value: { value: 0n } }));
}

/** A container's metrics, or none when it has no task (a created or removed one, as 2.4.2 skips them). */
async function metricsOfContainer(c: CriService, sandbox: Sandbox, container: Container): Promise<ContainerMetrics | undefined> {
  let task;
  try {
    task = await c.client.tasks.metricsOf(container.id);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  const meta = sandbox.metadata.config.metadata;
  const config = container.metadata.config;
  const labels = [meta?.name ?? "", meta?.namespace ?? "", config.metadata?.name ?? "", container.id, config.image?.userSpecifiedImage ?? ""];
  const timestamp = c.clock.now();
  const { cpu, memory, pids } = task.data;
  const status = container.status.get();
  const snapshot = (await c.snapshotStore.list()).find((s) => s.key === container.id);
  const gauge = (name: string, value: bigint, extra: string[] = []): Metric => ({
    name,
    timestamp,
    metricType: MetricType.GAUGE,
    labelValues: [...labels, ...extra],
    value: { value },
  });
  const counter = (name: string, value: bigint, extra: string[] = []): Metric => ({ ...gauge(name, value, extra), metricType: MetricType.COUNTER });
  const seconds = (usec: bigint): bigint => usec / 1_000_000n;
  const workingSet = memory.inactiveFile < memory.usage ? memory.usage - memory.inactiveFile : 0n;
  return {
    containerId: container.id,
    metrics: [
      gauge("container_last_seen", timestamp / 1_000_000_000n),
      gauge("container_start_time_seconds", status.startedAt / 1_000_000_000n),
      counter("container_cpu_usage_seconds_total", seconds(cpu.usageUsec)),
      counter("container_cpu_user_seconds_total", seconds(cpu.userUsec)),
      counter("container_cpu_system_seconds_total", seconds(cpu.systemUsec)),
      counter("container_cpu_cfs_periods_total", 0n),
      counter("container_cpu_cfs_throttled_periods_total", 0n),
      counter("container_cpu_cfs_throttled_seconds_total", 0n),
      gauge("container_memory_usage_bytes", memory.usage),
      gauge("container_memory_working_set_bytes", workingSet),
      gauge("container_memory_max_usage_bytes", memory.usage),
      gauge("container_memory_rss", memory.anon),
      gauge("container_memory_cache", memory.file),
      gauge("container_memory_mapped_file", 0n),
      gauge("container_memory_total_active_file_bytes", memory.file - memory.inactiveFile),
      gauge("container_memory_total_inactive_file_bytes", memory.inactiveFile),
      counter("container_memory_failures_total", memory.pgfault, ["pgfault", "container"]),
      counter("container_memory_failures_total", memory.pgmajfault, ["pgmajfault", "container"]),
      gauge("container_memory_kernel_usage", 0n),
      gauge("container_memory_swap", 0n),
      counter("container_memory_failcnt", 0n),
      counter("container_oom_events_total", 0n),
      gauge("container_fs_inodes_free", 0n, ["/"]),
      gauge("container_fs_inodes_total", snapshot?.inodes ?? 0n, ["/"]),
      gauge("container_fs_limit_bytes", 0n, ["/"]),
      gauge("container_fs_usage_bytes", snapshot?.size ?? 0n, ["/"]),
      gauge("container_processes", pids.current),
      gauge("container_threads", pids.current),
      gauge("container_threads_max", pids.limit),
      gauge("container_file_descriptors", 0n),
      gauge("container_sockets", 0n),
      ...(await specLimitMetrics(container, gauge)),
    ],
  };
}

/**
 * The limits the container's spec sets: CPU period and shares, memory limit, reservation and swap,
 * each only when set (2.4.2 reads the task's spec; a spec it cannot read gives none, logged).
 */
async function specLimitMetrics(container: Container, gauge: (name: string, value: bigint) => Metric): Promise<Metric[]> {
  let resources: LinuxResources | undefined;
  try {
    const record = await container.container.info();
    resources = record.spec ? parseSpec(record.spec).linux?.resources : undefined;
  } catch {
    return [];
  }
  const { cpu, memory } = resources ?? {};
  const limits: Array<[string, bigint | undefined]> = [
    ["container_spec_cpu_period", cpu?.period],
    ["container_spec_cpu_shares", cpu?.shares],
    ["container_spec_memory_limit_bytes", memory?.limit],
    ["container_spec_memory_reservation_limit_bytes", memory?.reservation],
    ["container_spec_memory_swap_limit_bytes", memory?.swap],
  ];
  // Go converts the spec's int64s to the metric's uint64.
  return limits.flatMap(([name, value]) => (value === undefined ? [] : [gauge(name, BigInt.asUintN(64, value))]));
}
