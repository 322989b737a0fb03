// The compound commands of a `sh -c` script that the emulation follows, read from the script's
// statements (the script split at `;` and newlines, each an && / || list): if / elif / else / fi,
// `for NAME in WORDS; do ...; done`, `while` / `until` loops, and among them the endless `while
// true` / `while :` / `until false`, which is played differently (see Shell.runEndlessLoop).
// Anything else that opens or closes a compound command makes the script beyond the emulation
// (undefined), as does an empty statement before a `;`, which sh refuses.

/** A statement: simple commands joined by `&&` and `||`; `text` is expanded when it runs, `words` tell keywords. */
export type AndOrList = Array<{ op: "&&" | "||" | undefined; text: string; words: string[] }>;

export type Command =
  | { kind: "list"; list: AndOrList; line: number }
  | { kind: "if"; branches: Array<{ condition: Command[]; body: Command[] }>; otherwise: Command[] | undefined }
  /** `words` is the text after `in`, expanded when the loop starts. */
  | { kind: "for"; name: string; words: string; body: Command[] }
  | { kind: "while"; until: boolean; condition: Command[]; body: Command[] }
  | { kind: "endless"; body: Command[] };

export interface Statement {
  list: AndOrList;
  /** The script line it starts on, counted from 0. */
  line: number;
  /** Whether a `;` ends it (rather than a newline or the script's end). */
  semicolon: boolean;
}

/** Words that open or close a compound command. */
export const shellKeywords = new Set(["while", "until", "do", "done", "for", "if", "then", "else", "elif", "fi", "case", "esac"]);

const thenWord = new Set(["then"]);
const branchEnds = new Set(["elif", "else", "fi"]);
const fiWord = new Set(["fi"]);
const doWord = new Set(["do"]);
const doneWord = new Set(["done"]);
const nothing = new Set<string>();

/** The script's commands, or undefined when its syntax is beyond the emulation. */
export function parseCommands(statements: readonly Statement[]): Command[] | undefined {
  return new Parser(statements).block(nothing);
}

class Parser {
  private readonly statements: Statement[];
  private at = 0;

  constructor(statements: readonly Statement[]) {
    // A clause's first command may share its keyword's statement (`then echo x`): the keyword is
    // taken off in place, and what is left is read as a statement of its own.
    this.statements = [...statements];
  }

  /** Commands up to a statement opening with one of `ends` (not taken); at the top level, to the end. */
  block(ends: ReadonlySet<string>): Command[] | undefined {
    const commands: Command[] = [];
    while (this.at < this.statements.length) {
      const statement = this.statements[this.at]!;
      const keyword = keywordOf(statement.list);
      if (keyword !== undefined && ends.has(keyword)) return commands;
      if (keyword === undefined) {
        this.at++;
        if (statement.list.length === 1 && statement.list[0]!.text.trim() === "") {
          if (statement.semicolon) return undefined;
          continue;
        }
        commands.push({ kind: "list", list: statement.list, line: statement.line });
        continue;
      }
      const command = keyword === "if" ? this.ifCommand() : keyword === "for" ? this.forCommand() : keyword === "while" || keyword === "until" ? this.whileLoop() : undefined;
      if (!command) return undefined;
      commands.push(command);
    }
    return ends.size === 0 ? commands : undefined;
  }

  private ifCommand(): Command | undefined {
    const branches: Array<{ condition: Command[]; body: Command[] }> = [];
    let keyword = this.keyword();
    while (keyword === "if" || keyword === "elif") {
      const condition = this.clause(thenWord);
      if (!condition?.length || this.keyword() !== "then") return undefined;
      const body = this.clause(branchEnds);
      if (!body?.length) return undefined;
      branches.push({ condition, body });
      keyword = this.keyword();
    }
    let otherwise: Command[] | undefined;
    if (keyword === "else") {
      otherwise = this.clause(fiWord);
      if (!otherwise?.length) return undefined;
    }
    return this.closes("fi") ? { kind: "if", branches, otherwise } : undefined;
  }

  private forCommand(): Command | undefined {
    const { list } = this.statements[this.at]!;
    const header = /^\s*for\s+([A-Za-z_][A-Za-z0-9_]*)\s+in(?=\s|$)/.exec(list[0]!.text);
    if (list.length !== 1 || !header) return undefined;
    this.at++;
    const body = this.loopBody();
    return body && { kind: "for", name: header[1]!, words: list[0]!.text.slice(header[0].length), body };
  }

  /** `while` / `until CONDITION; do BODY; done`; `while true`, `while :` and `until false` are endless. */
  private whileLoop(): Command | undefined {
    const { list } = this.statements[this.at]!;
    const [keyword, ...words] = list[0]!.words;
    const test = words.join(" ");
    if (list.length === 1 && (keyword === "while" ? test === "true" || test === ":" : test === "false")) {
      this.at++;
      const body = this.loopBody();
      return body && { kind: "endless", body };
    }
    const condition = this.clause(doWord);
    if (!condition?.length) return undefined;
    const body = this.loopBody();
    return body && { kind: "while", until: keyword === "until", condition, body };
  }

  /** `do COMMANDS done`. */
  private loopBody(): Command[] | undefined {
    if (this.keyword() !== "do") return undefined;
    const body = this.clause(doneWord);
    return body?.length && this.closes("done") ? body : undefined;
  }

  /** A clause: what follows the keyword the statement at hand opens with, up to one of `ends`. */
  private clause(ends: ReadonlySet<string>): Command[] | undefined {
    const statement = this.statements[this.at]!;
    const [first, ...others] = statement.list;
    if (first!.words.length === 1) {
      // `then && x` leaves nothing for && to follow.
      if (others.length > 0) return undefined;
      this.at++;
    } else {
      const rest = { op: undefined, text: first!.text.replace(/^\s*\S+/, ""), words: first!.words.slice(1) };
      this.statements[this.at] = { ...statement, list: [rest, ...others] };
    }
    return this.block(ends);
  }

  /** Takes a statement that is the keyword alone (`fi`, `done`). */
  private closes(keyword: string): boolean {
    const list = this.statements[this.at]?.list;
    if (list?.length !== 1 || list[0]!.words.length !== 1 || list[0]!.words[0] !== keyword) return false;
    this.at++;
    return true;
  }

  private keyword(): string | undefined {
    const statement = this.statements[this.at];
    return statement && keywordOf(statement.list);
  }
}

function keywordOf(list: AndOrList): string | undefined {
  const first = list[0]!.words[0];
  return first !== undefined && shellKeywords.has(first) ? first : undefined;
}
