// containerd's filter language (its filters package): `labels."k"==v,image~=^docker`, selectors
// joined by "," must all match; several filter strings match when any one does. The scanner walks
// UTF-8 bytes and reports byte positions, so parse errors read exactly like containerd's.

import { isPrint, quote } from "../src/go/strconv.ts";
import { decodeRune, decodedWidth } from "../src/go/utf8.ts";
import { ContainerdError } from "./errdefs.ts";

/** Looks up a field path on an object: the value, or undefined when the field is not present. */
export interface Adaptor {
  field(fieldpath: readonly string[]): string | undefined;
}

export type Operator = "present" | "==" | "!=" | "~=";

export interface Selector {
  readonly fieldpath: readonly string[];
  readonly operator: Operator;
  readonly value: string;
}

/** Why a filter string did not parse; `message` is the text containerd's filters.Parse returns. */
export class FilterSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FilterSyntaxError";
  }
}

/**
 * A parsed filter: it matches when every selector of at least one alternative matches. An empty
 * alternative always matches (an empty filter string, or no filters at all).
 */
export class Filter {
  readonly alternatives: readonly (readonly Selector[])[];
  private readonly regexps = new Map<string, RegExp | null>();

  constructor(alternatives: readonly (readonly Selector[])[]) {
    this.alternatives = alternatives;
  }

  /** True when the filter places no constraint at all. */
  get matchesEverything(): boolean {
    return this.alternatives.some((selectors) => selectors.length === 0);
  }

  /** Whether the object behind `adaptor` matches any of the filter's alternatives. */
  match(adaptor: Adaptor): boolean {
    for (const selectors of this.alternatives) if (this.matchAll(selectors, adaptor)) return true;
    return false;
  }

  /** @internal Whether it matches every selector of one alternative. */
  matchAll(selectors: readonly Selector[], adaptor: Adaptor): boolean {
    for (const s of selectors) if (!this.matchSelector(s, adaptor)) return false;
    return true;
  }

  private matchSelector(s: Selector, adaptor: Adaptor): boolean {
    const value = adaptor.field(s.fieldpath);
    switch (s.operator) {
      case "present":
        return value !== undefined;
      case "==":
        return value !== undefined && value === s.value;
      case "!=":
        return (value ?? "") !== s.value;
      case "~=": {
        const re = this.regexp(s.value);
        return re !== null && re.test(value ?? "");
      }
    }
  }

  // containerd compiles the pattern at match time and treats a bad pattern as "no match".
  private regexp(pattern: string): RegExp | null {
    let re = this.regexps.get(pattern);
    if (re === undefined) {
      re = compileGoRegexp(pattern);
      this.regexps.set(pattern, re);
    }
    return re;
  }
}

/** filters.ParseAll: any of the filter strings may match; a syntax error is an invalid argument. */
export function parseFilters(filters: readonly string[]): Filter {
  if (filters.length === 0) return new Filter([[]]);
  const alternatives: Selector[][] = [];
  for (const f of filters) {
    try {
      alternatives.push(parseSelectors(f));
    } catch (e) {
      if (e instanceof FilterSyntaxError) throw new ContainerdError("invalid argument", `${e.message}: invalid argument`);
      throw e;
    }
  }
  return new Filter(alternatives);
}

/** filters.Parse for one string: its selectors, all of which must match. */
export function parseSelectors(input: string): Selector[] {
  if (input === "") return [];
  return new Parser(input).parse();
}

