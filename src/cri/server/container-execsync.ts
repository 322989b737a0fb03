// ExecSync (containerd 1.6.20 container_execsync.go): a process in a running container with the
// container's own process spec but the given argv; stdout and stderr are collected (each capped at
// 16 MiB, the rest dropped) and the exit code returned, non-zero included. When the timeout (or the
// caller's deadline) passes first, the process is killed and the call fails with
// `timeout <d> exceeded: <context error>`.

import { isNotFound, signals, type ExitStatus, type Process, type Task } from "../../../fake-containerd/index.ts";
import { wrap } from "../../go/errors.ts";
import { quote } from "../../go/strconv.ts";
import type { ExecSyncRequest, ExecSyncResponse } from "../api/v1.ts";
import { deadlineExceeded } from "../errors.ts";
import { CappedBuffer, ExecIO } from "../io/exec-io.ts";
import { discardSink, type OutputSink } from "../io/sink.ts";
import type { CallContext } from "../service-types.ts";
import type { Container } from "../store/container-store.ts";
import { replaceOrAppendEnvValues } from "../oci/container-create-spec.ts";
import { secondsToDuration } from "./shared.ts";
import { parseSpec, type RuntimeSpec } from "../oci/oci-defaults.ts";
import type { CriService } from "./service.ts";
import { requireRunning } from "./container-exec.ts";
import { handleResizing, type TerminalSize } from "./streaming-runtime.ts";
import { formatDuration } from "../../go/duration.ts";

/** What ExecSync keeps of each stream. */
export const maxExecSyncStreamSize = 16 * 1024 * 1024;

export async function execSync(c: CriService, r: ExecSyncRequest, call: CallContext): Promise<ExecSyncResponse> {
  const stdout = new CappedBuffer(maxExecSyncStreamSize);
  const stderr = new CappedBuffer(maxExecSyncStreamSize);
  let exitCode: number;
  try {
    exitCode = await execInContainer(c, r.containerId, {
      cmd: r.cmd,
      stdout,
      stderr,
      tty: false,
      timeout: secondsToDuration(r.timeout),
      signal: call.signal,
    });
  } catch (err) {
    throw wrap(err, "failed to exec in container");
  }
  return { stdout: stdout.bytes(), stderr: stderr.bytes(), exitCode: exitCode | 0 };
}

/** execOptions. */
export interface ExecOptions {
  cmd: string[];
  stdin?: AsyncIterable<Uint8Array>;
  stdout?: OutputSink;
  stderr?: OutputSink;
  tty: boolean;
  /** A Go time.Duration in ns; 0 or less is none. */
  timeout: bigint;
  /** The caller's context. */
  signal: AbortSignal;
  /** Terminal sizes for an exec with a tty. */
  resize?: AsyncIterable<TerminalSize>;
}

/** execInContainer: the exec's exit code once it has exited and its output is drained. */
export async function execInContainer(c: CriService, containerId: string, options: ExecOptions): Promise<number> {
  let container: Container;
  try {
    container = c.containerStore.get(containerId);
  } catch (err) {
    throw wrap(err, `failed to find container ${quote(containerId)} in store`);
  }
  requireRunning(container);
  return execInternal(c, container, options);
}

/** Container specs as parsed, by the record's spec: an exec only reads the process from it. */
const parsedSpecs = new WeakMap<object, RuntimeSpec>();

