// containerd's event exchange: every service publishes envelopes (timestamp, namespace, topic,
// event) and subscribers receive them in publish order, optionally filtered with the filter
// language (`topic=="/tasks/exit"`, `namespace==k8s.io`, `event.container_id==abc`).

import type { Clock } from "./clock.ts";
import type { EventPublisher } from "./context.ts";
import { ContainerdError, invalidArgument, wrapError } from "./errdefs.ts";
import { type Adaptor, type Filter, mapField, parseFilters } from "./filters.ts";
import { validateIdentifier } from "./identifiers.ts";
import type { Operations } from "./operations.ts";

/** The topics fake-containerd publishes on, named as containerd names them ("/tasks/exit"). */
export const topics = {
  taskCreate: "/tasks/create",
  taskStart: "/tasks/start",
  taskOOM: "/tasks/oom",
  taskExit: "/tasks/exit",
  taskDelete: "/tasks/delete",
  taskExecAdded: "/tasks/exec-added",
  taskExecStarted: "/tasks/exec-started",
  taskPaused: "/tasks/paused",
  taskResumed: "/tasks/resumed",
  containerCreate: "/containers/create",
  containerUpdate: "/containers/update",
  containerDelete: "/containers/delete",
  imageCreate: "/images/create",
  imageUpdate: "/images/update",
  imageDelete: "/images/delete",
  namespaceCreate: "/namespaces/create",
  namespaceUpdate: "/namespaces/update",
  namespaceDelete: "/namespaces/delete",
  contentDelete: "/content/delete",
  snapshotPrepare: "/snapshot/prepare",
  snapshotCommit: "/snapshot/commit",
  snapshotRemove: "/snapshot/remove",
} as const;

/** A protobuf Any: a type URL and the encoded value. */
export interface AnyValue {
  readonly typeUrl: string;
  readonly value: Uint8Array;
}

/** Members of a JSON document a reader needs: `true` a member whole, an object some of its members. */
export type JsonPick = { readonly [member: string]: true | JsonPick };

/**
 * An Any whose maker gives its JSON document directly: json() is a fresh copy of what JSON.parse
 * makes of `value`. json(pick) may leave out what was not picked (a reader of a few members need
 * not pay for the whole document); each picked member is there exactly as in json(), or missing
 * where json() lacks it. The CRI plugin's specs are such, so that in-process a task is created
 * from a spec without the spec being written out and parsed back.
 */
export interface JsonAnyValue extends AnyValue {
  /** The JSON document, or at least its picked members. */
  json(pick?: JsonPick): unknown;
}

const decoder = new TextDecoder();

/** An Any's JSON document (at least the picked members): from its maker when it has one, else parsed from its bytes. */
export function jsonDocument(any: AnyValue | JsonAnyValue, pick: JsonPick): unknown {
  return "json" in any ? any.json(pick) : JSON.parse(decoder.decode(any.value));
}

/** A mount as a snapshotter gives it (type, source, options). */
export interface MountInfo {
  readonly type: string;
  readonly source: string;
  readonly options: readonly string[];
}

