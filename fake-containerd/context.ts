// What every part of fake-containerd shares: time, IDs, the operation hook (faults, gates,
// latency) and the event stream. The root object builds one and hands it to each store.

import type { ChangeLog } from "./change-log.ts";
import type { Clock } from "./clock.ts";
import type { IdGenerator } from "./ids.ts";
import type { Operations } from "./operations.ts";

/** Publishes a containerd event (topic such as "/tasks/exit") in a namespace. */
export interface EventPublisher {
  publish(namespace: string, topic: string, event: Record<string, unknown>): Promise<void>;
}

export interface FakeContext {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly operations: Operations;
  readonly events: EventPublisher;
  /** Where stores mark the objects they change, once someone tracks changes (FakeContainerd.trackChanges). */
  changes?: ChangeLog;
}
