// Where the CRI plugin keeps per-sandbox and per-container files: the root dir survives reboots,
// the state dir is volatile.

import { join } from "../../go/filepath.ts";
import { containersDir, sandboxesDir } from "./constants.ts";

export interface PluginDirs {
  rootDir: string;
  stateDir: string;
}

export const getSandboxRootDir = (c: PluginDirs, id: string) => join(c.rootDir, sandboxesDir, id);
export const getVolatileSandboxRootDir = (c: PluginDirs, id: string) => join(c.stateDir, sandboxesDir, id);
export const getContainerRootDir = (c: PluginDirs, id: string) => join(c.rootDir, containersDir, id);
export const getVolatileContainerRootDir = (c: PluginDirs, id: string) => join(c.stateDir, containersDir, id);
