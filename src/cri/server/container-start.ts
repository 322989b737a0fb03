// StartContainer (containerd 1.6.20 container_start.go): a created container in a ready sandbox
// gets its task, with output going to the CRI log file; the task is started and handed to an exit
// monitor. A start that fails leaves the container exited with reason StartError, exit code 128
// and the failure as its message (what `kubectl describe` shows for a missing executable).

import type { Task } from "../../../fake-containerd/index.ts";
import { wrap } from "../../go/errors.ts";
import { quote } from "../../go/strconv.ts";
import { errorStartExitCode, errorStartReason } from "../helpers/constants.ts";
import { criContainerStateToString } from "../helpers/status.ts";
import { ContainerState, NamespaceMode, type StartContainerRequest, type StartContainerResponse } from "../api/v1.ts";
import { createContainerLoggers } from "../io/loggers.ts";
import { ContainerIO } from "../io/container-io.ts";
import type { CallContext } from "../service-types.ts";
import { containerState } from "../store/container-status.ts";
import type { Container } from "../store/container-store.ts";
import type { Sandbox } from "../store/sandbox-store.ts";
import { SandboxState } from "../store/sandbox-status.ts";
import { targetContainer } from "./container-create.ts";
import { getSandboxRuntime } from "./sandbox-run.ts";
import { checkContext } from "./shared.ts";
import type { CriService } from "./service.ts";
import { sendContainerEvent } from "./container-events.ts";
import { ContainerEventType } from "../api/v1.ts";

export async function startContainer(c: CriService, r: StartContainerRequest, call: CallContext): Promise<StartContainerResponse> {
  let container: Container;
  try {
    container = c.containerStore.get(r.containerId);
  } catch (err) {
    throw wrap(err, `an error occurred when try to find container ${quote(r.containerId)}`);
  }
  try {
    checkContext(call);
    await container.container.info();
  } catch (err) {
    throw wrap(err, "get container info");
  }
  const id = container.id;
  try {
    setContainerStarting(container);
  } catch (err) {
    throw wrap(err, `failed to set starting state for container ${quote(id)}`);
  }
  try {
    await start(c, call, container);
  } catch (err) {
    try {
      container.status.updateSync((status) => ({
        ...status,
        pid: 0,
        finishedAt: c.clock.now(),
        exitCode: errorStartExitCode,
        reason: errorStartReason,
        message: (err as Error).message,
      }));
    } catch {
      // containerd logs a start failure it cannot record.
    }
    throw err;
  } finally {
    container.status.update((status) => ({ ...status, starting: false }));
  }
  return {};
}

function setContainerStarting(container: Container): void {
  container.status.update((status) => {
    const state = containerState(status);
    if (state !== ContainerState.CONTAINER_CREATED) throw new Error(`container is in ${criContainerStateToString(state)} state`);
    if (status.removing) throw new Error("container is in removing state, can't be started");
    if (status.starting) throw new Error("container is already in starting state");
    return { ...status, starting: true };
  });
}

async function start(c: CriService, call: CallContext, container: Container): Promise<void> {
  const { id, metadata: meta } = container;
  let sandbox: Sandbox;
  try {
    sandbox = c.sandboxStore.get(meta.sandboxId);
  } catch (err) {
    throw wrap(err, `sandbox ${quote(meta.sandboxId)} not found`);
  }
  if (sandbox.status.get().state !== SandboxState.Ready) throw new Error(`sandbox container ${quote(meta.sandboxId)} is not running`);
  const namespaceOptions = meta.config.linux?.securityContext?.namespaceOptions;
  if (namespaceOptions?.pid === NamespaceMode.TARGET) {
    try {
      targetContainer(c, meta.sandboxId, namespaceOptions.targetId);
    } catch (err) {
      throw wrap(err, "invalid target container");
    }
  }
  try {
    checkContext(call);
    await container.container.info();
  } catch (err) {
    throw wrap(err, "failed to get container info");
  }
  try {
    getSandboxRuntime(c, sandbox.metadata.config, sandbox.metadata.runtimeHandler);
  } catch (err) {
    throw wrap(err, "failed to get sandbox runtime");
  }

  const io = (container.io ??= new ContainerIO({ tty: meta.config.tty, stdin: meta.config.stdin }));
  let task: Task;
  try {
    let loggers;
    try {
      loggers = await createContainerLoggers(c, meta.logPath, meta.config.tty);
    } catch (err) {
      throw wrap(err, "failed to create container loggers");
    }
    io.addOutput("log", loggers[0], loggers[1]);
    checkContext(call);
    task = await container.container.newTask(io.processIO());
  } catch (err) {
    throw wrap(err, "failed to create containerd task");
  }
  try {
    // Waiting is registered before the start, so a process that exits at once is not missed.
    const exit = task.wait();
    try {
      checkContext(call);
      await task.start();
    } catch (err) {
      exit.catch(() => undefined);
      throw wrap(err, `failed to start containerd task ${quote(id)}`);
    }
    try {
      container.status.updateSync((status) => ({ ...status, pid: task.pid, startedAt: c.clock.now() }));
    } catch (err) {
      exit.catch(() => undefined);
      throw wrap(err, `failed to update container ${quote(id)} state`);
    }
    void c.eventMonitor.startContainerExitMonitor(id, task.pid, exit);
    await sendContainerEvent(c, id, container.metadata.sandboxId, ContainerEventType.CONTAINER_STARTED_EVENT);
  } catch (err) {
    // containerd logs a task it could not delete and returns the start's error.
    await task.delete({ kill: true }).catch(() => undefined);
    throw err;
  }
}
