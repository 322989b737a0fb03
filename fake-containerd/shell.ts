// `sh -c` scripts as busybox's ash runs them, as far as the emulation follows: statements, && / ||
// lists, pipelines, quoting, variables and expansions, redirections, compound commands
// (shell-commands.ts) and arithmetic (shell-arithmetic.ts), each simple command run by
// busybox-commands.ts into the script's timeline. What goes beyond is said so: a container's
// process runs on, an exec ends with a note.

import { baseName, homeOf, runPrintf, runSimple } from "./busybox-commands.ts";
import { concatBytes, toBytes } from "../src/node/bytes.ts";
import type { FileAccess } from "./process-emulation.ts";
import { absolute, parentOf, ScriptFiles, testExpression } from "./process-files.ts";
import type { ProcessScript } from "./processes.ts";
import { evaluateArithmetic } from "./shell-arithmetic.ts";
import { caseMarker, casePattern, extractCases, type CaseSource } from "./shell-case.ts";
import { parseCommands, shellKeywords, type AndOrList, type Command, type Statement } from "./shell-commands.ts";
import { Timeline, type Stream, type Target } from "./timeline.ts";

/** A statement's words, each with the length of its start that is plain source text (see shellWords). */
interface Words {
  words: string[];
  literal: number[];
}

/** Devices a redirection names that are the process's own streams, or nothing. */
const deviceTargets: Record<string, Target> = { "/dev/stdout": "stdout", "/dev/stderr": "stderr", "/dev/null": null };

/**
 * Sets up a statement's redirections in order, as ash does before it runs the command: `>&2`,
 * `2>&1`, and `[1|2]>` / `>>` into a file, which is opened then (truncated for `>`). Returns the
 * words left; undefined when the statement ends there: a file that cannot be opened (ash's error,
 * status 1, the command not run), or a redirection the emulation does not follow (the script then
 * runs until killed).
 */
function redirect(t: Timeline, all: readonly string[], literal: readonly number[]): Words | undefined {
  const streams: Record<Stream, Target> = { stdout: "stdout", stderr: "stderr" };
  t.redirect = streams;
  const words: Words = { words: [], literal: [] };
  for (let i = 0; i < all.length; i++) {
    const word = all[i]!;
    // A quoted or expanded `>` is text, not a redirection.
    const m = /^([12]?)(>>?)(.*)$/.exec(word);
    if (!m || literal[i]! < m[1]!.length + m[2]!.length || (m[3]!.startsWith("&") && literal[i]! < word.length)) {
      words.words.push(word);
      words.literal.push(literal[i]!);
      continue;
    }
    if (word === ">&2" || word === "1>&2") {
      streams.stdout = streams.stderr;
      continue;
    }
    if (word === "2>&1") {
      streams.stderr = streams.stdout;
      continue;
    }
    const stream: Stream = m[1] === "2" ? "stderr" : "stdout";
    const target = m[3] || all[++i];
    if (target === undefined || target === "" || /^[&>|]/.test(target) || !t.files) {
      t.notEmulated();
      return undefined;
    }
    const path = absolute(target, t.files.cwd);
    if (path in deviceTargets) {
      // /dev/stdout is the process's stdout, not where this statement's stdout goes now.
      streams[stream] = deviceTargets[path]!;
      continue;
    }
    const error = openError(t.files, path);
    if (error) {
      t.output.push({ stream: "stderr", data: `sh: can't create ${target}: ${error}
`, atMs: t.atMs });
      t.status = 1;
      return undefined;
    }
    if (m[2] === ">") t.change(path, "write", new Uint8Array());
    else if (t.files.kindOf(path) === undefined) t.change(path, "touch");
    streams[stream] = { file: path };
  }
  return words;
}

/** Why ash cannot open a file for writing, in its words. */
function openError(files: ScriptFiles, path: string): string | undefined {
  const kind = files.kindOf(path);
  if (kind === "dir") return "Is a directory";
  if (kind === undefined && files.kindOf(parentOf(path)) !== "dir") return "nonexistent directory";
  return files.readOnly(path) ? "Read-only file system" : undefined;
}

/** ash's `test` / `[`: status 0 or 1, 2 for a `[` without its `]`; an expression not emulated makes the script run until killed. */
function runTest(t: Timeline, name: string, args: readonly string[]): void {
  if (name === "[" && args.at(-1) !== "]") {
    t.write("stderr", "sh: missing ]\n");
    t.status = 2;
    return;
  }
  const result = testExpression(t.files, name === "[" ? args.slice(0, -1) : args);
  if (result === undefined) t.notEmulated();
  else if (typeof result === "boolean") t.status = result ? 0 : 1;
  else {
    t.write("stderr", `sh: ${result.error}\n`);
    t.status = 2;
  }
}

