// The one place every fake-containerd operation passes through on its way in, so that tests can
// fail it (faults), slow it (latency) or hold it in flight (gates). Operation names read like the
// containerd service method they stand for: "containers.create", "tasks.start", "images.get",
// "content.write", "snapshots.prepare", "events.publish" ...

import type { Clock } from "./clock.ts";
import { checkErrorKind, ContainerdError, type ErrorKind } from "./errdefs.ts";
import { checkName } from "./names.ts";

/** Every operation that passes through Operations, so faults and gates can name it. */
export const operationNames = [
  "containers.create", "containers.get", "containers.list", "containers.update", "containers.delete",
  "tasks.create", "tasks.get", "tasks.list", "tasks.start", "tasks.kill", "tasks.wait", "tasks.status",
  "tasks.delete", "tasks.deleteProcess", "tasks.pids", "tasks.pause", "tasks.resume", "tasks.exec",
  "tasks.closeIO", "tasks.resize", "tasks.update", "tasks.metrics",
  "images.get", "images.list", "images.create", "images.update", "images.delete", "images.import", "images.unpack",
  "content.write", "content.info", "content.update", "content.read", "content.delete", "content.list",
  "snapshots.prepare", "snapshots.view", "snapshots.commit", "snapshots.remove", "snapshots.mounts",
  "snapshots.stat", "snapshots.update", "snapshots.usage", "snapshots.list",
  "diff.apply",
  "namespaces.create", "namespaces.get", "namespaces.list", "namespaces.delete",
  "registry.resolve", "registry.fetch",
  "events.publish",
] as const;

/** A fake-containerd operation ("tasks.start"), as faults and gates name it. */
export type OperationName = (typeof operationNames)[number];

/** What faults and gates match: an operation, or "*" for any. */
export type OperationPattern = OperationName | "*";

/** Throws, listing the operations, unless `op` is one of them or "*". */
export function checkOperation(op: unknown): asserts op is OperationPattern {
  checkName("fake-containerd operation", op, [...operationNames, "*"]);
}

/** What is being done: the operation, the namespace, and the object it targets (ID, name or key). */
export interface OperationCall {
  op: OperationName;
  namespace: string;
  subject?: string;
}

/**
 * A fault is plain data so that a failing scenario can be saved and replayed.
 * It matches calls of `op` ("*" for any), optionally only those on `subject`; among those it fires on
 * the `nth` match (1-based) or on every match, at most `times` times. When it fires it waits
 * `latencyMs` on the fake's clock, then fails with `error` if one is given. For "events.publish" a
 * firing fault drops the event instead of failing (an event that got lost).
 */
export interface FaultSpec {
  op: OperationPattern;
  subject?: string;
  nth?: number;
  times?: number;
  latencyMs?: number;
  error?: { kind: ErrorKind; message?: string };
}

/** A fault with its counters, as faults.list() gives it and saveState() keeps it. */
export interface FaultState {
  spec: FaultSpec;
  /** Matching calls seen so far. */
  matched: number;
  /** Times it has fired. */
  fired: number;
}

/** A gate holds matching calls until released, so a test can look at the world meanwhile. */
export interface Gate {
  readonly op: OperationPattern;
  readonly subject: string | undefined;
  /** Resolves with the first call the gate holds. */
  readonly arrived: Promise<OperationCall>;
  /** Calls currently held. */
  readonly held: number;
  /** Lets every held call through and removes the gate. */
  release(): void;
  /** Fails every held call with `error` and removes the gate. */
  fail(error: Error): void;
}

interface GateState {
  op: OperationPattern;
  subject: string | undefined;
  waiting: Array<{ resolve: () => void; reject: (e: Error) => void }>;
  outcome: { kind: "open" } | { kind: "failed"; error: Error } | undefined;
  onArrive: (call: OperationCall) => void;
  /** The handle hold() returned. */
  gate?: Gate;
}

/** Where every fake-containerd operation enters: faults and gates act here. */
export class Operations {
  private faults: FaultState[] = [];
  private gates: GateState[] = [];

  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** Adds a fault; returns its index for removeFault(). */
  injectFault(spec: FaultSpec): number {
    checkOperation(spec.op);
    if (spec.error) checkErrorKind(spec.error.kind);
    this.faults.push({ spec: { ...spec }, matched: 0, fired: 0 });
    return this.faults.length - 1;
  }

