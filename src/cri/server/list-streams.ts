// The list streams of containerd 2.x (sandbox_stream.go, container_stream.go,
// container_stats_stream.go, sandbox_stats_stream.go, stream_pod_sandbox_metrics.go,
// images/image_stream.go): the same lists as their List RPCs, sent in batches of 5,000 items and
// nothing at all for an empty list. StreamImages lists every image, whatever its filter.

import { wrap } from "../../go/errors.ts";
import type * as v1 from "../api/v1.ts";
import type { CallContext } from "../service-types.ts";
import { listContainers } from "./container-list.ts";
import { listContainerStats } from "./container-stats.ts";
import { listImages } from "./image-list.ts";
import { listPodSandbox } from "./sandbox-list.ts";
import { listPodSandboxMetrics } from "./sandbox-metrics.ts";
import { listPodSandboxStats } from "./sandbox-stats.ts";
import type { CriService } from "./service.ts";

/** criutil.DefaultStreamBatchSize. */
const batchSize = 5000;

function* batches<T>(items: readonly T[]): Iterable<T[]> {
  for (let i = 0; i < items.length; i += batchSize) yield items.slice(i, i + batchSize);
}

export async function* streamPodSandboxes(
  c: CriService,
  r: v1.StreamPodSandboxesRequest,
  call: CallContext,
): AsyncIterable<v1.StreamPodSandboxesResponse> {
  const { items } = await listPodSandbox(c, { filter: r.filter }, call);
  for (const podSandboxes of batches(items)) yield { podSandboxes };
}

export async function* streamContainers(
  c: CriService,
  r: v1.StreamContainersRequest,
  call: CallContext,
): AsyncIterable<v1.StreamContainersResponse> {
  const { containers } = await listContainers(c, { filter: r.filter }, call);
  for (const batch of batches(containers)) yield { containers: batch };
}

export async function* streamContainerStats(
  c: CriService,
  r: v1.StreamContainerStatsRequest,
  call: CallContext,
): AsyncIterable<v1.StreamContainerStatsResponse> {
  let stats;
  try {
    ({ stats } = await listContainerStats(c, { filter: r.filter }, call));
  } catch (err) {
    throw wrap(err, "failed to fetch containers and stats");
  }
  for (const containerStats of batches(stats)) yield { containerStats };
}

export async function* streamPodSandboxStats(
  c: CriService,
  r: v1.StreamPodSandboxStatsRequest,
  call: CallContext,
): AsyncIterable<v1.StreamPodSandboxStatsResponse> {
  const { stats } = await listPodSandboxStats(c, { filter: r.filter }, call);
  for (const podSandboxStats of batches(stats)) yield { podSandboxStats };
}

export async function* streamPodSandboxMetrics(
  c: CriService,
  _r: v1.StreamPodSandboxMetricsRequest,
  call: CallContext,
): AsyncIterable<v1.StreamPodSandboxMetricsResponse> {
  const { podMetrics } = await listPodSandboxMetrics(c, {}, call);
  for (const podSandboxMetrics of batches(podMetrics)) yield { podSandboxMetrics };
}

export async function* streamImages(c: CriService, _r: v1.StreamImagesRequest, call: CallContext): AsyncIterable<v1.StreamImagesResponse> {
  const { images } = await listImages(c, { filter: undefined }, call);
  for (const batch of batches(images)) yield { images: batch };
}