/**
 * Shell syntax the emulation cannot follow: background jobs, groups (functions, subshells) and
 * backquotes, and a `case` that extractCases could not take out. The compound commands it follows
 * are read by parseCommands; `${NAME}`, `$((...))` and simple `$(command)` substitutions are taken
 * out before this is tested.
 */
const compoundShell = /(?:^|[;\n])\s*case\b|(?<![&>])&(?!&)|[`{}()]|\$\(/;

/** `${NAME}`, which is an expansion, not a group command. */
const bracedVariable = /\$\{[A-Za-z_][A-Za-z0-9_]*\}/g;

/** `$((expression))` as syntaxShape masks it. */
const maskedArithmetic = /\$\(\(x*\)\)/g;

/** `$(command)` with one simple command inside, which the emulation runs. */
const simpleSubstitution = /\$\([^()`&|;\n]*\)/g;

/** A word that assigns a shell variable (`NAME=value`). */
const assignment = /^[A-Za-z_][A-Za-z0-9_]*=/;

const decoder = new TextDecoder();

export interface ShellOptions {
  /**
   * Commands that are not emulated: one that `exists` runs until killed, or in an `exec` ends with
   * status 127 and a note that fake-cri does not emulate it; any other is not found (as all are
   * without this).
   */
  unemulated?: { exists(command: string): boolean; exec: boolean };
  /** The process's environment, which `$NAME` expands from. */
  env?: readonly string[];
  /** The spec's memory limit, for the memory hogs. */
  memoryLimit?: bigint;
  /** The container's files and the process's user, for `cat`, `id` and `hostname`. */
  files?: FileAccess;
}

/**
 * `sh -c '<script>'`: statements separated by ";" or newlines, each simple commands among the
 * emulated ones, or pipelines of them (`a | b`), joined by `&&` and `||`, optionally after `!` (a
 * command optionally with redirections (`>&2`, `2>&1`, `> file`, `>> file`), or after `exec`,
 * which ends the shell with the command's status, or `exit [N]`); `if`, `for` and `while` /
 * `until` around such statements (shell-commands.ts), with `break` and `continue`; an endless loop
 * (`while true`, `while :`, `until false`) repeats its output every time round until the process
 * is killed. Words may quote; `$NAME` / `${NAME}` come from the process's environment and the
 * script's assignments (`NAME=value`, `export`, `unset`), `$?` is the status of the command
 * before, `$(command)` is the output of one simple command, and `$((...))` integer arithmetic
 * (shell-arithmetic.ts). A command that exists but is not emulated runs until killed, or in an
 * exec ends with a note (`unemulated`); any other unknown command reports "not found" and sets
 * status 127. `case` is read apart (shell-case.ts). Functions, groups, subshells, another kind of
 * expansion (`$$`, `$1` ...) or a list sh would refuse are beyond the emulation: the script runs
 * until killed, or in an exec ends with a note.
 */
export function shellScript(script: string, options: ShellOptions = {}): ProcessScript {
  const t = new Timeline(options.memoryLimit, options.files && new ScriptFiles(options.files));
  const exec = options.unemulated?.exec ?? false;
  const shell = new Shell(options);
  const commands = parseScript(shell, script);
  if (commands === undefined) return beyondEmulation(t, exec);
  shell.runCommands(t, commands);
  return t.beyond ? beyondEmulation(t, exec) : t.finish();
}

/** A script's commands (its cases kept by the shell), or undefined when its syntax is beyond the emulation. */
function parseScript(shell: Shell, source: string): Command[] | undefined {
  const found: CaseSource[] = [];
  const extracted = extractCases(source, syntaxShape(source), found);
  if (!extracted) return undefined;
  const { script, shape } = extracted;
  if (compoundShell.test(shape.replace(bracedVariable, "$v").replace(simpleSubstitution, "$v").replace(maskedArithmetic, "$v"))) return undefined;
  // This script's cases first, so that the cases in their bodies come after them.
  const first = shell.cases.length;
  const cases = found.map(({ word }) => ({ word, items: [] as Array<{ patterns: string[]; body: Command[] }> }));
  shell.cases.push(...cases);
  for (const [k, { items }] of found.entries()) {
    for (const { patterns, body } of items) {
      const commands = parseScript(shell, body);
      if (!commands) return undefined;
      cases[k]!.items.push({ patterns, body: commands });
    }
  }
  // The markers name their cases by their index among this script's.
  const numbered = first === 0 ? script : script.replace(new RegExp(`${caseMarker}(\\d+)`, "g"), (_, k: string) => `${caseMarker}${first + Number(k)}`);
  const statements: Statement[] = [];
  let start = 0;
  for (const text of splitStatements(numbered, numbered === script ? shape : syntaxShape(numbered))) {
    const list = shell.parse(text);
    if (list === undefined) return undefined;
    // Lines counted from 0, as ash's errors count them.
    statements.push({ list, line: numbered.slice(0, start).split("\n").length - 1, semicolon: numbered[start + text.length] === ";" });
    // Past the statement and the `;` or newline after it.
    start += text.length + 1;
  }
  return parseCommands(statements);
}

