// Replays golden/go/strconv.json (strconv.ParseInt base 10 / 64 bits, strconv.Quote) and
// golden/go/isprint.json (strconv.IsPrint as ranges) against src/go/strconv.ts and its generated
// table. Inputs recorded as hex are passed as bytes; valid ones run both as a JS string and as
// bytes, which must agree.
import { expect, test } from "vitest";
import { NumError, parseInt, quote } from "../../../src/go/strconv.ts";
import { printableGoVersion, printableRanges } from "../../../src/go/unicode-printable.ts";
import { type GoString, goBytes, isRawBytes, loadGolden, type Outcome, outcomeOf, replayGolden } from "./golden.ts";

/** Runs fn on the bytes and, for valid UTF-8, on the string too; a disagreement is reported. */
function bothForms<T>(s: GoString, fn: (input: string | Uint8Array) => T): Outcome {
  const fromBytes = outcomeOf(() => fn(goBytes(s)));
  if (isRawBytes(s)) return fromBytes;
  const fromText = outcomeOf(() => fn(s));
  return JSON.stringify(fromText, bigints) === JSON.stringify(fromBytes, bigints)
    ? fromText
    : { err: `string and byte inputs disagree: ${JSON.stringify(fromText, bigints)}` };
}
const bigints = (_key: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);

/** The int64 Go returned next to its error (or with success), as the recorder writes it. */
function valueReturned(input: string | Uint8Array): string {
  try {
    return parseInt(input).toString();
  } catch (e) {
    if (e instanceof NumError) return e.value.toString();
    throw e;
  }
}

replayGolden("strconv", {
  ParseInt: (s: GoString) => bothForms(s, (input) => parseInt(input).toString()),
  "ParseInt.value": (s: GoString) => bothForms(s, valueReturned),
  Quote: (s: GoString) => bothForms(s, quote),
});

replayGolden("isprint", {
  IsPrintRanges: () => ({
    out: Array.from({ length: printableRanges.length / 2 }, (_, i) => [printableRanges[2 * i], printableRanges[2 * i + 1]]),
  }),
});

test("the generated printable table comes from the Go version that recorded isprint.json", () => {
  expect(printableGoVersion).toBe(loadGolden("isprint").meta.go);
});
