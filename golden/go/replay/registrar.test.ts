// Replays golden/go/registrar.json (containerd v1.6.20's pkg/registrar as call scenarios) against
// src/cri/store/name-registrar.ts.
import { NameRegistrar } from "../../../src/cri/store/name-registrar.ts";
import { outcomeOf, replayGolden } from "./golden.ts";

replayGolden("registrar", {
  scenario: (calls: string[][]) =>
    outcomeOf(() => {
      const registrar = new NameRegistrar();
      return calls.map(([op, a, b]) => {
        try {
          if (op === "reserve") registrar.reserve(a!, b!);
          else if (op === "releaseByName") registrar.releaseByName(a!);
          else registrar.releaseByKey(a!);
          return "";
        } catch (err) {
          return (err as Error).message;
        }
      });
    }),
});
