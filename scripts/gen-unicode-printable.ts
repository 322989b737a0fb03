// Writes src/go/unicode-printable.ts from golden/go/isprint.json, the rune ranges for which Go's
// strconv.IsPrint is true as recorded by TestRecordIsPrint (golden/go/recorder/record_strconv_test.go).
// Go's printable set follows its own Unicode tables and rules, so it is taken from Go, not from JS.
//
//   bash golden/go/recorder/record.sh strconv && npx tsx scripts/gen-unicode-printable.ts
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface IsPrintRecording {
  meta: { go: string };
  cases: { fn: string; out: [number, number][] }[];
}

const source = new URL("../golden/go/isprint.json", import.meta.url);
const target = new URL("../src/go/unicode-printable.ts", import.meta.url);

const recording = JSON.parse(readFileSync(source, "utf8")) as IsPrintRecording;
const ranges = recording.cases.find((c) => c.fn === "IsPrintRanges")?.out;
if (!ranges || ranges.length === 0) throw new Error(`${fileURLToPath(source)} has no IsPrintRanges case`);
for (let i = 0; i < ranges.length; i++) {
  const [first, last] = ranges[i]!;
  const previousLast = i > 0 ? ranges[i - 1]![1] : -2;
  if (!(first <= last && first > previousLast + 1)) throw new Error(`ranges are not sorted and disjoint at ${i}`);
}

const hex = (n: number) => `0x${n.toString(16)}`;
const pairsPerLine = 6;
const lines: string[] = [];
for (let i = 0; i < ranges.length; i += pairsPerLine) {
  lines.push("  " + ranges.slice(i, i + pairsPerLine).map(([a, b]) => `${hex(a)}, ${hex(b)},`).join(" "));
}

const text = `// GENERATED FILE, do not edit. Written by scripts/gen-unicode-printable.ts from golden/go/isprint.json,
// which records strconv.IsPrint of ${recording.meta.go}. Regenerate with:
//   bash golden/go/recorder/record.sh strconv && npx tsx scripts/gen-unicode-printable.ts

/** Go version whose strconv.IsPrint this table reproduces. */
export const printableGoVersion = "${recording.meta.go}";

/**
 * Runes for which Go's strconv.IsPrint is true, as sorted, disjoint, inclusive ranges flattened to
 * [first0, last0, first1, last1, ...] (${ranges.length} ranges).
 */
export const printableRanges: Uint32Array = new Uint32Array([
${lines.join("\n")}
]);
`;
writeFileSync(target, text);
console.log(`wrote ${fileURLToPath(target)}: ${ranges.length} ranges from ${recording.meta.go}`);
