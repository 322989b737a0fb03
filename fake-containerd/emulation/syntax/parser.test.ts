import { describe, expect, test } from "vitest";
import type { Program } from "./ast.ts";
import { parse } from "./parser.ts";
import { printProgram } from "./printer.ts";

/** The tree without ids and lines: what two parses of the same script must share. */
function shape(program: Program): unknown {
  return JSON.parse(JSON.stringify(program.body, (key, value: unknown) => (key === "id" || key === "line" ? undefined : value)));
}

describe("ash's syntax errors, in ash's words (busybox 1.35)", () => {
  test.each([
    ["fi", 'unexpected "fi"'],
    ["echo a;;", 'unexpected ";;"'],
    ["if true; then", 'unexpected end of file (expecting "fi")'],
    ["if true; then echo; fi fi", 'unexpected "fi"'],
    ["echo (", 'unexpected end of file (expecting ")")'],
    ["echo )", 'unexpected ")"'],
    ["( )", 'unexpected ")"'],
    ["{ }", 'unexpected "}"'],
    ["while true; do done", 'unexpected "done"'],
    ["for 1 in a; do :; done", "bad for loop variable"],
    ['echo "abc', "unterminated quoted string"],
    ["echo 'abc", "unterminated quoted string"],
    ["echo $(echo", 'unexpected end of file (expecting ")")'],
    ["echo ${x", "missing '}'"],
    ["echo ${!x}", "bad substitution"],
    ["echo $((1+2)", "missing '))'"],
    ["case a in", 'unexpected end of file (expecting ")")'],
    ["case a in a) echo;; esac; case", "unexpected end of file (expecting word)"],
    ["case a in ) echo x;; esac", 'unexpected word (expecting ")")'],
    ["a &&", "unexpected end of file"],
    ["&& a", 'unexpected "&&"'],
    ["| a", 'unexpected "|"'],
    ["a ; ;", 'unexpected ";"'],
    ["echo <", "unexpected end of file"],
    ["!", "unexpected end of file"],
    ["! !", 'unexpected "!"'],
    ["if", 'unexpected end of file (expecting "then")'],
    ["then", 'unexpected "then"'],
    ["{", 'unexpected end of file (expecting "}")'],
    ["exit() { :; }", "bad function name"],
    ["f-g() { :; }", "bad function name"],
    ["x=1 if true; then echo y; fi", 'unexpected "then"'],
    ["echo `echo", "EOF in backquote substitution"],
  ])("%j", (source, message) => {
    expect(parse(source).syntaxError?.message).toBe(`syntax error: ${message}`);
  });

  test("the lines before an error still run: they are the program's body", () => {
    const program = parse("echo a\necho b; fi");
    expect(program.body.items).toHaveLength(1);
    expect(program.syntaxError).toEqual({ message: 'syntax error: unexpected "fi"', line: 1 });
  });
});

describe("what ash accepts", () => {
  test.each([
    "f() echo x",
    "function f { echo x; }",
    "case in in in) echo i;; esac",
    "case a in (a) echo p;; esac",
    "echo } { !",
    "for x do echo $x; done",
    "for x; do echo $x; done",
    "cat <<EOF\na",
    "echo a &> /dev/null",
    "echo ${x/a/b} ${x:1:2} ${#} ${##}",
    "echo $'a\\tb' $\"x\"",
    "echo a # comment\necho b#c",
  ])("%j", (source) => {
    expect(parse(source).syntaxError).toBeUndefined();
  });
});

describe("the tree", () => {
  test("a simple command keeps its assignments, words and redirections apart; lines count from 0", () => {
    const program = parse("\nx=1 echo $y 2>&1 >f");
    expect(program.body.items[0]!.command).toMatchObject({
      type: "simple",
      line: 1,
      assignments: [{ name: "x", value: [{ type: "literal", text: "1" }] }],
      words: [[{ type: "literal", text: "echo" }], [{ type: "parameter", name: "y", braced: false }]],
      redirections: [
        { op: ">&", fd: 2, target: [{ type: "literal", text: "1" }] },
        { op: ">", fd: undefined, target: [{ type: "literal", text: "f" }] },
      ],
    });
  });

  test("words remember their quoting", () => {
    const word = (parse(`echo a'b'"c$d"\\e`).body.items[0]!.command as { words: unknown[] }).words[1];
    expect(word).toEqual([
      { type: "literal", text: "a" },
      { type: "single", text: "b" },
      { type: "double", parts: [{ type: "literal", text: "c" }, { type: "parameter", name: "d", braced: false }] },
      { type: "escaped", text: "e" },
    ]);
  });

  test("every node is numbered, and the numbers find it", () => {
    const program = parse("if a; then b | c; fi; f() { g && h; }");
    program.nodes.forEach((node, id) => expect(node.id).toBe(id));
    expect(new Set(program.nodes.map((node) => node.type))).toEqual(new Set(["sequence", "simple", "if", "pipeline", "andor", "group", "function"]));
  });

  test("a script is parsed once: the same text gives the same program", () => {
    expect(parse("echo cached")).toBe(parse("echo cached"));
  });

  test.each([
    "x=1; for i in 1 2 3; do echo $i; done | wc -l",
    "if a; then b; elif c; then d; else e; fi > f 2>&1",
    'f() { echo ${x:-d} ${#x} ${x#p} "$@"; return 3; }; f a b',
    "(cd /; echo `pwd`) & wait",
    "cat <<EOF | wc -l\nline $x\nEOF\necho after",
    "case $x in a|b) echo ab;; *) ;; esac",
    "! true && false || echo x",
    "echo 'a;b' \"c $(echo d)\" e\\ f $'g\\th'",
    "while read line; do echo $line; done < /etc/passwd",
    "echo $((1+2*x)) ${x/a/b} ${x:1:2}",
  ])("prints back to a script that parses to the same tree: %j", (source) => {
    expect(shape(parse(printProgram(parse(source))))).toEqual(shape(parse(source)));
  });
});
