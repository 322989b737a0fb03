// The task service's saved state (saveState): every task and process as JSON-serialisable data,
// from which tasks.ts restores them.

import type { ErrorKind } from "./errdefs.ts";
import type { MountInfo } from "./events.ts";
import type { PidNamespacesState } from "./pid-namespaces.ts";
import { resolvedToState, type RunnerState, type ScriptState } from "./processes/runner.ts";
import type { ProcessUser } from "./processes/script.ts";
import type { Phase, Proc } from "./task-process.ts";

export interface TaskServiceState {
  tasks: TaskState[];
  /** The next PID of each PID namespace the fake made. */
  pidNamespaces?: PidNamespacesState;
}

export interface TaskState {
  containerId: string;
  rootfs: MountInfo[];
  paused: boolean;
  unreadable?: { kind: ErrorKind; message: string };
  resources?: unknown;
  /** The deleted execs' CPU (ns) and page faults (states saved before they were kept have none). */
  spent?: { cpuNs: string; pageFaults: string };
  pendingSignals: Array<{ execId?: string; signal: number }>;
  init: ProcState;
  execs: ProcState[];
}

export interface ProcState {
  execId?: string;
  args: string[];
  env: string[];
  cwd: string;
  user?: ProcessUser;
  terminal: boolean;
  pid: number;
  /** Its PID in its PID namespace. */
  namespacePid?: number;
  phase: Phase;
  exitStatus: number;
  exitedAt: string | null;
  startFailed: boolean;
  stdinOpen: boolean;
  terminalSize?: { width: number; height: number };
  script: ScriptState;
  runner: RunnerState;
}

export function procToState(p: Proc): ProcState {
  const state: ProcState = {
    args: [...p.info.args],
    env: [...p.info.env],
    cwd: p.info.cwd,
    user: { ...p.info.user, additionalGids: [...p.info.user.additionalGids] },
    terminal: p.info.terminal,
    pid: p.pid,
    namespacePid: p.pidInNamespace,
    phase: p.phase,
    exitStatus: p.exitStatus,
    exitedAt: p.exitedAt === null ? null : p.exitedAt.toString(),
    startFailed: p.startFailed,
    stdinOpen: p.stdin.isOpen,
    script: resolvedToState(p.runner.script),
    runner: p.runner.toState(),
  };
  if (p.execId !== undefined) state.execId = p.execId;
  if (p.terminalSize) state.terminalSize = { ...p.terminalSize };
  return state;
}
