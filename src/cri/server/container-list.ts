// ListContainers (containerd 1.6.20 container_list.go): every container, or those matching the
// filter's ID, sandbox, state and label selector. An ID or sandbox ID that is a unique prefix counts
// as the full ID; one that is not (unknown, ambiguous) matches only an exact ID, which is to say
// nothing. containerd scans its whole store; the fake asks the store's indexes (sandbox, labels)
// for the candidates and checks the rest, which gives the same answer.

import { type Container as CriContainer, type ListContainersRequest, type ListContainersResponse } from "../api/v1.ts";
import type { CallContext } from "../service-types.ts";
import type { Container } from "../store/container-store.ts";
import type { CriService } from "./service.ts";

export async function listContainers(c: CriService, r: ListContainersRequest, _call: CallContext): Promise<ListContainersResponse> {
  const filter = r.filter;
  if (!filter) return { containers: c.containerStore.list().map((container) => toCriContainer(c, container)) };

  // An empty ID or sandbox ID is no filter (the store would refuse it as a prefix anyway).
  let id = filter.id;
  if (id !== "") id = lookup(() => c.containerStore.get(id))?.id ?? id;
  let sandboxId = filter.podSandboxId;
  if (sandboxId !== "") sandboxId = lookup(() => c.sandboxStore.get(sandboxId))?.id ?? sandboxId;

  const labels = filter.labelSelector;
  const wantedState = filter.state?.state;
  let candidates: Iterable<Container>;
  if (id !== "") {
    const exact = c.containerStore.getExact(id);
    candidates = exact ? [exact] : [];
  } else if (sandboxId === "" && Object.keys(labels).length === 0 && wantedState !== undefined) {
    candidates = c.containerStore.inState(wantedState);
  } else {
    candidates = c.containerStore.select({
      ...(sandboxId !== "" ? { sandboxId } : {}),
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
    });
  }
  const containers: CriContainer[] = [];
  for (const container of candidates) {
    if (sandboxId !== "" && container.metadata.sandboxId !== sandboxId) continue;
    if (wantedState !== undefined && container.status.state() !== wantedState) continue;
    if (!matchesLabels(container, labels)) continue;
    containers.push(toCriContainer(c, container));
  }
  return { containers };
}

function lookup<T>(get: () => T): T | undefined {
  try {
    return get();
  } catch {
    return undefined;
  }
}

function matchesLabels(container: Container, selector: Record<string, string>): boolean {
  const own = container.metadata.config.labels;
  for (const [k, v] of Object.entries(selector)) {
    if (!Object.hasOwn(own, k) || own[k] !== v) return false;
  }
  return true;
}

/** A container's creation time never changes: read once, not by copying its status on every list. */
const createdAtCache = new WeakMap<Container, bigint>();

function createdAtOf(container: Container): bigint {
  let createdAt = createdAtCache.get(container);
  if (createdAt === undefined) createdAtCache.set(container, (createdAt = container.status.get().createdAt));
  return createdAt;
}

/**
 * toCRIContainer: the container as ListContainers shows it (the image as the request named it;
 * where the version fills imageId, the image config digest there as in imageRef).
 */
export function toCriContainer(c: CriService, container: Container): CriContainer {
  const { metadata } = container;
  return {
    id: metadata.id,
    podSandboxId: metadata.sandboxId,
    metadata: metadata.config.metadata,
    image: metadata.config.image,
    imageRef: metadata.imageRef,
    state: container.status.state(),
    createdAt: createdAtOf(container),
    labels: metadata.config.labels,
    annotations: metadata.config.annotations,
    imageId: c.profile.containerImageId ? metadata.imageRef : "",
  };
}
