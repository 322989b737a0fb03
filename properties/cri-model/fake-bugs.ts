// Bugs of the fake that the model found and that are still open (the lead has the reports). While
// one is open, runs against the fake leave out the commands that trigger it, and its reproduction
// must still disagree with the model (properties/cri-model.test.ts). When a fix lands that test
// fails: delete the entry, and its commands come back into the random runs.

import type { Command } from "./commands.ts";

export interface OpenFakeBug {
  name: string;
  /** The commands random runs leave out while the bug is open. */
  avoid: (command: Command) => boolean;
  /** The shortest command list that shows it (run from an empty runtime). */
  reproduction: Command[];
  /** A piece of the disagreement the reproduction must still produce. */
  disagreement: string;
}

export const openFakeBugs: OpenFakeBug[] = [];

/** Whether a random run must leave this command out while some bug is open. */
export function avoidOpenFakeBugs(command: Command): boolean {
  return openFakeBugs.some((bug) => bug.avoid(command));
}