// Payloads carry containerd's field names (api/events) in camelCase. Times are Unix nanoseconds.
export type TaskCreate = {
  containerId: string;
  bundle: string;
  rootfs: readonly MountInfo[];
  io: { stdin: string; stdout: string; stderr: string; terminal: boolean };
  checkpoint: string;
  pid: number;
};
export type TaskStart = { containerId: string; pid: number };
/** `id` is the exec ID, or the container ID for the task's own process. */
export type TaskExit = { containerId: string; id: string; pid: number; exitStatus: number; exitedAt: bigint };
/** The /tasks/oom event: the container whose task the OOM killer hit. */
export type TaskOOM = { containerId: string };
/** The shim leaves `id` empty when the task itself is deleted. */
export type TaskDelete = { containerId: string; id: string; pid: number; exitStatus: number; exitedAt: bigint };
export type TaskExecAdded = { containerId: string; execId: string };
export type TaskExecStarted = { containerId: string; execId: string; pid: number };
export type TaskPaused = { containerId: string };
export type TaskResumed = { containerId: string };
export type ContainerCreate = { id: string; image: string; runtime: { name: string; options?: AnyValue } };
export type ContainerUpdate = { id: string; image: string; labels: Readonly<Record<string, string>>; snapshotKey: string };
export type ContainerDelete = { id: string };
export type ImageCreate = { name: string; labels: Readonly<Record<string, string>> };
export type ImageUpdate = { name: string; labels: Readonly<Record<string, string>> };
export type ImageDelete = { name: string };
export type NamespaceCreate = { name: string; labels: Readonly<Record<string, string>> };
export type NamespaceUpdate = { name: string; labels: Readonly<Record<string, string>> };
export type NamespaceDelete = { name: string };
export type ContentDelete = { digest: string };
export type SnapshotPrepare = { key: string; parent: string };
export type SnapshotCommit = { key: string; name: string };
export type SnapshotRemove = { key: string };

/** A published event with its topic, namespace and time, as containerd's events.Envelope. */
export interface Envelope<E = Record<string, unknown>> {
  /** Publish time, Unix nanoseconds from the fake's clock. */
  readonly timestamp: bigint;
  readonly namespace: string;
  readonly topic: string;
  readonly event: E;
}

/**
 * The fake's event exchange. Publishing is ordered: each envelope passes the "events.publish"
 * operation (subject = topic) in turn, so a gate there holds every later event too, and a fault
 * there drops the event.
 */
export class EventExchange implements EventPublisher {
  private readonly clock: Clock;
  private readonly operations: Operations;
  private readonly subscriptions = new Set<Subscription>();
  private tail: Promise<void> = Promise.resolve();

  constructor(clock: Clock, operations: Operations) {
    this.clock = clock;
    this.operations = operations;
  }

  /**
   * Publishes an event; resolves once subscribers have it (or it was dropped by a fault). The
   * timestamp is taken now, so envelopes are stamped in publish order.
   */
  publish(namespace: string, topic: string, event: Record<string, unknown>): Promise<void> {
    if (!validTopics.has(topic)) {
      const topicError = validateTopic(topic);
      if (topicError) return Promise.reject(wrapError(`envelope topic "${topic}"`, topicError));
      validTopics.add(topic);
    }
    const envelope: Envelope = Object.freeze({ timestamp: this.clock.now(), namespace, topic, event: Object.freeze(event) });
    // Chained thens rather than an async step: the same ticks, a fraction of the garbage.
    const delivered = this.tail.then(() =>
      this.operations.enter({ op: "events.publish", namespace, subject: topic }).then((keep) => {
        if (keep) for (const s of this.subscriptions) s.offer(envelope);
      }, dropped),
    );
    this.tail = delivered;
    return delivered;
  }

  /** Resolves once every event published so far has reached subscribers (or been dropped). */
  delivered(): Promise<void> {
    return this.tail;
  }

  /**
   * Receives every later event that matches any of `filters` (all events when none are given).
   * A filter that does not parse fails here, as containerd's Subscribe reports on its error channel.
   */
  subscribe(...filters: string[]): Subscription {
    let filter: Filter | undefined;
    if (filters.length > 0) {
      try {
        filter = parseFilters(filters);
      } catch (e) {
        if (e instanceof ContainerdError) throw wrapError("failed parsing subscription filters", e);
        throw e;
      }
    }
    const subscription = new Subscription(filter, () => this.subscriptions.delete(subscription));
    this.subscriptions.add(subscription);
    return subscription;
  }
}

type Waiter = (result: IteratorResult<Envelope>) => void;

