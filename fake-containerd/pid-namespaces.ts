// PIDs as the processes of a PID namespace see them. A container with a PID namespace of its own
// numbers its processes from 1; one that joins another's (a pod's, with the pause process as PID
// 1) takes the next numbers of that one; one in the host's sees host PIDs. runc starts a
// container's process and each exec through `runc init`, whose Go threads take the PIDs after
// it: the next process of the namespace comes 6 PIDs later (5 after PID 1), as the reference
// shows (the count can vary by one with the Go runtime's scheduling).

/** Host PIDs, handed out in order across the whole fake so runs are repeatable. */
export class PidCounter {
  private nextPid: number;

  constructor(first = 1000) {
    this.nextPid = first;
  }

  next(): number {
    return this.nextPid++;
  }

  get peek(): number {
    return this.nextPid;
  }
}

export type PidNamespacesState = Record<string, number>;

export class PidNamespaces {
  private readonly hostPids: PidCounter;
  /** The next free PID of each namespace the fake made, by its key. */
  private readonly next: Map<string, number>;

  constructor(hostPids: PidCounter, state: PidNamespacesState = {}) {
    this.hostPids = hostPids;
    this.next = new Map(Object.entries(state));
  }

  /**
   * A PID in the namespace `key` (undefined: the host's, where `hostPid` is the process's own) for
   * a process runc starts, which its threads follow.
   */
  started(key: string | undefined, hostPid: number): number {
    if (key === undefined) return hostPid;
    const pid = this.next.get(key) ?? 1;
    this.next.set(key, pid + (pid === 1 ? 5 : 6));
    return pid;
  }

  /** A PID in the namespace `key` (undefined: the host's) for a process another one forks. */
  forked(key: string | undefined): number {
    if (key === undefined) return this.hostPids.next();
    const pid = this.next.get(key) ?? 1;
    this.next.set(key, pid + 1);
    return pid;
  }

  /** The namespace has ended (its PID 1 exited): a new one of the same key starts again from 1. */
  ended(key: string): void {
    this.next.delete(key);
  }

  toState(): PidNamespacesState {
    return Object.fromEntries(this.next);
  }
}
