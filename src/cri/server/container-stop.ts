// StopContainer (containerd 1.6.20 container_stop.go), and stopContainerRecord, the stop that
// StopPodSandbox, RemovePodSandbox and RemoveContainer reuse: only a running (or unknown) container
// is signalled; the stop signal (the image's, else SIGTERM) goes first when there is a grace
// period, SIGKILL when it runs out or at once without one; the stop is done when the exit monitor
// has handled the exit. Time is the fake's clock.

import { isNotFound, type Task } from "../../../fake-containerd/index.ts";
import { signals } from "../../../fake-containerd/index.ts";
import { wrap } from "../../go/errors.ts";
import { parseInt, quote } from "../../go/strconv.ts";
import { unknownExitCode } from "../helpers/constants.ts";
import { ContainerState, type StopContainerRequest, type StopContainerResponse } from "../api/v1.ts";
import type { CallContext } from "../service-types.ts";
import type { Container } from "../store/container-store.ts";
import { handleContainerExit } from "./events.ts";
import type { CriService } from "./service.ts";
import { secondsToDuration } from "./shared.ts";

const nsPerMs = 1_000_000n;
/** Beyond this a timer is as good as none (and RealClock's setTimeout would overflow). */
const longestTimerMs = 2 ** 31 - 1;

export async function stopContainer(c: CriService, r: StopContainerRequest, call: CallContext): Promise<StopContainerResponse> {
  let container: Container;
  try {
    container = c.containerStore.get(r.containerId);
  } catch (err) {
    // 2.x: stopping what is already gone is done (the CRI calls StopContainer idempotent).
    if (isNotFound(err) && c.profile.stopUnknownSucceeds) return {};
    throw wrap(err, `an error occurred when try to find container ${quote(r.containerId)}`);
  }
  await stopContainerRecord(c, container, secondsToDuration(r.timeout), call.signal);
  try {
    await container.container.info();
  } catch (err) {
    throw wrap(err, "get container info");
  }
  return {};
}

/**
 * containerd's criService.stopContainer: stops `container` with a grace period of `timeout`
 * nanoseconds (a Go time.Duration; 0 or less kills at once). Does nothing unless the container is
 * running or unknown. `signal` is the caller's context: when it aborts, waiting stops with its
 * reason (Go's ctx.Err()).
 */
export async function stopContainerRecord(c: CriService, container: Container, timeout: bigint, signal?: AbortSignal): Promise<void> {
  const id = container.id;
  const state = container.status.state();
  if (state !== ContainerState.CONTAINER_RUNNING && state !== ContainerState.CONTAINER_UNKNOWN) return;

  let task: Task;
  try {
    task = await container.container.task();
  } catch (err) {
    if (!isNotFound(err)) throw wrap(err, `failed to get task for container ${quote(id)}`);
    // An unknown container without a task still needs its exit recorded.
    if (state === ContainerState.CONTAINER_UNKNOWN) await cleanupUnknownContainer(c, id, container);
    return;
  }

  if (state === ContainerState.CONTAINER_UNKNOWN) {
    // Nobody watches an unknown container's task: start an exit monitor so the stop is noticed.
    void c.eventMonitor.startContainerExitMonitor(id, task.pid, task.wait());
  }

  if (timeout > 0n) {
    const stopSignal = stopSignalOf(c, container);
    let sig: number;
    try {
      sig = parseSignal(stopSignal);
    } catch (err) {
      throw wrap(err, `failed to parse stop signal ${quote(stopSignal)}`);
    }
    // A stop with a grace period sends the signal once, however many such stops arrive.
    if (!container.isStopSignaledWithTimeout) {
      container.isStopSignaledWithTimeout = true;
      try {
        await task.kill(sig);
      } catch (err) {
        if (!isNotFound(err)) throw wrap(err, `failed to stop container ${quote(id)}`);
      }
    }
    const outcome = await waitContainerStop(c, container, signal, timeout);
    if (outcome === "stopped") return;
    if (outcome === "aborted") throw signal!.reason;
  }

  try {
    await task.kill(signals.SIGKILL);
  } catch (err) {
    if (!isNotFound(err)) throw wrap(err, `failed to kill container ${quote(id)}`);
  }
  const outcome = await waitContainerStop(c, container, signal);
  if (outcome === "aborted") {
    throw wrap(
      wrap(signal!.reason, `wait container ${quote(id)}`),
      `an error occurs during waiting for container ${quote(id)} to be killed`,
    );
  }
}

