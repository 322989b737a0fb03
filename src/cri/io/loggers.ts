// createContainerLoggers (containerd 1.6.20 container_start.go): a container's stdout and stderr
// (stderr only without a tty, which merges it into stdout) written in the CRI log format into the
// log file at the container's log path, created with its parent directories if needed. Without a
// log path, output is discarded. The path is the request's (the pod's log directory and the
// container's log path), so it is reached through NodeFiles: under `fake-cri serve`, a host file
// the log is written behind to, and only inside the allowed host roots.

import type { Clock } from "../../../fake-containerd/index.ts";
import type { AppendHandle } from "../../node/host-fs.ts";
import type { NodeFiles } from "../../node/node-files.ts";
import { type LogRecords, newCriLogger } from "./logger.ts";
import { discardSink, type OutputSink } from "./sink.ts";

export interface LoggerContext {
  nodeFiles: NodeFiles;
  clock: Clock;
  config: { maxContainerLogLineSize: number };
}

/**
 * The sinks for a container's stdout and stderr (undefined with a tty). Fails as containerd does
 * when the log file cannot be opened: `failed to create and open log file: <why>`. Both streams
 * write through the one opened file, so a kubelet that renames the log before ReopenContainerLog
 * finds everything written until then in the renamed file; it is closed when both have closed.
 */
export async function createContainerLoggers(c: LoggerContext, logPath: string, tty: boolean): Promise<[OutputSink, OutputSink | undefined]> {
  if (logPath === "") return [discardSink, discardSink];
  let file: AppendHandle;
  try {
    // containerd's openLogFile: the parent made (0755), then the file opened for append, made 0640.
    file = await c.nodeFiles.openAppend(logPath, 0o640);
  } catch (err) {
    throw new Error(`failed to create and open log file: ${(err as Error).message}`, { cause: err });
  }
  const out = new SharedLogFile(file, tty ? 1 : 2);
  const maxLen = c.config.maxContainerLogLineSize;
  const stdout = newCriLogger({ stream: "stdout", maxLen, clock: c.clock, out });
  const stderr = tty ? undefined : newCriLogger({ stream: "stderr", maxLen, clock: c.clock, out });
  return [stdout, stderr];
}

/** The log file the streams write through, closed once every one of them has closed. */
class SharedLogFile implements LogRecords {
  private readonly file: AppendHandle;
  private open: number;

  constructor(file: AppendHandle, streams: number) {
    this.file = file;
    this.open = streams;
  }

  write(record: Uint8Array): void {
    this.file.write(record);
  }

  close(): void | Promise<void> {
    if (--this.open === 0) return this.file.close();
  }
}
