// The client's end of a process's standard streams: what a shim's FIFOs (or its console, with a
// terminal) give whoever created the process. This is the whole interface between a process and
// its client, whatever runs the process (today's emulation, a test's script, an interactive
// shell): bytes go into stdin until it is closed, output comes out as the process writes it, on the
// fake's clock, and the process handle (Task, Process) resizes the terminal and waits for the exit:
//
//   const stdio = new ProcessStdio({ stdin: true, terminal: true });
//   const proc = await task.exec("e1", { args: ["sh"] }, stdio.io);
//   await proc.start();
//   stdio.write("echo hi\r");              // typed: echoed, read by sh as "echo hi\n"
//   await stdio.stdout.waitFor("hi\r\n");  // a terminal writes each newline as CR LF
//   await proc.resize(120, 40);
//   stdio.write("exit 3\r");
//   (await proc.wait()).exitStatus;       // 3
//
// With a terminal the process's stderr arrives on stdout, as on a tty. A task's own process gets
// its streams when the task is created (tasks.create(id, { io })); the CRI layer broadcasts them
// to the log and to attached clients itself, as containerd's CRI plugin does.

import { concatBytes, toBytes } from "../src/node/bytes.ts";
import type { ProcessIO } from "./tasks.ts";

/** Output as it arrives: kept whole, readable at any time, awaitable. */
export class OutputBuffer {
  private readonly chunks: Uint8Array[] = [];
  private closed = false;
  private readonly waiters = new Set<() => void>();
  private resolveEnded!: () => void;
  /** Resolves when the stream has ended (the process exited and its output drained). */
  readonly ended: Promise<void> = new Promise<void>((resolve) => (this.resolveEnded = resolve));

  /** Output the process wrote (a sink's write). */
  write(chunk: Uint8Array): void {
    if (this.closed) return;
    this.chunks.push(chunk.slice());
    this.wake();
  }

  /** The stream has ended (a sink's close). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.resolveEnded();
    this.wake();
  }

  get isEnded(): boolean {
    return this.closed;
  }

  /** Everything so far. */
  bytes(): Uint8Array {
    return concatBytes(this.chunks);
  }

  /** Everything so far, as UTF-8 text. */
  text(): string {
    return new TextDecoder().decode(this.bytes());
  }

  /**
   * Resolves with all the text so far once it contains `expected` (or matches it); rejects when the
   * stream ends first.
   */
  waitFor(expected: string | RegExp): Promise<string> {
    const found = () => {
      const text = this.text();
      return (typeof expected === "string" ? text.includes(expected) : expected.test(text)) ? text : undefined;
    };
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const text = found();
        if (text !== undefined) resolve(text);
        else if (this.closed) reject(new Error(`output ended without ${String(expected)}: ${JSON.stringify(this.text())}`));
        else return false;
        this.waiters.delete(check);
        return true;
      };
      if (!check()) this.waiters.add(check);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Items pushed by one side, read in order by the other until ended. */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly queue: T[] = [];
  private ended = false;
  private wake: (() => void) | undefined;

  /** An item for the reader (dropped once ended). */
  push(item: T): void {
    if (this.ended) return;
    this.queue.push(item);
    this.wakeReader();
  }

  /** The reader's iteration ends once it has read what was pushed. */
  end(): void {
    this.ended = true;
    this.wakeReader();
  }

  /** What was pushed, in order, until end(). */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.queue.length > 0) {
        yield this.queue.shift()!;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private wakeReader(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** Bytes for a process's stdin, pushed by the client and read by the process until ended (end of file). */
export class InputQueue extends AsyncQueue<Uint8Array> {
  /** Bytes for the reader (text as UTF-8; dropped once ended). */
  override push(data: string | Uint8Array): void {
    super.push(toBytes(data));
  }
}

/** What a ProcessStdio gives the process. */
export interface ProcessStdioOptions {
  /** Give the process a stdin (without one it reads end of file at once). */
  stdin?: boolean;
  /** Give the process a terminal. */
  terminal?: boolean;
}

/** A ready-made client end: create the process with `io`, then write, read and close. */
export class ProcessStdio {
  readonly terminal: boolean;
  readonly stdout = new OutputBuffer();
  readonly stderr = new OutputBuffer();
  /** What to create the process with (tasks.create, task.exec). */
  readonly io: ProcessIO;
  private readonly input: InputQueue | undefined;

  constructor(options: ProcessStdioOptions = {}) {
    this.terminal = options.terminal ?? false;
    this.input = options.stdin ? new InputQueue() : undefined;
    this.io = {
      stdout: (chunk) => this.stdout.write(chunk),
      stderr: (chunk) => this.stderr.write(chunk),
      close: () => {
        this.stdout.close();
        this.stderr.close();
      },
      terminal: this.terminal,
      ...(this.input ? { stdin: this.input } : {}),
    };
  }

  /** Bytes for the process's stdin (typed into its terminal when it has one). */
  write(data: string | Uint8Array): void {
    this.input?.push(data);
  }

  /** End of file on stdin. */
  closeStdin(): void {
    this.input?.end();
  }
}
