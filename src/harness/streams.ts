// Exec and attach for a test, without HTTP: the same path the streaming server takes once a client
// has connected (streaming-runtime.ts, attachContainer), with the client's streams in the test's
// hands. Portable.

import { AsyncQueue, InputQueue, OutputBuffer } from "../../fake-containerd/index.ts";
import { attachContainer } from "../cri/server/container-attach.ts";
import type { CriService } from "../cri/server/service.ts";
import { CodeExitError, streamExec, type CommandStreams, type TerminalSize } from "../cri/server/streaming-runtime.ts";

/** The streams fake.exec() and fake.attach() connect. */
export interface StreamOptions {
  /** Give the process a terminal (its stderr then arrives on stdout). Default false. */
  tty?: boolean;
  /** Connect stdin. Default false. */
  stdin?: boolean;
}

/** The client's end of an exec or attach. */
export interface StreamSession {
  /** Bytes for stdin (typed into the terminal with a tty: "\r" ends a line, "\x03" is ^C, "\x04" ^D). */
  write(data: string | Uint8Array): void;
  /** Closes stdin (the client's end of file). */
  closeStdin(): void;
  /** A new terminal size, as a client's resize stream sends it. */
  resize(width: number, height: number): void;
  readonly stdout: OutputBuffer;
  readonly stderr: OutputBuffer;
}

export interface ExecSession extends StreamSession {
  /**
   * The command's exit code once it has exited and its output is drained; rejects with the error the
   * streaming server would report (`failed to exec in container: ...`).
   */
  readonly exitCode: Promise<number>;
}

export interface AttachSession extends StreamSession {
  /** Resolves when the attach is over (the container's output ended, or stdin closed). */
  readonly done: Promise<void>;
}

function session(options: StreamOptions): { streams: CommandStreams; client: StreamSession; end(): void } {
  const tty = options.tty ?? false;
  const input = options.stdin ? new InputQueue() : undefined;
  const sizes = new AsyncQueue<TerminalSize>();
  const stdout = new OutputBuffer();
  const stderr = new OutputBuffer();
  const streams: CommandStreams = { tty, stdout, resize: sizes };
  if (!tty) streams.stderr = stderr;
  if (input) streams.stdin = input;
  return {
    streams,
    client: {
      write: (data) => input?.push(data),
      closeStdin: () => input?.end(),
      resize: (width, height) => sizes.push({ width, height }),
      stdout,
      stderr,
    },
    end: () => {
      sizes.end();
      // A tty has no separate stderr: it ends empty.
      stderr.close();
    },
  };
}

export function execSession(c: CriService, containerId: string, cmd: string[], options: StreamOptions): ExecSession {
  const { streams, client, end } = session(options);
  const exitCode = streamExec(c, containerId, cmd, streams).then(
    () => 0,
    (err: unknown) => {
      if (err instanceof CodeExitError) return err.code;
      throw err;
    },
  );
  void exitCode.then(end, end);
  return { ...client, exitCode };
}

export function attachSession(c: CriService, containerId: string, options: StreamOptions): AttachSession {
  const { streams, client, end } = session(options);
  const done = attachContainer(c, containerId, streams);
  void done.then(end, end);
  return { ...client, done };
}
