// Go's path.Match. It runs on the UTF-8 bytes of pattern and name, as Go does: literals compare
// byte by byte, `?` and classes read one rune, and a star advances one byte at a time, so a class can
// be tried from inside a multi-byte rune (where it reads U+FFFD). Code-point matching would differ.
import { type GoStringInput, RUNE_ERROR, decodeRune, decodedWidth } from "./utf8.ts";

/** Go's path.ErrBadPattern. */
export class BadPatternError extends Error {
  constructor() {
    super("syntax error in pattern");
    this.name = "BadPatternError";
  }
}

/** Go's two results: `error` is set when the pattern is malformed, and `matched` is then false. */
export interface PathMatchResult {
  matched: boolean;
  error?: BadPatternError;
}

/**
 * Go's path.Match(pattern, name): whether name matches the whole shell pattern (`*` and `?` never
 * match "/"; `[...]` classes with ranges, `^` negation and `\` escapes). A malformed pattern gives
 * an error even when the match has already failed, as Go reports it. Strings are read as UTF-8
 * (see GoStringInput for lone surrogates).
 */
export function pathMatch(pattern: GoStringInput, name: GoStringInput): PathMatchResult {
  const outcome = matchBytes(utf8(pattern), utf8(name));
  return outcome === MALFORMED ? { matched: false, error: new BadPatternError() } : { matched: outcome };
}

const encoder = new TextEncoder();

// Annotation keys and patterns are nearly always ASCII, which copies faster than TextEncoder runs.
function utf8(s: GoStringInput): Uint8Array {
  if (typeof s !== "string") return s;
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit >= 0x80) return encoder.encode(s);
    bytes[i] = unit;
  }
  return bytes;
}

const STAR = 0x2a;
const QUESTION = 0x3f;
const BACKSLASH = 0x5c;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const CARET = 0x5e;
const DASH = 0x2d;
const SLASH = 0x2f;

// What matchChunk returns instead of the index where its match ends; MALFORMED also ends matchBytes.
const NO_MATCH = -1;
const MALFORMED = -2;
const NOTHING = new Uint8Array(0);

function matchBytes(pattern: Uint8Array, name: Uint8Array): boolean | typeof MALFORMED {
  let p = 0;
  let n = 0;
  next: while (p < pattern.length) {
    const chunk = scanChunk(pattern, p);
    p = chunk.end;
    if (chunk.star && chunk.start === chunk.end) return name.indexOf(SLASH, n) < 0;
    // A chunk that matches here is taken unless it is the last one and leaves part of the name over.
    const here = matchChunk(pattern, chunk.start, chunk.end, name, n);
    if (here >= 0 && (here === name.length || p < pattern.length)) {
      n = here;
      continue;
    }
    if (here === MALFORMED) return MALFORMED;
    if (chunk.star) {
      for (let skip = n; skip < name.length && name[skip] !== SLASH; skip++) {
        const rest = matchChunk(pattern, chunk.start, chunk.end, name, skip + 1);
        if (rest >= 0) {
          if (p === pattern.length && rest < name.length) continue;
          n = rest;
          continue next;
        }
        if (rest === MALFORMED) return MALFORMED;
      }
    }
    // No match; the rest of the pattern must still be well formed.
    while (p < pattern.length) {
      const later = scanChunk(pattern, p);
      p = later.end;
      if (matchChunk(pattern, later.start, later.end, NOTHING, 0) === MALFORMED) return MALFORMED;
    }
    return false;
  }
  return n === name.length;
}

interface Chunk {
  star: boolean;
  start: number;
  end: number;
}

/** Leading stars, then the pattern up to the next star outside a class (escapes respected). */
function scanChunk(pattern: Uint8Array, from: number): Chunk {
  let start = from;
  while (start < pattern.length && pattern[start] === STAR) start++;
  let inClass = false;
  for (let i = start; i < pattern.length; i++) {
    switch (pattern[i]) {
      case BACKSLASH:
        if (i + 1 < pattern.length) i++;
        break;
      case OPEN:
        inClass = true;
        break;
      case CLOSE:
        inClass = false;
        break;
      case STAR:
        if (!inClass) return { star: start > from, start, end: i };
    }
  }
  return { star: start > from, start, end: pattern.length };
}

/**
 * Matches pattern[start, end) (no stars) against the front of name from `at`: the index where the
 * match ends, NO_MATCH, or MALFORMED. After a mismatch it keeps reading the chunk, to report bad
 * syntax.
 */
function matchChunk(pattern: Uint8Array, start: number, end: number, name: Uint8Array, at: number): number {
  let c = start;
  let s = at;
  let failed = false;
  while (c < end) {
    failed ||= s === name.length;
    const op = pattern[c]!;
    if (op === OPEN) {
      let rune = 0;
      if (!failed) {
        const decoded = decodeRune(name, s);
        rune = decoded < 0 ? RUNE_ERROR : decoded;
        s += decodedWidth(decoded);
      }
      c++;
      const negated = c < end && pattern[c] === CARET;
      if (negated) c++;
      let inClass = false;
      for (let ranges = 0; ; ranges++) {
        if (c < end && pattern[c] === CLOSE && ranges > 0) {
          c++;
          break;
        }
        const low = classChar(pattern, c, end);
        if (low === undefined) return MALFORMED;
        c = low.next;
        let high = low;
        if (pattern[c] === DASH) {
          const upper = classChar(pattern, c + 1, end);
          if (upper === undefined) return MALFORMED;
          high = upper;
          c = upper.next;
        }
        inClass ||= low.rune <= rune && rune <= high.rune;
      }
      failed ||= inClass === negated;
    } else if (op === QUESTION) {
      if (!failed) {
        failed = name[s] === SLASH;
        s += decodedWidth(decodeRune(name, s));
      }
      c++;
    } else {
      if (op === BACKSLASH) {
        c++;
        if (c === end) return MALFORMED;
      }
      if (!failed) {
        failed = pattern[c] !== name[s];
        s++;
      }
      c++;
    }
  }
  return failed ? NO_MATCH : s;
}

/**
 * Reads one possibly escaped character of a class at pattern[at]: its rune and where it ends, or
 * undefined when it is missing, an unescaped "-" or "]", invalid UTF-8, or the last byte of the
 * chunk (so no "]" can follow).
 */
function classChar(pattern: Uint8Array, at: number, end: number): { rune: number; next: number } | undefined {
  if (at >= end || pattern[at] === DASH || pattern[at] === CLOSE) return undefined;
  if (pattern[at] === BACKSLASH) {
    at++;
    if (at === end) return undefined;
  }
  const rune = decodeRune(pattern, at);
  const next = at + decodedWidth(rune);
  return rune < 0 || next >= end ? undefined : { rune, next };
}
