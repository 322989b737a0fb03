// An exec process's IO (containerd's pkg/cri/io ExecIO): output is held until a client attaches
// (as the FIFOs would hold it), then copied to the client's sinks; attach resolves once every
// output has ended. The CRI layer calls end() when it has seen the process exit, which is when the
// shim closes the pipes. Also ExecSync's capped output buffers.

import { concatBytes } from "../../node/bytes.ts";
import type { ProcessIO } from "../../../fake-containerd/index.ts";
import { InputQueue } from "../../../fake-containerd/index.ts";
import { copyUntil } from "./stdin.ts";
import type { AttachOptions } from "./container-io.ts";
import type { OutputSink } from "./sink.ts";

/** One output stream: chunks held until a sink is attached, then passed straight on. */
class HeldStream {
  private held: Uint8Array[] | undefined = [];
  private sink: OutputSink | undefined;
  private ended = false;
  private onEnd: (() => void) | undefined;

  write(chunk: Uint8Array): void {
    if (this.ended) return;
    if (this.sink) this.sink.write(chunk);
    else this.held?.push(chunk);
  }

  /** Copies to `sink` until the stream ends; resolves then (with the sink closed), at once when it has. */
  attach(sink: OutputSink): Promise<void> | undefined {
    this.sink = sink;
    for (const chunk of this.held ?? []) sink.write(chunk);
    this.held = undefined;
    if (this.ended) {
      sink.close();
      return undefined;
    }
    return new Promise((resolve) => {
      this.onEnd = resolve;
    });
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.sink) {
      this.sink.close();
      this.onEnd?.();
    }
  }
}

export class ExecIO {
  readonly id: string;
  readonly tty: boolean;
  private readonly stdout = new HeldStream();
  private readonly stderr = new HeldStream();
  private readonly stdin: InputQueue | undefined;

  constructor(id: string, options: { tty: boolean; stdin: boolean }) {
    this.id = id;
    this.tty = options.tty;
    this.stdin = options.stdin ? new InputQueue() : undefined;
  }

  /** What the exec process is created with. */
  processIO(): ProcessIO {
    const io: ProcessIO = {
      stdout: (chunk) => this.stdout.write(chunk),
      stderr: (chunk) => this.stderr.write(chunk),
      terminal: this.tty,
    };
    if (this.stdin) io.stdin = this.stdin;
    return io;
  }

  /**
   * Attach: outputs are copied out; the client's stdin is copied in until it ends or an output
   * ends, then the process's stdin is closed (stdinOnce without a tty) or the outputs are
   * ended. Resolves when the outputs have ended and the stdin copy has stopped; undefined when
   * that is already so (the process has exited and there is no stdin to copy).
   */
  attach(options: AttachOptions): Promise<void> | undefined {
    const stderrSink = options.tty ? undefined : options.stderr;
    const stdoutDone = options.stdout && this.stdout.attach(options.stdout);
    const stderrDone = stderrSink && this.stderr.attach(stderrSink);
    const outputs: Promise<void>[] = [];
    if (stdoutDone) outputs.push(stdoutDone);
    if (stderrDone) outputs.push(stderrDone);
    if (!this.stdin || !options.stdin) return outputs.length > 0 ? Promise.all(outputs).then(() => undefined) : undefined;
    const anOutputEnded = (options.stdout !== undefined && !stdoutDone) || (stderrSink !== undefined && !stderrDone);
    const stdin = this.stdin;
    const stop = anOutputEnded ? Promise.resolve() : outputs.length > 0 ? Promise.race(outputs) : new Promise<never>(() => {});
    const stdinDone = copyUntil(options.stdin, (chunk) => stdin.push(chunk), stop).then(async () => {
      if (options.stdinOnce && !options.tty) {
        stdin.end();
        await options.closeStdin?.().catch(() => undefined);
      } else {
        this.end();
      }
    });
    return Promise.all([...outputs, stdinDone]).then(() => undefined);
  }

  /** The process has exited: its outputs end. */
  end(): void {
    this.stdout.end();
    this.stderr.end();
  }

  close(): void {
    this.end();
    this.stdin?.end();
  }
}

/**
 * ExecSync's cappedWriter over a bytes.Buffer: keeps the first `max` bytes, silently drops the
 * rest (the process is not blocked).
 */
export class CappedBuffer implements OutputSink {
  private readonly chunks: Uint8Array[] = [];
  private remain: number;

  constructor(max: number) {
    this.remain = max;
  }

  write(chunk: Uint8Array): void {
    if (this.remain <= 0) return;
    const part = chunk.length > this.remain ? chunk.subarray(0, this.remain) : chunk;
    this.chunks.push(part.slice());
    this.remain -= part.length;
  }

  close(): void {}

  get isFull(): boolean {
    return this.remain <= 0;
  }

  bytes(): Uint8Array {
    return concatBytes(this.chunks);
  }
}
