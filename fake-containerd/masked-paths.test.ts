import { expect, test } from "vitest";
import { pathRulesOf, placeIn } from "./masked-paths.ts";

test("masked and read-only paths from the spec, cleaned; a path at one of them or inside it", () => {
  const rules = pathRulesOf({ linux: { maskedPaths: ["/proc/kcore", "/vol/dir/", "relative"], readonlyPaths: ["/proc/sys"] } });
  expect(rules).toEqual({ masked: ["/proc/kcore", "/vol/dir"], readOnly: ["/proc/sys"] });
  expect(placeIn(rules.masked, "/vol/dir")).toBe("at");
  expect(placeIn(rules.masked, "/vol//dir/file")).toBe("below");
  expect(placeIn(rules.masked, "/vol/directory")).toBeUndefined();
  expect(placeIn(rules.readOnly, "/proc/sys/kernel/hostname")).toBe("below");
  expect(pathRulesOf(undefined)).toEqual({ masked: [], readOnly: [] });
});
