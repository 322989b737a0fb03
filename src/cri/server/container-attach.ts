// Attach (containerd 1.6.20 container_attach.go): for a running container, a one-time URL on the
// streaming server (`<base>/attach/<token>`); when the client connects, attachContainer joins its
// streams to the container's IO (the log keeps receiving the output) and passes terminal sizes on
// to the task, until the client's streams or the container's output end.

import type { Task } from "../../../fake-containerd/index.ts";
import { wrap } from "../../go/errors.ts";
import { quote } from "../../go/strconv.ts";
import type { AttachRequest, AttachResponse } from "../api/v1.ts";
import type { CallContext } from "../service-types.ts";
import type { Container } from "../store/container-store.ts";
import { requireRunning } from "./container-exec.ts";
import type { CriService } from "./service.ts";
import { handleResizing, type CommandStreams } from "./streaming-runtime.ts";

export async function attach(c: CriService, r: AttachRequest, _call: CallContext): Promise<AttachResponse> {
  let container: Container;
  try {
    container = c.containerStore.get(r.containerId);
  } catch (err) {
    throw wrap(err, "failed to find container in store");
  }
  requireRunning(container);
  return { url: await c.streaming.url({ method: "attach", request: r }) };
}

/** attachContainer: resolves when the attach is over. */
export async function attachContainer(c: CriService, id: string, streams: CommandStreams): Promise<void> {
  let container: Container;
  try {
    container = c.containerStore.get(id);
  } catch (err) {
    throw wrap(err, `failed to find container ${quote(id)} in store`);
  }
  requireRunning(container);
  let task: Task;
  try {
    task = await container.container.task();
  } catch (err) {
    throw wrap(err, "failed to load task");
  }
  const done = new AbortController();
  handleResizing(streams.resize, done.signal, (size) => task.resize(size.width, size.height));
  try {
    await container.io?.attach(
      {
        stdout: streams.stdout,
        stderr: streams.stderr,
        tty: streams.tty,
        stdinOnce: container.metadata.config.stdinOnce,
        closeStdin: () => task.closeIO(),
        ...(streams.stdin ? { stdin: streams.stdin } : {}),
      },
      c.ids.next(),
    );
  } finally {
    done.abort();
  }
}