/** The container's stop signal: recorded at creation, else its image's, else SIGTERM. */
function stopSignalOf(c: CriService, container: Container): string {
  if (container.metadata.stopSignal !== "") return container.metadata.stopSignal;
  let imageSignal = "";
  try {
    imageSignal = c.imageStore.get(container.metadata.imageRef).imageSpec.config?.StopSignal ?? "";
  } catch (err) {
    // A deleted image leaves the default; containerd only logs it.
    if (!isNotFound(err)) throw wrap(err, `failed to get image ${quote(container.metadata.imageRef)}`);
  }
  return imageSignal !== "" ? imageSignal : "SIGTERM";
}

/** Linux signal numbers by name without "SIG" (moby/sys/signal's SignalMap). */
const signalMap: ReadonlyMap<string, number> = new Map([
  ["ABRT", 6], ["ALRM", 14], ["BUS", 7], ["CHLD", 17], ["CLD", 17], ["CONT", 18], ["FPE", 8], ["HUP", 1],
  ["ILL", 4], ["INT", 2], ["IO", 29], ["IOT", 6], ["KILL", 9], ["PIPE", 13], ["POLL", 29], ["PROF", 27],
  ["PWR", 30], ["QUIT", 3], ["SEGV", 11], ["STKFLT", 16], ["STOP", 19], ["SYS", 31], ["TERM", 15],
  ["TRAP", 5], ["TSTP", 20], ["TTIN", 21], ["TTOU", 22], ["URG", 23], ["USR1", 10], ["USR2", 12],
  ["VTALRM", 26], ["WINCH", 28], ["XCPU", 24], ["XFSZ", 25], ["RTMIN", 34],
  ...Array.from({ length: 15 }, (_, i) => [`RTMIN+${i + 1}`, 34 + i + 1] as [string, number]),
  ...Array.from({ length: 14 }, (_, i) => [`RTMAX-${14 - i}`, 64 - (14 - i)] as [string, number]),
  ["RTMAX", 64],
]);

/** moby/sys/signal.ParseSignal: a number (strconv.Atoi) or a name, "SIG" optional, any case. */
export function parseSignal(raw: string): number {
  let number: bigint | undefined;
  try {
    number = parseInt(raw);
  } catch {
    number = undefined;
  }
  if (number !== undefined) {
    if (number === 0n) throw new Error(`invalid signal: ${raw}`);
    // The kill request carries the signal as a uint32.
    return Number(BigInt.asUintN(32, number));
  }
  const upper = raw.toUpperCase();
  const sig = signalMap.get(upper.startsWith("SIG") ? upper.slice(3) : upper);
  if (sig === undefined) throw new Error(`invalid signal: ${raw}`);
  return sig;
}

/**
 * waitContainerStop: resolves "stopped" once the container's exit has been handled, "aborted" when
 * the caller's context ends first, "timeout" when `timeout` (ns) passes first.
 */
function waitContainerStop(
  c: CriService,
  container: Container,
  signal: AbortSignal | undefined,
  timeout?: bigint,
): Promise<"stopped" | "aborted" | "timeout"> {
  if (container.stopCh.isStopped) return Promise.resolve("stopped");
  if (signal?.aborted) return Promise.resolve("aborted");
  return new Promise((resolve) => {
    let cancelTimer: (() => void) | undefined;
    const onAbort = (): void => finish("aborted");
    const finish = (outcome: "stopped" | "aborted" | "timeout"): void => {
      cancelTimer?.();
      signal?.removeEventListener("abort", onAbort);
      resolve(outcome);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeout !== undefined) {
      const ms = Number(timeout / nsPerMs);
      if (ms <= longestTimerMs) cancelTimer = c.clock.setTimer(ms, () => finish("timeout"));
    }
    void container.stopCh.stopped().then(() => finish("stopped"));
  });
}

/** cleanupUnknownContainer: records an unknown container without a task as exited (255). */
async function cleanupUnknownContainer(c: CriService, id: string, container: Container): Promise<void> {
  await handleContainerExit(c, { containerId: id, id, pid: 0, exitStatus: unknownExitCode, exitedAt: c.clock.now() }, container);
}
