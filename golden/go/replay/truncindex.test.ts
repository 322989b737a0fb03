// Replays golden/go/truncindex.json (containerd v1.5.7 pkg/cri/store/truncindex) against
// src/go/truncindex.ts. Each case is a scenario: NewTruncIndex over the initial IDs, a sequence of
// calls, and Go's result for every call.
import { TruncIndex } from "../../../src/go/truncindex.ts";
import { type GoString, type Outcome, outcomeOf, replayGolden } from "./golden.ts";

type Step = [op: "add" | "delete" | "get", arg: GoString] | [op: "iterate"];

function runScenario(input: { initial: GoString[]; ops: Step[] }): Outcome {
  const index = new TruncIndex(input.initial as string[]);
  return {
    out: input.ops.map((step) => {
      const outcome = outcomeOf(() => {
        switch (step[0]) {
          case "add":
            return index.add(step[1] as string);
          case "delete":
            return index.delete(step[1] as string);
          case "get":
            return index.get(step[1] as string);
          case "iterate": {
            const ids: string[] = [];
            index.iterate((id) => ids.push(id));
            return ids;
          }
        }
      });
      return "out" in outcome && outcome.out === undefined ? {} : outcome;
    }),
  };
}

replayGolden("truncindex", { scenario: runScenario });
