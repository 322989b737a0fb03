// ash's arithmetic, `$((...))` and `let`: 64-bit integers that wrap (decimal, 0x hex, 0 octal,
// BASE#digits), C's operators with assignments, `++` / `--` and `**`, and variables by name whose
// values are themselves expressions (unset or empty is 0; a value naming another variable follows
// it, and a loop is an error). What is not evaluated (the other side of `&&`, `||`, `?:`) has no
// effect and no error. Errors carry ash's texts.

import { ShellError } from "./errors.ts";

export interface ArithmeticVariables {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
}

const syntaxError = "arithmetic syntax error";

type Token = { kind: "number"; value: bigint } | { kind: "name"; name: string } | { kind: "op"; op: string };

const operatorPattern = /^(?:<<=|>>=|\*\*|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=|[-+*/%&|^~!<>()?:=,])/;

/** Binary operators by precedence, loosest first (assignments, `?:` and `,` apart). */
const binaryLevels: ReadonlyArray<readonly string[]> = [["||"], ["&&"], ["|"], ["^"], ["&"], ["==", "!="], ["<", "<=", ">", ">="], ["<<", ">>"], ["+", "-"], ["*", "/", "%"]];

const assignments = new Set(["=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "^=", "|="]);

const wrap = (v: bigint): bigint => BigInt.asIntN(64, v);

function fail(message = syntaxError): never {
  throw new ShellError(message);
}

/** A number as ash reads one: decimal, 0x hex, leading-0 octal, or BASE#digits (bases 2 to 64). */
function parseNumber(text: string): bigint {
  const based = /^(\d+)#([0-9A-Za-z@_]+)$/.exec(text);
  if (based) {
    const base = Number(based[1]);
    if (base < 2 || base > 64) fail();
    let value = 0n;
    for (const ch of based[2]!) {
      const digit = /\d/.test(ch) ? ch.charCodeAt(0) - 48 : /[a-z]/.test(ch) ? ch.charCodeAt(0) - 87 : /[A-Z]/.test(ch) ? (base <= 36 ? ch.charCodeAt(0) - 55 : ch.charCodeAt(0) - 29) : ch === "@" ? 62 : 63;
      if (digit >= base) fail();
      value = wrap(value * BigInt(base) + BigInt(digit));
    }
    return value;
  }
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) return wrap(BigInt(text));
  if (/^0[0-7]*$/.test(text)) return wrap(BigInt(`0o${text.slice(1) || "0"}`));
  if (/^[1-9]\d*$/.test(text)) return wrap(BigInt(text));
  return fail();
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const rest = text.slice(at);
    const blank = /^\s+/.exec(rest);
    if (blank) {
      at += blank[0].length;
      continue;
    }
    const number = /^\d[0-9A-Za-z@_#]*/.exec(rest);
    if (number) {
      tokens.push({ kind: "number", value: parseNumber(number[0]) });
      at += number[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (name) {
      tokens.push({ kind: "name", name: name[0] });
      at += name[0].length;
      continue;
    }
    const op = operatorPattern.exec(rest);
    if (!op) fail();
    tokens.push({ kind: "op", op: op[0] });
    at += op[0].length;
  }
  return tokens;
}

/** The value of an arithmetic expression; assignments change `variables`. */
export function evaluateArithmetic(text: string, variables: ArithmeticVariables): bigint {
  return new Evaluator(variables, new Set()).evaluate(text);
}

class Evaluator {
  private readonly variables: ArithmeticVariables;
  /** Variables being evaluated further up, to find a loop. */
  private readonly seen: Set<string>;
  private tokens: Token[] = [];
  private at = 0;
  /** Inside an operand that is not evaluated. */
  private skipping = 0;

  constructor(variables: ArithmeticVariables, seen: Set<string>) {
    this.variables = variables;
    this.seen = seen;
  }

  evaluate(text: string): bigint {
    this.tokens = tokenize(text);
    if (this.tokens.length === 0) return 0n;
    this.at = 0;
    const value = this.comma();
    if (this.at !== this.tokens.length) fail();
    return value;
  }

  private peekOp(): string | undefined {
    const token = this.tokens[this.at];
    return token?.kind === "op" ? token.op : undefined;
  }

  private take(): Token {
    const token = this.tokens[this.at++];
    if (token === undefined) fail();
    return token;
  }

  private expect(op: string): void {
    const token = this.take();
    if (token.kind !== "op" || token.op !== op) fail();
  }

  private comma(): bigint {
    let value = this.assignment();
    while (this.peekOp() === ",") {
      this.at++;
      value = this.assignment();
    }
    return value;
  }

  private assignment(): bigint {
    const token = this.tokens[this.at];
    const op = this.tokens[this.at + 1];
    if (token?.kind === "name" && op?.kind === "op" && assignments.has(op.op)) {
      this.at += 2;
      const right = this.assignment();
      if (this.skipping) return 0n;
      const value = op.op === "=" ? right : apply(op.op.slice(0, -1), this.variable(token.name), right);
      this.store(token.name, value);
      return value;
    }
    return this.conditional();
  }

  private conditional(): bigint {
    const condition = this.binary(0);
    if (this.peekOp() !== "?") return condition;
    this.at++;
    const yes = this.operand(condition === 0n, () => this.comma());
    this.expect(":");
    const no = this.operand(condition !== 0n, () => this.assignment());
    return condition !== 0n ? yes : no;
  }

  /** An operand, not evaluated (no effects, no errors) when `skip`. */
  private operand(skip: boolean, parse: () => bigint): bigint {
    if (skip) this.skipping++;
    try {
      return parse();
    } finally {
      if (skip) this.skipping--;
    }
  }

  private binary(level: number): bigint {
    if (level === binaryLevels.length) return this.power();
    let left = this.binary(level + 1);
    for (;;) {
      const op = this.peekOp();
      if (op === undefined || !binaryLevels[level]!.includes(op)) return left;
      this.at++;
      if (op === "&&" || op === "||") {
        const decided = op === "&&" ? left === 0n : left !== 0n;
        const right = this.operand(decided, () => this.binary(level + 1));
        left = decided ? (op === "||" ? 1n : 0n) : right !== 0n ? 1n : 0n;
        continue;
      }
      const right = this.binary(level + 1);
      left = this.skipping ? 0n : apply(op, left, right);
    }
  }

  /** `**`, right to left, above the binary operators and below the unary ones. */
  private power(): bigint {
    const base = this.unary();
    if (this.peekOp() !== "**") return base;
    this.at++;
    const exponent = this.power();
    if (this.skipping) return 0n;
    if (exponent < 0n) fail("exponent less than 0");
    // Square and multiply, wrapping as 64-bit arithmetic does.
    let result = 1n;
    for (let square = base, e = exponent; e > 0n; e >>= 1n, square = wrap(square * square)) if (e & 1n) result = wrap(result * square);
    return result;
  }

  private unary(): bigint {
    const op = this.peekOp();
    if (op === "+" || op === "-" || op === "!" || op === "~") {
      this.at++;
      const operand = this.unary();
      return op === "+" ? operand : op === "-" ? wrap(-operand) : op === "!" ? (operand === 0n ? 1n : 0n) : wrap(~operand);
    }
    if (op === "++" || op === "--") {
      this.at++;
      const token = this.take();
      if (token.kind !== "name") fail();
      if (this.skipping) return 0n;
      const value = wrap(this.variable(token.name) + (op === "++" ? 1n : -1n));
      this.store(token.name, value);
      return value;
    }
    return this.postfix();
  }

  private postfix(): bigint {
    const token = this.take();
    if (token.kind === "number") return token.value;
    if (token.kind === "op") {
      if (token.op !== "(") fail();
      const value = this.comma();
      this.expect(")");
      return value;
    }
    const op = this.peekOp();
    if (op === "++" || op === "--") {
      this.at++;
      if (this.skipping) return 0n;
      const value = this.variable(token.name);
      this.store(token.name, wrap(value + (op === "++" ? 1n : -1n)));
      return value;
    }
    return this.skipping ? 0n : this.variable(token.name);
  }

  /** A variable's value: its text evaluated as an expression of its own. */
  private variable(name: string): bigint {
    const text = (this.variables.get(name) ?? "").trim();
    if (text === "") return 0n;
    if (/^-?\d+$/.test(text)) return text.startsWith("-") ? wrap(-parseNumber(text.slice(1))) : parseNumber(text);
    if (this.seen.has(name)) fail("expression recursion loop detected");
    const seen = new Set(this.seen).add(name);
    return new Evaluator(this.variables, seen).evaluate(text);
  }

  private store(name: string, value: bigint): void {
    this.variables.set(name, value.toString());
  }
}

function apply(op: string, a: bigint, b: bigint): bigint {
  switch (op) {
    case "|":
      return wrap(a | b);
    case "^":
      return wrap(a ^ b);
    case "&":
      return wrap(a & b);
    case "==":
      return a === b ? 1n : 0n;
    case "!=":
      return a !== b ? 1n : 0n;
    case "<":
      return a < b ? 1n : 0n;
    case "<=":
      return a <= b ? 1n : 0n;
    case ">":
      return a > b ? 1n : 0n;
    case ">=":
      return a >= b ? 1n : 0n;
    case "<<":
      return wrap(a << (b & 63n));
    case ">>":
      return wrap(a >> (b & 63n));
    case "+":
      return wrap(a + b);
    case "-":
      return wrap(a - b);
    case "*":
      return wrap(a * b);
    default:
      // `/` and `%`: C's truncating division, which BigInt's is.
      if (b === 0n) fail("divide by zero");
      return wrap(op === "/" ? a / b : a % b);
  }
}
