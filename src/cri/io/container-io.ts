// A container's IO as containerd's pkg/cri/io ContainerIO keeps it: the process's stdout and stderr
// broadcast to named outputs (the log file, attached clients), and stdin fed by attached clients.
// There are no FIFOs: fake-containerd hands output to the ProcessIO callbacks, and the CRI layer
// ends the streams (end()) when it has seen the process exit, as containerd's pipes reach EOF.

import type { ProcessIO } from "../../../fake-containerd/index.ts";
import { InputQueue } from "../../../fake-containerd/index.ts";
import { copyUntil } from "./stdin.ts";
import { type OutputSink, settled, WriterGroup } from "./sink.ts";
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
  private readonly stdin: InputQueue | undefined;

  constructor(id: string, options: { tty: boolean; stdin: boolean }) {
    this.id = id;
    this.tty = options.tty;
    this.stdin = options.stdin ? new InputQueue() : undefined;
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
   * Attach: joins a client's streams to the container's until they end. The client's stdin is
   * copied until it ends or the attached outputs close; then the container's stdin is closed
   * (stdinOnce without a tty) or this client's outputs are detached. Resolves when every attached
   * output has closed and the stdin copy has stopped.
   */
  async attach(options: AttachOptions, key: string): Promise<void> {
    const outputs: Promise<void>[] = [];
    const outputKey = (stream: StreamType) => streamKey(this.id, `attach-${key}`, stream);
    const track = (group: WriterGroup, stream: StreamType, sink: OutputSink): void => {
      outputs.push(
        new Promise<void>((resolve) => {
          group.add(outputKey(stream), {
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
    const outputsDone = Promise.all(outputs);
    const stdin = this.stdin;
    if (!stdin || !options.stdin) {
      await outputsDone;
      return;
    }
    // With no output attached nothing ends the copy but the client's stdin itself.
    const stop = outputs.length > 0 ? Promise.race(outputs) : new Promise<never>(() => {});
    await copyUntil(options.stdin, (chunk) => stdin.push(chunk), stop);
    if (options.stdinOnce && !options.tty) {
      stdin.end();
      await options.closeStdin?.().catch(() => undefined);
    } else {
      this.stdoutGroup.remove(outputKey("stdout"));
      this.stderrGroup.remove(outputKey("stderr"));
    }
    await outputsDone;
  }

  /** The process's output has ended: every output is closed; a promise while the logs are written behind. */
  end(): void | Promise<void> {
    return settled([this.stdoutGroup.close(), this.stderrGroup.close()]);
  }

  /** Close: ends the streams and stdin; a promise while the logs are written behind. */
  close(): void | Promise<void> {
    const ended = this.end();
    this.stdin?.end();
    return ended;
  }
}
