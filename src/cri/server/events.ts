// containerd 1.6.20's CRI event monitor (pkg/cri/server/events.go). Exits are learnt per task: the
// RPC that starts a task (or recovery) hands its wait() to an exit monitor, which deletes the task,
// records the exit and closes the stop signal. From the event stream the plugin takes only
// /tasks/oom (the container's reason becomes OOMKilled) and /images/* (the image store follows
// containerd's image records). An event whose handling fails is queued per ID and retried with a
// doubling back-off (1 s up to 5 min) checked every second, on the fake's clock.

import type { ExitStatus, Subscription } from "../../../fake-containerd/index.ts";
import { isNotFound } from "../../../fake-containerd/index.ts";
import { readClock } from "../../../fake-containerd/clock.ts";
import { wrap } from "../../go/errors.ts";
import { oomExitReason, unknownExitCode } from "../helpers/constants.ts";
import type { Container } from "../store/container-store.ts";
import type { Sandbox } from "../store/sandbox-store.ts";
import { SandboxState } from "../store/sandbox-status.ts";
import { ContainerEventType } from "../api/v1.ts";
import { sendContainerEvent } from "./container-events.ts";
import { updateImage } from "./image-update.ts";
import type { CriService } from "./service.ts";

/** The exit the monitor acts on, as containerd's TaskExit event carries it. */
export interface TaskExitEvent {
  containerId: string;
  id: string;
  pid: number;
  exitStatus: number;
  /** Unix nanoseconds. */
  exitedAt: bigint;
}

type MonitorEvent =
  | { kind: "exit"; exit: TaskExitEvent }
  | { kind: "oom"; containerId: string }
  | { kind: "image"; name: string };

const backOffInitMs = 1_000;
const backOffMaxMs = 5 * 60_000;
const backOffCheckMs = 1_000;
const nsPerMs = 1_000_000n;

interface BackOffQueue {
  events: MonitorEvent[];
  /** Unix nanoseconds. */
  expireAt: bigint;
  durationMs: number;
}

export class EventMonitor {
  private readonly c: CriService;
  private subscription: Subscription | undefined;
  private stopped = false;
  private readonly backOff = new Map<string, BackOffQueue>();
  private cancelBackOffCheck: (() => void) | undefined;
  /** Resolves when the event loop has ended (after stop()). */
  private loop: Promise<void> | undefined;
  /** Errors from handling, newest last, for tests and diagnostics (containerd logs them). */
  readonly errors: Error[] = [];

  constructor(c: CriService) {
    this.c = c;
  }

  /** subscribe: from now on /tasks/oom and /images/* events are kept for the loop. */
  subscribe(): void {
    this.subscription = this.c.containerd.events.subscribe('topic=="/tasks/oom"', 'topic~="/images/"');
  }

  /** start: handles subscribed events in order until stop(). */
  start(): void {
    const subscription = this.subscription;
    if (!subscription) throw new Error("event channel is nil");
    this.loop = (async () => {
      for await (const envelope of subscription) {
        if (this.stopped) return;
        if (envelope.namespace !== this.c.client.name) continue;
        const event = monitorEvent(envelope.topic, envelope.event);
        if (!event) continue;
        const id = eventKey(event);
        if (this.backOff.has(id)) {
          this.enBackOff(id, event);
          continue;
        }
        try {
          await this.handleEvent(event);
        } catch (err) {
          this.errors.push(err as Error);
          this.enBackOff(id, event);
        }
      }
    })();
  }

  /** stop: no more events are handled, and exit monitors that fire later do nothing. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelBackOffCheck?.();
    this.cancelBackOffCheck = undefined;
    this.subscription?.unsubscribe();
    await this.loop;
  }

  /**
   * startSandboxExitMonitor: when `exit` settles, the sandbox's exit is handled (task deleted,
   * state NOTREADY, stop signal closed). Resolves once that is done.
   */
  startSandboxExitMonitor(id: string, pid: number, exit: Promise<ExitStatus>): Promise<void> {
    return this.monitorExit(id, pid, exit, async (e) => {
      const sandbox = this.findOrUndefined(() => this.c.sandboxStore.get(e.id), `failed to get sandbox ${e.id}`);
      if (sandbox) await handleSandboxExit(this.c, e, sandbox);
    });
  }

