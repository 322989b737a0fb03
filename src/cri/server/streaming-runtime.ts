// What the streaming server asks of the CRI plugin once a client has connected (containerd 1.6.20
// pkg/cri/server/streaming.go's streamRuntime): run an exec with the client's streams, attach them
// to a container, forward one connection to a port of a pod. The transports (SPDY, WebSocket) live
// in src/cri/transport; this is the part that runs in-process too (the harness's exec()).

import { wrap } from "../../go/errors.ts";
import type { OutputSink } from "../io/sink.ts";
import { execInContainer } from "./container-execsync.ts";
import type { CriService } from "./service.ts";

/** remotecommand.TerminalSize. */
export interface TerminalSize {
  width: number;
  height: number;
}

/** The client's side of an exec or attach; absent streams were not asked for. */
export interface CommandStreams {
  stdin?: AsyncIterable<Uint8Array>;
  stdout?: OutputSink;
  stderr?: OutputSink;
  tty: boolean;
  /** Terminal sizes as the client sends them. */
  resize?: AsyncIterable<TerminalSize>;
}

/** One forwarded connection's stream from the client: what it sends, and what goes back. */
export interface ForwardedStream {
  readonly data: AsyncIterable<Uint8Array>;
  write(chunk: Uint8Array): void;
  /** Resolves when the client's connection can take more. */
  drained(): Promise<void>;
  /** Ends what goes back. */
  close(): void;
}

/** An exec that ran and exited non-zero (k8s.io/utils/exec CodeExitError). */
export class CodeExitError extends Error {
  readonly code: number;

  constructor(cmd: readonly string[], code: number) {
    super(`error executing command [${cmd.join(" ")}], exit code ${code}`);
    this.name = "CodeExitError";
    this.code = code;
  }
}

/** A streamed exec ends with its streams, never by a context: one signal for all of them, as none is ever aborted. */
const neverAborted = new AbortController().signal;

/** streamRuntime.Exec: resolves when the command exited 0; CodeExitError for another code. */
export async function streamExec(c: CriService, containerId: string, cmd: string[], streams: CommandStreams): Promise<void> {
  let exitCode: number;
  try {
    exitCode = await execInContainer(c, containerId, {
      cmd,
      tty: streams.tty,
      timeout: 0n,
      signal: neverAborted,
      ...(streams.stdin ? { stdin: streams.stdin } : {}),
      ...(streams.stdout ? { stdout: streams.stdout } : {}),
      ...(streams.stderr ? { stderr: streams.stderr } : {}),
      ...(streams.resize ? { resize: streams.resize } : {}),
    });
  } catch (err) {
    throw wrap(err, "failed to exec in container");
  }
  if (exitCode !== 0) throw new CodeExitError(cmd, exitCode);
}

/**
 * handleResizing: passes each size the client sends (none smaller than 1x1) to `resize` until
 * `done`; a failed resize is logged by containerd and otherwise ignored.
 */
export function handleResizing(sizes: AsyncIterable<TerminalSize> | undefined, done: AbortSignal, resize: (size: TerminalSize) => Promise<void>): void {
  if (!sizes) return;
  void (async () => {
    for await (const size of sizes) {
      if (done.aborted) return;
      if (size.height < 1 || size.width < 1) continue;
      await resize(size).catch(() => undefined);
    }
  })();
}
