// GetContainerEvents and the container events behind it (containerd 2.4.2 container_events.go,
// generateAndSendContainerEvent in helpers.go, internal/eventq): the stream the kubelet's Evented
// PLEG reads. Each event names the container (or the sandbox, for the pause container's events),
// its type, when it was sent, and the pod's status and its containers' statuses as they are then.
// While nobody listens, events are held for five minutes and every one of them goes to the next
// subscriber; while someone listens, each goes to every subscriber. A subscription lasts until the
// caller cancels it. 1.6.20 registers the RPC without implementing it (its profile says so), and
// sends no events.

import { ContainerEventType, type ContainerEventResponse, type GetEventsRequest } from "../api/v1.ts";
import type { CallContext } from "../service-types.ts";
import { containerStatusLater, type ContainerStatusLater } from "./container-status.ts";
import { podSandboxStatusLater, type PodSandboxStatusLater } from "./sandbox-status.ts";
import type { CriService } from "./service.ts";

/** How long an event nobody has received is held (eventq's discardAfter). */
const holdNs = 5n * 60n * 1_000_000_000n;

interface Subscriber {
  deliver(event: ContainerEventResponse): void;
}

/**
 * An event as sent: what it says is fixed when it is sent, the response is made when the first
 * subscriber receives it (most are held for nobody, or never read), and every subscriber gets that one.
 */
class ContainerEvent {
  private readonly containerId: string;
  private readonly containerEventType: ContainerEventType;
  private readonly createdAt: bigint;
  private readonly pod: PodSandboxStatusLater | undefined;
  private readonly containers: readonly ContainerStatusLater[];
  private made: ContainerEventResponse | undefined;

  constructor(
    containerId: string,
    containerEventType: ContainerEventType,
    createdAt: bigint,
    pod: PodSandboxStatusLater | undefined,
    containers: readonly ContainerStatusLater[],
  ) {
    this.containerId = containerId;
    this.containerEventType = containerEventType;
    this.createdAt = createdAt;
    this.pod = pod;
    this.containers = containers;
  }

  response(): ContainerEventResponse {
    return (this.made ??= {
      containerId: this.containerId,
      containerEventType: this.containerEventType,
      createdAt: this.createdAt,
      podSandboxStatus: this.pod?.response().status,
      containersStatuses: this.containers.map((status) => status.status()),
    });
  }
}

/** eventq: events for the subscribers of the moment, or held for the next one. */
export class ContainerEventQueue {
  private readonly held: { event: ContainerEvent; discardAt: bigint }[] = [];
  private readonly subscribers = new Set<Subscriber>();

  send(event: ContainerEvent, now: bigint): void {
    if (this.subscribers.size > 0) {
      for (const subscriber of this.subscribers) subscriber.deliver(event.response());
      return;
    }
    this.discardExpired(now);
    this.held.push({ event, discardAt: now + holdNs });
  }

  /** Subscribes: what is held arrives first (and is held no more), then what is sent. */
  subscribe(subscriber: Subscriber, now: bigint): () => void {
    this.discardExpired(now);
    for (const { event } of this.held.splice(0)) subscriber.deliver(event.response());
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
 * (a pod that cannot be read is left out, as containerd logs and sends without it), taken now and
 * made into messages when someone receives the event.
 */
export async function sendContainerEvent(
  c: CriService,
  containerId: string,
  sandboxId: string,
  containerEventType: ContainerEventType,
): Promise<void> {
  if (!c.profile.containerEvents) return;
  let podSandboxStatusNow: PodSandboxStatusLater | undefined;
  try {
    podSandboxStatusNow = await podSandboxStatusLater(c, c.sandboxStore.get(sandboxId));
  } catch {
    // A pod that cannot be read is left out.
  }
  const containersStatusesNow: ContainerStatusLater[] = [];
  for (const container of [...c.containerStore.ofSandbox(sandboxId)]) {
    // A container removed meanwhile is left out.
    if (c.containerStore.getExact(container.id) !== container) continue;
    try {
      containersStatusesNow.push(await containerStatusLater(c, container));
    } catch {
      // containerd logs it and sends what it has.
    }
  }
  const now = c.clock.now();
  c.containerEvents.send(new ContainerEvent(containerId, containerEventType, now, podSandboxStatusNow, containersStatusesNow), now);
}