  /**
   * startContainerExitMonitor: when `exit` settles, the container's exit is handled (task
   * deleted, exit recorded in its status, stop signal closed). Resolves once that is done.
   */
  startContainerExitMonitor(id: string, pid: number, exit: Promise<ExitStatus>): Promise<void> {
    return this.monitorExit(id, pid, exit, async (e) => {
      const container = this.findOrUndefined(() => this.c.containerStore.get(e.id), `failed to get container ${e.id}`);
      if (container) await handleContainerExit(this.c, e, container);
    });
  }

  /**
   * A promise chain rather than an async function awaiting the exit: every running container and
   * pod has one waiting, and a suspended async function keeps its whole frame. The exit is handled
   * on the same tick as after an await.
   */
  private monitorExit(id: string, pid: number, exit: Promise<ExitStatus>, handle: (e: TaskExitEvent) => Promise<void>): Promise<void> {
    return exit.then(
      (result) => this.handleExit(id, pid, result.exitStatus, result.exitedAt ?? this.c.clock.now(), handle),
      () => this.handleExit(id, pid, unknownExitCode, this.c.clock.now(), handle),
    );
  }

  private async handleExit(id: string, pid: number, exitStatus: number, exitedAt: bigint, handle: (e: TaskExitEvent) => Promise<void>): Promise<void> {
    if (this.stopped) return;
    const e: TaskExitEvent = { containerId: id, id, pid, exitStatus, exitedAt };
    try {
      await handle(e);
    } catch (err) {
      this.errors.push(err as Error);
      this.enBackOff(id, { kind: "exit", exit: e });
    }
  }

  /** A store lookup where not found means "nothing to do" and anything else is an error. */
  private findOrUndefined<T>(get: () => T, context: string): T | undefined {
    try {
      return get();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw wrap(err, context);
    }
  }

  private async handleEvent(event: MonitorEvent): Promise<void> {
    switch (event.kind) {
      case "exit": {
        const e = event.exit;
        const container = this.findOrUndefined(() => this.c.containerStore.get(e.id), "can't find container for TaskExit event");
        if (container) {
          try {
            await handleContainerExit(this.c, e, container);
          } catch (err) {
            throw wrap(err, "failed to handle container TaskExit event");
          }
          return;
        }
        const sandbox = this.findOrUndefined(() => this.c.sandboxStore.get(e.id), "can't find sandbox for TaskExit event");
        if (sandbox) {
          try {
            await handleSandboxExit(this.c, e, sandbox);
          } catch (err) {
            throw wrap(err, "failed to handle sandbox TaskExit event");
          }
        }
        return;
      }
      case "oom": {
        const container = this.findOrUndefined(
          () => this.c.containerStore.get(event.containerId),
          "can't find container for TaskOOM event",
        );
        if (!container) return;
        try {
          container.status.updateSync((status) => ({ ...status, reason: oomExitReason }));
        } catch (err) {
          throw wrap(err, "failed to update container status for TaskOOM event");
        }
        return;
      }
      case "image":
        await updateImage(this.c, event.name);
        return;
    }
  }

  private enBackOff(id: string, event: MonitorEvent): void {
    const queue = this.backOff.get(id);
    if (queue) {
      queue.events.push(event);
      return;
    }
    this.backOff.set(id, this.newQueue([event], backOffInitMs));
    this.scheduleBackOffCheck();
  }

  private newQueue(events: MonitorEvent[], durationMs: number): BackOffQueue {
    return { events, durationMs, expireAt: readClock(this.c.clock) + BigInt(durationMs) * nsPerMs };
  }

