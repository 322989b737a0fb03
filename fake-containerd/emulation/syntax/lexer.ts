// ash's tokens, read from a script's text: words (as parts that remember how they were quoted:
// plain, backslashed, in single or double quotes, expansions), operators, redirections with their
// descriptor, newlines. Comments and line continuations go; here-documents are read at the newline
// after their redirection. What ash would refuse raises its syntax error text.

import type { Part, Program, Redirection, RedirectionOp, Word } from "./ast.ts";

export type Operator = ";" | "&" | "|" | "&&" | "||" | ";;" | "(" | ")";

export type Token =
  | { kind: "word"; word: Word; line: number }
  | { kind: "operator"; op: Operator; line: number }
  | { kind: "redirection"; op: RedirectionOp; fd: number | undefined; line: number }
  | { kind: "newline"; line: number }
  | { kind: "eof"; line: number };

/** A syntax error, with ash's text (without its `syntax error: ` prefix). */
export class ShellSyntaxError extends Error {}

/** Parses the commands of a `$(...)` that starts at the lexer's position, up to and past its `)`. */
export type NestedParser = (lexer: Lexer) => Program;

/** Parses the text of a backquoted substitution on its own. */
export type SourceParser = (source: string) => Program;

const operators: ReadonlyArray<[string, Operator]> = [
  ["&&", "&&"],
  ["||", "||"],
  [";;", ";;"],
  [";", ";"],
  ["&", "&"],
  ["|", "|"],
  ["(", "("],
  [")", ")"],
];

const redirections: readonly RedirectionOp[] = ["<<-", "<<", "<&", "<>", "<", ">>", ">&", ">|", ">", "&>"];

/** Characters that end an unquoted word. */
const metacharacters = new Set([" ", "\t", "\n", ";", "&", "|", "<", ">", "(", ")"]);

/** The escapes of `$'...'` that stand for one character. */
const ansiEscapes: Readonly<Record<string, string>> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", "'": "'", '"': '"' };

const nameStart = /[A-Za-z_]/;
const nameChar = /[A-Za-z0-9_]/;
const specialParameters = "@*#?-$!0";

/** The source text of a word written without any quoting or expansion, else undefined. */
export function plainText(word: Word): string | undefined {
  if (word.length !== 1 || word[0]!.type !== "literal") return undefined;
  return word[0]!.text;
}

/** Appends text to a list of parts, joining it with a literal of the same kind before it. */
function pushText(parts: Part[], type: "literal" | "escaped", text: string): void {
  const last = parts.at(-1);
  if (last && last.type === type) last.text += text;
  else parts.push({ type, text });
}

interface PendingHereDoc {
  redirection: Redirection;
  delimiter: string;
  quoted: boolean;
  stripTabs: boolean;
}

export class Lexer {
  readonly source: string;
  pos: number;
  /** Newlines read so far. */
  line: number;
  private readonly nested: NestedParser;
  private readonly parseSource: SourceParser;
  private readonly hereDocs: PendingHereDoc[] = [];

  constructor(source: string, nested: NestedParser, parseSource: SourceParser, start = 0) {
    this.source = source;
    this.pos = start;
    this.line = 0;
    this.nested = nested;
    this.parseSource = parseSource;
  }

  /** A here-document whose text starts after the next newline. */
  queueHereDoc(redirection: Redirection): void {
    const delimiter: string[] = [];
    let quoted = false;
    for (const part of redirection.target) {
      if (part.type === "literal") delimiter.push(part.text);
      else if (part.type === "escaped" || part.type === "single") {
        delimiter.push(part.text);
        quoted = true;
      } else if (part.type === "double") {
        quoted = true;
        for (const inner of part.parts) delimiter.push(inner.type === "literal" ? inner.text : "");
      } else delimiter.push("");
    }
    this.hereDocs.push({ redirection, delimiter: delimiter.join(""), quoted, stripTabs: redirection.op === "<<-" });
  }

