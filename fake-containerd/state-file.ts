// Saving a fake's state to disk. The write is atomic: the JSON goes to a temporary file in the same
// directory, is flushed, and is renamed over the target, so a crash mid-save leaves either the old
// file or the new one, never a torn one. node:fs/promises exists on Node, Deno and Bun alike.

import { open, readFile, rename, rm } from "node:fs/promises";
import type { FakeContainerdState } from "./saved-state.ts";
import { parseFakeContainerdState } from "./state-schema.ts";

export async function saveStateFile(path: string, state: FakeContainerdState): Promise<void> {
  const temporary = `${path}.${globalThis.crypto.randomUUID()}.tmp`;
  const file = await open(temporary, "wx");
  try {
    await file.writeFile(JSON.stringify(state, null, 2) + "\n", "utf8");
    await file.sync();
  } catch (e) {
    await file.close();
    await rm(temporary, { force: true });
    throw e;
  }
  await file.close();
  try {
    await rename(temporary, path);
  } catch (e) {
    await rm(temporary, { force: true });
    throw e;
  }
}

/** The state saved at `path`; a file that is not one fails with its name and the fields that do not fit. */
export async function loadStateFile(path: string): Promise<FakeContainerdState> {
  const text = await readFile(path, "utf8");
  try {
    return parseFakeContainerdState(JSON.parse(text));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`, { cause: err });
  }
}
