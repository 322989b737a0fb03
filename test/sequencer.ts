// The order vitest starts test files in. Vitest runs the files that took longest in the last run
// first; without a last run (a fresh clone: CI) it runs the largest files first, which put the
// two golden/cri replays, 7-line files that run longest of all (55-75 s of a 170 s run), last, and
// the run waited on them alone. The files below run long for their size; where vitest has no
// duration for one, it starts first, in this order.

import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

const longForTheirSize = [
  "golden/cri/replay-socket.test.ts",
  "golden/cri/replay-in-process.test.ts",
  "properties/shell.test.ts",
  "src/trace/as-test.test.ts",
  "golden/streams/replay.test.ts",
];

export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification): number => {
      const path = relative(this.ctx.config.root, spec.moduleId);
      const measured = this.ctx.cache.getFileTestResults(`${spec.project.name}:${path}`);
      const index = longForTheirSize.indexOf(path);
      return measured || index === -1 ? longForTheirSize.length : index;
    };
    // Array.prototype.sort is stable: the rest keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
