// What io.WriteCloser is to containerd's CRI io package: a place bytes go, closed once when the
// stream ends. Process output arrives as synchronous writes from fake-containerd, so sinks are
// synchronous too.

export interface OutputSink {
  write(chunk: Uint8Array): void;
  /**
   * The stream has ended (the process exited and its pipes drained). A promise, when the sink
   * writes behind (a log file under `fake-cri serve`), settles once what it was given is written.
   */
  close(): void | Promise<void>;
}

/** NewDiscardLogger: output nobody keeps (a container without a log path). */
export const discardSink: OutputSink = { write() {}, close() {} };

/**
 * cioutil.WriterGroup: one stream broadcast to named sinks. A sink added after close is closed at
 * once; writes after close go nowhere.
 */
export class WriterGroup {
  private readonly sinks = new Map<string, OutputSink>();
  private closed = false;

  write(chunk: Uint8Array): void {
    if (this.closed) return;
    for (const sink of this.sinks.values()) sink.write(chunk);
  }

  /** Adds (or replaces) the sink under `key`; a replaced sink is closed. */
  add(key: string, sink: OutputSink): void {
    if (this.closed) {
      sink.close();
      return;
    }
    const old = this.sinks.get(key);
    if (old && old !== sink) old.close();
    this.sinks.set(key, sink);
  }

  get(key: string): OutputSink | undefined {
    return this.sinks.get(key);
  }

  /** Removes and closes the sink under `key`. */
  remove(key: string): void {
    const sink = this.sinks.get(key);
    if (!sink) return;
    sink.close();
    this.sinks.delete(key);
  }

  /**
   * Closes every sink; a promise, when a sink writes behind, that settles once they have written
   * what they were given. Sinks that close at once close the group at once: a container's exit is
   * then recorded in the same turn as under containerd's ordering, with no extra awaits.
   */
  close(): void | Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closing = [...this.sinks.values()].map((sink) => sink.close());
    this.sinks.clear();
    return settled(closing);
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

/** undefined when nothing is pending, else a promise of all of it. */
export function settled(pending: Array<void | Promise<void>>): void | Promise<void> {
  const promises = pending.filter((p): p is Promise<void> => p !== undefined);
  if (promises.length > 0) return Promise.all(promises).then(() => undefined);
}
