// Where `fake-cri serve` listens unless told (`fake-cri endpoint` prints it). Node-only.

import { existsSync } from "node:fs";
import { join } from "node:path";

/** A per-user runtime dir when there is one, else /tmp. */
export function defaultListen(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_RUNTIME_DIR && existsSync(env.XDG_RUNTIME_DIR) ? env.XDG_RUNTIME_DIR : "/tmp";
  return `unix://${join(base, "fake-cri", "fake-cri.sock")}`;
}
