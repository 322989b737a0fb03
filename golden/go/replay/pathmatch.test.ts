// Replays golden/go/pathmatch.json (path.Match) against src/go/path-match.ts. Names and patterns
// that are not valid UTF-8 were recorded as hex and are passed as bytes.
import { pathMatch } from "../../../src/go/path-match.ts";
import { type GoString, goBytes, isRawBytes, outcomeOf, replayGolden } from "./golden.ts";

interface MatchInput {
  pattern: GoString;
  name: GoString;
}

const asInput = (s: GoString) => (isRawBytes(s) ? goBytes(s) : s);
const run = (c: MatchInput) => pathMatch(asInput(c.pattern), asInput(c.name));

replayGolden("pathmatch", {
  Match: (c: MatchInput) =>
    outcomeOf(() => {
      const { matched, error } = run(c);
      if (error) throw error;
      return matched;
    }),
  // The bool Go returns next to ErrBadPattern.
  "Match.matched": (c: MatchInput) => outcomeOf(() => run(c).matched),
});
