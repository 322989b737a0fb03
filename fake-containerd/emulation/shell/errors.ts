// How a shell stops short: an error ash reports (and, in a script, exits on), or something the
// emulation does not follow.

/** An error that ends a non-interactive ash (in a subshell, that subshell), with its text and status. */
export class ShellError extends Error {
  readonly status: number;
  /** Whether ash names the running builtin and line before the text (`sh: cd: line 2: ...`). */
  readonly named: boolean;

  constructor(message: string, status = 2, named = false) {
    super(message);
    this.status = status;
    this.named = named;
  }
}

/** The script goes where the emulation does not follow (an exec ends with a note, a container's process runs on). */
export class NotEmulated extends Error {
  constructor(what: string) {
    super(`${what}: not emulated by fake-cri`);
  }
}

/**
 * The step's timeline has ended (the shell waits for good, or was OOM-killed): nothing more runs.
 * Thrown once for nearly every container (its command waits), so it records no stack: capturing
 * one cost about 25 µs of a pod's lifecycle.
 */
export class Stopped extends Error {
  constructor() {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super("stopped");
    Error.stackTraceLimit = limit;
  }
}
