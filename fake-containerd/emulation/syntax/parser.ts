// ash's grammar, read the way busybox's ash reads it (list, andor, pipeline, command, simplecmd,
// with its keyword checks and token pushback), so that what it refuses, and the words it says
// when it does, come out the same: `syntax error: unexpected "fi"`, `unexpected end of file
// (expecting "done")`, `bad for loop variable` ... A script is read one line at a time as ash runs
// it: the lines before a syntax error still run. Programs are cached by their text, so a script is
// parsed once however often it runs.

import type { AndOr, Case, Command, For, FunctionDefinition, Group, If, Item, Loop, Node, Pipeline, Program, Redirection, Sequence, Simple, Subshell, Word } from "./ast.ts";
import { Lexer, plainText, ShellSyntaxError, type Token } from "./lexer.ts";

export { ShellSyntaxError } from "./lexer.ts";

type Keyword = "!" | "case" | "do" | "done" | "elif" | "else" | "esac" | "fi" | "for" | "function" | "if" | "in" | "then" | "until" | "while" | "{" | "}";

/** What the parser sees: a token's kind, with keywords told apart where ash checks for them. */
type Tok = "eof" | "newline" | "redirection" | "word" | ";" | "&" | "&&" | "||" | "|" | "(" | ")" | ";;" | Keyword;

const keywords: ReadonlySet<string> = new Set<Keyword>(["!", "case", "do", "done", "elif", "else", "esac", "fi", "for", "function", "if", "in", "then", "until", "while", "{", "}"]);

/** Tokens that end a list inside a compound command. */
const listEnds: ReadonlySet<Tok> = new Set<Tok>(["eof", ")", ";;", "do", "done", "elif", "else", "esac", "fi", "then", "}"]);

