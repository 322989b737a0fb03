// Arbitraries for ash scripts from the grammar the emulation supports: words with every kind of
// quoting and expansion, simple commands with assignments and redirections, pipelines, and-or
// lists, compound commands, functions, here-documents, background jobs. Each is script text
// written as a person would write it (not printed from a tree), small, and made of names and
// commands that keep a run short (loops over fixed words, sleeps of a second at most).
import fc from "fast-check";

const names = ["x", "y", "HOME", "PATH", "n"];

/** A variable name, from a small pool so that assignments and expansions meet. */
export function variableName(): fc.Arbitrary<string> {
  return fc.constantFrom(...names);
}

/** Plain text that needs no quoting. */
function plain(): fc.Arbitrary<string> {
  return fc.constantFrom("a", "b", "hello", "1", "42", "/tmp/f", "x.y", "-n", "a-b", "%s\\n");
}

/** A piece of a word, with its own quoting or expansion. */
function wordPart(depth: number): fc.Arbitrary<string> {
  const parts: Array<fc.Arbitrary<string>> = [
    plain(),
    plain().map((t) => `'${t} ; |'`),
    fc.tuple(plain(), variableName()).map(([t, v]) => `"${t} $${v}"`),
    variableName().map((v) => `$${v}`),
    fc.tuple(variableName(), fc.constantFrom(":-", "-", ":+", "#", "%", "##", "%%"), plain()).map(([v, op, t]) => `\${${v}${op}${t}}`),
    variableName().map((v) => `\${#${v}}`),
    fc.tuple(fc.integer({ min: 0, max: 9 }), fc.constantFrom("+", "*", "-", "%"), fc.integer({ min: 1, max: 9 })).map(([a, op, b]) => `$((${a}${op}${b}))`),
    plain().map((t) => `\\${t[0]}`),
  ];
  if (depth > 0) parts.push(simpleCommand(depth - 1).map((c) => `$(${c})`), simpleCommand(depth - 1).map((c) => `"$(${c})"`));
  return fc.oneof(...parts);
}

/** A word: one or two parts side by side. */
export function shellWord(depth = 1): fc.Arbitrary<string> {
  return fc.array(wordPart(depth), { minLength: 1, maxLength: 2 }).map((parts) => parts.join(""));
}

/** What a simple command runs: builtins and the applets the emulation has. */
function commandName(): fc.Arbitrary<string> {
  return fc.constantFrom("echo", "printf", "true", "false", ":", "test", "[", "cat", "wc", "set", "shift", "export", "unset", "read", "nope");
}

function redirection(): fc.Arbitrary<string> {
  return fc.constantFrom(">/dev/null", "2>&1", "2>/dev/null", ">>/tmp/out", "</dev/null", ">&2");
}

/** A simple command: assignments, a command with words, redirections. */
export function simpleCommand(depth = 1): fc.Arbitrary<string> {
  const assignment = fc.tuple(variableName(), shellWord(depth)).map(([v, w]) => `${v}=${w}`);
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(commandName(), fc.array(shellWord(depth), { maxLength: 2 }), fc.array(redirection(), { maxLength: 1 })).map(([c, ws, rs]) => [c === "[" ? "[ a = a ]" : c, ...ws, ...rs].join(" ")) },
    { weight: 1, arbitrary: fc.array(assignment, { minLength: 1, maxLength: 2 }).map((as) => as.join(" ")) },
    { weight: 1, arbitrary: fc.tuple(assignment, commandName(), shellWord(depth)).map(([a, c, w]) => `${a} ${c} ${w}`) },
  );
}

/** A list where a keyword follows it: ended by `;`, unless a here-document's newline ends it already. */
function ended(list: string): string {
  return list.endsWith("\n") ? list : `${list};`;
}

/** A command of any kind, nested at most `depth` deep. */
export function command(depth: number): fc.Arbitrary<string> {
  const simple = simpleCommand(depth > 0 ? 1 : 0);
  if (depth === 0) return simple;
  const list = commandList(depth - 1);
  return fc.oneof(
    { weight: 8, arbitrary: simple },
    { weight: 1, arbitrary: fc.tuple(list, list).map(([c, b]) => `if ${ended(c)} then ${ended(b)} fi`) },
    { weight: 1, arbitrary: fc.tuple(list, list, list).map(([c, b, e]) => `if ${ended(c)} then ${ended(b)} else ${ended(e)} fi`) },
    { weight: 1, arbitrary: fc.tuple(variableName(), fc.array(plain(), { maxLength: 3 }), list).map(([v, ws, b]) => `for ${v} in ${ws.join(" ")}; do ${ended(b)} done`) },
    { weight: 1, arbitrary: list.map((b) => `while false; do ${ended(b)} done`) },
    { weight: 1, arbitrary: fc.tuple(shellWord(0), plain(), list).map(([w, p, b]) => `case ${w} in ${p}|*.x) ${b}${b.endsWith("\n") ? "" : " "};; *) ;; esac`) },
    { weight: 1, arbitrary: list.map((b) => `{ ${ended(b)} }`) },
    { weight: 1, arbitrary: list.map((b) => `( ${b} )`) },
  );
}

/** Pipelines joined by && and ||, possibly after `!`. */
function andOr(depth: number): fc.Arbitrary<string> {
  const pipeline = fc.tuple(fc.boolean(), fc.array(command(depth), { minLength: 1, maxLength: 2 })).map(([bang, cs]) => `${bang ? "! " : ""}${cs.join(" | ")}`);
  return fc.tuple(pipeline, fc.array(fc.tuple(fc.constantFrom("&&", "||"), pipeline), { maxLength: 1 })).map(([first, rest]) => [first, ...rest.map(([op, p]) => `${op} ${p}`)].join(" "));
}

/** One item of a list, with what ends it: an and-or list, a background job, a function, a here-document. */
function listItem(depth: number): fc.Arbitrary<{ text: string; end: "; " | "\n" | " & " | "" }> {
  const separator = fc.constantFrom("; " as const, "\n" as const);
  const items: Array<fc.WeightedArbitrary<{ text: string; end: "; " | "\n" | " & " | "" }>> = [
    { weight: 6, arbitrary: fc.tuple(andOr(depth), separator).map(([text, end]) => ({ text, end })) },
    { weight: 1, arbitrary: simpleCommand(0).map((text) => ({ text, end: " & " as const })) },
    { weight: 1, arbitrary: fc.tuple(simpleCommand(0), plain()).map(([c, t]) => ({ text: `${c} <<EOF\n${t} $x\nEOF\n`, end: "" as const })) },
  ];
  if (depth > 0) {
    items.push({ weight: 1, arbitrary: fc.tuple(commandList(depth - 1), separator).map(([b, end]) => ({ text: `f() { ${ended(b)} }; f a b`, end })) });
  }
  return fc.oneof(...items);
}

/** Commands separated by `;`, `&` or newlines. */
export function commandList(depth: number): fc.Arbitrary<string> {
  return fc.array(listItem(depth), { minLength: 1, maxLength: 2 }).map((items) =>
    items
      .map(({ text, end }, k) => (k < items.length - 1 ? `${text}${end}` : text))
      .join(""),
  );
}

/** A whole script. */
export function shellScript(): fc.Arbitrary<string> {
  return commandList(2);
}
