import { describe, expect, test } from "vitest";
import { BadPatternError, pathMatch } from "./path-match.ts";

describe("pathMatch", () => {
  test("returns Go's pair: matched, and the error for a malformed pattern", () => {
    expect(pathMatch("io.kubernetes.cri.*", "io.kubernetes.cri.untrusted")).toEqual({ matched: true });
    expect(pathMatch("a*", "b/c")).toEqual({ matched: false });
    const { matched, error } = pathMatch("a[", "b");
    expect(matched).toBe(false);
    expect(error).toBeInstanceOf(BadPatternError);
    expect(error?.message).toBe("syntax error in pattern");
  });

  test("reports a bad pattern after the match has already failed", () => {
    expect(pathMatch("x*[", "abc").error).toBeInstanceOf(BadPatternError);
    expect(pathMatch("*a*[", "bbb").error).toBeInstanceOf(BadPatternError);
  });

  test("an astral character is one rune for ? and for classes", () => {
    expect(pathMatch("?", "😀").matched).toBe(true);
    expect(pathMatch("??", "😀").matched).toBe(false);
    expect(pathMatch("[😀-😂]", "😁").matched).toBe(true);
  });

  test("a star skips bytes, so a class after it can read U+FFFD inside a multi-byte rune", () => {
    expect(pathMatch("*[^é]", "é").matched).toBe(true);
    expect(pathMatch("*[\ufffd]", "é").matched).toBe(true);
  });

  test("strings and their UTF-8 bytes give the same answer", () => {
    const bytes = (s: string) => new TextEncoder().encode(s);
    for (const [p, n] of [["a?c", "aéc"], ["[^a]", "\ud800"], ["*[", "x"], ["\\*", "*"]] as const) {
      expect(pathMatch(bytes(p), bytes(n))).toEqual(pathMatch(p, n));
    }
  });

  test("a lone surrogate reads as U+FFFD, as its UTF-8 encoding would", () => {
    expect(pathMatch("\ufffd", "\udc00").matched).toBe(true);
    expect(pathMatch("[\ufffd]", "\ud800").matched).toBe(true);
  });

  test("invalid UTF-8 bytes in a class make the pattern bad", () => {
    expect(pathMatch(Uint8Array.of(0x5b, 0xff, 0x5d), "a").error).toBeInstanceOf(BadPatternError);
  });
});