  next(): Token {
    for (;;) {
      const ch = this.source[this.pos];
      if (ch === " " || ch === "\t") this.pos++;
      else if (ch === "\\" && this.source[this.pos + 1] === "\n") {
        this.pos += 2;
        this.line++;
      } else break;
    }
    if (this.source[this.pos] === "#") {
      while (this.pos < this.source.length && this.source[this.pos] !== "\n") this.pos++;
    }
    const line = this.line;
    if (this.pos >= this.source.length) return { kind: "eof", line };
    const ch = this.source[this.pos]!;
    if (ch === "\n") {
      this.pos++;
      this.line++;
      this.readHereDocs();
      return { kind: "newline", line };
    }
    for (const op of redirections) {
      if (this.source.startsWith(op, this.pos)) {
        this.pos += op.length;
        return { kind: "redirection", op, fd: undefined, line };
      }
    }
    for (const [text, op] of operators) {
      if (this.source.startsWith(text, this.pos)) {
        this.pos += text.length;
        return { kind: "operator", op, line };
      }
    }
    const start = this.pos;
    const word = this.readWord();
    const digits = this.source.slice(start, this.pos);
    if (/^\d+$/.test(digits) && plainText(word) === digits && (this.source[this.pos] === "<" || this.source[this.pos] === ">")) {
      for (const op of redirections) {
        if (op !== "&>" && this.source.startsWith(op, this.pos)) {
          this.pos += op.length;
          return { kind: "redirection", op, fd: Number(digits), line };
        }
      }
    }
    return { kind: "word", word, line };
  }

  /** An unquoted word, up to the next metacharacter. */
  private readWord(): Word {
    const parts: Part[] = [];
    while (this.pos < this.source.length) {
      const ch = this.source[this.pos]!;
      if (metacharacters.has(ch)) break;
      this.pos++;
      if (!this.quotingOrExpansion(ch, parts)) pushText(parts, "literal", ch);
    }
    return parts;
  }

  /** After an unquoted backslash: a line continuation, an escaped character, or a backslash at the end. */
  private backslash(parts: Part[]): void {
    const next = this.source[this.pos];
    if (next === undefined) pushText(parts, "literal", "\\");
    else if (next === "\n") {
      this.pos++;
      this.line++;
    } else {
      this.pos++;
      pushText(parts, "escaped", next);
    }
  }

  private readSingle(): string {
    const end = this.source.indexOf("'", this.pos);
    if (end < 0) throw new ShellSyntaxError("unterminated quoted string");
    const text = this.source.slice(this.pos, end);
    this.countLines(text);
    this.pos = end + 1;
    return text;
  }

  /** The inside of `"..."`, past its closing quote. */
  private readDouble(): Part[] {
    const parts: Part[] = [];
    for (;;) {
      const ch = this.source[this.pos];
      if (ch === undefined) throw new ShellSyntaxError("unterminated quoted string");
      this.pos++;
      if (ch === '"') return parts;
      if (ch === "\\") {
        const next = this.source[this.pos];
        if (next === "\n") {
          this.pos++;
          this.line++;
        } else if (next !== undefined && '"\\$`'.includes(next)) {
          this.pos++;
          pushText(parts, "literal", next);
        } else pushText(parts, "literal", "\\");
      } else if (ch === "$") this.dollar(parts, true);
      else if (ch === "`") parts.push(this.backquote(true));
      else {
        if (ch === "\n") this.line++;
        pushText(parts, "literal", ch);
      }
    }
  }

  /** The inside of `$'...'`, past its closing quote, with its escapes done as ash does them. */
  private readAnsi(): string {
    let text = "";
    for (;;) {
      const ch = this.source[this.pos];
      if (ch === undefined) throw new ShellSyntaxError("unterminated quoted string");
      this.pos++;
      if (ch === "'") return text;
      if (ch === "\n") this.line++;
      if (ch !== "\\") {
        text += ch;
        continue;
      }
      const next = this.source[this.pos];
      const simple = next === undefined ? undefined : ansiEscapes[next];
      if (simple !== undefined) {
        text += simple;
        this.pos++;
        continue;
      }
      const octal = /^[0-7]{1,3}/.exec(this.source.slice(this.pos, this.pos + 3));
      const hex = next === "x" ? /^[0-9a-fA-F]{1,2}/.exec(this.source.slice(this.pos + 1, this.pos + 3)) : null;
      if (octal) {
        text += String.fromCharCode(parseInt(octal[0], 8) & 0xff);
        this.pos += octal[0].length;
      } else if (hex) {
        text += String.fromCharCode(parseInt(hex[0], 16));
        this.pos += 1 + hex[0].length;
      } else text += "\\";
    }
  }

