// RemovePodSandbox (containerd 1.6.20 sandbox_remove.go): a sandbox that is still ready (or not
// fully stopped) is stopped first, then its containers are removed, its directories and its pause
// container deleted, and its name released. An unknown ID is success, so removing twice is fine.

import { isNotFound } from "../../../fake-containerd/index.ts";
import { wrap } from "../../go/errors.ts";
import { quote } from "../../go/strconv.ts";
import { getSandboxRootDir, getVolatileSandboxRootDir } from "../helpers/dirs.ts";
import type { RemovePodSandboxRequest, RemovePodSandboxResponse } from "../api/v1.ts";
import type { CallContext } from "../service-types.ts";
import type { Sandbox } from "../store/sandbox-store.ts";
import { removeContainer } from "./container-remove.ts";
import { stopSandbox } from "./sandbox-stop.ts";
import type { CriService } from "./service.ts";
import { sendContainerEvent } from "./container-events.ts";
import { ContainerEventType } from "../api/v1.ts";

export async function removePodSandbox(c: CriService, r: RemovePodSandboxRequest, call: CallContext): Promise<RemovePodSandboxResponse> {
  let sandbox: Sandbox;
  try {
    sandbox = c.sandboxStore.get(r.podSandboxId);
  } catch (err) {
    if (!isNotFound(err)) throw wrap(err, `an error occurred when try to find sandbox ${quote(r.podSandboxId)}`);
    return {};
  }
  const id = sandbox.id;

  // Even a sandbox that is not ready may still have its network namespace open.
  try {
    await stopSandbox(c, sandbox, call);
  } catch (err) {
    throw wrap(err, `failed to forcibly stop sandbox ${quote(id)}`);
  }
  if (sandbox.netns && !sandbox.netns.closed()) {
    throw new Error(`sandbox network namespace ${quote(sandbox.netns.path)} is not fully closed`);
  }

  for (const container of [...c.containerStore.ofSandbox(id)]) {
    try {
      await removeContainer(c, { containerId: container.id }, call);
    } catch (err) {
      throw wrap(err, `failed to remove container ${quote(container.id)}`);
    }
  }

  const rootDir = getSandboxRootDir(c.config, id);
  try {
    c.hostFs.removeAll(rootDir);
  } catch (err) {
    throw wrap(err, `failed to remove sandbox root directory ${quote(rootDir)}`);
  }
  const volatileRootDir = getVolatileSandboxRootDir(c.config, id);
  try {
    c.hostFs.removeAll(volatileRootDir);
  } catch (err) {
    throw wrap(err, `failed to remove volatile sandbox root directory ${quote(volatileRootDir)}`);
  }

  try {
    await sandbox.container!.delete({ snapshotCleanup: true });
  } catch (err) {
    if (!isNotFound(err)) throw wrap(err, `failed to delete sandbox container ${quote(id)}`);
  }

  if (c.profile.sandboxController) {
    // The controller no longer knows the sandbox: its status falls back to the sandbox record's.
    sandbox.status.update((status) => ({ ...status, createdAt: 0n }));
  }
  await sendContainerEvent(c, id, id, ContainerEventType.CONTAINER_DELETED_EVENT);

  // Calls that already hold the sandbox carry on; later ones no longer find it.
  c.sandboxStore.delete(id);
  c.sandboxNameIndex.releaseByKey(id);
  return {};
}