async function execInternal(c: CriService, container: Container, options: ExecOptions): Promise<number> {
  let spec: RuntimeSpec;
  try {
    const record = await container.container.info();
    if (!record.spec) throw new Error("spec is nil");
    spec = parsedSpecs.get(record.spec) ?? parseSpec(record.spec);
    parsedSpecs.set(record.spec, spec);
  } catch (err) {
    throw wrap(err, "failed to get container spec");
  }
  let task: Task;
  try {
    task = await container.container.task();
  } catch (err) {
    throw wrap(err, "failed to load task");
  }
  const processSpec = { ...spec.process!, terminal: options.tty, args: options.cmd };
  if (options.tty) processSpec.env = replaceOrAppendEnvValues(processSpec.env ?? [], ["TERM=xterm"]);

  const execId = c.ids.next();
  const execIO = new ExecIO(execId, { tty: options.tty, stdin: options.stdin !== undefined });
  let process: Process;
  try {
    process = await task.exec(execId, processSpec as unknown as Parameters<Task["exec"]>[1], execIO.processIO());
  } catch (err) {
    throw wrap(err, `failed to create exec ${quote(execId)}`);
  }
  try {
    const exit = new ExecExit(process.wait(), execIO);
    try {
      await process.start();
    } catch (err) {
      throw wrap(err, `failed to start exec ${quote(execId)}`);
    }
    if (options.resize) {
      // Only a streamed exec is resized: an ExecSync makes no controller.
      const execDone = new AbortController();
      handleResizing(options.resize, execDone.signal, (size) => process.resize(size.width, size.height));
      // With a reason of its own: an abort without one builds a DOMException, with a stack.
      void exit.settled.then(() => execDone.abort(execEnded));
    }
    const attachDone = execIO.attach({
      stdout: options.stdout ?? discardSink,
      stderr: options.stderr ?? discardSink,
      tty: options.tty,
      stdinOnce: true,
      closeStdin: () => process.closeIO(),
      ...(options.stdin ? { stdin: options.stdin } : {}),
    });

    // An emulated command has mostly exited by now: then there is nothing to race.
    const ended = options.signal.aborted ? "aborted" : (exit.ended ?? (await raceTimeout(c, exit.settled, options)));
    if (ended === "timeout" || ended === "aborted") {
      try {
        await process.kill(signals.SIGKILL);
      } catch (err) {
        // The process may have exited on its own just before.
        if (!isNotFound(err)) throw wrap(err, `failed to kill exec ${quote(execId)}`);
      }
      await exit.settled;
      await attachDone;
      const reason = ended === "timeout" ? deadlineExceeded() : options.signal.reason;
      throw wrap(reason, `timeout ${formatDuration(options.timeout)} exceeded`);
    }
    if ("error" in ended) throw wrap(ended.error, `failed while waiting for exec ${quote(execId)}`);
    if (attachDone) await attachDone;
    return ended.status.exitStatus;
  } finally {
    // containerd.WithProcessKill: whatever is left of the exec is killed and deleted; failures are logged.
    try {
      await process.delete({ kill: true });
    } catch {
      // Logged by containerd, and the exec's answer stands.
    }
  }
}

/** Why an exec's resizing stops. */
const execEnded = new Error("the exec has ended");

type ExitResult = { status: ExitStatus } | { error: unknown };

/**
 * The end of an exec's wait: its exit status (or the wait's error), also known synchronously once
 * it has come. The shim closes the exec's pipes then, so the outputs end with it.
 */
class ExecExit {
  ended: ExitResult | undefined;
  readonly settled: Promise<ExitResult>;
  private readonly io: ExecIO;

  constructor(wait: Promise<ExitStatus>, io: ExecIO) {
    this.io = io;
    this.settled = wait.then(
      (status) => this.end({ status }),
      (error: unknown) => this.end({ error }),
    );
  }

  private end(ended: ExitResult): ExitResult {
    this.ended = ended;
    this.io.end();
    return ended;
  }
}

/** The exit, or the timeout or the caller's context ending first. */
function raceTimeout(c: CriService, exit: Promise<ExitResult>, options: ExecOptions): Promise<ExitResult | "timeout" | "aborted"> {
  return new Promise((resolve) => {
    let cancelTimer: (() => void) | undefined;
    const onAbort = (): void => finish("aborted");
    const finish = (outcome: ExitResult | "timeout" | "aborted"): void => {
      cancelTimer?.();
      options.signal.removeEventListener("abort", onAbort);
      resolve(outcome);
    };
    options.signal.addEventListener("abort", onAbort, { once: true });
    if (options.timeout > 0n) {
      const ms = Number(options.timeout / 1_000_000n);
      if (ms <= 2 ** 31 - 1) cancelTimer = c.clock.setTimer(ms, () => finish("timeout"));
    }
    void exit.then(finish);
  });
}
