// A container's IO as containerd's pkg/cri/io ContainerIO keeps it: the process's stdout and stderr
// broadcast to named outputs (the log file, attached clients), and stdin fed by attached clients.
// There are no FIFOs: fake-containerd hands output to the ProcessIO callbacks, and the CRI layer
// ends the streams (end()) when it has seen the process exit, as containerd's pipes reach EOF.

import type { ProcessIO } from "../../../fake-containerd/index.ts";
import { StdinStream } from "./stdin.ts";
import { type OutputSink, WriterGroup } from "./sink.ts";
import type { StreamType } from "./logger.ts";

export interface AttachOptions {
  stdin?: AsyncIterable<Uint8Array>;
  stdout?: OutputSink;
  stderr?: OutputSink;
  tty: boolean;
  stdinOnce: boolean;
  /** Closes the process's stdin in containerd (task.CloseIO). */
  closeStdin?: () => Promise<void>;
}

function streamKey(id: string, name: string, stream: StreamType | "stdin"): string {
  return `${id}-${name}-${stream}`;
}

export class ContainerIO {
  readonly id: string;
  readonly tty: boolean;
  private readonly stdoutGroup = new WriterGroup();
  private readonly stderrGroup = new WriterGroup();
  private readonly stdin: StdinStream | undefined;

  constructor(id: string, options: { tty: boolean; stdin: boolean }) {
    this.id = id;
    this.tty = options.tty;
    this.stdin = options.stdin ? new StdinStream() : undefined;
  }

  /** What the task is created with: output into the groups, stdin from attached clients. */
  processIO(): ProcessIO {
    const io: ProcessIO = {
      stdout: (chunk) => this.stdoutGroup.write(chunk),
      stderr: (chunk) => this.stderrGroup.write(chunk),
      terminal: this.tty,
    };
    if (this.stdin) io.stdin = this.stdin;
    return io;
  }

  /** AddOutput: adds sinks under `name`, returning the ones they replace. */
  addOutput(name: string, stdout?: OutputSink, stderr?: OutputSink): [OutputSink | undefined, OutputSink | undefined] {
    let oldStdout: OutputSink | undefined;
    let oldStderr: OutputSink | undefined;
    if (stdout) {
      const key = streamKey(this.id, name, "stdout");
      oldStdout = this.stdoutGroup.get(key);
      this.stdoutGroup.add(key, stdout);
    }
    if (stderr) {
      const key = streamKey(this.id, name, "stderr");
      oldStderr = this.stderrGroup.get(key);
      this.stderrGroup.add(key, stderr);
    }
    return [oldStdout, oldStderr];
  }

  /**
   * Attach: joins a client's streams to the container's until they end. Resolves when every
   * attached output has closed and the client's stdin (if any) has been copied.
   */
  async attach(options: AttachOptions, key: string): Promise<void> {
    const outputs: Promise<void>[] = [];
    const track = (group: WriterGroup, stream: StreamType, sink: OutputSink): void => {
      outputs.push(
        new Promise<void>((resolve) => {
          group.add(streamKey(this.id, `attach-${key}`, stream), {
            write: (chunk) => sink.write(chunk),
            close: () => {
              sink.close();
              resolve();
            },
          });
        }),
      );
    };
    if (options.stdout) track(this.stdoutGroup, "stdout", options.stdout);
    if (!options.tty && options.stderr) track(this.stderrGroup, "stderr", options.stderr);
    const copies = [...outputs];
    if (this.stdin && options.stdin) {
      const stdin = this.stdin;
      copies.push(
        (async () => {
          for await (const chunk of options.stdin!) stdin.push(chunk);
          if (options.stdinOnce && !options.tty) {
            stdin.end();
            await options.closeStdin?.();
          } else {
            this.stdoutGroup.remove(streamKey(this.id, `attach-${key}`, "stdout"));
            this.stderrGroup.remove(streamKey(this.id, `attach-${key}`, "stderr"));
          }
        })(),
      );
    }
    await Promise.all(copies);
  }

  /** The process's output has ended: every output is closed (log writers flush their last part). */
  end(): void {
    this.stdoutGroup.close();
    this.stderrGroup.close();
  }

  /** Close: ends the streams and stdin. */
  close(): void {
    this.end();
    this.stdin?.end();
  }
}