  /** containerd's ticker checks every second; here it ticks only while something is queued. */
  private scheduleBackOffCheck(): void {
    if (this.cancelBackOffCheck || this.stopped) return;
    this.cancelBackOffCheck = this.c.clock.setTimer(backOffCheckMs, () => {
      this.cancelBackOffCheck = undefined;
      void this.checkBackOff().then(() => {
        if (this.backOff.size > 0) this.scheduleBackOffCheck();
      });
    });
  }

  private async checkBackOff(): Promise<void> {
    if (this.stopped) return;
    const now = readClock(this.c.clock);
    const expired = [...this.backOff].filter(([, q]) => now >= q.expireAt).map(([id]) => id);
    for (const id of expired) {
      const queue = this.backOff.get(id)!;
      this.backOff.delete(id);
      for (let i = 0; i < queue.events.length; i++) {
        try {
          await this.handleEvent(queue.events[i]!);
        } catch (err) {
          this.errors.push(err as Error);
          this.backOff.set(id, this.newQueue(queue.events.slice(i), Math.min(queue.durationMs * 2, backOffMaxMs)));
          break;
        }
      }
    }
  }

  /** IDs with events waiting for a retry (containerd's back-off pool). */
  backedOff(): string[] {
    return [...this.backOff.keys()];
  }
}

function monitorEvent(topic: string, event: Record<string, unknown>): MonitorEvent | undefined {
  switch (topic) {
    case "/tasks/oom":
      return { kind: "oom", containerId: event.containerId as string };
    case "/images/create":
    case "/images/update":
    case "/images/delete":
      return { kind: "image", name: event.name as string };
    default:
      return undefined;
  }
}

function eventKey(event: MonitorEvent): string {
  switch (event.kind) {
    case "exit":
      return event.exit.id;
    case "oom":
      return event.containerId;
    case "image":
      return event.name;
  }
}

/**
 * handleContainerExit: deletes the task (killing what is left), records the exit unless one is
 * recorded already, clears the unknown state, closes the stop signal and sends the stopped event.
 */
export async function handleContainerExit(c: CriService, e: TaskExitEvent, container: Container): Promise<void> {
  let task;
  try {
    task = await container.container.task();
  } catch (err) {
    if (!isNotFound(err)) throw wrap(err, "failed to load task for container");
  }
  if (task) {
    try {
      await task.delete({ kill: true });
      // containerd's shim drains the pipes before the exit is reported; here the log, written
      // behind under fake-cri serve, holds all the output before the status says exited.
      const logged = container.io?.close();
      if (logged) await logged;
    } catch (err) {
      if (!isNotFound(err)) throw wrap(err, "failed to stop container");
    }
  }
  try {
    container.status.updateSync((status) => {
      if (status.finishedAt === 0n) {
        status.pid = 0;
        status.finishedAt = e.exitedAt;
        status.exitCode = e.exitStatus;
      }
      status.unknown = false;
      return status;
    });
  } catch (err) {
    throw wrap(err, "failed to update container state");
  }
  container.stopCh.stop();
  await sendContainerEvent(c, container.id, container.metadata.sandboxId, ContainerEventType.CONTAINER_STOPPED_EVENT);
}

/**
 * handleSandboxExit: deletes the pause task, marks the sandbox NOTREADY, closes its stop signal and
 * sends the stopped event.
 */
export async function handleSandboxExit(c: CriService, _e: TaskExitEvent, sandbox: Sandbox): Promise<void> {
  let task;
  try {
    task = await sandbox.container?.task();
  } catch (err) {
    if (!isNotFound(err)) throw wrap(err, "failed to load task for sandbox");
  }
  if (task) {
    try {
      await task.delete({ kill: true });
    } catch (err) {
      if (!isNotFound(err)) throw wrap(err, "failed to stop sandbox");
    }
  }
  sandbox.status.update((status) => ({ ...status, state: SandboxState.NotReady, pid: 0 }));
  sandbox.stopCh.stop();
  await sendContainerEvent(c, sandbox.id, sandbox.id, ContainerEventType.CONTAINER_STOPPED_EVENT);
}
