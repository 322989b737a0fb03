// containerd's store.StopCh: closed once when a sandbox or container stops, awaited by whoever
// waits for that (StopContainer, StopPodSandbox). The promise is made only when someone waits, so
// 100,000 idle records cost no promises.

export class StopSignal {
  private done = false;
  private waiting: Promise<void> | undefined;
  private resolve: (() => void) | undefined;

  /** Closes the signal; later calls do nothing. */
  stop(): void {
    if (this.done) return;
    this.done = true;
    this.resolve?.();
  }

  get isStopped(): boolean {
    return this.done;
  }

  /** Resolves once stop() has been called. */
  stopped(): Promise<void> {
    if (this.done) return Promise.resolve();
    return (this.waiting ??= new Promise<void>((resolve) => {
      this.resolve = resolve;
    }));
  }
}