/**
 * A script that went beyond the emulation, with what it did until then: a container's process runs
 * on; an exec, which is expected to end, ends at once with status 127 and a note saying so rather
 * than hang its caller.
 */
function beyondEmulation(t: Timeline, exec: boolean): ProcessScript {
  t.notEmulated();
  if (!exec) return t.finish();
  t.forever = false;
  t.redirect = { stdout: "stdout", stderr: "stderr" };
  t.write("stderr", "sh: script not emulated by fake-cri\n");
  t.status = 127;
  return t.finish();
}

/**
 * The script as its syntax reads it, character for character: what quotes or a backslash make
 * literal is masked, so a quoted `(`, `;` or `|` is not taken for syntax; what double quotes still
 * expand (`$(...)`, `${...}`, backquotes) is kept.
 */
function syntaxShape(script: string): string {
  let shape = "";
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < script.length; i++) {
    const ch = script[i]!;
    const arithmetic = quote !== "'" && script.startsWith("$((", i) ? arithmeticEnd(script, i) : -1;
    if (arithmetic > 0) {
      // An arithmetic expansion's operators (`(`, `|`, `&&` ...) are not the script's syntax.
      shape += `$((${"x".repeat(arithmetic - i - 4)}))`;
      i = arithmetic;
    } else if (quote === "'") {
      shape += ch === "'" ? ch : "x";
      if (ch === "'") quote = undefined;
    } else if (ch === "\\" && i + 1 < script.length) {
      shape += "xx";
      i++;
    } else if (quote === '"') {
      const opens = ch === "$" ? script[i + 1] : undefined;
      const close = opens === "(" || opens === "{" ? script.indexOf(opens === "(" ? ")" : "}", i + 2) : -1;
      if (close >= 0) {
        shape += script.slice(i, close + 1);
        i = close;
      } else {
        shape += ch === '"' || ch === "`" || ch === "$" ? ch : "x";
        if (ch === '"') quote = undefined;
      }
    } else {
      if (ch === "'" || ch === '"') quote = ch;
      shape += ch;
    }
  }
  return shape;
}

/** The script's statements: split at the `;` and newlines its syntax has (`shape`), not quoted ones. */
function splitStatements(script: string, shape: string): string[] {
  return splitAt(script, shape, ";\n");
}

/** `text` split at the characters of `separators` that its syntax has (`shape`), not quoted ones. */
function splitAt(text: string, shape: string, separators: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < shape.length; i++) {
    if (!separators.includes(shape[i]!)) continue;
    parts.push(text.slice(start, i));
    start = i + 1;
  }
  parts.push(text.slice(start));
  return parts;
}

/** One script's shell: its variables, and the commands that exist without being emulated. */
class Shell {
  private readonly variables: ShellVariables;
  /**
   * The exported variables, each with when it entered ash's variable table: `env` lists them by
   * ash's hash bucket, the newest first within one.
   */
  private readonly exported = new Map<string, number>();
  private readonly unemulated: NonNullable<ShellOptions["unemulated"]>;
  /** The script line of the statement running, which ash's errors name. */
  line = 0;
  /** How many loops the running command is in, which `break` and `continue` can leave. */
  private loops = 0;
  /** A `break` or `continue` on its way out of `levels` loops. */
  private control: { kind: "break" | "continue"; levels: number } | undefined;
  /** The script's cases, which the statements name by their markers. */
  readonly cases: Array<{ word: string; items: Array<{ patterns: string[]; body: Command[] }> }> = [];

  constructor(options: ShellOptions) {
    const env = options.env ?? [];
    const files = options.files;
    this.variables = new ShellVariables(environment(env), files && { PWD: () => files.cwd, HOME: () => homeOf(files) });
    // PATH is in ash's table before the environment is imported; the rest in the environment's
    // order, with the HOME runc adds last.
    for (const entry of env) {
      const name = entry.slice(0, entry.indexOf("="));
      if (entry.includes("=") && !this.exported.has(name)) this.exported.set(name, name === "PATH" ? 0 : this.exported.size + 1);
    }
    if (files) this.export("HOME");
    // ash counts its nesting in SHLVL and keeps its working directory in PWD, both exported.
    this.export("SHLVL", String((Number.parseInt(this.variables.get("SHLVL") ?? "", 10) || 0) + 1));
    if (files) this.export("PWD");
    // `$?`, which runList keeps at the status of the command before.
    this.variables.set("?", "0");
    this.unemulated = options.unemulated ?? { exists: () => false, exec: false };
  }

