// Recovery on start (containerd 1.6.20 restart.go): the CRI plugin rebuilds its stores from what
// containerd holds. Sandboxes and containers come from the containers labelled with their kind, their
// metadata from the container extension, their state from the task (and for containers from the
// status checkpoint); a task that cannot be read leaves the state unknown. Running tasks get exit
// monitors again. Images come from containerd's image records. Directories of sandboxes and
// containers that no longer exist are removed.

import type { ContainerRecord, Task } from "../../../fake-containerd/index.ts";
import { isNotFound } from "../../../fake-containerd/index.ts";
import { join } from "../../go/filepath.ts";
import { quote } from "../../go/strconv.ts";
import { wrap } from "../../go/errors.ts";
import { ContainerState, NamespaceMode } from "../api/v1.ts";
import {
  containerKindContainer,
  containerKindLabel,
  containerKindSandbox,
  containerMetadataExtension,
  containersDir,
  sandboxesDir,
  sandboxMetadataExtension,
  unknownExitCode,
  unknownExitReason,
} from "../helpers/constants.ts";
import { getContainerRootDir } from "../helpers/dirs.ts";
import { filterLabel } from "../helpers/labels.ts";
import { unknownContainerStatus, unknownSandboxStatus } from "../helpers/status.ts";
import { ContainerIO } from "../io/container-io.ts";
import { createContainerLoggers } from "../io/loggers.ts";
import { loadContainerStatus } from "../store/container-checkpoint.ts";
import { containerState, type ContainerStatus } from "../store/container-status.ts";
import { Container, storeContainerStatus } from "../store/container-store.ts";
import { containerMetadataFromAny, sandboxMetadataFromAny } from "../store/metadata-codec.ts";
import { NetNs, Sandbox } from "../store/sandbox-store.ts";
import { SandboxState, type SandboxStatus } from "../store/sandbox-status.ts";
import { updateImage } from "./image-update.ts";
import { releaseOrphanedAddresses } from "./sandbox-network.ts";
import type { CriService } from "./service.ts";

/** What recovery could not load, as containerd logs it; kept for tests and diagnostics. */
export interface RecoveryProblem {
  what: "sandbox" | "container" | "sandbox status" | "container status" | "image" | "directory";
  id: string;
  error: Error;
}

/** recover: fills the stores from containerd. Fails only where containerd's recover fails. */
export async function recover(c: CriService): Promise<RecoveryProblem[]> {
  const problems: RecoveryProblem[] = [];
  let sandboxes: readonly ContainerRecord[];
  try {
    sandboxes = await c.client.containers.list(filterLabel(containerKindLabel, containerKindSandbox));
  } catch (err) {
    throw wrap(err, "failed to list sandbox containers");
  }
  for (const record of sandboxes) {
    let sandbox: Sandbox;
    try {
      sandbox = await loadSandbox(c, record, problems);
    } catch (err) {
      problems.push({ what: "sandbox", id: record.id, error: err as Error });
      continue;
    }
    try {
      c.sandboxStore.add(sandbox);
    } catch (err) {
      throw wrap(err, `failed to add sandbox ${quote(record.id)} to store`);
    }
    try {
      c.sandboxNameIndex.reserve(sandbox.metadata.name, sandbox.id);
    } catch (err) {
      throw wrap(err, `failed to reserve sandbox name ${quote(sandbox.metadata.name)}`);
    }
  }

  // Not containerd's: an address whose pod never came to be (the node went down mid-RunPodSandbox)
  // would stay reserved for good (KNOWN_DIFFERENCES.md, ipam-reconciled-on-recovery).
  releaseOrphanedAddresses(c, new Set(sandboxes.map((record) => record.id)));

  let containers: readonly ContainerRecord[];
  try {
    containers = await c.client.containers.list(filterLabel(containerKindLabel, containerKindContainer));
  } catch (err) {
    throw wrap(err, "failed to list containers");
  }
  for (const record of containers) {
    let container: Container;
    try {
      container = await loadContainer(c, record, problems);
    } catch (err) {
      problems.push({ what: "container", id: record.id, error: err as Error });
      continue;
    }
    try {
      c.containerStore.add(container);
    } catch (err) {
      throw wrap(err, `failed to add container ${quote(record.id)} to store`);
    }
    try {
      c.containerNameIndex.reserve(container.metadata.name, container.id);
    } catch (err) {
      throw wrap(err, `failed to reserve container name ${quote(container.metadata.name)}`);
    }
  }

  let images;
  try {
    images = await c.client.images.list();
  } catch (err) {
    throw wrap(err, "failed to list images");
  }
  for (const image of images) {
    try {
      // containerd skips images whose content is incomplete (images.Check).
      await c.client.images.size(image.name);
    } catch (err) {
      problems.push({ what: "image", id: image.name, error: err as Error });
      continue;
    }
    try {
      await updateImage(c, image.name);
    } catch (err) {
      problems.push({ what: "image", id: image.name, error: err as Error });
    }
  }

  const cleanups: Array<[readonly ContainerRecord[], string, string]> = [
    [sandboxes, join(c.config.rootDir, sandboxesDir), "failed to cleanup orphaned sandbox directories"],
    [sandboxes, join(c.config.stateDir, sandboxesDir), "failed to cleanup orphaned volatile sandbox directories"],
    [containers, join(c.config.rootDir, containersDir), "failed to cleanup orphaned container directories"],
    [containers, join(c.config.stateDir, containersDir), "failed to cleanup orphaned volatile container directories"],
  ];
  for (const [records, base, context] of cleanups) {
    try {
      cleanupOrphanedIdDirs(c, records, base, problems);
    } catch (err) {
      throw wrap(err, context);
    }
  }
  c.recoveryProblems.push(...problems);
  return problems;
}

