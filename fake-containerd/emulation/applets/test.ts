// `test` and `[` as ash's builtins and busybox's applets read them: file tests (-e -f -d -s),
// strings (-n -z = !=), integer comparisons with ash's `bad number` error, `!`, `-a`, `-o` and
// parentheses. Pinned by golden/cri/exec-sync-test-and-uname.json and exec-sync-shell-compound.json.

import { absolute, type FileView } from "../files.ts";
import type { Applet } from "./applet.ts";

/** test's binary operators. */
const binaryTests = new Set(["=", "!=", "-eq", "-ne", "-gt", "-ge", "-lt", "-le"]);
const unaryTests = new Set(["-n", "-z", "-e", "-f", "-d", "-s"]);

/**
 * test's grammar for longer expressions: `-o` joins `-a` terms, which join `!` and primaries
 * (`( ... )`, a unary or binary test, a string). Undefined for what does not parse.
 */
function testGrammar(files: FileView, cwd: string, args: readonly string[]): boolean | { error: string } | undefined {
  let at = 0;
  type Result = boolean | { error: string } | undefined;
  const or = (): Result => {
    const left = and();
    if (typeof left !== "boolean" || args[at] !== "-o") return left;
    at++;
    const right = or();
    return typeof right === "boolean" ? left || right : right;
  };
  const and = (): Result => {
    const left = not();
    if (typeof left !== "boolean" || args[at] !== "-a") return left;
    at++;
    const right = and();
    return typeof right === "boolean" ? left && right : right;
  };
  const not = (): Result => {
    if (args[at] !== "!") return primary();
    at++;
    const inner = not();
    return typeof inner === "boolean" ? !inner : inner;
  };
  const primary = (): Result => {
    const token = args[at];
    if (token === undefined) return undefined;
    if (token === "(") {
      at++;
      const inner = or();
      if (args[at] !== ")") return undefined;
      at++;
      return inner;
    }
    if (unaryTests.has(token) && args[at + 1] !== undefined) {
      at += 2;
      return testExpression(files, cwd, [token, args[at - 1]!]);
    }
    if (args[at + 1] !== undefined && binaryTests.has(args[at + 1]!) && args[at + 2] !== undefined) {
      at += 3;
      return testExpression(files, cwd, args.slice(at - 3, at));
    }
    at++;
    return token !== "";
  };
  const result = or();
  return at === args.length ? result : undefined;
}

/** The integer comparisons of `test`. */
const comparisons: Record<string, (a: bigint, b: bigint) => boolean> = {
  "-eq": (a, b) => a === b,
  "-ne": (a, b) => a !== b,
  "-gt": (a, b) => a > b,
  "-ge": (a, b) => a >= b,
  "-lt": (a, b) => a < b,
  "-le": (a, b) => a <= b,
};

/** A test operand as a number (strtoll base 10, blanks around it allowed), or the error ash stops with. */
function testNumber(operand: string): bigint | { error: string } {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)[ \t\n\v\f\r]*$/.exec(operand);
  if (!m) return { error: `${operand}: bad number` };
  const value = BigInt(m[1]!);
  return BigInt.asIntN(64, value) === value ? value : { error: `${operand}: out of range` };
}

/**
 * ash's `test` (and `[`, without its closing `]`): `-e`, `-f`, `-d`, `-s`, `-n`, `-z`, `=`, `!=`,
 * the integer comparisons (`-eq` ... `-le`), a lone string, `!` before any of them, and longer
 * expressions joined by `-a` and `-o`, with parentheses (testGrammar). True or
 * false, an error (a comparison of something that is not a number: status 2); undefined for an
 * expression not emulated.
 */
export function testExpression(files: FileView, cwd: string, args: readonly string[]): boolean | { error: string } | undefined {
  // busybox reads `! ( ... )` its own way ("closing paren expected"): not emulated.
  if (args[0] === "!" && args[1] === "(") return undefined;
  if (args.length > (args[0] === "!" ? 4 : 3)) return testGrammar(files, cwd, args);
  if (args[0] === "!" && args.length > 1) {
    const inner = testExpression(files, cwd, args.slice(1));
    return typeof inner === "boolean" ? !inner : inner;
  }
  if (args.length === 0) return false;
  if (args.length === 1) return args[0] !== "";
  if (args.length === 2) {
    const [op, operand] = args as [string, string];
    if (op === "-n") return operand !== "";
    if (op === "-z") return operand === "";
    if (!["-e", "-f", "-d", "-s"].includes(op)) return undefined;
    const path = absolute(operand, cwd);
    const kind = files.kindOf(path);
    if (op === "-s") return kind === "dir" || (kind === "file" && (files.readFile(path)?.length ?? 0) > 0);
    return op === "-e" ? kind !== undefined : op === "-f" ? kind === "file" : kind === "dir";
  }
  if (args.length !== 3) return undefined;
  const [left, op, right] = args as [string, string, string];
  if (op === "=" || op === "!=") return (left === right) === (op === "=");
  const compare = comparisons[op];
  if (!compare) return undefined;
  const a = testNumber(left);
  if (typeof a !== "bigint") return a;
  const b = testNumber(right);
  return typeof b === "bigint" ? compare(a, b) : b;
}

function testApplet(name: "test" | "["): Applet {
  return (io, args) => {
    if (name === "[" && args.at(-1) !== "]") {
      io.err("[: missing ]\n");
      return 2;
    }
    const result = testExpression(io.files, io.cwd, name === "[" ? args.slice(0, -1) : args);
    if (result === undefined) return undefined;
    if (typeof result === "boolean") return result ? 0 : 1;
    io.err(`${name}: ${result.error}\n`);
    return 2;
  };
}

export const testApplets: Readonly<Record<string, Applet>> = { test: testApplet("test"), "[": testApplet("[") };