/** How containerd's object adaptors read a label map: the rest of the path, joined by ".", is the key. */
export function mapField(rest: readonly string[], map: Readonly<Record<string, string>>): string | undefined {
  const key = rest.join(".");
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

// Token kinds are negative so that they never collide with a rune.
const tokenEOF = -1;
const tokenQuoted = -2;
const tokenValue = -3;
const tokenField = -4;
const tokenSeparator = -5;
const tokenOperator = -6;
const tokenIllegal = -7;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

class Scanner {
  readonly input: Uint8Array;
  /** Start of the rune last read. */
  pos = 0;
  /** End of the rune last read. */
  ppos = 0;
  /** Whether an operator was just read, so that what follows scans as a value. */
  value = false;
  /** The first error met; it is never reset, as in containerd. */
  err = "";

  constructor(input: Uint8Array) {
    this.input = input;
  }

  next(): number {
    if (this.pos >= this.input.length) return tokenEOF;
    this.pos = this.ppos;
    if (this.ppos >= this.input.length) return tokenEOF;
    const r = decodeRune(this.input, this.ppos);
    this.ppos += r < 0 ? 1 : decodedWidth(r);
    // Go decodes invalid UTF-8 as U+FFFD, and cannot tell that from a real U+FFFD.
    if (r < 0 || r === 0xfffd) {
      this.error("rune error");
      return tokenIllegal;
    }
    if (r === 0) {
      this.error("unexpected null");
      return tokenIllegal;
    }
    return r;
  }

  peek(): number {
    const { pos, ppos } = this;
    const ch = this.next();
    this.pos = pos;
    this.ppos = ppos;
    return ch;
  }

  scan(): { pos: number; token: number; text: string } {
    let ch = this.next();
    let pos = this.pos;
    for (;;) {
      if (ch === tokenEOF || ch === tokenIllegal) break;
      if (isQuoteRune(ch)) {
        const ok = this.scanQuoted(ch);
        return { pos, token: ok ? tokenQuoted : tokenIllegal, text: this.text(pos) };
      }
      if (isSeparatorRune(ch)) {
        this.value = false;
        return { pos, token: tokenSeparator, text: this.text(pos) };
      }
      if (isOperatorRune(ch)) {
        this.scanWhile(isOperatorRune);
        this.value = true;
        return { pos, token: tokenOperator, text: this.text(pos) };
      }
      if (isSpace(ch)) {
        ch = this.next();
        pos = this.pos;
        continue;
      }
      if (this.value) {
        this.scanWhile(isValueRune);
        this.value = false;
        return { pos, token: tokenValue, text: this.text(pos) };
      }
      if (isFieldRune(ch)) {
        this.scanWhile(isFieldRune);
        return { pos, token: tokenField, text: this.text(pos) };
      }
      break;
    }
    return { pos: this.pos, token: ch, text: "" };
  }

  private text(from: number): string {
    return decoder.decode(this.input.subarray(from, this.ppos));
  }

  private scanWhile(accept: (r: number) => boolean): void {
    while (accept(this.peek())) this.next();
  }

  private scanQuoted(quoteRune: number): boolean {
    let illegal = false;
    let ch = this.next();
    while (ch !== quoteRune) {
      if (ch === 0x0a || ch < 0) {
        this.error("quoted literal not terminated");
        return false;
      }
      if (ch === 0x5c) {
        const escape = this.scanEscape(quoteRune);
        ch = escape.ch;
        if (!escape.legal) illegal = true;
      } else {
        ch = this.next();
      }
    }
    return !illegal;
  }

  private scanEscape(quoteRune: number): { ch: number; legal: boolean } {
    const ch = this.next();
    if (ch === quoteRune || "abfnrtv\\".includes(runeText(ch))) return { ch: this.next(), legal: true };
    if (ch >= 0x30 && ch <= 0x37) return this.scanDigits(ch, 8, 3);
    if (ch === 0x78) return this.scanDigits(this.next(), 16, 2);
    if (ch === 0x75) return this.scanDigits(this.next(), 16, 4);
    if (ch === 0x55) return this.scanDigits(this.next(), 16, 8);
    this.error("illegal escape sequence");
    return { ch, legal: false };
  }

  private scanDigits(first: number, base: number, count: number): { ch: number; legal: boolean } {
    let ch = first;
    let n = count;
    while (n > 0 && digitValue(ch) < base) {
      ch = this.next();
      n--;
    }
    if (n > 0) {
      this.error("illegal numeric escape sequence");
      return { ch, legal: false };
    }
    return { ch, legal: true };
  }

  private error(message: string): void {
    if (this.err === "") this.err = message;
  }
}

class Parser {
  private readonly input: Uint8Array;
  private readonly scanner: Scanner;

  constructor(input: string) {
    this.input = encoder.encode(input);
    this.scanner = new Scanner(this.input);
  }

  parse(): Selector[] {
    const selectors = [this.selector()];
    for (;;) {
      const tok = this.scanner.peek();
      if (tok === 0x2c) {
        const { pos, token } = this.scanner.scan();
        if (token !== tokenSeparator) throw this.error(pos, "expected a separator");
        selectors.push(this.selector());
      } else if (tok === tokenEOF) {
        return selectors;
      } else {
        throw this.error(this.scanner.ppos, `unexpected input: ${runeText(tok)}`);
      }
    }
  }

  private selector(): Selector {
    const fieldpath = this.fieldpath();
    const next = this.scanner.peek();
    if (next === 0x2c || next === tokenEOF) return { fieldpath, operator: "present", value: "" };
    const operator = this.operator();
    return { fieldpath, operator, value: this.value(operator === "~=") };
  }

  private fieldpath(): string[] {
    const fields = [this.field()];
    while (this.scanner.peek() === 0x2e) {
      const { pos, token } = this.scanner.scan();
      if (token !== tokenSeparator) throw this.error(pos, "expected a field separator (`.`)");
      fields.push(this.field());
    }
    return fields;
  }

  private field(): string {
    const { pos, token, text } = this.scanner.scan();
    if (token === tokenField) return text;
    if (token === tokenQuoted) return this.unquote(pos, text, false);
    if (token === tokenIllegal) throw this.error(pos, this.scanner.err);
    throw this.error(pos, "expected field or quoted");
  }

  private operator(): Operator {
    const { pos, token, text } = this.scanner.scan();
    if (token === tokenOperator) {
      if (text === "==" || text === "!=" || text === "~=") return text;
      throw this.error(pos, `unsupported operator ${quote(text)}`);
    }
    if (token === tokenIllegal) throw this.error(pos, this.scanner.err);
    throw this.error(pos, 'expected an operator ("=="|"!="|"~=")');
  }

  private value(allowAltQuotes: boolean): string {
    const { pos, token, text } = this.scanner.scan();
    if (token === tokenValue || token === tokenField) return text;
    if (token === tokenQuoted) return this.unquote(pos, text, allowAltQuotes);
    if (token === tokenIllegal) throw this.error(pos, this.scanner.err);
    throw this.error(pos, "expected value or quoted");
  }

  private unquote(pos: number, text: string, allowAltQuotes: boolean): string {
    if (!allowAltQuotes && text[0] !== "'" && text[0] !== '"') throw this.error(pos, "invalid quote encountered");
    const unquoted = unquote(encoder.encode(text));
    if (unquoted === undefined) throw this.error(pos, "unquoting failed: quote syntax error");
    return unquoted;
  }

  private error(pos: number, message: string): FilterSyntaxError {
    const bytes = this.input;
    let where: string;
    if (pos < bytes.length) {
      const before = decoder.decode(bytes.subarray(0, pos));
      const at = decoder.decode(bytes.subarray(pos, pos + 1));
      const after = decoder.decode(bytes.subarray(pos + 1));
      where = `[${before} >|${at}|< ${after}]`;
    } else {
      where = `[${decoder.decode(bytes)}]`;
    }
    return new FilterSyntaxError(`filters: parse error: ${where}: ${message}`);
  }
}

/**
 * containerd's own unquote: Go string-literal rules, with "/" and "|" also accepted as quotes
 * (for regular expressions). Returns undefined on a syntax error.
 */
function unquote(s: Uint8Array): string | undefined {
  const n = s.length;
  if (n < 2) return undefined;
  const q = s[0]!;
  if (q !== s[n - 1]) return undefined;
  let body = s.subarray(1, n - 1);
  if (q === 0x60) {
    if (body.includes(0x60)) return undefined;
    return decoder.decode(body.filter((b) => b !== 0x0d));
  }
  if (q !== 0x22 && q !== 0x27 && q !== 0x7c && q !== 0x2f) return undefined;
  if (body.includes(0x0a)) return undefined;
  if (!body.includes(0x5c) && !body.includes(q)) {
    if (q !== 0x27) return decoder.decode(body);
    const r = body.length > 0 ? decodeRune(body, 0) : -1;
    if (r >= 0 && decodedWidth(r) === body.length) return decoder.decode(body);
  }
  const out: number[] = [];
  while (body.length > 0) {
    const c = unquoteChar(body, q);
    if (c === undefined) return undefined;
    body = c.tail;
    if (c.value < 0x80 || !c.multibyte) out.push(c.value);
    else out.push(...encoder.encode(String.fromCodePoint(c.value)));
    if (q === 0x27 && body.length !== 0) return undefined;
  }
  return decoder.decode(new Uint8Array(out));
}

function unquoteChar(s: Uint8Array, q: number): { value: number; multibyte: boolean; tail: Uint8Array } | undefined {
  const c = s[0]!;
  if (c === q) return undefined;
  if (c >= 0x80) {
    const r = decodeRune(s, 0);
    // Invalid UTF-8 passes through byte by byte, as Go keeps the raw bytes.
    if (r < 0) return { value: c, multibyte: false, tail: s.subarray(1) };
    return { value: r, multibyte: true, tail: s.subarray(decodedWidth(r)) };
  }
  if (c !== 0x5c) return { value: c, multibyte: false, tail: s.subarray(1) };
  if (s.length <= 1) return undefined;
  const e = s[1]!;
  let rest = s.subarray(2);
  const simple: Record<number, number> = { 0x61: 7, 0x62: 8, 0x66: 12, 0x6e: 10, 0x72: 13, 0x74: 9, 0x76: 11, 0x5c: 0x5c };
  if (simple[e] !== undefined) return { value: simple[e], multibyte: false, tail: rest };
  if (e === 0x78 || e === 0x75 || e === 0x55) {
    const digits = e === 0x78 ? 2 : e === 0x75 ? 4 : 8;
    if (rest.length < digits) return undefined;
    let v = 0;
    for (let j = 0; j < digits; j++) {
      const d = digitValue(rest[j]!);
      if (d >= 16) return undefined;
      v = v * 16 + d;
    }
    rest = rest.subarray(digits);
    if (e === 0x78) return { value: v, multibyte: false, tail: rest };
    if (v > 0x10ffff) return undefined;
    return { value: v, multibyte: true, tail: rest };
  }
  if (e >= 0x30 && e <= 0x37) {
    let v = e - 0x30;
    if (rest.length < 2) return undefined;
    for (let j = 0; j < 2; j++) {
      const x = rest[j]! - 0x30;
      if (x < 0 || x > 7) return undefined;
      v = (v << 3) | x;
    }
    if (v > 255) return undefined;
    return { value: v, multibyte: false, tail: rest.subarray(2) };
  }
  if (e === 0x27 || e === 0x22 || e === 0x7c || e === 0x2f) {
    if (e !== q) return undefined;
    return { value: e, multibyte: false, tail: rest };
  }
  return undefined;
}

/** Go's string(rune): a negative (token) value prints as U+FFFD. */
function runeText(r: number): string {
  return r < 0 || r > 0x10ffff ? "\ufffd" : String.fromCodePoint(r);
}

function digitValue(ch: number): number {
  if (ch >= 0x30 && ch <= 0x39) return ch - 0x30;
  if (ch >= 0x61 && ch <= 0x66) return ch - 0x61 + 10;
  if (ch >= 0x41 && ch <= 0x46) return ch - 0x41 + 10;
  return 16;
}

const isFieldRune = (r: number) =>
  r === 0x5f || (r >= 0x41 && r <= 0x5a) || (r >= 0x61 && r <= 0x7a) || (r >= 0x30 && r <= 0x39);
const isOperatorRune = (r: number) => r === 0x3d || r === 0x21 || r === 0x7e;
const isQuoteRune = (r: number) => r === 0x2f || r === 0x7c || r === 0x22;
const isSeparatorRune = (r: number) => r === 0x2c || r === 0x2e;

/** unicode.IsSpace. */
function isSpace(r: number): boolean {
  if (r <= 0xff) return r === 0x20 || (r >= 0x09 && r <= 0x0d) || r === 0x85 || r === 0xa0;
  return r === 0x1680 || (r >= 0x2000 && r <= 0x200a) || r === 0x2028 || r === 0x2029 || r === 0x202f || r === 0x205f || r === 0x3000;
}

// Go accepts letters, digits, numbers, graphic and punctuation runes; every space separator it
// counts as graphic is also a space, so "printable and not a space" is the same set.
const isValueRune = (r: number) => r >= 0 && r !== 0x2c && !isSpace(r) && isPrint(r);

/**
 * Compiles a Go (RE2) pattern as a JavaScript RegExp. The two agree on the common syntax; this
 * rewrites the Go-only forms filters use in practice: a leading flag group such as (?i), named
 * groups (?P<n>...) and \z. Returns null when the pattern does not compile.
 */
function compileGoRegexp(pattern: string): RegExp | null {
  let flags = "";
  let source = pattern;
  const leading = /^\(\?([ims]+)\)/.exec(source);
  if (leading) {
    flags = [...new Set(leading[1]!)].join("");
    source = source.slice(leading[0].length);
  }
  source = source.replace(/\(\?P</g, "(?<").replace(/\\z/g, "(?![\\s\\S])");
  try {
    return new RegExp(source, flags);
  } catch {
    return null;
  }
}