/** The task of a container: undefined when it has none (not found), the error when unreadable. */
async function taskOf(c: CriService, id: string, io?: ContainerIO): Promise<Task | undefined> {
  try {
    return await c.client.tasks.get(id, io ? { io: io.processIO() } : {});
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw wrap(err, "failed to load task");
  }
}

/** loadContainer: metadata from the extension, status from the checkpoint and the task. */
async function loadContainer(c: CriService, record: ContainerRecord, problems: RecoveryProblem[]): Promise<Container> {
  const id = record.id;
  const containerDir = getContainerRootDir(c.config, id);
  const ext = record.extensions[containerMetadataExtension];
  if (!ext) throw new Error(`metadata extension ${quote(containerMetadataExtension)} not found`);
  let meta;
  try {
    meta = containerMetadataFromAny(ext);
  } catch (err) {
    throw wrap(err, `failed to unmarshal metadata extension ${quote(ext.typeUrl)}`);
  }

  let status: ContainerStatus;
  try {
    status = loadContainerStatus(c.hostFs, containerDir);
  } catch (err) {
    problems.push({ what: "container status", id, error: err as Error });
    status = unknownContainerStatus();
  }

  const tty = meta.config.tty;
  let io: ContainerIO | undefined;
  try {
    const attached = new ContainerIO({ tty, stdin: meta.config.stdin });
    const task = await taskOf(c, id, attached);
    let taskStatus;
    if (task) {
      let loggers;
      try {
        loggers = await createContainerLoggers(c, meta.logPath, tty);
      } catch (err) {
        throw wrap(err, "failed to load task");
      }
      attached.addOutput("log", loggers[0], loggers[1]);
      io = attached;
      try {
        taskStatus = await task.status();
      } catch (err) {
        if (!isNotFound(err)) throw wrap(err, "failed to get task status");
      }
    }
    if (!task || !taskStatus) {
      switch (containerState(status)) {
        case ContainerState.CONTAINER_CREATED:
          io = new ContainerIO({ tty, stdin: meta.config.stdin });
          break;
        case ContainerState.CONTAINER_RUNNING:
          status.finishedAt = c.clock.now();
          status.exitCode = unknownExitCode;
          status.reason = unknownExitReason;
          break;
      }
    } else {
      switch (taskStatus.status) {
        case "created":
          await deleteTask(task);
          if (containerState(status) !== ContainerState.CONTAINER_CREATED) {
            throw new Error(`unexpected container state for created task: ${quote(stateName(containerState(status)))}`);
          }
          break;
        case "running": {
          const state = containerState(status);
          if (state === ContainerState.CONTAINER_EXITED) {
            throw new Error(`unexpected container state for running task: ${quote(stateName(state))}`);
          }
          if (state !== ContainerState.CONTAINER_RUNNING) {
            status.startedAt = c.clock.now();
            status.pid = task.pid;
          }
          const exit = task.wait();
          void c.eventMonitor.startContainerExitMonitor(id, status.pid, exit);
          break;
        }
        case "stopped":
          await deleteTask(task);
          status.finishedAt = taskStatus.exitedAt ?? 0n;
          status.exitCode = taskStatus.exitStatus;
          break;
        default:
          throw new Error(`unexpected task status ${quote(taskStatus.status)}`);
      }
    }
  } catch (err) {
    problems.push({ what: "container status", id, error: err as Error });
    status.unknown = true;
  }
  const storage = storeContainerStatus(c.hostFs, containerDir, status);
  return new Container(meta, storage, c.containerdContainer(id), io);
}

