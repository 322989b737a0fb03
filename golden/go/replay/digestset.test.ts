// Replays golden/go/digestset.json (go-digest v1.0.0 digestset) against src/go/digestset.ts. Each
// case is a scenario: a fresh set, a sequence of calls, and Go's result for every call.
import { DigestSet } from "../../../src/go/digestset.ts";
import { type GoString, type Outcome, outcomeOf, replayGolden } from "./golden.ts";

type Step = [op: "add" | "remove" | "lookup", arg: GoString] | [op: "all"];

function runScenario(steps: Step[]): Outcome {
  const set = new DigestSet();
  return {
    out: steps.map((step) => {
      const outcome = outcomeOf(() => {
        switch (step[0]) {
          case "add":
            return set.add(step[1] as string);
          case "remove":
            return set.remove(step[1] as string);
          case "lookup":
            return set.lookup(step[1] as string);
          case "all":
            return set.all();
        }
      });
      return "out" in outcome && outcome.out === undefined ? {} : outcome;
    }),
  };
}

replayGolden("digestset", { scenario: runScenario });
