// The model suite: random command sequences (fc.commands), each run from an empty runtime against
// the model and a target (fc.asyncModelRun), failing at the first disagreement. A failure is
// reported with fast-check's seed and path and the shrunk sequence as a golden/cri scenario.

import fc from "fast-check";
import { commandArbitraries, describeCommand, type Command } from "./commands.ts";
import { Runner, Session } from "./execute.ts";
import { profileOf } from "../../src/cri/versions/index.ts";
import { CriModel } from "./model.ts";
import { renderScenario, type ScenarioStep } from "./scenario.ts";
import type { ModelTarget } from "./target.ts";

export interface ModelRunOptions {
  numRuns: number;
  maxCommands: number;
  seed?: number;
  /** fast-check's replay path of an earlier failure (with its seed), and fc.commands' own. */
  path?: string;
  replayPath?: string;
  /** Stop generating (and shrinking) after this long; what ran is still reported. */
  timeLimitMs?: number;
  /** Commands left out (while a known bug they trigger is open). */
  avoid?: (command: Command) => boolean;
  /** Called after each sequence, for progress output. */
  onSequence?: (sequence: number, commands: number, calls: number) => void;
}

export interface ModelRunReport {
  target: string;
  /** Sequences fast-check generated and passed (shrinking runs not counted). */
  runs: number;
  /** Every sequence run, shrinking included. */
  sequences: number;
  /** Commands run and CRI calls made over all sequences (checks included). */
  commands: number;
  calls: number;
  /** How scripts/model-live.ts reaches the same target (CRI_TARGET=... or CRI_ENDPOINT=...). */
  environment: string;
  maxCommands: number;
  /** Length of the longest sequence run. */
  longest: number;
  /** The commands' calls by RPC and outcome ("ok" or the gRPC code), over all sequences. */
  outcomes: Record<string, number>;
  ms: number;
  seed: number;
  failure?: { path: string; replayPath: string; commands: string[]; error: string; scenario: string };
}

/** A command for fast-check: the model and the session run it together (execute.ts). */
class ModelCommand implements fc.AsyncCommand<Runner, Session> {
  readonly command: Command;

  constructor(command: Command) {
    this.command = command;
  }

  check(runner: Runner): boolean {
    return runner.applicable(this.command);
  }

  async run(runner: Runner): Promise<void> {
    await runner.run(this.command);
  }

  toString(): string {
    return describeCommand(this.command);
  }
}

const preamble: Command = { rpc: "pullImage", image: "docker.io/library/busybox:1.36" };

export async function runModelSuite(target: ModelTarget, options: ModelRunOptions): Promise<ModelRunReport> {
  const profile = profileOf(target.containerd);
  const kinds = commandArbitraries({
    faults: target.faults,
    v1alpha2: profile.servesV1alpha2,
    ...(options.avoid ? { avoid: options.avoid } : {}),
  });
  const commands = fc.commands(
    kinds.map((arbitrary) => arbitrary.map((command) => new ModelCommand(command))),
    { maxCommands: options.maxCommands, size: "max", ...(options.replayPath === undefined ? {} : { replayPath: options.replayPath }) },
  );
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const report: ModelRunReport = {
    target: target.name,
    environment: target.environment,
    maxCommands: options.maxCommands,
    runs: 0,
    sequences: 0,
    commands: 0,
    calls: 0,
    longest: 0,
    outcomes: {},
    ms: 0,
    seed,
  };
  let lastFailure: { steps: ScenarioStep[]; commands: string[]; error: unknown } | undefined;
  const started = performance.now();
  // The fake's seed (its IDs and clock) is part of the input, so that seed and path replay it.
  const property = fc.asyncProperty(fc.nat(), commands, async (fakeSeed, sequence) => {
    report.sequences++;
    await target.reset(fakeSeed);
    const session = new Session(target);
    const runner = new Runner(new CriModel(profile), session);
    try {
      // Every sequence starts as a kubelet does, with the workload image pulled; RemoveImage may
      // take it away again.
      await runner.run(preamble);
      await fc.asyncModelRun(() => ({ model: runner, real: session }), sequence);
    } catch (error) {
      lastFailure = { steps: session.steps, commands: session.commands, error };
      throw error;
    } finally {
      report.commands += session.commands.length;
      report.calls += session.calls;
      report.longest = Math.max(report.longest, session.commands.length);
      for (const [key, count] of session.outcomes) report.outcomes[key] = (report.outcomes[key] ?? 0) + count;
      options.onSequence?.(report.sequences, session.commands.length, session.calls);
    }
  });
  const details = await fc.check(property, {
    numRuns: options.numRuns,
    seed,
    ...(options.path === undefined ? {} : { path: options.path }),
    ...(options.timeLimitMs === undefined ? {} : { interruptAfterTimeLimit: options.timeLimitMs }),
  });
  report.ms = Math.round(performance.now() - started);
  report.runs = details.numRuns;
  if (details.failed && lastFailure) {
    const error = lastFailure.error instanceof Error ? lastFailure.error.message : String(lastFailure.error);
    // fc.commands needs its own replay path besides seed and path; it prints it after the commands.
    const replayPath = /replayPath="([^"]*)"/.exec(String(details.counterexample?.[1]))?.[1] ?? "";
    report.failure = {
      path: details.counterexamplePath ?? "",
      replayPath,
      commands: lastFailure.commands,
      error,
      scenario: renderScenario(
        `model-${seed}`,
        `Found by properties/cri-model against ${target.name} (seed ${seed}, path ${details.counterexamplePath}): ${error.split("\n")[0]}`,
        lastFailure.steps,
      ),
    };
  }
  return report;
}

/** A failure as a reader needs it: how to replay, what differed, and the scenario. */
export function formatFailure(report: ModelRunReport): string {
  const failure = report.failure;
  if (!failure) return `no failure (${report.runs} runs)`;
  return [
    `model run against ${report.target} failed: seed ${report.seed}, path ${JSON.stringify(failure.path)}`,
    `replay: ${report.environment} npx tsx scripts/model-live.ts --seed ${report.seed} --path ${JSON.stringify(failure.path)}` +
      ` --replay-path ${JSON.stringify(failure.replayPath)} --max-commands ${report.maxCommands}`,
    "",
    failure.error,
    "",
    `shrunk commands (${failure.commands.length}):`,
    ...failure.commands.map((c) => `  ${c}`),
    "",
    "as a golden/cri scenario (golden/cri/scenarios/*.ts):",
    failure.scenario,
  ].join("\n");
}
