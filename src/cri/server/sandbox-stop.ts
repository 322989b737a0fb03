// StopPodSandbox (containerd 1.6.20 sandbox_stop.go): every container of the sandbox is killed
// first (no grace period), then the pause task, then the pod network is torn down and the network
// namespace removed. Stopping a stopped sandbox does the network part again, which finds nothing
// to do; an unknown ID is NotFound (1.6) or done (2.x).

import { isNotFound, signals } from "../../../fake-containerd/index.ts";
import { wrap } from "../../go/errors.ts";
import { quote } from "../../go/strconv.ts";
import { unknownExitCode } from "../helpers/constants.ts";
import type { StopPodSandboxRequest, StopPodSandboxResponse } from "../api/v1.ts";
import type { CallContext } from "../service-types.ts";
import type { Sandbox } from "../store/sandbox-store.ts";
import { SandboxState, sandboxStateString } from "../store/sandbox-status.ts";
import type { StopSignal } from "../store/stop-signal.ts";
import { stopContainerRecord } from "./container-stop.ts";
import { handleSandboxExit } from "./events.ts";
import { teardownPodNetwork } from "./sandbox-network.ts";
import type { CriService } from "./service.ts";
import { unmountImageVolumes } from "./container-image-volumes.ts";

export async function stopPodSandbox(c: CriService, r: StopPodSandboxRequest, call: CallContext): Promise<StopPodSandboxResponse> {
  let sandbox: Sandbox;
  try {
    sandbox = c.sandboxStore.get(r.podSandboxId);
  } catch (err) {
    // 2.x: stopping what is already gone is done (the CRI calls StopPodSandbox idempotent).
    if (isNotFound(err) && c.profile.stopUnknownSucceeds) return {};
    throw wrap(err, `an error occurred when try to find sandbox ${quote(r.podSandboxId)}`);
  }
  await stopSandbox(c, sandbox, call);
  return {};
}

/**
 * Waits for `stop` to close, or fails as containerd's select on ctx.Done() does when the call's
 * context ends first.
 */
function waitStopped(stop: StopSignal, call: CallContext, what: string): Promise<void> {
  if (stop.isStopped) return Promise.resolve();
  if (call.signal.aborted) return Promise.reject(wrap(call.signal.reason, what));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(wrap(call.signal.reason, what));
    call.signal.addEventListener("abort", onAbort, { once: true });
    void stop.stopped().then(() => {
      call.signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}

/** stopPodSandbox: what StopPodSandbox and RemovePodSandbox share. */
export async function stopSandbox(c: CriService, sandbox: Sandbox, call: CallContext): Promise<void> {
  const id = sandbox.id;
  for (const container of [...c.containerStore.ofSandbox(id)]) {
    try {
      // Forcibly: no grace period, whatever the container's stop signal.
      await stopContainerRecord(c, container, 0n, call.signal);
    } catch (err) {
      throw wrap(err, `failed to stop container ${quote(container.id)}`);
    }
  }

  // containerd unmounts the sandbox's /dev/shm here; the fake mounts nothing.

  const state = sandbox.status.get().state;
  if (state === SandboxState.Ready || state === SandboxState.Unknown) {
    try {
      await stopSandboxContainer(c, sandbox, call);
    } catch (err) {
      throw wrap(err, `failed to stop sandbox container ${quote(id)} in ${quote(sandboxStateString(state))} state`);
    }
  }

  const netns = sandbox.netns;
  if (netns) {
    try {
      teardownPodNetwork(c, sandbox);
    } catch (err) {
      throw wrap(err, `failed to destroy network for sandbox ${quote(id)}`);
    }
    netns.remove();
  }

  try {
    await unmountImageVolumes(c, id, c.config.containerd.snapshotter);
  } catch (err) {
    throw wrap(err, `failed to cleanup image mounts for sandbox ${quote(id)}`);
  }
}

/** stopSandboxContainer: SIGKILL to the pause task; the exit monitor deletes it. */
async function stopSandboxContainer(c: CriService, sandbox: Sandbox, call: CallContext): Promise<void> {
  const state = sandbox.status.get().state;
  const container = sandbox.container;
  let task;
  try {
    task = await container!.task();
  } catch (err) {
    if (!isNotFound(err)) throw wrap(err, "failed to get sandbox container");
    if (state === SandboxState.Unknown) await cleanupUnknownSandbox(c, sandbox);
    return;
  }

  if (state === SandboxState.Unknown) {
    // Nobody is waiting for this task's exit yet (recovery could not read it): wait for it here,
    // until this stop is done.
    void c.eventMonitor.startSandboxExitMonitor(sandbox.id, task.pid, task.wait());
  }

  try {
    await task.kill(signals.SIGKILL);
  } catch (err) {
    if (!isNotFound(err)) throw wrap(err, "failed to kill sandbox container");
  }
  await waitStopped(sandbox.stopCh, call, `wait sandbox container ${quote(sandbox.id)}`);
}

/** cleanupUnknownSandbox: the exit handling a sandbox whose task is gone never got. */
async function cleanupUnknownSandbox(c: CriService, sandbox: Sandbox): Promise<void> {
  await handleSandboxExit(c, { containerId: sandbox.id, id: sandbox.id, pid: 0, exitStatus: unknownExitCode, exitedAt: c.clock.now() }, sandbox);
}
