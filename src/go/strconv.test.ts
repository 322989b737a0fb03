import { describe, expect, test } from "vitest";
import { ErrRange, ErrSyntax, NumError, isPrint, parseInt, quote } from "./strconv.ts";
import { printableRanges } from "./unicode-printable.ts";

function numErrorOf(run: () => unknown): NumError {
  try {
    run();
  } catch (e) {
    if (e instanceof NumError) return e;
    throw e;
  }
  throw new Error("expected a NumError");
}

describe("parseInt", () => {
  test("parses signed decimal int64 as bigint", () => {
    expect(parseInt("-9223372036854775808")).toBe(-(2n ** 63n));
    expect(parseInt("+0009223372036854775807")).toBe(2n ** 63n - 1n);
    expect(parseInt("-0")).toBe(0n);
  });

  test("a NumError carries Go's Func, Num, Err and the value returned beside it", () => {
    const err = numErrorOf(() => parseInt("18446744073709551616"));
    expect(err).toMatchObject({ func: "ParseInt", num: "18446744073709551616", cause: ErrRange });
    expect(err.value).toBe(2n ** 63n - 1n);
    expect(err.message).toBe('strconv.ParseInt: parsing "18446744073709551616": value out of range');

    const syntax = numErrorOf(() => parseInt("1_000"));
    expect(syntax.cause).toBe(ErrSyntax);
    expect(syntax.value).toBe(0n);
    expect(syntax.message).toBe('strconv.ParseInt: parsing "1_000": invalid syntax');
  });

  test("an overflow is reported before bad syntax that follows it", () => {
    expect(numErrorOf(() => parseInt("-99999999999999999999x")).cause).toBe(ErrRange);
    expect(numErrorOf(() => parseInt("x99999999999999999999")).cause).toBe(ErrSyntax);
  });

  test("bytes that are not UTF-8 are quoted with \\x in the message", () => {
    const err = numErrorOf(() => parseInt(Uint8Array.of(0x31, 0xff)));
    expect(err.message).toBe('strconv.ParseInt: parsing "1\\xff": invalid syntax');
  });
});

describe("quote", () => {
  test("escapes as Go's %q does", () => {
    expect(quote('a"b\\c\n\x00\x7f\u00ad\u2028\u{e0001}é😀')).toBe(
      '"a\\"b\\\\c\\n\\x00\\x7f\\u00ad\\u2028\\U000e0001é😀"',
    );
    expect(quote(Uint8Array.of(0xed, 0xa0, 0x80, 0x41))).toBe('"\\xed\\xa0\\x80A"');
  });

  test("a lone surrogate quotes as U+FFFD, which is printable", () => {
    expect(quote("x\udfffy")).toBe('"x\ufffdy"');
  });
});

test("isPrint's binary search agrees with a linear scan of the table for every rune", () => {
  let range = 0;
  for (let rune = 0; rune <= 0x10ffff; rune++) {
    while (range < printableRanges.length && printableRanges[range + 1]! < rune) range += 2;
    const inTable = range < printableRanges.length && printableRanges[range]! <= rune;
    if (isPrint(rune) !== inTable) expect.fail(`isPrint(0x${rune.toString(16)}) is ${isPrint(rune)}`);
  }
});
