// docs/recipes.md shows every recipe test of docs/recipes/ exactly as it is (scripts/sync-recipes.ts).
import { expect, test } from "vitest";
import { recipeMismatches } from "../scripts/sync-recipes.ts";

test("docs/recipes.md and the recipe tests agree", () => {
  expect(recipeMismatches()).toEqual([]);
});