  private export(name: string, value?: string): void {
    if (value !== undefined) this.variables.set(name, value);
    if (!this.exported.has(name)) this.exported.set(name, this.exported.size + 1);
  }

  /** ash's exported variables as `env` prints them: by hash bucket, the newest first within one. */
  private environmentList(): string[] {
    const bucket = (name: string) => [...new TextEncoder().encode(name)].reduce((sum, byte) => sum + byte, name.charCodeAt(0) << 4) % 39;
    return [...this.exported]
      .filter(([name]) => this.variables.has(name))
      .sort(([a, seqA], [b, seqB]) => bucket(a) - bucket(b) || seqB - seqA)
      .map(([name]) => `${name}=${this.variables.get(name)}`);
  }

  /** A statement's `&&` / `||` list; undefined for an expansion not emulated, or a list sh refuses (`a &&`). */
  parse(statement: string): AndOrList | undefined {
    const list: AndOrList = [];
    let op: "&&" | "||" | undefined;
    let start = 0;
    let quote: "'" | '"' | undefined;
    const add = (end: number, next: "&&" | "||" | undefined): boolean => {
      const text = statement.slice(start, end);
      const words = shellWords(text, this.variables, parseTimeExpansions(this));
      if (words === undefined || (words.length === 0 && (op !== undefined || next !== undefined))) return false;
      const pipeline = splitAt(text, syntaxShape(text), "|");
      if (pipeline.length > 1 && pipeline.some((command) => command.trim() === "")) return false;
      list.push({ op, text, words });
      op = next;
      return true;
    };
    for (let i = 0; i < statement.length; i++) {
      const ch = statement[i]!;
      if (quote) {
        if (ch === quote) quote = undefined;
        else if (ch === "\\" && quote === '"') i++;
      } else if (ch === "'" || ch === '"') {
        quote = ch;
      } else if (ch === "\\") {
        i++;
      } else if (statement.startsWith("$((", i) && arithmeticEnd(statement, i) > 0) {
        // `&&` and `||` inside an arithmetic expansion are its operators.
        i = arithmeticEnd(statement, i);
      } else if ((ch === "&" || ch === "|") && statement[i + 1] === ch) {
        if (!add(i, ch === "&" ? "&&" : "||")) return undefined;
        start = i + 2;
        i++;
      }
    }
    return add(statement.length, undefined) ? list : undefined;
  }

  /** Runs commands in turn until one ends the script. */
  runCommands(t: Timeline, commands: readonly Command[]): void {
    for (const command of commands) {
      if (t.ended || this.control) return;
      switch (command.kind) {
        case "list":
          this.line = command.line;
          this.runList(t, command.list);
          break;
        case "if":
          this.runIf(t, command);
          break;
        case "for":
          this.runFor(t, command);
          break;
        case "while":
          this.runWhile(t, command);
          break;
        case "endless":
          this.runEndlessLoop(t, command.body);
          break;
      }
    }
  }

  /** The body of the first branch whose condition ends with status 0, else the `else` body; status 0 when none runs. */
  private runIf(t: Timeline, command: Extract<Command, { kind: "if" }>): void {
    for (const { condition, body } of command.branches) {
      this.runCommands(t, condition);
      if (t.ended || this.control) return;
      if (t.status === 0) {
        this.runCommands(t, body);
        return;
      }
    }
    if (command.otherwise) this.runCommands(t, command.otherwise);
    else t.status = 0;
  }

