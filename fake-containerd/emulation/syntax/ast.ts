// The syntax tree of a busybox ash script, as the parser (parser.ts) builds it from tokens that
// remember their quoting (lexer.ts). Plain data: a node is JSON, and every node the evaluator can
// stand on has an `id` (its index in Program.nodes), so a running shell's place in a script can be
// saved as numbers. `line` counts newlines before the node's first token (ash's error lines).

/** A parsed script: what runs, then, when the script stops making sense, ash's syntax error. */
export interface Program {
  body: Sequence;
  /** Reached after `body` has run: ash reads and runs a script one line at a time. */
  syntaxError?: { message: string; line: number };
  /** Every node with an id, by id. */
  nodes: Node[];
}

/** Commands in order, each ended by `;`, `&` or a newline. */
export interface Sequence {
  type: "sequence";
  id: number;
  items: Item[];
}

export interface Item {
  command: Command;
  /** Ended by `&`: a background job. */
  background: boolean;
}

/** What can stand where a command stands. */
export type Command = AndOr | Pipeline | Simple | If | Loop | For | Case | Group | Subshell | FunctionDefinition;

export type Node = Sequence | Command;

/** `a && b || c` (two or more pipelines). */
export interface AndOr {
  type: "andor";
  id: number;
  first: Command;
  rest: Array<{ op: "&&" | "||"; command: Command }>;
}

/** `! a`, `a | b | c`: more than one command, or one after `!`. */
export interface Pipeline {
  type: "pipeline";
  id: number;
  negated: boolean;
  commands: Command[];
}

export interface Simple {
  type: "simple";
  id: number;
  line: number;
  assignments: Assignment[];
  words: Word[];
  redirections: Redirection[];
}

export interface Assignment {
  name: string;
  value: Word;
}

export interface If {
  type: "if";
  id: number;
  line: number;
  /** `if`, then each `elif`. */
  clauses: Array<{ condition: Sequence; body: Sequence }>;
  otherwise: Sequence | undefined;
  redirections: Redirection[];
}

export interface Loop {
  type: "loop";
  id: number;
  line: number;
  until: boolean;
  condition: Sequence;
  body: Sequence;
  redirections: Redirection[];
}

export interface For {
  type: "for";
  id: number;
  line: number;
  name: string;
  /** Undefined without `in`: the positional parameters. */
  words: Word[] | undefined;
  body: Sequence;
  redirections: Redirection[];
}

export interface Case {
  type: "case";
  id: number;
  line: number;
  word: Word;
  items: Array<{ patterns: Word[]; body: Sequence | undefined }>;
  redirections: Redirection[];
}

/** `{ ...; }` */
export interface Group {
  type: "group";
  id: number;
  line: number;
  body: Sequence;
  redirections: Redirection[];
}

/** `( ... )` */
export interface Subshell {
  type: "subshell";
  id: number;
  line: number;
  body: Sequence;
  redirections: Redirection[];
}

/** `name() command` (ash takes any command as the body). */
export interface FunctionDefinition {
  type: "function";
  id: number;
  line: number;
  name: string;
  body: Command;
}

export type RedirectionOp = "<" | ">" | ">>" | ">|" | "<>" | "<&" | ">&" | "<<" | "<<-" | "&>";

export interface Redirection {
  op: RedirectionOp;
  /** The descriptor written before the operator (`2>`), if any. */
  fd: number | undefined;
  /** The file, descriptor or here-document delimiter. */
  target: Word;
  /** A here-document's text: expanded (parts) unless its delimiter was quoted (a string). */
  hereDoc?: Part[] | string;
}

/** A word: its parts in order, as written. */
export type Word = Part[];

export type Part = Literal | Escaped | SingleQuoted | AnsiQuoted | DoubleQuoted | Parameter | CommandSubstitution | Arithmetic;

/** Unquoted text: pattern characters in it are active; `~` at a word's start is a tilde prefix. */
export interface Literal {
  type: "literal";
  text: string;
}

/** A backslash-escaped character outside quotes. */
export interface Escaped {
  type: "escaped";
  text: string;
}

export interface SingleQuoted {
  type: "single";
  text: string;
}

/** `$'...'` (a bash form ash takes): `text` is what its escapes stand for. */
export interface AnsiQuoted {
  type: "ansi";
  text: string;
}

/** `"..."`: literal text and expansions. */
export interface DoubleQuoted {
  type: "double";
  parts: Part[];
}

/** The parameter forms ash takes: `${x-w}` `${x:-w}` `${x=w}` `${x?w}` `${x+w}` (with or without `:`), `${#x}`, `${x#p}` `${x##p}` `${x%p}` `${x%%p}`, `${x/p/s}` `${x//p/s}`, `${x:offset:length}`. */
export type ParameterOp = "-" | "=" | "?" | "+" | "#" | "##" | "%" | "%%" | "/" | "//" | "length" | "substring";

export interface Parameter {
  type: "parameter";
  /** A name, a positional number, or one of `@ * # ? - $ ! 0`. */
  name: string;
  /** Written `${...}` rather than `$name`. */
  braced: boolean;
  op?: ParameterOp;
  /** With `:` (`${x:-w}`): an empty value counts as unset. */
  colon?: boolean;
  /** The word after the operator; for `/` the pattern, for `substring` the offset. */
  argument?: Word;
  /** For `/`: the replacement; for `substring`: the length. */
  second?: Word;
}

export interface CommandSubstitution {
  type: "command";
  body: Program;
  /** Written with backquotes. */
  backquoted: boolean;
}

/** `$((...))`: its text is expanded, then evaluated. */
export interface Arithmetic {
  type: "arithmetic";
  parts: Part[];
}
