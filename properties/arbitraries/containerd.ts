// Arbitraries for fake-containerd: containerd identifiers, labels, signals, process scripts and
// the steps of a scenario against a namespace.
import fc from "fast-check";
import { signals, type ProcessScript } from "../../fake-containerd/processes/script.ts";

/** A valid containerd identifier, kept short so that collisions happen. */
export function containerId(): fc.Arbitrary<string> {
  return fc.constantFrom("a", "b", "c", "web-1", "db.0", "x_y");
}

/** Label keys and values as CRI writes them, from a small pool so that filters hit. */
export function labels(): fc.Arbitrary<Record<string, string>> {
  return fc.dictionary(
    fc.constantFrom("io.cri-containerd.kind", "app", "tier", "k"),
    fc.constantFrom("sandbox", "container", "web", "db", "", "1"),
    { maxKeys: 3 },
  );
}

/** A label filter of the forms the CRI layer uses, and some it does not. */
export function labelFilter(): fc.Arbitrary<string> {
  const key = fc.constantFrom("io.cri-containerd.kind", "app", "tier", "k", "missing");
  const value = fc.constantFrom("sandbox", "container", "web", "db", "1", "zzz");
  return fc.oneof(
    fc.tuple(key, value).map(([k, v]) => `labels."${k}"==${v}`),
    fc.tuple(key, value, key, value).map(([k1, v1, k2, v2]) => `labels."${k1}"==${v1},labels."${k2}"==${v2}`),
    fc.tuple(key, value).map(([k, v]) => `labels."${k}"!=${v}`),
    key.map((k) => `labels."${k}"`),
    containerId().map((id) => `id==${id}`),
    fc.tuple(containerId(), key, value).map(([id, k, v]) => `id==${id},labels."${k}"==${v}`),
  );
}

/** Signals with each kind of default action: terminate, kill, ignore, and the null signal. */
export function signal(): fc.Arbitrary<number> {
  return fc.constantFrom(signals.SIGTERM, signals.SIGKILL, signals.SIGHUP, signals.SIGINT, signals.SIGWINCH, 0);
}

/** What an exec runs: a long sleep, a command that exits at once, or one that does not exist. */
export function execCommand(): fc.Arbitrary<string[]> {
  return fc.constantFrom(["sleep", "1000"], ["true"], ["false"], ["nonesuch"]);
}

/** A container's process: runs until killed, exits or is OOM-killed after a while, traps SIGTERM. */
export function processScript(): fc.Arbitrary<ProcessScript> {
  return fc.record(
    {
      exit: fc.record({ code: fc.integer({ min: 0, max: 255 }), afterMs: fc.integer({ min: 0, max: 500 }) }),
      oom: fc.record({ afterMs: fc.integer({ min: 0, max: 500 }) }),
      ignoreSigterm: fc.boolean(),
      onSigterm: fc.record({ exitCode: fc.integer({ min: 0, max: 255 }), afterMs: fc.integer({ min: 0, max: 300 }) }),
      output: fc.array(
        fc.record({
          stream: fc.constantFrom("stdout" as const, "stderr" as const),
          data: fc.string({ maxLength: 8 }),
          atMs: fc.integer({ min: 0, max: 500 }),
        }),
        { maxLength: 3 },
      ),
    },
    { requiredKeys: [] },
  );
}

/** One step of a scenario against a namespace (see properties/fake-containerd-state.test.ts). */
export type ScenarioStep =
  | { kind: "createContainer"; id: string; labels: Record<string, string>; script: ProcessScript }
  /** Container, task and start in one go, as the CRI layer's StartContainer ends up doing. */
  | { kind: "run"; id: string; labels: Record<string, string>; script: ProcessScript }
  | { kind: "updateLabels"; id: string; labels: Record<string, string> }
  | { kind: "deleteContainer"; id: string }
  | { kind: "createTask"; id: string }
  | { kind: "start"; id: string }
  | { kind: "kill"; id: string; signal: number; all: boolean }
  | { kind: "pause"; id: string }
  | { kind: "resume"; id: string }
  | { kind: "deleteTask"; id: string }
  | { kind: "exec"; id: string; execId: string; argv: string[] }
  | { kind: "advance"; ms: number };

export function scenarioStep(): fc.Arbitrary<ScenarioStep> {
  const id = containerId();
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("run" as const), id, labels: labels(), script: processScript() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 400 }) }) },
    fc.record({ kind: fc.constant("createContainer" as const), id, labels: labels(), script: processScript() }),
    fc.record({ kind: fc.constant("updateLabels" as const), id, labels: labels() }),
    fc.record({ kind: fc.constant("deleteContainer" as const), id }),
    fc.record({ kind: fc.constant("createTask" as const), id }),
    fc.record({ kind: fc.constant("start" as const), id }),
    fc.record({ kind: fc.constant("kill" as const), id, signal: signal(), all: fc.boolean() }),
    fc.record({ kind: fc.constant("pause" as const), id }),
    fc.record({ kind: fc.constant("resume" as const), id }),
    fc.record({ kind: fc.constant("deleteTask" as const), id }),
    fc.record({ kind: fc.constant("exec" as const), id, execId: fc.constantFrom("e1", "e2"), argv: execCommand() }),
  );
}

export function scenario(): fc.Arbitrary<ScenarioStep[]> {
  return fc.array(scenarioStep(), { maxLength: 25 });
}
