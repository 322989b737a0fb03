// Replays golden/go/reference.json (containerd v1.5.7 reference/docker) against
// src/go/reference.ts. A parsed reference is compared through what Go can observe of it: its Go
// type (our `kind`), String(), its parts, and which interface assertions hold (our type guards).
import type { Digest } from "../../../src/go/digest.ts";
import {
  type Named,
  NameContainsUppercaseError,
  type Reference,
  RemoteNameUppercaseError,
  domain,
  familiarName,
  familiarString,
  isCanonical,
  isDigested,
  isNamed,
  isNameOnly,
  isNamedTagged,
  isTagged,
  parse,
  parseAnyReference,
  parseDockerRef,
  parseNamed,
  parseNormalizedNamed,
  path,
  referenceName,
  referenceString,
  tagNameOnly,
  trimNamed,
  withDigest,
  withName,
  withTag,
} from "../../../src/go/reference.ts";
import { type GoldenCase, type GoldenException, type GoString, isRawBytes, outcomeOf, replayGolden } from "./golden.ts";

function describe(ref: Reference): Record<string, unknown> {
  const out: Record<string, unknown> = { type: ref.kind, string: referenceString(ref) };
  const is: string[] = [];
  if (isNamed(ref)) {
    is.push("named");
    out.name = referenceName(ref);
    out.domain = domain(ref);
    out.path = path(ref);
  }
  if (isTagged(ref)) {
    is.push("tagged");
    out.tag = ref.tag;
  }
  if (isNamedTagged(ref)) is.push("namedTagged");
  if (isDigested(ref)) {
    is.push("digested");
    out.digest = ref.digest;
  }
  if (isCanonical(ref)) is.push("canonical");
  out.is = is;
  return out;
}

function brief(ref: Reference): Record<string, unknown> {
  const out: Record<string, unknown> = { type: ref.kind, string: referenceString(ref) };
  if (isNamed(ref)) out.domain = domain(ref);
  return out;
}

const parsers = { parse, parseNormalizedNamed, parseAnyReference } as const;

interface DerivedInput {
  ref: GoString;
  via: keyof typeof parsers;
  tag?: GoString;
  digest?: GoString;
}

const parsed = (c: DerivedInput): Reference => parsers[c.via](c.ref as string);
const parsedNamed = (c: DerivedInput): Named => {
  const ref = parsed(c);
  if (!isNamed(ref)) throw new Error(`recorded as Named but ${c.via} gave ${ref.kind}`);
  return ref;
};
const on = (run: () => unknown) => outcomeOf(run);

/** Over code points from..to (surrogates skipped), "lo-hi" ranges of those for which keep holds. */
function runeRanges(range: { from: number; to: number }, keep: (ch: string) => boolean): string {
  const ranges: string[] = [];
  let start = -1;
  const flush = (end: number) => {
    if (start >= 0) ranges.push(`${start.toString(16)}-${end.toString(16)}`);
    start = -1;
  };
  for (let cp = range.from; cp <= range.to; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) {
      flush(cp - 1);
      continue;
    }
    if (keep(String.fromCodePoint(cp))) {
      if (start < 0) start = cp;
    } else flush(cp - 1);
  }
  flush(range.to);
  return ranges.join(",");
}

function raises(run: () => unknown, kind: new (...args: never[]) => Error): boolean {
  try {
    run();
    return false;
  } catch (e) {
    return e instanceof kind;
  }
}

const stringInputFns = ["parse", "parseNamed", "parseNormalizedNamed", "parseDockerRef", "parseAnyReference", "withName"];
const notUtf8 = (c: GoldenCase) => {
  const input = c.in as GoString | DerivedInput;
  if (typeof input === "object" && "ref" in input) return [input.ref, input.tag, input.digest].some((s) => s !== undefined && isRawBytes(s));
  return isRawBytes(input);
};
const notUtf8Input: GoldenException[] = [
  ...stringInputFns,
  "familiarString",
  "referenceString",
  "familiarName",
  "referenceName",
  "domain",
  "path",
  "trimNamed",
  "tagNameOnly",
  "isNameOnly",
  "withTag",
  "withDigest",
].map((fn) => ({ fn, reason: "input is not valid UTF-8, which a JS string cannot carry", applies: notUtf8 }));

replayGolden(
  "reference",
  {
    parse: (s: string) => on(() => describe(parse(s))),
    parseNamed: (s: string) => on(() => brief(parseNamed(s))),
    parseNormalizedNamed: (s: string) => on(() => describe(parseNormalizedNamed(s))),
    parseDockerRef: (s: string) => on(() => brief(parseDockerRef(s))),
    parseAnyReference: (s: string) => on(() => brief(parseAnyReference(s))),
    withName: (s: string) => on(() => brief(withName(s))),
    familiarString: (c: DerivedInput) => on(() => familiarString(parsed(c))),
    referenceString: (c: DerivedInput) => on(() => referenceString(parsed(c))),
    familiarName: (c: DerivedInput) => on(() => familiarName(parsedNamed(c))),
    referenceName: (c: DerivedInput) => on(() => referenceName(parsedNamed(c))),
    domain: (c: DerivedInput) => on(() => domain(parsedNamed(c))),
    path: (c: DerivedInput) => on(() => path(parsedNamed(c))),
    trimNamed: (c: DerivedInput) => on(() => brief(trimNamed(parsedNamed(c)))),
    tagNameOnly: (c: DerivedInput) => on(() => brief(tagNameOnly(parsedNamed(c)))),
    isNameOnly: (c: DerivedInput) => on(() => isNameOnly(parsedNamed(c))),
    withTag: (c: DerivedInput) => on(() => brief(withTag(parsedNamed(c), c.tag as string))),
    withDigest: (c: DerivedInput) => on(() => brief(withDigest(parsedNamed(c), c.digest as Digest))),
    "parseNormalizedNamed.lowercaseChangingRunes": (range: { from: number; to: number }) =>
      on(() => runeRanges(range, (ch) => raises(() => parseNormalizedNamed("a" + ch), RemoteNameUppercaseError))),
    "parse.uppercaseRunes": (range: { from: number; to: number }) =>
      on(() => runeRanges(range, (ch) => raises(() => parse("a:" + ch), NameContainsUppercaseError))),
  },
  notUtf8Input,
);
