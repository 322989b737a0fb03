// A sandbox's status as the CRI plugin keeps it (containerd's sandboxstore.Status).

/** Sandbox states; the numbers are containerd's, and only the first two exist on the CRI wire. */
export const SandboxState = { Ready: 0, NotReady: 1, Unknown: 2 } as const;
export type SandboxState = (typeof SandboxState)[keyof typeof SandboxState];

/** Go's zero time.Time read as UnixNano(): what an unset sandbox creation time reports. */
export const GO_ZERO_TIME_UNIX_NANO = -6795364578871345152n;

export interface SandboxStatus {
  pid: number;
  /** Nanoseconds since the epoch, GO_ZERO_TIME_UNIX_NANO when unset. */
  createdAt: bigint;
  state: SandboxState;
}

/** How containerd prints a sandbox state (State.String()). */
export function sandboxStateString(state: number): string {
  switch (state) {
    case SandboxState.Ready:
      return "SANDBOX_READY";
    case SandboxState.NotReady:
      return "SANDBOX_NOTREADY";
    case SandboxState.Unknown:
      return "SANDBOX_UNKNOWN";
    default:
      return `invalid sandbox state value: ${state}`;
  }
}