/** A stream of envelopes: iterate it with for await, or take what has arrived with drain(). */
export class Subscription implements AsyncIterableIterator<Envelope> {
  private readonly filter: Filter | undefined;
  private readonly detach: () => void;
  private readonly buffered: Envelope[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly adaptor = new EnvelopeAdaptor();
  private closed = false;

  constructor(filter: Filter | undefined, detach: () => void) {
    this.filter = filter;
    this.detach = detach;
  }

  /** Called by the exchange for every published envelope. */
  offer(envelope: Envelope): void {
    if (this.closed) return;
    if (this.filter) {
      this.adaptor.envelope = envelope;
      if (!this.filter.match(this.adaptor)) return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter({ value: envelope, done: false });
    else this.buffered.push(envelope);
  }

  /** The next matching envelope, waiting for one. */
  next(): Promise<IteratorResult<Envelope>> {
    const envelope = this.buffered.shift();
    if (envelope) return Promise.resolve({ value: envelope, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Unsubscribes. */
  return(): Promise<IteratorResult<Envelope>> {
    this.unsubscribe();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Iterates the matching envelopes, for `for await`. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The envelopes received and not yet read, removing them from the stream. */
  drain(): Envelope[] {
    return this.buffered.splice(0);
  }

  /** Stops receiving; pending next() calls finish with done. */
  unsubscribe(): void {
    if (this.closed) return;
    this.closed = true;
    this.detach();
    for (const w of this.waiters.splice(0)) w({ value: undefined, done: true });
  }
}

/** A publish that a fault failed drops its event. */
function dropped(): void {}

/** Topics that passed validateTopic: a handful, published over and over. */
const validTopics = new Set<string>();

/** The exchange's topic rules: "/" then one or more identifiers joined by "/". */
function validateTopic(topic: string): ContainerdError | undefined {
  if (topic === "") return invalidArgument("must not be empty");
  if (topic[0] !== "/") return invalidArgument("must start with '/'");
  if (topic.length === 1) return invalidArgument("must have at least one component");
  for (const component of topic.slice(1).split("/")) {
    try {
      validateIdentifier(component);
    } catch (e) {
      if (e instanceof ContainerdError) return wrapError(`failed validation on component "${component}"`, e);
      throw e;
    }
  }
  return undefined;
}

/**
 * Field paths on an envelope: namespace, topic, and event.<field> in the protobuf field names
 * (event.container_id, event.exec_id, event.labels.<key>, event.io.terminal ...). Like containerd's
 * generated adaptors, only text fields, label maps, nested messages and booleans are visible; numbers
 * and times are not.
 */
export function envelopeAdaptor(envelope: Envelope): Adaptor {
  const adaptor = new EnvelopeAdaptor();
  adaptor.envelope = envelope;
  return adaptor;
}

/** A subscription keeps one and points it at each envelope it filters, rather than making one per event. */
class EnvelopeAdaptor implements Adaptor {
  envelope!: Envelope;

  field(path: readonly string[]): string | undefined {
    switch (path[0]) {
      case "namespace":
        return this.envelope.namespace || undefined;
      case "topic":
        return this.envelope.topic || undefined;
      case "event":
        return messageField(this.envelope.event, path, 1);
      default:
        return undefined;
    }
  }
}

function messageField(message: Readonly<Record<string, unknown>>, path: readonly string[], at: number): string | undefined {
  const name = path[at];
  if (name === undefined) return undefined;
  const value = message[snakeToCamel(name)];
  if (typeof value === "string") return value || undefined;
  if (typeof value === "boolean") return String(value);
  if (value === null || typeof value !== "object" || value instanceof Uint8Array || Array.isArray(value)) return undefined;
  if (name === "labels") {
    const labels = value as Readonly<Record<string, string>>;
    return Object.keys(labels).length === 0 ? undefined : mapField(path.slice(at + 1), labels);
  }
  // An Any (runtime options) cannot be looked into without decoding it; containerd would try.
  if ("typeUrl" in value) return undefined;
  return messageField(value as Readonly<Record<string, unknown>>, path, at + 1);
}

function snakeToCamel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
