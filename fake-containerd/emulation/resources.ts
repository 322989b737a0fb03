// What an emulated process costs its container's cgroup, as the reference shows busybox costing
// (containerd 1.6.20 + runc on cgroup v1, a busybox container running `sleep 3600`): CPU and page
// faults when runc starts it and while it works, nothing while it sleeps or waits; memory while it
// lives. Figures measured there (ContainerStats before and after): the container's first process
// 12.1 ms of CPU, 875 page faults, 438,272 bytes in use (49,152 of them RSS); each exec 2.5-5.4 ms
// and 140-470 faults; an idle second 0 and 0; a shell loop of 20,000 `[`/`$((...))` rounds 23 ms.

/** Which process of the container it is: runc does more for the container's first. */
export type ProcessKind = "container" | "exec";

const startCpuNs: Readonly<Record<ProcessKind, bigint>> = { container: 12_000_000n, exec: 2_500_000n };
const startPageFaults: Readonly<Record<ProcessKind, bigint>> = { container: 875n, exec: 150n };

/** A shell's step (a command, a test, a loop's turn): about what the reference's loop took per round. */
export const stepCpuNs = 1_000n;

/** A shell that spins (steps without end and no time) keeps a core busy. */
export const spinningCpuNsPerMs = 1_000_000n;

/** Memory of each live process: the container's first one as the reference's `sleep`, each further one (an exec, a job) its RSS. */
const memoryBytes: Readonly<Record<ProcessKind, bigint>> = { container: 438_272n, exec: 57_344n };
const rssBytes = 49_152n;

export interface ResourceUse {
  cpuNs: bigint;
  pageFaults: bigint;
  /** Memory in use now (0 once it has ended), and the part of it that is RSS. */
  memoryBytes: bigint;
  rssBytes: bigint;
}

/** What a process has used: its start, `workNs` of its own work, and its memory while `live`. */
export function resourceUse(kind: ProcessKind, workNs: bigint, live: boolean, liveJobs: number): ResourceUse {
  return {
    cpuNs: startCpuNs[kind] + workNs,
    pageFaults: startPageFaults[kind],
    memoryBytes: live ? memoryBytes[kind] + BigInt(liveJobs) * memoryBytes.exec : 0n,
    rssBytes: live ? rssBytes * BigInt(1 + liveJobs) : 0n,
  };
}
