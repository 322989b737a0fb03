// ListPodSandbox (containerd 1.6.20 sandbox_list.go): every sandbox in the store, filtered by ID
// (a unique prefix is expanded to the full ID first; an unknown or ambiguous one matches nothing),
// state and label selector. containerd ranges over a Go map, so its order is random; the store's
// order here is creation order.

import type { ListPodSandboxRequest, ListPodSandboxResponse, PodSandbox, PodSandboxFilter } from "../api/v1.ts";
import type { CallContext } from "../service-types.ts";
import type { Sandbox } from "../store/sandbox-store.ts";
import { criSandboxState } from "./sandbox-status.ts";
import type { CriService } from "./service.ts";

export async function listPodSandbox(c: CriService, r: ListPodSandboxRequest, _call: CallContext): Promise<ListPodSandboxResponse> {
  const sandboxes = c.sandboxStore.list();
  return { items: (r.filter ? filterSandboxes(c, sandboxes, r.filter) : sandboxes).map(toCriSandbox) };
}

/** toCRISandbox. */
function toCriSandbox(sandbox: Sandbox): PodSandbox {
  const meta = sandbox.metadata;
  const status = sandbox.status.get();
  return {
    id: meta.id,
    metadata: meta.config.metadata,
    state: criSandboxState(status.state),
    createdAt: status.createdAt,
    labels: meta.config.labels,
    annotations: meta.config.annotations,
    runtimeHandler: meta.runtimeHandler,
  };
}

/** The full ID a filter's ID prefix names, or the filter's ID as given when it names none. */
export function normalizeSandboxId(c: CriService, idOrPrefix: string): string {
  try {
    return c.sandboxStore.get(idOrPrefix).id;
  } catch {
    return idOrPrefix;
  }
}

/** Whether every pair of the selector is among the labels. */
export function matchLabelSelector(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => Object.hasOwn(labels, k) && labels[k] === v);
}

/** filterCRISandboxes, on the store's records (the same tests as on the CRI items). */
function filterSandboxes(c: CriService, sandboxes: Sandbox[], filter: PodSandboxFilter): Sandbox[] {
  const id = normalizeSandboxId(c, filter.id);
  return sandboxes.filter(
    (s) =>
      (id === "" || id === s.id) &&
      (filter.state === undefined || filter.state.state === criSandboxState(s.status.get().state)) &&
      matchLabelSelector(filter.labelSelector, s.metadata.config.labels),
  );
}