/** ash's special builtins, which no function may be named after. */
const specialBuiltins = new Set([".", ":", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return", "set", "shift", "times", "trap", "unset"]);

/** Skip newlines before the next token. */
const CHKNL = 1;
/** Tell keywords from words in the next token. */
const CHKKWD = 2;

const goodName = /^[A-Za-z_][A-Za-z0-9_]*$/;
const assignmentName = /^([A-Za-z_][A-Za-z0-9_]*)=/;

/** How ash names a token in its errors. */
function tokenName(tok: Tok): string {
  switch (tok) {
    case "eof":
      return "end of file";
    case "newline":
    case "redirection":
    case "word":
      return tok;
    default:
      return `"${tok}"`;
  }
}

const cache = new Map<string, Program>();
const cacheLimit = 2000;
const sources = new WeakMap<Program, string>();

/** A script's program, parsed once per text. */
export function parse(source: string): Program {
  let program = cache.get(source);
  if (program === undefined) {
    program = new Parser(new Lexer(source, parseNested, parseUncached)).program();
    if (cache.size >= cacheLimit) cache.delete(cache.keys().next().value!);
    cache.set(source, program);
    sources.set(program, source);
  }
  return program;
}

/** The text a program was parsed from by `parse` (not the body of a substitution, which has none of its own). */
export function sourceOf(program: Program): string | undefined {
  return sources.get(program);
}

/** A program parsed on its own (the text of a backquoted substitution), not cached. */
function parseUncached(source: string): Program {
  const parser = new Parser(new Lexer(source, parseNested, parseUncached));
  const program = parser.program();
  if (program.syntaxError) throw new ShellSyntaxError(program.syntaxError.message.replace(/^syntax error: /, ""));
  return program;
}

/** The commands of a `$(...)` from the lexer's position, up to and past its `)`. */
function parseNested(lexer: Lexer): Program {
  return new Parser(lexer).substitution();
}

class Parser {
  private readonly lexer: Lexer;
  private readonly nodes: Node[] = [];
  /** The token last read, and what it was taken for. */
  private raw: Token = { kind: "eof", line: 0 };
  private tok: Tok = "eof";
  /** The text of the last word read (ash reads a case pattern from it whatever the token). */
  private lastWord: Word = [];
  private pushback = false;
  private checkkwd = 0;

  constructor(lexer: Lexer) {
    this.lexer = lexer;
  }

  /** The whole script, line by line, up to its end or its first syntax error. */
  program(): Program {
    const items: Item[] = [];
    let syntaxError: Program["syntaxError"];
    try {
      for (;;) {
        this.pushback = false;
        this.checkkwd = 0;
        const line = this.list(1);
        items.push(...line);
        if (this.tok === "eof") break;
      }
    } catch (e) {
      if (!(e instanceof ShellSyntaxError)) throw e;
      syntaxError = { message: `syntax error: ${e.message}`, line: this.lexer.line };
    }
    const body = this.node<Sequence>({ type: "sequence", items });
    return syntaxError ? { body, syntaxError, nodes: this.nodes } : { body, nodes: this.nodes };
  }

  /** `$(...)`: a list, then its `)`. */
  substitution(): Program {
    const items = this.list(2);
    if (this.readtoken() !== ")") this.unexpected(")");
    return { body: this.node<Sequence>({ type: "sequence", items }), nodes: this.nodes };
  }

  private node<T extends Node>(node: Omit<T, "id">): T {
    const withId = { ...node, id: this.nodes.length } as T;
    this.nodes.push(withId);
    return withId;
  }

  private readtoken(): Tok {
    const check = this.checkkwd;
    let tok: Tok;
    if (this.pushback) {
      this.pushback = false;
      tok = this.tok;
    } else tok = this.read();
    if (check & CHKNL) while (tok === "newline") tok = this.read();
    if (tok === "word" && check & CHKKWD) {
      const text = plainText((this.raw as { word: Word }).word);
      if (text !== undefined && keywords.has(text)) tok = text as Keyword;
    }
    this.checkkwd = 0;
    this.tok = tok;
    return tok;
  }

  private read(): Tok {
    this.raw = this.lexer.next();
    switch (this.raw.kind) {
      case "word":
        this.lastWord = this.raw.word;
        return "word";
      case "operator":
        return this.raw.op;
      default:
        return this.raw.kind;
    }
  }

  private peektoken(): Tok {
    const tok = this.readtoken();
    this.pushback = true;
    return tok;
  }

  private unexpected(expecting?: Tok): never {
    const message = `unexpected ${tokenName(this.tok)}`;
    throw new ShellSyntaxError(expecting === undefined ? message : `${message} (expecting ${tokenName(expecting)})`);
  }

  /**
   * Commands separated by `;`, `&` and newlines. `nlflag` 1: the script's top level, one line;
   * 0: a compound command's list, which a newline does not end; 2: the same, possibly empty.
   */
  private list(nlflag: number): Item[] {
    const items: Item[] = [];
    for (;;) {
      const next = this.peektoken();
      if (next === "newline" && nlflag & 1) return items;
      if (next === "eof") return items;
      this.checkkwd = CHKNL | CHKKWD;
      if (nlflag === 2 && listEnds.has(this.peektoken())) return items;
      nlflag |= 2;
      const command = this.andor();
      const tok = this.readtoken();
      items.push({ command, background: tok === "&" });
      switch (tok) {
        case "newline":
        case "eof":
          this.pushback = true;
          break;
        case "&":
        case ";":
          break;
        default:
          if (nlflag & 1) this.unexpected();
          this.pushback = true;
          return items;
      }
    }
  }

  private sequence(nlflag: number): Sequence {
    return this.node<Sequence>({ type: "sequence", items: this.list(nlflag) });
  }

  private andor(): Command {
    const first = this.pipeline();
    const rest: Array<{ op: "&&" | "||"; command: Command }> = [];
    for (;;) {
      const tok = this.readtoken();
      if (tok !== "&&" && tok !== "||") {
        this.pushback = true;
        break;
      }
      this.checkkwd = CHKNL | CHKKWD;
      rest.push({ op: tok, command: this.pipeline() });
    }
    return rest.length === 0 ? first : this.node<AndOr>({ type: "andor", first, rest });
  }

  private pipeline(): Command {
    let negated = false;
    if (this.readtoken() === "!") {
      negated = true;
      this.checkkwd = CHKKWD;
    } else this.pushback = true;
    const commands = [this.command()];
    while (this.readtoken() === "|") {
      this.checkkwd = CHKNL | CHKKWD;
      commands.push(this.command());
    }
    this.pushback = true;
    return negated || commands.length > 1 ? this.node<Pipeline>({ type: "pipeline", negated, commands }) : commands[0]!;
  }

  private command(): Command {
    const tok = this.readtoken();
    const line = this.raw.line;
    let command: If | Loop | For | Subshell | Group;
    let closing: Tok;
    switch (tok) {
      case "if": {
        const clauses: Array<{ condition: Sequence; body: Sequence }> = [];
        do {
          const condition = this.sequence(0);
          if (this.readtoken() !== "then") this.unexpected("then");
          clauses.push({ condition, body: this.sequence(0) });
        } while (this.readtoken() === "elif");
        let otherwise: Sequence | undefined;
        if (this.tok === "else") otherwise = this.sequence(0);
        else this.pushback = true;
        command = this.node<If>({ type: "if", line, clauses, otherwise, redirections: [] });
        closing = "fi";
        break;
      }
      case "while":
      case "until": {
        const condition = this.sequence(0);
        if (this.readtoken() !== "do") this.unexpected("do");
        command = this.node<Loop>({ type: "loop", line, until: tok === "until", condition, body: this.sequence(0), redirections: [] });
        closing = "done";
        break;
      }
      case "for": {
        const name = this.readtoken() === "word" ? plainText((this.raw as { word: Word }).word) : undefined;
        if (name === undefined || !goodName.test(name)) throw new ShellSyntaxError("bad for loop variable");
        this.checkkwd = CHKNL | CHKKWD;
        let words: Word[] | undefined;
        if (this.readtoken() === "in") {
          words = [];
          while (this.readtoken() === "word") words.push((this.raw as { word: Word }).word);
          if (this.tok !== "newline" && this.tok !== ";") this.unexpected();
        } else if (this.tok !== ";") this.pushback = true;
        this.checkkwd = CHKNL | CHKKWD;
        if (this.readtoken() !== "do") this.unexpected("do");
        command = this.node<For>({ type: "for", line, name, words, body: this.sequence(0), redirections: [] });
        closing = "done";
        break;
      }
      case "case":
        return this.redirected(this.caseCommand(line));
      case "(":
        command = this.node<Subshell>({ type: "subshell", line, body: this.sequence(0), redirections: [] });
        closing = ")";
        break;
      case "{":
        command = this.node<Group>({ type: "group", line, body: this.sequence(0), redirections: [] });
        closing = "}";
        break;
      case "word":
      case "redirection":
      case "function":
        this.pushback = true;
        return this.simple();
      default:
        this.unexpected();
    }
    if (this.readtoken() !== closing) this.unexpected(closing);
    return this.redirected(command);
  }

  private caseCommand(line: number): Case {
    if (this.readtoken() !== "word") this.unexpected("word");
    const word = (this.raw as { word: Word }).word;
    this.checkkwd = CHKNL | CHKKWD;
    if (this.readtoken() !== "in") this.unexpected("in");
    const items: Case["items"] = [];
    this.checkkwd = CHKNL | CHKKWD;
    let tok = this.readtoken();
    while (tok !== "esac") {
      if (this.tok === "(") this.readtoken();
      const patterns: Word[] = [];
      for (;;) {
        patterns.push(this.lastWord);
        if (this.readtoken() !== "|") break;
        this.readtoken();
      }
      if (this.tok !== ")") this.unexpected(")");
      const body = this.list(2);
      items.push({ patterns, body: body.length === 0 ? undefined : this.node<Sequence>({ type: "sequence", items: body }) });
      this.checkkwd = CHKNL | CHKKWD;
      tok = this.readtoken();
      if (tok !== "esac") {
        if (tok !== ";;") this.unexpected(";;");
        this.checkkwd = CHKNL | CHKKWD;
        tok = this.readtoken();
      }
    }
    return this.node<Case>({ type: "case", line, word, items, redirections: [] });
  }

  /** Redirections after a compound command (what follows it is read for a keyword first, as ash does). */
  private redirected<T extends Command & { redirections: Redirection[] }>(command: T): T {
    this.checkkwd = CHKKWD;
    while (this.readtoken() === "redirection") command.redirections.push(this.redirection());
    this.pushback = true;
    return command;
  }

  /** The redirection whose operator was just read, with its target word. */
  private redirection(): Redirection {
    const { op, fd } = this.raw as Extract<Token, { kind: "redirection" }>;
    if (this.readtoken() !== "word") this.unexpected();
    const redirection: Redirection = { op, fd, target: (this.raw as { word: Word }).word };
    if (op === "<<" || op === "<<-") this.lexer.queueHereDoc(redirection);
    return redirection;
  }

  private simple(): Command {
    const assignments: Simple["assignments"] = [];
    const words: Word[] = [];
    const redirections: Redirection[] = [];
    let line = -1;
    let assigning = true;
    let functionKeyword = false;
    for (;;) {
      const tok = this.readtoken();
      if (line < 0) line = this.raw.line;
      if (tok === "function" && words.length === 0 && assignments.length === 0 && redirections.length === 0) {
        if (this.peektoken() !== "word") this.unexpected("word");
        functionKeyword = true;
        continue;
      }
      if (tok === "word") {
        const word = (this.raw as { word: Word }).word;
        const first = word[0];
        const assignment = assigning && first?.type === "literal" ? assignmentName.exec(first.text) : null;
        if (assignment && first?.type === "literal") {
          const rest = first.text.slice(assignment[0].length);
          assignments.push({ name: assignment[1]!, value: rest === "" ? word.slice(1) : [{ type: "literal", text: rest }, ...word.slice(1)] });
        } else {
          words.push(word);
          assigning = false;
        }
        if (functionKeyword) {
          this.checkkwd = CHKNL | CHKKWD;
          const next = this.peektoken();
          if (next === "{" || next === "if" || next === "case" || next === "until" || next === "while" || next === "for") return this.functionBody(words, line, false);
          if (next !== "(") this.unexpected();
          functionKeyword = false;
        }
      } else if (tok === "redirection") {
        redirections.push(this.redirection());
      } else if (tok === "(" && words.length === 1 && assignments.length === 0 && redirections.length === 0) {
        return this.functionBody(words, line, true);
      } else {
        this.pushback = true;
        break;
      }
    }
    return this.node<Simple>({ type: "simple", line, assignments, words, redirections });
  }

  /** `name() command` (or `function name command`), after the name. */
  private functionBody(words: Word[], line: number, parens: boolean): FunctionDefinition {
    if (parens && this.readtoken() !== ")") this.unexpected(")");
    const name = plainText(words[0]!);
    if (name === undefined || !goodName.test(name) || specialBuiltins.has(name)) throw new ShellSyntaxError("bad function name");
    this.checkkwd = CHKNL | CHKKWD;
    return this.node<FunctionDefinition>({ type: "function", line, name, body: this.command() });
  }
}