  /** The body once for each word, the variable set to it (and left at the last); status 0 when there is none. */
  private runFor(t: Timeline, command: Extract<Command, { kind: "for" }>): void {
    const words = shellWords(command.words, this.variables, this.expansions(t));
    // Pathname expansion (`for f in /etc/*`) is not emulated.
    if (words === undefined || /[*?[]/.test(syntaxShape(command.words))) {
      if (!t.ended) t.notEmulated();
      return;
    }
    t.status = 0;
    this.loops++;
    for (const word of words) {
      if (t.ended) break;
      this.variables.set(command.name, word);
      this.runCommands(t, command.body);
      if (!this.loopGoesOn()) break;
    }
    this.loops--;
  }

  /**
   * `while` / `until`: the body for as long as the condition holds (`until`: fails); the status is
   * the body's last, 0 when it never ran. Its rounds are played out when the process starts, so a
   * loop that waits for something outside the script (another process's file) would never end:
   * after maxLoopRounds it is beyond the emulation.
   */
  private runWhile(t: Timeline, command: Extract<Command, { kind: "while" }>): void {
    let status = 0;
    this.loops++;
    for (let round = 0; ; round++) {
      if (round === maxLoopRounds) {
        t.notEmulated();
        break;
      }
      this.runCommands(t, command.condition);
      if (t.ended || (t.status === 0) === command.until) break;
      if (this.control) {
        if (this.loopGoesOn()) continue;
        break;
      }
      this.runCommands(t, command.body);
      status = t.status;
      if (t.ended || !this.loopGoesOn()) break;
    }
    this.loops--;
    if (!t.ended) t.status = status;
  }

  /** After a loop's round: whether the loop goes on. A `break` or `continue` for a loop further out is left for it. */
  private loopGoesOn(): boolean {
    const control = this.control;
    if (!control) return true;
    if (control.levels > 1) {
      control.levels--;
      return false;
    }
    this.control = undefined;
    return control.kind === "continue";
  }

  /**
   * Runs a statement's commands, each after `&&` only when the status so far is 0, after `||` only
   * when it is not; `!` before one inverts its status.
   */
  private runList(t: Timeline, list: AndOrList): void {
    for (const { op, text, words: parsed } of list) {
      if (t.ended || this.control) return;
      if ((op === "&&" && t.status !== 0) || (op === "||" && t.status === 0)) continue;
      this.variables.set("?", String(t.status));
      const negated = parsed[0] === "!" && parsed.length > 1;
      const command = negated ? text.replace(/^\s*!/, "") : text;
      const commands = splitAt(command, syntaxShape(command), "|");
      if (commands.length > 1) this.runPipeline(t, commands);
      else {
        const literal: number[] = [];
        const words = shellWords(command, this.variables, this.expansions(t), literal);
        // Unless a substitution decided (one that never ends, or goes beyond), an expansion the
        // emulation does not do.
        if (words === undefined) {
          if (!t.ended) t.notEmulated();
        } else this.runStatement(t, words, literal);
      }
      if (negated && !t.ended) t.status = t.status === 0 ? 1 : 0;
    }
  }

  /**
   * `a | b | c`: each command's stdout is the next one's stdin (`cat` and `grep` read it), its
   * stderr the shell's; the status is the last command's. The commands run one after another on
   * the fake's clock, as if each waited for the one before it to finish; one that never ends makes
   * the pipeline wait for good.
   */
  private runPipeline(t: Timeline, commands: readonly string[]): void {
    let input: Uint8Array | undefined = new Uint8Array();
    for (let k = 0; k < commands.length; k++) {
      const sub = new Timeline(t.memoryLimit, t.files);
      sub.stdin = input;
      const literal: number[] = [];
      const words = shellWords(commands[k]!, this.variables, this.expansions(t), literal);
      // A command that expands to no words at all: not emulated.
      if (words === undefined || words.length === 0) {
        if (!t.ended) t.notEmulated();
        return;
      }
      this.runStatement(sub, words, literal);
      if (sub.forever || sub.oomKilled) {
        t.forever = true;
        t.beyond = sub.beyond;
        return;
      }
      const last = k === commands.length - 1;
      const piped: Uint8Array[] = [];
      for (const chunk of sub.output) {
        if (!last && chunk.stream === "stdout") piped.push(toBytes(chunk.data));
        else t.output.push({ ...chunk, atMs: t.atMs + chunk.atMs! });
      }
      for (const change of sub.changes) t.changes.push({ ...change, atMs: t.atMs + change.atMs! });
      t.atMs += sub.atMs;
      t.status = sub.status;
      input = concatBytes(piped);
    }
  }

  /**
   * An endless loop: its first round decides. A round that exits, or never ends, happens once; one
   * that takes time repeats until the process is killed. A round that takes no time at all would
   * print without end in no time, which the fake cannot play: such a loop just runs until killed.
   */
  private runEndlessLoop(t: Timeline, body: readonly Command[]): void {
    const round = new Timeline(t.memoryLimit, t.files);
    this.loops++;
    this.runCommands(round, body);
    this.loops--;
    // A `break` ends the loop after its first round; `continue` just ends the round.
    if (round.ended || (this.control && !this.loopGoesOn())) {
      t.append(round);
      return;
    }
    // A loop that changes files again every time round is beyond the emulation: it just runs.
    if (round.changes.length > 0) {
      t.notEmulated();
      return;
    }
    t.forever = true;
    if (round.atMs > 0 && round.output.length > 0) t.repeat = { fromMs: t.atMs, everyMs: round.atMs, output: round.output };
  }

  /** The body of the first item with a pattern the word matches; status 0 when none does. */
  private runCase(t: Timeline, kase: Shell["cases"][number]): void {
    const words = shellWords(kase.word, this.variables, this.expansions(t));
    if (words === undefined) {
      if (!t.ended) t.notEmulated();
      return;
    }
    const value = words.join(" ");
    t.status = 0;
    for (const { patterns, body } of kase.items) {
      for (const pattern of patterns) {
        const regex = casePattern(pattern, this.variables);
        if (!regex) {
          t.notEmulated();
          return;
        }
        if (regex.test(value)) {
          this.runCommands(t, body);
          return;
        }
      }
    }
  }

  /**
   * ash's `cd [DIR]`: to DIR (HOME without one), with PWD and OLDPWD following; a DIR that is not a
   * directory fails with status 2. `cd -` and options are not emulated.
   */
  private changeDirectory(t: Timeline, args: readonly string[]): void {
    const files = t.files;
    const target = args.length === 0 ? this.variables.get("HOME") : args.length === 1 && !args[0]!.startsWith("-") ? args[0] : undefined;
    if (!files || target === undefined) {
      t.notEmulated();
      return;
    }
    const path = absolute(target, files.cwd);
    const kind = files.kindOf(path);
    if (kind !== "dir") {
      const why = kind === "file" ? "Not a directory" : "No such file or directory";
      t.write("stderr", `sh: cd: line ${this.line}: can't cd to ${target}: ${why}\n`);
      t.status = 2;
      return;
    }
    this.export("OLDPWD", files.cwd);
    files.cwd = path;
    this.export("PWD", path);
    t.status = 0;
  }

  /** How the statements of a script running into `t` expand `$(...)` and `$((...))`. */
  private expansions(t: Timeline): Expansions {
    return { substitute: (command) => this.substitute(t, command), arithmetic: (expression) => this.arithmetic(t, expression) };
  }

  /**
   * `$((expression))`: its value; undefined when the shell stops there, for good (an error ends it
   * with status 2, as ash ends a script) or because the expression is beyond the emulation.
   */
  private arithmetic(t: Timeline, expression: string): string | undefined {
    const result = evaluateArithmetic(expression, this.variables);
    if ("value" in result) return String(result.value);
    if ("error" in result) {
      t.write("stderr", `sh: ${result.error}\n`);
      t.status = 2;
      t.exited = true;
    } else t.notEmulated();
    return undefined;
  }

  /** Whether a substitution's command can be run, told at parse time (its expansions give nothing yet). */
  checkSubstitution(command: string): boolean {
    return this.parseSubstitution(command, { arithmetic: () => "" }) !== undefined;
  }

  private assign(word: string): void {
    const eq = word.indexOf("=");
    this.variables.set(word.slice(0, eq), word.slice(eq + 1));
  }

  /** The words of a substitution's one simple command, if the emulation can run it. */
  private parseSubstitution(command: string, expansions: Expansions, literal?: number[]): string[] | undefined {
    const words = shellWords(command, this.variables, expansions, literal);
    return words !== undefined && !shellKeywords.has(words[0] ?? "") ? words : undefined;
  }

  /**
   * `$(command)`: the command's output without its trailing newlines. Its stderr and the time it
   * takes happen in the shell; undefined when it never ends.
   */
  private substitute(t: Timeline, command: string): string | undefined {
    const literal: number[] = [];
    const words = this.parseSubstitution(command, { arithmetic: (expression) => this.arithmetic(t, expression) }, literal);
    if (words === undefined) {
      t.notEmulated();
      return undefined;
    }
    const sub = new Timeline(t.memoryLimit, t.files);
    this.runStatement(sub, words, literal);
    // The shell waits on it for good.
    if (sub.forever || sub.oomKilled) {
      t.forever = true;
      t.beyond = sub.beyond;
      return undefined;
    }
    let captured = "";
    for (const chunk of sub.output) {
      if (chunk.stream === "stdout") captured += typeof chunk.data === "string" ? chunk.data : decoder.decode(chunk.data);
      else t.output.push({ ...chunk, atMs: t.atMs + chunk.atMs! });
    }
    for (const change of sub.changes) t.changes.push({ ...change, atMs: t.atMs + change.atMs! });
    t.atMs += sub.atMs;
    return captured.replace(/\n+$/, "");
  }

  /** One simple statement (its words) into the timeline. */
  private runStatement(t: Timeline, all: readonly string[], literal: readonly number[]): void {
    const redirected = redirect(t, all, literal);
    if (redirected === undefined) return;
    // NAME=value words before a command set its environment only, which no emulated command reads;
    // alone, they set the shell's variables. A quoted or expanded NAME= is a command's name.
    const isAssignment = (word: string, k: number): boolean => (assignment.exec(word)?.[0].length ?? Infinity) <= redirected.literal[k]!;
    const assignments = redirected.words.findIndex((word, k) => !isAssignment(word, k));
    if (assignments === -1) {
      for (const word of redirected.words) this.assign(word);
      t.status = 0;
      return;
    }
    let words = redirected.words.slice(assignments);
    const replacesShell = words[0] === "exec";
    if (replacesShell) words = words.slice(1);
    if (words.length === 0) return;
    const [name, ...args] = words as [string, ...string[]];
    if (name === "exit") {
      if (args.length > 0) {
        const code = /^-?\d+$/.test(args[0]!) ? Number(BigInt.asIntN(32, BigInt(args[0]!))) : undefined;
        if (code === undefined) {
          t.write("stderr", `sh: exit: Illegal number: ${args[0]}\n`);
          t.status = 2;
        } else {
          t.status = code;
        }
      }
      t.exited = true;
      return;
    }
    if (name === "export" || name === "unset") {
      if (args.length === 0) t.notEmulated();
      else {
        for (const arg of args) {
          if (name === "unset") {
            this.variables.delete(arg);
            this.exported.delete(arg);
          } else if (assignment.test(arg)) {
            this.assign(arg);
            this.export(arg.slice(0, arg.indexOf("=")));
          } else this.export(arg);
        }
        t.status = 0;
      }
    } else if (name === "env" && args.length === 0) {
      const list = this.environmentList();
      if (list.length > 0) t.write("stdout", list.map((entry) => `${entry}\n`).join(""));
      t.status = 0;
    } else if (name.startsWith(caseMarker)) {
      this.runCase(t, this.cases[Number(name.slice(caseMarker.length))]!);
    } else if (name === "cd") {
      this.changeDirectory(t, args);
    } else if (name === "break" || name === "continue") {
      const levels = args.length === 0 ? 1 : args.length === 1 && /^[1-9]\d*$/.test(args[0]!) ? Number(args[0]) : undefined;
      if (levels === undefined) {
        t.notEmulated();
        return;
      }
      // Outside a loop, ash lets them pass.
      if (this.loops > 0) this.control = { kind: name, levels: Math.min(levels, this.loops) };
      t.status = 0;
    } else if (name === "printf") {
      if (!runPrintf(t, "sh", args)) t.notEmulated();
    } else if (name === "[" || name === "test") {
      runTest(t, name, args);
    } else if (!runSimple(t, baseName(name), args)) {
      if (!this.unemulated.exists(name)) {
        t.write("stderr", `sh: ${replacesShell ? "exec: " : ""}${name}: not found\n`);
        t.status = 127;
      } else if (!this.unemulated.exec) {
        t.forever = true;
        return;
      } else {
        t.write("stderr", `sh: ${name}: not emulated by fake-cri\n`);
        t.status = 127;
      }
    }
    if (replacesShell) t.exited = true;
  }
}

/**
 * A shell's variables, where PWD (the working directory) and HOME (what runc sets from
 * /etc/passwd) are found only when used, unless set: a script that reads neither is laid out
 * before its process starts, without the container's files.
 */
class ShellVariables extends Map<string, string> {
  private readonly lazy: Readonly<Record<string, () => string>> | undefined;