async function deleteTask(task: Task): Promise<void> {
  try {
    await task.delete({ kill: true });
  } catch (err) {
    if (!isNotFound(err)) throw wrap(err, "failed to delete task");
  }
}

function stateName(state: ContainerState): string {
  return Object.entries(ContainerState).find(([, v]) => v === state)?.[0] ?? String(state);
}

/** loadSandbox: metadata from the extension, state from the pause task (unknown if unreadable). */
async function loadSandbox(c: CriService, record: ContainerRecord, problems: RecoveryProblem[]): Promise<Sandbox> {
  const ext = record.extensions[sandboxMetadataExtension];
  if (!ext) throw new Error(`metadata extension ${quote(sandboxMetadataExtension)} not found`);
  let meta;
  try {
    meta = sandboxMetadataFromAny(ext);
  } catch (err) {
    throw wrap(err, `failed to unmarshal metadata extension ${quote(ext.typeUrl)}`);
  }
  const status: SandboxStatus = unknownSandboxStatus();
  try {
    status.createdAt = record.createdAt;
    const task = await taskOf(c, record.id);
    let taskStatus;
    if (task) {
      try {
        taskStatus = await task.status();
      } catch (err) {
        if (!isNotFound(err)) throw wrap(err, "failed to get task status");
      }
    }
    if (!task || !taskStatus) {
      status.state = SandboxState.NotReady;
    } else if (taskStatus.status === "running") {
      status.state = SandboxState.Ready;
      status.pid = task.pid;
      void c.eventMonitor.startSandboxExitMonitor(meta.id, status.pid, task.wait());
    } else {
      await deleteTask(task);
      status.state = SandboxState.NotReady;
    }
  } catch (err) {
    problems.push({ what: "sandbox status", id: record.id, error: err as Error });
  }
  const sandbox = new Sandbox(meta, status, c.containerdContainer(record.id));
  if (meta.config.linux?.securityContext?.namespaceOptions?.network !== NamespaceMode.NODE) {
    sandbox.netns = new NetNs(meta.netnsPath, c.hostFs);
  }
  return sandbox;
}

/** Removes directories under `base` named after IDs that are not among `records`. */
function cleanupOrphanedIdDirs(c: CriService, records: readonly ContainerRecord[], base: string, problems: RecoveryProblem[]): void {
  if (!c.hostFs.exists(base)) return;
  let names: string[];
  try {
    names = c.hostFs.readDir(base);
  } catch (err) {
    throw wrap(err, "failed to read base directory");
  }
  const ids = new Set(records.map((r) => r.id));
  for (const name of names) {
    const path = join(base, name);
    if (!c.hostFs.stat(path).isDirectory || ids.has(name)) continue;
    try {
      c.hostFs.removeAll(path);
    } catch (err) {
      problems.push({ what: "directory", id: path, error: err as Error });
    }
  }
}
