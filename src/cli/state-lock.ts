// The lock that keeps a second `fake-cri serve` off a --state file while one serves it:
// `<state>.lock`, made with O_EXCL and holding the server's PID. A lock whose process is gone was
// left by a server that did not stop cleanly (kill -9, a crash, a power loss): it is taken over,
// and the caller learns that the node went down with that server. Node-only.

import { open, readFile, unlink } from "node:fs/promises";

export interface StateLock {
  readonly path: string;
  /** Whether a lock left by a server that is gone was taken over. */
  readonly stale: boolean;
  release(): Promise<void>;
}

/** Whether process `pid` exists (one of another user's counts: signalling it is merely refused). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function lockState(statePath: string): Promise<StateLock> {
  const path = `${statePath}.lock`;
  let stale = false;
  for (;;) {
    try {
      const file = await open(path, "wx", 0o600);
      await file.writeFile(`${process.pid}\n`);
      await file.close();
      return { path, stale, release: () => unlink(path).catch(() => undefined) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const owner = Number.parseInt(await readFile(path, "utf8").catch(() => ""), 10);
    // A lock taken over once and held again at once is another server's that took it first.
    if (stale || (Number.isInteger(owner) && owner > 0 && alive(owner))) {
      throw new Error(
        `${statePath} is in use by another fake-cri serve (pid ${owner}, lock ${path}); stop it first, or remove the lock if that process is not fake-cri`,
      );
    }
    // An empty or unreadable lock is one a server made and never finished writing.
    await unlink(path).catch(() => undefined);
    stale = true;
  }
}