  constructor(initial: Map<string, string>, lazy: Readonly<Record<string, () => string>> | undefined) {
    super(initial);
    this.lazy = lazy;
  }

  /** Lazy ones the script unset. */
  private readonly unset = new Set<string>();

  override get(name: string): string | undefined {
    return super.get(name) ?? (this.isLazy(name) ? this.lazy![name]!() : undefined);
  }

  override has(name: string): boolean {
    return super.has(name) || this.isLazy(name);
  }

  override set(name: string, value: string): this {
    this.unset?.delete(name);
    return super.set(name, value);
  }

  override delete(name: string): boolean {
    this.unset.add(name);
    return super.delete(name);
  }

  private isLazy(name: string): boolean {
    return this.lazy !== undefined && Object.hasOwn(this.lazy, name) && !this.unset.has(name);
  }
}

/** The variables an environment list sets (the last of a name wins, as when sh imports them). */
export function environment(env: readonly string[]): Map<string, string> {
  const variables = new Map<string, string>();
  for (const entry of env) {
    const eq = entry.indexOf("=");
    if (eq > 0) variables.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return variables;
}

/** At parse time, expansions give nothing: the words only tell keywords. */
function parseTimeExpansions(shell: Shell): Expansions {
  return { substitute: (command) => (shell.checkSubstitution(command) ? "" : undefined), arithmetic: () => "" };
}

/** How a statement's `$(command)` and `$((expression))` expand: undefined when they do not (the emulation stops there). */
export interface Expansions {
  substitute?: (command: string) => string | undefined;
  arithmetic?: (expression: string) => string | undefined;
}

/** The index of the last `)` of the `$((...))` that starts at `at`, or -1 when it does not close. */
function arithmeticEnd(text: string, at: number): number {
  let depth = 2;
  for (let i = at + 3; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return text[i - 1] === ")" ? i : -1;
  }
  return -1;
}

/** How many rounds of a `while` loop the emulation plays before it calls the loop endless. */
const maxLoopRounds = 10_000;

const nameStart = /[A-Za-z_]/;
const nameChar = /[A-Za-z0-9_]/;

/**
 * A statement's words: quoting, backslash escapes, `$NAME` / `${NAME}` expanded from `variables`
 * (unset is empty; `$?` too when `variables` has "?"), and `$(command)` from `substitute`;
 * unquoted, an expansion is split at blanks, as with the default IFS. Undefined for an expansion
 * the emulation does not do (`$$`, `$1`, `${X:-y}`, a substitution without `substitute` or one it
 * refuses). Leading `NAME=value` words are not split. `literal` gets, for each word, the length of its start that is plain source text
 * (before any quote, escape or expansion): only that can be a redirection or a `NAME=`.
 */
export function shellWords(
  statement: string,
  variables: ReadonlyMap<string, string> = new Map(),
  expansions: Expansions = {},
  literal: number[] = [],
): string[] | undefined {
  const { substitute, arithmetic } = expansions;
  const words: string[] = [];
  let current = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  // How much of the word so far is plain source text; -1 while all of it is.
  let plain = -1;
  const quoted = (): void => {
    if (plain < 0) plain = current.length;
  };
  // Leading NAME=value words are assignments, whose value is not split at blanks.
  let assigning = true;
  const endWord = (): void => {
    if (inWord) {
      words.push(current);
      literal.push(plain < 0 ? current.length : plain);
      assigning &&= (assignment.exec(current)?.[0].length ?? Infinity) <= literal.at(-1)!;
    }
    current = "";
    inWord = false;
    plain = -1;
  };
  for (let i = 0; i < statement.length; i++) {
    const ch = statement[i]!;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else current += ch;
      continue;
    }
    if (ch === "\\" && i + 1 < statement.length) {
      const next = statement[i + 1]!;
      quoted();
      inWord = true;
      // Inside double quotes a backslash only escapes the characters that are special there.
      if (quote === '"' && !'"\\$`'.includes(next)) {
        current += ch;
        continue;
      }
      current += next;
      i++;
      continue;
    }
    if (ch === "$" && i + 1 < statement.length) {
      const next = statement[i + 1]!;
      let value: string | undefined;
      if (next === "(" && statement[i + 2] === "(") {
        const close = arithmeticEnd(statement, i);
        value = close < 0 || !arithmetic ? undefined : arithmetic(statement.slice(i + 3, close - 1));
        if (value === undefined) return undefined;
        i = close;
      } else if (next === "(") {
        const close = statement.indexOf(")", i + 2);
        value = close < 0 || !substitute ? undefined : substitute(statement.slice(i + 2, close));
        if (value === undefined) return undefined;
        i = close;
      } else if (next === "{") {
        const close = statement.indexOf("}", i + 2);
        const name = close < 0 ? "" : statement.slice(i + 2, close);
        if (!nameStart.test(name[0] ?? "") || ![...name].every((c) => nameChar.test(c))) return undefined;
        value = variables.get(name) ?? "";
        i = close;
      } else if (next === "?" && variables.has("?")) {
        value = variables.get("?")!;
        i++;
      } else if (nameStart.test(next)) {
        let end = i + 1;
        while (end < statement.length && nameChar.test(statement[end]!)) end++;
        value = variables.get(statement.slice(i + 1, end)) ?? "";
        i = end - 1;
      } else if (/\s/.test(next) || (quote === '"' && next === '"')) {
        current += ch;
        inWord = true;
        continue;
      } else {
        return undefined;
      }
      const unsplit = quote === '"' || (assigning && (assignment.exec(current)?.[0].length ?? Infinity) <= (plain < 0 ? current.length : plain));
      quoted();
      if (unsplit) {
        current += value;
        inWord = true;
        continue;
      }
      for (const c of value) {
        if (/\s/.test(c)) endWord();
        else {
          quoted();
          current += c;
          inWord = true;
        }
      }
      continue;
    }
    if (quote === '"') {
      if (ch === '"') quote = undefined;
      else current += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quoted();
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      endWord();
    } else {
      current += ch;
      inWord = true;
    }
  }
  endWord();
  return words;
}
