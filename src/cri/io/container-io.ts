// A container's IO as containerd's pkg/cri/io ContainerIO keeps it: the process's stdout and stderr
// broadcast to named outputs (the log file, attached clients), and stdin fed by attached clients.
// There are no FIFOs: fake-containerd hands output to the ProcessIO callbacks, and the CRI layer
// ends the streams (end()) when it has seen the process exit, as containerd's pipes reach EOF.

import type { ProcessIO } from "../../../fake-containerd/index.ts";
import { InputQueue } from "../../../fake-containerd/index.ts";
import { copyUntil } from "./stdin.ts";
import { type OutputSink, settled, WriterGroup } from "./sink.ts";

export interface AttachOptions {
  stdin?: AsyncIterable<Uint8Array>;
  stdout?: OutputSink;
  stderr?: OutputSink;
  tty: boolean;
  stdinOnce: boolean;
  /** Closes the process's stdin in containerd (task.CloseIO). */
  closeStdin?: () => Promise<void>;
}

export class ContainerIO {
  readonly tty: boolean;
  private readonly stdoutGroup = new WriterGroup();
  private readonly stderrGroup = new WriterGroup();
  private readonly stdin: InputQueue | undefined;

  constructor(options: { tty: boolean; stdin: boolean }) {
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
    // containerd keys an output by container, name and stream; each group here is one
    // container's one stream, so the name alone tells its outputs apart.
    if (stdout) {
      oldStdout = this.stdoutGroup.get(name);
      this.stdoutGroup.add(name, stdout);
    }
    if (stderr) {
      oldStderr = this.stderrGroup.get(name);
      this.stderrGroup.add(name, stderr);
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
    const outputKey = `attach-${key}`;
    const track = (group: WriterGroup, sink: OutputSink): void => {
      outputs.push(
        new Promise<void>((resolve) => {
          group.add(outputKey, {
            write: (chunk) => sink.write(chunk),
            close: () => {
              sink.close();
              resolve();
            },
          });
        }),
      );
    };
    if (options.stdout) track(this.stdoutGroup, options.stdout);
    if (!options.tty && options.stderr) track(this.stderrGroup, options.stderr);
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
      this.stdoutGroup.remove(outputKey);
      this.stderrGroup.remove(outputKey);
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