  /** After a `$`: an expansion, `$'...'` (outside double quotes), or a plain `$`. */
  private dollar(parts: Part[], inDouble = false): void {
    const next = this.source[this.pos];
    if (next === "'" && !inDouble) {
      this.pos++;
      parts.push({ type: "ansi", text: this.readAnsi() });
    } else if (next === "(") {
      if (this.source[this.pos + 1] === "(") {
        this.pos += 2;
        parts.push({ type: "arithmetic", parts: this.readArithmetic() });
      } else {
        this.pos++;
        parts.push({ type: "command", body: this.nested(this), backquoted: false });
      }
    } else if (next === "{") {
      this.pos++;
      parts.push(this.readBraced());
    } else if (next !== undefined && nameStart.test(next)) {
      const start = this.pos;
      while (this.pos < this.source.length && nameChar.test(this.source[this.pos]!)) this.pos++;
      parts.push({ type: "parameter", name: this.source.slice(start, this.pos), braced: false });
    } else if (next !== undefined && (/\d/.test(next) || specialParameters.includes(next))) {
      this.pos++;
      parts.push({ type: "parameter", name: next, braced: false });
    } else pushText(parts, "literal", "$");
  }

  /** `${...}`, from after its `{` to past its `}`. */
  private readBraced(): Part {
    const src = this.source;
    if (src[this.pos] === "#" && src[this.pos + 1] !== "}" && src[this.pos + 1] !== undefined) {
      this.pos++;
      const name = this.parameterName();
      if (name === undefined) throw new ShellSyntaxError("bad substitution");
      this.closeBrace();
      return { type: "parameter", name, braced: true, op: "length" };
    }
    const name = this.parameterName();
    if (name === undefined) {
      if (this.pos >= src.length) throw new ShellSyntaxError("missing '}'");
      throw new ShellSyntaxError("bad substitution");
    }
    const ch = src[this.pos];
    if (ch === "}") {
      this.pos++;
      return { type: "parameter", name, braced: true };
    }
    if (ch === undefined) throw new ShellSyntaxError("missing '}'");
    if (ch === ":" && "-=?+".includes(src[this.pos + 1] ?? "x")) {
      const op = src[this.pos + 1] as "-" | "=" | "?" | "+";
      this.pos += 2;
      return { type: "parameter", name, braced: true, op, colon: true, argument: this.readUntil("}") };
    }
    if (ch === ":") {
      this.pos++;
      const offset = this.readUntil(":}");
      if (src[this.pos - 1] === ":") return { type: "parameter", name, braced: true, op: "substring", argument: offset, second: this.readUntil("}") };
      return { type: "parameter", name, braced: true, op: "substring", argument: offset };
    }
    if ("-=?+".includes(ch)) {
      this.pos++;
      return { type: "parameter", name, braced: true, op: ch as "-" | "=" | "?" | "+", argument: this.readUntil("}") };
    }
    if (ch === "#" || ch === "%") {
      const double = src[this.pos + 1] === ch;
      this.pos += double ? 2 : 1;
      const op = (double ? ch + ch : ch) as "#" | "##" | "%" | "%%";
      return { type: "parameter", name, braced: true, op, argument: this.readUntil("}") };
    }
    if (ch === "/") {
      const op = src[this.pos + 1] === "/" ? "//" : "/";
      this.pos += op.length;
      const pattern = this.readUntil("/}");
      if (src[this.pos - 1] === "}") return { type: "parameter", name, braced: true, op, argument: pattern };
      return { type: "parameter", name, braced: true, op, argument: pattern, second: this.readUntil("}") };
    }
    throw new ShellSyntaxError("bad substitution");
  }

  /** A parameter's name after `${` (or `${#`): a name, digits, or one special character. */
  private parameterName(): string | undefined {
    const src = this.source;
    const start = this.pos;
    const ch = src[this.pos];
    if (ch === undefined) return undefined;
    if (nameStart.test(ch)) {
      while (this.pos < src.length && nameChar.test(src[this.pos]!)) this.pos++;
    } else if (/\d/.test(ch)) {
      while (this.pos < src.length && /\d/.test(src[this.pos]!)) this.pos++;
    } else if (specialParameters.includes(ch)) this.pos++;
    else return undefined;
    return src.slice(start, this.pos);
  }

  private closeBrace(): void {
    if (this.source[this.pos] !== "}") throw new ShellSyntaxError(this.pos >= this.source.length ? "missing '}'" : "bad substitution");
    this.pos++;
  }

  /** Reads what `ch` (just taken) starts when it quotes or expands: false for a plain character. */
  private quotingOrExpansion(ch: string, parts: Part[]): boolean {
    switch (ch) {
      case "\\":
        this.backslash(parts);
        return true;
      case "'":
        parts.push({ type: "single", text: this.readSingle() });
        return true;
      case '"':
        parts.push({ type: "double", parts: this.readDouble() });
        return true;
      case "$":
        this.dollar(parts);
        return true;
      case "`":
        parts.push(this.backquote(false));
        return true;
      default:
        return false;
    }
  }

