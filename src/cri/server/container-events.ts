// GetContainerEvents and the container events behind it (containerd 2.4.2 container_events.go,
// generateAndSendContainerEvent in helpers.go, internal/eventq): the stream the kubelet's Evented
// PLEG reads. Each event names the container (or the sandbox, for the pause container's events),
// its type, when it was sent, and the pod's status and its containers' statuses as they are then.
// While nobody listens, events are held for five minutes and every one of them goes to the next
// subscriber; while someone listens, each goes to every subscriber. A subscription lasts until the
// caller cancels it. 1.6.20 registers the RPC without implementing it (its profile says so), and
// sends no events.

import { ContainerEventType, type ContainerEventResponse, type ContainerStatus, type GetEventsRequest } from "../api/v1.ts";
import type { CallContext } from "../service-types.ts";
import { listContainers } from "./container-list.ts";
import { containerStatus } from "./container-status.ts";
import { podSandboxStatus } from "./sandbox-status.ts";
import type { CriService } from "./service.ts";

/** The statuses an event carries are read without a deadline (an AbortSignal costs ~10 µs to make). */
const neverAborted = new AbortController().signal;

/** How long an event nobody has received is held (eventq's discardAfter). */
const holdNs = 5n * 60n * 1_000_000_000n;

interface Subscriber {
  deliver(event: ContainerEventResponse): void;
}

/** eventq: events for the subscribers of the moment, or held for the next one. */
export class ContainerEventQueue {
  private readonly held: { event: ContainerEventResponse; discardAt: bigint }[] = [];
  private readonly subscribers = new Set<Subscriber>();

  send(event: ContainerEventResponse, now: bigint): void {
    if (this.subscribers.size > 0) {
      for (const subscriber of this.subscribers) subscriber.deliver(event);
      return;
    }
    this.discardExpired(now);
    this.held.push({ event, discardAt: now + holdNs });
  }

  /** Subscribes: what is held arrives first (and is held no more), then what is sent. */
  subscribe(subscriber: Subscriber, now: bigint): () => void {
    this.discardExpired(now);
    for (const { event } of this.held.splice(0)) subscriber.deliver(event);
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  private discardExpired(now: bigint): void {
    while (this.held.length > 0 && this.held[0]!.discardAt <= now) this.held.shift();
  }
}

export async function* getContainerEvents(
  c: CriService,
  _request: GetEventsRequest,
  call: CallContext,
): AsyncIterable<ContainerEventResponse> {
  const pending: ContainerEventResponse[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = c.containerEvents.subscribe(
    {
      deliver: (event) => {
        pending.push(event);
        wake?.();
      },
    },
    c.clock.now(),
  );
  const aborted = new Promise<void>((resolve) => {
    if (call.signal.aborted) resolve();
    call.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  try {
    for (;;) {
      while (pending.length > 0) yield pending.shift()!;
      if (call.signal.aborted) return;
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
      wake = undefined;
    }
  } finally {
    unsubscribe();
  }
}

/**
 * generateAndSendContainerEvent: the pod's status and its containers' statuses as they are now
 * (a pod that cannot be read is left out, as containerd logs and sends without it).
 */
export async function sendContainerEvent(
  c: CriService,
  containerId: string,
  sandboxId: string,
  containerEventType: ContainerEventType,
): Promise<void> {
  if (!c.profile.containerEvents) return;
  const call: CallContext = { signal: neverAborted };
  const podSandboxStatusNow = await podSandboxStatus(c, { podSandboxId: sandboxId, verbose: false }, call).then(
    (response) => response.status,
    () => undefined,
  );
  const containersStatuses: ContainerStatus[] = [];
  try {
    const { containers } = await listContainers(c, { filter: { id: "", podSandboxId: sandboxId, labelSelector: {}, state: undefined } }, call);
    for (const container of containers) {
      try {
        const { status } = await containerStatus(c, { containerId: container.id, verbose: false }, call);
        if (status) containersStatuses.push(status);
      } catch {
        // A container removed meanwhile is left out.
      }
    }
  } catch {
    // containerd logs it and sends what it has.
  }
  c.containerEvents.send(
    { containerId, containerEventType, createdAt: c.clock.now(), podSandboxStatus: podSandboxStatusNow, containersStatuses },
    c.clock.now(),
  );
}
