// ash's arithmetic expansion, `$((expression))`: 64-bit integers (decimal, 0x hex, 0 octal),
// variables by name or `$NAME` (unset or empty is 0; one holding a name is that variable's value),
// and C's operators from unary `+ - ! ~` to `?:`. Assignments (`=`, `+=`, `++` ...) are not
// emulated. Errors are the texts ash stops the script with. Pinned by
// golden/cri/exec-sync-shell-loops.json.

export type ArithmeticResult = { value: bigint } | { error: string } | { unsupported: true };

class ArithmeticError extends Error {}
class Unsupported extends Error {}

const syntaxError = "arithmetic syntax error";

/** Binary operators by precedence, loosest first. */
const binaryLevels: ReadonlyArray<readonly string[]> = [
  ["||"],
  ["&&"],
  ["|"],
  ["^"],
  ["&"],
  ["==", "!="],
  ["<", "<=", ">", ">="],
  ["<<", ">>"],
  ["+", "-"],
  ["*", "/", "%"],
];

const tokenPattern = /\s*(0[xX][0-9a-fA-F]+|\d+|\$?\{?[A-Za-z_][A-Za-z0-9_]*\}?|<<=|>>=|\*\*|\+\+|--|[<>=!]=|&&|\|\||[-+*/%&|^]=|<<|>>|[-+*/%&|^~!<>()?:=])/y;

/** Tokens that assign to the variable before them. */
const assignments = new Set(["=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "++", "--"]);

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    tokenPattern.lastIndex = at;
    const m = tokenPattern.exec(text);
    if (!m) throw new ArithmeticError(syntaxError);
    tokens.push(m[1]!);
    at = tokenPattern.lastIndex;
  }
  return tokens;
}

const wrap = (v: bigint): bigint => BigInt.asIntN(64, v);

/** `$((text))` with `variables` as ash sees them. */
export function evaluateArithmetic(text: string, variables: ReadonlyMap<string, string>): ArithmeticResult {
  try {
    const tokens = tokenize(text);
    if (tokens.length === 0) return { value: 0n };
    let at = 0;
    const peek = (): string | undefined => tokens[at];
    const take = (): string => {
      const token = tokens[at++];
      if (token === undefined) throw new ArithmeticError(syntaxError);
      return token;
    };

    const variable = (name: string, depth: number): bigint => {
      const value = (variables.get(name) ?? "").trim();
      if (value === "") return 0n;
      const number = numberOf(value);
      if (number !== undefined) return number;
      // A variable that holds another's name stands for that one's value.
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(value) && depth < 100) return variable(value, depth + 1);
      throw new Unsupported();
    };

    const primary = (): bigint => {
      const token = take();
      if (token === "(") {
        const value = ternary();
        if (take() !== ")") throw new ArithmeticError(syntaxError);
        return value;
      }
      if (token === "+" || token === "-" || token === "!" || token === "~") {
        const operand = primary();
        return token === "+" ? operand : token === "-" ? wrap(-operand) : token === "!" ? (operand === 0n ? 1n : 0n) : wrap(~operand);
      }
      if (token === "++" || token === "--") throw new Unsupported();
      const number = numberOf(token);
      if (number !== undefined) return number;
      const name = /^\$?\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(token)?.[1];
      if (name === undefined) throw new ArithmeticError(syntaxError);
      if (assignments.has(peek() ?? "")) throw new Unsupported();
      return variable(name, 0);
    };

    const binary = (level: number): bigint => {
      if (level === binaryLevels.length) return primary();
      let left = binary(level + 1);
      for (;;) {
        const op = peek();
        if (op === undefined || !binaryLevels[level]!.includes(op)) return left;
        at++;
        // && and || skip what they need not evaluate, as C does (a division by zero there is no error).
        if (op === "&&" && left === 0n) {
          skipped(() => binary(level + 1));
          left = 0n;
          continue;
        }
        if (op === "||" && left !== 0n) {
          skipped(() => binary(level + 1));
          left = 1n;
          continue;
        }
        left = apply(op, left, binary(level + 1));
      }
    };

    const ternary = (): bigint => {
      const condition = binary(0);
      if (peek() !== "?") return condition;
      at++;
      const yes = condition !== 0n ? ternary() : skipped(ternary);
      if (take() !== ":") throw new ArithmeticError(syntaxError);
      const no = condition === 0n ? ternary() : skipped(ternary);
      return condition !== 0n ? yes : no;
    };

    /** Parses an operand that is not evaluated: its errors of arithmetic do not count. */
    const skipped = (parse: () => bigint): bigint => {
      try {
        return parse();
      } catch (e) {
        if (e instanceof ArithmeticError && e.message === "divide by zero") return 0n;
        throw e;
      }
    };

    const value = ternary();
    if (at !== tokens.length) throw assignments.has(tokens[at]!) || tokens[at] === "**" ? new Unsupported() : new ArithmeticError(syntaxError);
    return { value };
  } catch (e) {
    if (e instanceof ArithmeticError) return { error: e.message };
    if (e instanceof Unsupported) return { unsupported: true };
    throw e;
  }
}

function numberOf(text: string): bigint | undefined {
  const m = /^(?:(0[xX][0-9a-fA-F]+)|0([0-7]+)|(\d+))$/.exec(text);
  if (!m) return undefined;
  return wrap(m[1] ? BigInt(m[1]) : m[2] ? BigInt(`0o${m[2]}`) : BigInt(m[3]!));
}

function apply(op: string, a: bigint, b: bigint): bigint {
  switch (op) {
    case "||":
      return a !== 0n || b !== 0n ? 1n : 0n;
    case "&&":
      return a !== 0n && b !== 0n ? 1n : 0n;
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
      if (b === 0n) throw new ArithmeticError("divide by zero");
      return wrap(op === "/" ? a / b : a % b);
  }
}
