// Laws of the Go string and path ports that must hold for any input, beyond the recorded goldens.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { clean, join } from "../src/go/filepath.ts";
import { pathMatch } from "../src/go/path-match.ts";
import { ErrRange, NumError, parseInt, quote } from "../src/go/strconv.ts";
import { unquote } from "./support/go-unquote.ts";
import {
  INT64_MAX,
  INT64_MIN,
  goPath,
  goPathElements,
  goStringBytes,
  int64,
  jsText,
  literalPatternAndName,
  outsideInt64,
} from "./arbitraries/go-strings.ts";

const runs = { numRuns: 1000 };
const encoder = new TextEncoder();

describe("filepath", () => {
  test("clean is idempotent", () => {
    fc.assert(fc.property(goPath(), (p) => clean(clean(p)) === clean(p)), runs);
  });

  test("join is clean of the non-empty elements joined with /", () => {
    fc.assert(
      fc.property(goPathElements(), (elements) => {
        const parts = elements.filter((e) => e !== "");
        expect(join(...elements)).toBe(parts.length === 0 ? "" : clean(parts.join("/")));
      }),
      runs,
    );
  });
});

describe("strconv.Quote", () => {
  test("unquoting quote(bytes) gives back the same bytes", () => {
    fc.assert(
      fc.property(goStringBytes(), (bytes) => {
        expect(unquote(quote(bytes))).toEqual(bytes);
      }),
      runs,
    );
  });

  test("a JS string quotes as its UTF-8 encoding, lone surrogates as U+FFFD", () => {
    fc.assert(
      fc.property(jsText(), (s) => {
        const bytes = encoder.encode(s);
        expect(quote(s)).toBe(quote(bytes));
        expect(unquote(quote(s))).toEqual(bytes);
      }),
      runs,
    );
  });
});

describe("strconv.ParseInt", () => {
  test("parseInt(String(n)) is n for every int64", () => {
    fc.assert(fc.property(int64(), (n) => parseInt(String(n)) === n), runs);
  });

  test("integers outside int64 fail with ErrRange and the nearest bound", () => {
    fc.assert(
      fc.property(outsideInt64(), (n) => {
        const text = String(n);
        let thrown: unknown;
        try {
          parseInt(text);
        } catch (e) {
          thrown = e;
        }
        expect(thrown).toBeInstanceOf(NumError);
        const err = thrown as NumError;
        expect(err.cause).toBe(ErrRange);
        expect(err.value).toBe(n < 0n ? INT64_MIN : INT64_MAX);
        expect(err.message).toBe(`strconv.ParseInt: parsing "${text}": value out of range`);
      }),
      runs,
    );
  });
});

describe("path.Match", () => {
  test("a pattern without metacharacters matches exactly the equal name", () => {
    fc.assert(
      fc.property(literalPatternAndName(), ([pattern, name]) => {
        expect(pathMatch(pattern, name)).toEqual({ matched: pattern === name });
      }),
      runs,
    );
  });
});

test("the test's unquote rejects what Quote never emits", () => {
  for (const bad of ['"\\u0041"', '"\\x41"', '"\\xG0"', '"\\uD800"', '"\\U00000100"', '"\u00ad"', '"\\q"', '"\\x0A"']) {
    expect(() => unquote(bad), bad).toThrow();
  }
  expect(unquote('"a\\x00\\xff\\u00ad\\U000e0001"')).toEqual(
    Uint8Array.from([0x61, 0, 0xff, 0xc2, 0xad, 0xf3, 0xa0, 0x80, 0x81]),
  );
});
