// The `--state` file of `fake-cri serve`: the fake node saved as JSON between runs. Node-only.

import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { FakeCriState } from "../harness/index.ts";

export function loadState(path: string): FakeCriState | undefined {
  if (!existsSync(path)) return undefined;
  let state: FakeCriState;
  try {
    state = JSON.parse(readFileSync(path, "utf8")) as FakeCriState;
  } catch (err) {
    throw new Error(`--state ${path}: not a fake-cri state: ${(err as Error).message}`);
  }
  if (state?.format !== "fake-cri/1") throw new Error(`${path}: not a fake-cri state (format ${JSON.stringify(state?.format)})`);
  return state;
}

/** Writes the state atomically: a temporary file beside it, renamed over it. */
export function saveState(path: string, state: FakeCriState): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
  renameSync(temporary, path);
}
