import { describe, expect, test } from "vitest";
import { joinBytes } from "./bytes.ts";

describe("joinBytes", () => {
  test("text alone, bytes alone and the two mixed join to the same UTF-8", () => {
    const expected = new TextEncoder().encode("1\né\n3\n");
    expect(joinBytes(["1\n", "é\n", "3\n"])).toEqual(expected);
    expect(joinBytes(["1\n", new TextEncoder().encode("é\n"), "3\n"])).toEqual(expected);
    expect(joinBytes([expected])).toEqual(expected);
    expect(joinBytes([])).toEqual(new Uint8Array());
  });
});