  /** Removes the fault injectFault() returned `index` for. */
  removeFault(index: number): void {
    this.faults.splice(index, 1);
  }

  /** Removes every fault. */
  clearFaults(): void {
    this.faults = [];
  }

  /** Replaces the faults with saved ones, counters included (see listFaults). */
  restoreFaults(faults: FaultState[]): void {
    this.faults = faults.map((f) => ({ spec: { ...f.spec }, matched: f.matched, fired: f.fired }));
  }

  /** The faults with their counters (serialisable). */
  listFaults(): FaultState[] {
    return this.faults.map((f) => ({ spec: { ...f.spec }, matched: f.matched, fired: f.fired }));
  }

  /** Holds calls of `op` (optionally only on `subject`) until the returned gate is released. */
  hold(op: OperationPattern, subject?: string): Gate {
    checkOperation(op);
    let onArrive!: (call: OperationCall) => void;
    const arrived = new Promise<OperationCall>((resolve) => (onArrive = resolve));
    const state: GateState = { op, subject, waiting: [], outcome: undefined, onArrive };
    this.gates.push(state);
    const settleAll = () => {
      const waiting = state.waiting;
      state.waiting = [];
      for (const w of waiting) {
        if (state.outcome?.kind === "failed") w.reject(state.outcome.error);
        else w.resolve();
      }
      this.gates = this.gates.filter((g) => g !== state);
    };
    const gate: Gate = {
      op,
      subject,
      arrived,
      get held() {
        return state.waiting.length;
      },
      release() {
        state.outcome = { kind: "open" };
        settleAll();
      },
      fail(error: Error) {
        state.outcome = { kind: "failed", error };
        settleAll();
      },
    };
    state.gate = gate;
    return gate;
  }

  /** The gates not yet released or failed. */
  openGates(): Gate[] {
    return this.gates.map((g) => g.gate!);
  }

  /**
   * Called at the start of every operation. Waits at matching gates, applies latency, and throws
   * the error of a firing fault. Returns false when a firing fault says to drop the operation
   * (used for events), true otherwise.
   */
  enter(call: OperationCall): Promise<boolean> {
    // Nearly every call meets no gate and no fault. Skipping the async frame for those saves most of
    // an operation's garbage; the caller still gets a resolved promise, as when nothing matches.
    if (this.passAtOnce) return passed;
    return this.enterSlowly(call);
  }

  /** No gate and no fault is set: every operation passes at once, so a caller may go on without waiting. */
  get passAtOnce(): boolean {
    return this.gates.length === 0 && this.faults.length === 0;
  }

  /**
   * enter() for an operation no fault drops, settling just when `await enter(call)` in an async
   * function would resume: a store's thin entry step costs a `then` instead of an async frame.
   */
  pass(call: OperationCall): Promise<void> {
    return this.enter(call).then(nothing);
  }

  private async enterSlowly(call: OperationCall): Promise<boolean> {
    for (const gate of this.gates) {
      if (!matches(gate.op, gate.subject, call)) continue;
      gate.onArrive(call);
      await new Promise<void>((resolve, reject) => gate.waiting.push({ resolve, reject }));
    }
    for (const fault of this.faults) {
      if (!matches(fault.spec.op, fault.spec.subject, call)) continue;
      fault.matched++;
      const { nth, times } = fault.spec;
      if (nth !== undefined && fault.matched !== nth) continue;
      if (fault.fired >= (times ?? (nth !== undefined ? 1 : Infinity))) continue;
      fault.fired++;
      if (fault.spec.latencyMs) await this.clock.sleep(fault.spec.latencyMs);
      const error = fault.spec.error;
      if (error) throw new ContainerdError(error.kind, error.message ?? `injected fault: ${error.kind}`);
      if (call.op === "events.publish" && !fault.spec.latencyMs) return false;
    }
    return true;
  }
}

const passed = Promise.resolve(true);

function nothing(): void {}

function matches(op: OperationPattern, subject: string | undefined, call: OperationCall): boolean {
  return (op === "*" || op === call.op) && (subject === undefined || subject === call.subject);
}