  /**
   * A word inside `${...}`, up to one of `stops` (taken). Blanks and newlines are part of it;
   * quotes and expansions are read as in a word, so a `}` inside them is theirs.
   */
  private readUntil(stops: string): Word {
    const parts: Part[] = [];
    for (;;) {
      const ch = this.source[this.pos];
      if (ch === undefined) throw new ShellSyntaxError("missing '}'");
      this.pos++;
      if (stops.includes(ch)) return parts;
      if (this.quotingOrExpansion(ch, parts)) continue;
      if (ch === "\n") this.line++;
      pushText(parts, "literal", ch);
    }
  }

  /** The text of `$((...))` up to its `))`, with the expansions in it. */
  private readArithmetic(): Part[] {
    const parts: Part[] = [];
    let depth = 0;
    for (;;) {
      const ch = this.source[this.pos];
      if (ch === undefined) throw new ShellSyntaxError("missing '))'");
      if (ch === ")" && depth === 0) {
        if (this.source[this.pos + 1] !== ")") throw new ShellSyntaxError("missing '))'");
        this.pos += 2;
        return parts;
      }
      this.pos++;
      if (ch === "(") depth++;
      else if (ch === ")") depth--;
      if (ch === "$") this.dollar(parts);
      else if (ch === "`") parts.push(this.backquote(false));
      else if (ch === "\\" && this.source[this.pos] === "\n") {
        this.pos++;
        this.line++;
      } else {
        if (ch === "\n") this.line++;
        pushText(parts, "literal", ch);
      }
    }
  }

  /** `` `...` ``: its text with the backslashes that escape `` ` ``, `\` and `$` (and `"` in double quotes) removed, parsed. */
  private backquote(inDouble: boolean): Part {
    let text = "";
    for (;;) {
      const ch = this.source[this.pos];
      if (ch === undefined) throw new ShellSyntaxError("EOF in backquote substitution");
      this.pos++;
      if (ch === "`") break;
      if (ch === "\\") {
        const next = this.source[this.pos];
        if (next !== undefined && ("`\\$".includes(next) || (inDouble && next === '"'))) {
          text += next;
          this.pos++;
          continue;
        }
        if (next === "\n") {
          this.pos++;
          this.line++;
          continue;
        }
      }
      if (ch === "\n") this.line++;
      text += ch;
    }
    return { type: "command", body: this.parseSource(text), backquoted: true };
  }

  /** The whole text as a here-document's body. */
  readHereDocBody(): Part[] {
    const parts: Part[] = [];
    while (this.pos < this.source.length) {
      const ch = this.source[this.pos]!;
      this.pos++;
      if (ch === "\\") {
        const next = this.source[this.pos];
        if (next === "\n") {
          this.pos++;
          continue;
        }
        if (next !== undefined && "$`\\".includes(next)) {
          this.pos++;
          pushText(parts, "literal", next);
          continue;
        }
        pushText(parts, "literal", "\\");
      } else if (ch === "$") this.dollar(parts);
      else if (ch === "`") parts.push(this.backquote(true));
      else pushText(parts, "literal", ch);
    }
    return parts;
  }

  private countLines(text: string): void {
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) this.line++;
  }

  /** The bodies of the here-documents queued before this newline, each up to its delimiter line. */
  private readHereDocs(): void {
    for (const doc of this.hereDocs.splice(0)) {
      const lines: string[] = [];
      for (;;) {
        if (this.pos >= this.source.length) break;
        const end = this.source.indexOf("\n", this.pos);
        let line = this.source.slice(this.pos, end < 0 ? undefined : end);
        this.pos = end < 0 ? this.source.length : end + 1;
        if (end >= 0) this.line++;
        if (doc.stripTabs) line = line.replace(/^\t+/, "");
        if (line === doc.delimiter) break;
        lines.push(end < 0 ? line : `${line}\n`);
      }
      const body = lines.join("");
      doc.redirection.hereDoc = doc.quoted ? body : hereDocParts(body, this.nested, this.parseSource);
    }
  }
}

/**
 * An unquoted here-document's text as parts: `$` expansions and backquotes expand; a backslash
 * escapes only `$`, `` ` ``, `\` and a newline.
 */
function hereDocParts(body: string, nested: NestedParser, parseSource: SourceParser): Part[] {
  return new Lexer(body, nested, parseSource).readHereDocBody();
}
