// ash's builtins, one entry each: what they do to the shell they run in and what they print, with
// ash's error texts. A builtin returns its status, or undefined when it has handed the status to
// frames of its own (eval, `.`) or has left the command's flow (exit, return, break). An error that
// ends a script is thrown as a ShellError named after the builtin (`sh: cd: line 2: ...`). The
// applets busybox's ash runs as builtins (echo, printf, test, kill ...) share their applet's code.

import type { FileView } from "../files.ts";
import { absolute } from "../files.ts";
import { echoText, printfText } from "../applets/printf.ts";
import { testExpression } from "../applets/test.ts";
import { evaluateArithmetic } from "./arithmetic.ts";
import { NotEmulated, ShellError } from "./errors.ts";
import type { Variables } from "./variables.ts";

export interface ShellOptions {
  errexit: boolean;
  nounset: boolean;
  noglob: boolean;
  xtrace: boolean;
}

/** How a shell would run a name: "special" builtin, function, builtin, an applet or program, or nothing. */
export type CommandKind = "special" | "function" | "builtin" | "applet" | undefined;

/** What a builtin reaches of the shell it runs in (shell.ts). */
export interface BuiltinShell {
  readonly vars: Variables;
  readonly files: FileView;
  readonly functions: Map<string, unknown>;
  readonly traps: Map<string, string>;
  readonly options: ShellOptions;
  readonly positional: readonly string[];
  readonly status: number;
  readonly arg0: string;
  readonly jobs: ReadonlyArray<{ pid: number }>;
  cwd: string;
  /** Writes to a descriptor; false when it is closed. */
  write(fd: number, data: string | Uint8Array): boolean;
  /** An error on stderr, named after the running builtin and the line. */
  report(message: string): void;
  exit(status: number): void;
  returnFrom(status: number): void;
  loopControl(kind: "break" | "continue", levels: number): void;
  evaluate(source: string, name: "eval" | "."): void;
  waitFor(pids: number[] | undefined): void;
  /** What stdin holds for `read` now, and whether more can come. */
  pendingInput(): { bytes: Uint8Array; ended: boolean };
  consumeInput(bytes: number): void;
  /** Waits for more input, then runs `read` with these arguments again. */
  awaitInput(args: readonly string[]): void;
  killJob(pid: number, signal: string): boolean;
  setPositional(args: string[]): void;
  commandKind(name: string): CommandKind;
  execCommand(argv: readonly string[]): number;
  runCommand(argv: readonly string[]): number | undefined;
}

export type Builtin = (shell: BuiltinShell, args: readonly string[]) => number | undefined;

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const nameOnly = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The signals trap and kill know, by number: their names, and how the C library describes them. */
const signalTable: ReadonlyArray<[number, string, string]> = [
  [1, "HUP", "Hangup"],
  [2, "INT", "Interrupt"],
  [3, "QUIT", "Quit"],
  [6, "ABRT", "Aborted"],
  [9, "KILL", "Killed"],
  [10, "USR1", "User defined signal 1"],
  [12, "USR2", "User defined signal 2"],
  [13, "PIPE", "Broken pipe"],
  [14, "ALRM", "Alarm clock"],
  [15, "TERM", "Terminated"],
  [17, "CHLD", "Child exited"],
  [18, "CONT", "Continued"],
  [19, "STOP", "Stopped (signal)"],
  [20, "TSTP", "Stopped"],
  [28, "WINCH", "Window changed"],
];

export const signalNames: Readonly<Record<number, string>> = Object.fromEntries(signalTable.map(([number, name]) => [number, name]));

/** strsignal(3): what ash prints when `wait` finds a job a signal killed. */
export const signalDescriptions: Readonly<Record<number, string>> = Object.fromEntries(signalTable.map(([number, , text]) => [number, text]));

/** A signal as trap and kill name it (`TERM`, `SIGTERM`, `15`, `0` and `EXIT`), or undefined. */
export function signalName(spec: string): string | undefined {
  if (/^\d+$/.test(spec)) return Number(spec) === 0 ? "EXIT" : signalNames[Number(spec)];
  const name = spec.toUpperCase().replace(/^SIG/, "");
  if (name === "EXIT") return "EXIT";
  return Object.values(signalNames).includes(name) ? name : undefined;
}

/** ash's number check for exit, return, shift, break and continue. */
function count(shell: BuiltinShell, text: string | undefined, fallback: number, min = 0): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min) throw new ShellError(`Illegal number: ${text}`, 2, true);
  return Number(text);
}

/** `export`, `readonly` and `local`: `NAME[=value]` operands. */
function declare(shell: BuiltinShell, args: readonly string[], each: (name: string, value: string | undefined) => void): number {
  if (args.length === 0 || args[0]!.startsWith("-")) throw new NotEmulated(`listing or options of ${args[0] ?? "a declaration"}`);
  for (const arg of args) {
    const eq = arg.indexOf("=");
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (!nameOnly.test(name)) throw new ShellError(`${name}: bad variable name`, 2, true);
    each(name, eq < 0 ? undefined : arg.slice(eq + 1));
  }
  return 0;
}

function changeDirectory(shell: BuiltinShell, args: readonly string[]): number {
  // busybox's cd takes its first operand and leaves the rest.
  const operand = args[0];
  if (operand === "-" || operand?.startsWith("-")) throw new NotEmulated(`cd ${operand}`);
  const target = operand ?? shell.vars.get("HOME");
  if (target === undefined || target === "") return 0;
  const path = absolute(target, shell.cwd);
  const kind = shell.files.kindOf(path);
  if (kind !== "dir") {
    shell.report(`can't cd to ${target}: ${kind === "file" ? "Not a directory" : "No such file or directory"}`);
    return 2;
  }
  shell.vars.export("OLDPWD", shell.cwd);
  shell.cwd = path;
  shell.vars.export("PWD", path);
  return 0;
}

const optionLetters: ReadonlyMap<string, keyof ShellOptions> = new Map([["e", "errexit"], ["u", "nounset"], ["f", "noglob"], ["x", "xtrace"]]);
const longOptionNames: ReadonlyMap<string, keyof ShellOptions> = new Map([...optionLetters.values()].map((name) => [name, name]));

/** `set`: options (-e -u -f -x, and their -o names) and the positional parameters. */
function set(shell: BuiltinShell, args: readonly string[]): number {
  if (args.length === 0) throw new NotEmulated("set without arguments");
  let k = 0;
  for (; k < args.length; k++) {
    const arg = args[k]!;
    if (arg === "--") {
      k++;
      shell.setPositional(args.slice(k));
      return 0;
    }
    if (arg === "-" || (!arg.startsWith("-") && !arg.startsWith("+"))) break;
    const on = arg.startsWith("-");
    if (arg.slice(1) === "o") {
      const name = args[++k];
      const option = name === undefined ? undefined : longOptionNames.get(name);
      if (option === undefined) {
        if (name === undefined) throw new NotEmulated("set -o");
        shell.report(`illegal option -o ${name}`);
        return 1;
      }
      shell.options[option] = on;
      continue;
    }
    for (const letter of arg.slice(1)) {
      const option = optionLetters.get(letter);
      if (option === undefined) {
        if ("aCbhmnpv".includes(letter)) throw new NotEmulated(`set ${arg[0]}${letter}`);
        throw new ShellError(`illegal option ${arg[0]}${letter}`, 2, true);
      }
      shell.options[option] = on;
    }
  }
  if (k < args.length) shell.setPositional(args.slice(k));
  return 0;
}

function trap(shell: BuiltinShell, args: readonly string[]): number {
  if (args.length === 0) {
    const order = (name: string) => (name === "EXIT" ? 0 : Number(Object.entries(signalNames).find(([, n]) => n === name)?.[0] ?? 99));
    const lines = [...shell.traps].sort(([a], [b]) => order(a) - order(b)).map(([name, action]) => `trap -- '${action.replace(/'/g, `'"'"'`)}' ${name}\n`);
    if (lines.length > 0) shell.write(1, lines.join(""));
    return 0;
  }
  if (args[0]!.startsWith("-") && args[0] !== "-" && args[0] !== "--") {
    shell.report(`illegal option ${args[0]}`);
    return 1;
  }
  const [action, ...specs] = args[0] === "--" ? args.slice(1) : args;
  // `trap N...` with only signal numbers resets them.
  const resets = specs.length === 0 || /^\d+$/.test(action!);
  let status = 0;
  for (const spec of resets && specs.length === 0 ? [action!] : resets ? [action!, ...specs] : specs) {
    const name = signalName(spec);
    if (name === undefined) {
      shell.report(`${spec}: invalid signal specification`);
      status = 1;
      continue;
    }
    if (resets || action === "-") shell.traps.delete(name);
    else shell.traps.set(name, action!);
  }
  return status;
}

function kill(shell: BuiltinShell, args: readonly string[]): number {
  let signal = "TERM";
  let k = 0;
  if (args[0] === "-s") {
    signal = args[1] ?? "";
    k = 2;
  } else if (args[0]?.startsWith("-") && args[0] !== "--") {
    signal = args[0].slice(1);
    k = 1;
  }
  if (args[k] === "--") k++;
  const name = signalName(signal);
  if (name === undefined || name === "EXIT" || args[0] === "-l") throw new NotEmulated(`kill ${args.join(" ")}`);
  const targets = args.slice(k);
  if (targets.length === 0) throw new NotEmulated("kill without a process");
  let status = 0;
  for (const target of targets) {
    const job = /^%\d+$/.test(target) ? shell.jobs[Number(target.slice(1)) - 1] : undefined;
    if (target.startsWith("%") && job === undefined) {
      shell.report(`${target}: no such job`);
      status = 2;
      continue;
    }
    const pid = job?.pid ?? (/^\d+$/.test(target) ? Number(target) : undefined);
    // Processes other than the script's own jobs are the process table's.
    if (pid === undefined || !shell.killJob(pid, name)) throw new NotEmulated(`kill ${target}`);
  }
  return status;
}

function wait(shell: BuiltinShell, args: readonly string[]): number | undefined {
  const pids: number[] = [];
  for (const arg of args) {
    const job = /^%\d+$/.test(arg) ? shell.jobs[Number(arg.slice(1)) - 1] : undefined;
    if (arg.startsWith("%") && job === undefined) {
      shell.report(`${arg}: no such job`);
      return 2;
    }
    if (job === undefined && !/^\d+$/.test(arg)) throw new NotEmulated(`wait ${arg}`);
    pids.push(job?.pid ?? Number(arg));
  }
  shell.waitFor(args.length === 0 ? undefined : pids);
  return undefined;
}

/**
 * `read [-r] NAME...`: a line of stdin split at IFS into the names (the last takes the rest; REPLY
 * without names); without -r a backslash escapes the next character and joins a line with the
 * next. Status 1 at the end of input. A live shell waits for a line of its process's stdin.
 */
function read(shell: BuiltinShell, args: readonly string[]): number | undefined {
  let raw = false;
  let k = 0;
  for (; k < args.length && args[k]!.startsWith("-"); k++) {
    if (args[k] === "-r") raw = true;
    else throw new NotEmulated(`read ${args[k]}`);
  }
  const names = args.slice(k);
  const { bytes, ended } = shell.pendingInput();
  const text = decoder.decode(bytes);
  let line = "";
  let found = false;
  let end = 0;
  for (;;) {
    const newline = text.indexOf("\n", end);
    if (newline < 0) {
      if (!ended) {
        shell.awaitInput(args);
        return undefined;
      }
      line += text.slice(end);
      end = text.length;
      break;
    }
    const piece = text.slice(end, newline);
    end = newline + 1;
    // Without -r, a backslash before the newline joins the next line.
    if (!raw && /(^|[^\\])(\\\\)*\\$/.test(piece)) {
      line += piece.slice(0, -1);
      continue;
    }
    line += piece;
    found = true;
    break;
  }
  shell.consumeInput(encoder.encode(text.slice(0, end)).length);
  const value = raw ? line : line.replace(/\\(.)/g, "$1");
  const fields = splitRead(value, shell.vars.get("IFS") ?? " \t\n", Math.max(names.length, 1));
  (names.length > 0 ? names : ["REPLY"]).forEach((name, i) => shell.vars.set(name, fields[i] ?? ""));
  return found ? 0 : 1;
}

/** `read`'s fields: split at IFS into at most `count`, the last taking the rest of the line. */
function splitRead(line: string, ifs: string, count: number): string[] {
  const isBlank = (c: string) => (c === " " || c === "\t" || c === "\n") && ifs.includes(c);
  let text = line;
  while (text !== "" && isBlank(text[0]!)) text = text.slice(1);
  const fields: string[] = [];
  while (fields.length < count - 1 && text !== "") {
    let end = 0;
    while (end < text.length && !ifs.includes(text[end]!)) end++;
    fields.push(text.slice(0, end));
    text = text.slice(end);
    let skip = 0;
    while (skip < text.length && isBlank(text[skip]!)) skip++;
    if (skip < text.length && ifs.includes(text[skip]!) && !isBlank(text[skip]!)) skip++;
    while (skip < text.length && isBlank(text[skip]!)) skip++;
    text = text.slice(skip);
  }
  while (text !== "" && isBlank(text.at(-1)!)) text = text.slice(0, -1);
  if (text !== "" || fields.length < count) fields.push(text);
  return fields;
}

function dot(shell: BuiltinShell, args: readonly string[]): number | undefined {
  const file = args[0];
  if (file === undefined) return 0;
  if (!file.includes("/")) throw new NotEmulated(`. ${file} (a PATH search)`);
  const content = shell.files.readFile(absolute(file, shell.cwd));
  if (content === undefined) throw new ShellError(`can't open '${file}': No such file or directory`, 2, true);
  shell.evaluate(decoder.decode(content), ".");
  return undefined;
}

function type(shell: BuiltinShell, args: readonly string[]): number {
  let status = 0;
  for (const name of args) {
    const kind = shell.commandKind(name);
    if (kind === undefined) {
      shell.write(1, `${name}: not found\n`);
      status = 127;
      continue;
    }
    const what = kind === "special" ? "a special shell builtin" : kind === "builtin" ? "a shell builtin" : kind === "function" ? "a function" : name;
    shell.write(1, `${name} is ${what}\n`);
  }
  return status;
}

function command(shell: BuiltinShell, args: readonly string[]): number | undefined {
  if (args[0] === "-v") {
    const name = args[1];
    if (name === undefined || shell.commandKind(name) === undefined) return 127;
    shell.write(1, `${name}\n`);
    return 0;
  }
  if (args.length === 0) return 0;
  if (args[0]!.startsWith("-")) throw new NotEmulated(`command ${args[0]}`);
  return shell.runCommand(args);
}

/** ash's builtins that are special: assignments before them stay, and no function can take their name. */
export const specialBuiltins: ReadonlySet<string> = new Set([".", ":", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return", "set", "shift", "source", "times", "trap", "unset"]);

export const builtins: ReadonlyMap<string, Builtin> = new Map(
  Object.entries({
    ":": () => 0,
    true: () => 0,
    false: () => 1,
    ".": dot,
    source: dot,
    break: (shell, args) => {
      shell.loopControl("break", count(shell, args[0], 1, 1));
      return undefined;
    },
    continue: (shell, args) => {
      shell.loopControl("continue", count(shell, args[0], 1, 1));
      return undefined;
    },
    exit: (shell, args) => {
      shell.exit(count(shell, args[0], shell.status));
      return undefined;
    },
    return: (shell, args) => {
      shell.returnFrom(count(shell, args[0], shell.status));
      return undefined;
    },
    shift: (shell, args) => {
      const n = count(shell, args[0], 1);
      if (n > shell.positional.length) return 1;
      shell.setPositional(shell.positional.slice(n));
      return 0;
    },
    eval: (shell, args) => {
      const source = args.join(" ");
      if (source.trim() === "") return 0;
      shell.evaluate(source, "eval");
      return undefined;
    },
    exec: (shell, args) => {
      if (args.length === 0) return 0;
      shell.execCommand(args);
      return undefined;
    },
    export: (shell, args) => declare(shell, args, (name, value) => shell.vars.export(name, value)),
    readonly: (shell, args) => declare(shell, args, (name, value) => shell.vars.makeReadonly(name, value)),
    local: (shell, args) => {
      if (!shell.vars.inFunction) throw new ShellError("not in a function", 2, true);
      return declare(shell, args, (name, value) => shell.vars.local(name, value));
    },
    unset: (shell, args) => {
      let functions = false;
      let k = 0;
      for (; k < args.length && args[k]!.startsWith("-"); k++) {
        if (args[k] === "-f") functions = true;
        else if (args[k] !== "-v") throw new ShellError(`illegal option ${args[k]}`, 2, true);
      }
      for (const name of args.slice(k)) {
        if (functions) shell.functions.delete(name);
        else shell.vars.unset(name);
      }
      return 0;
    },
    set,
    trap,
    times: notEmulated("times"),
    cd: changeDirectory,
    chdir: changeDirectory,
    pwd: (shell, args) => {
      if (args.some((arg) => arg !== "-L" && arg !== "-P" && arg.startsWith("-"))) throw new NotEmulated(`pwd ${args.join(" ")}`);
      shell.write(1, `${shell.cwd}\n`);
      return 0;
    },
    echo: (shell, args) => output(shell, echoText(args), 0),
    printf: (shell, args) => {
      const result = printfText("sh", args);
      if (result === undefined) throw new NotEmulated("printf without a format");
      // Errors go out at once; the output when stdio flushes it.
      if (result.stderr !== "") shell.write(2, result.stderr);
      return output(shell, result.stdout, result.status);
    },
    test: (shell, args) => runTest(shell, "test", args),
    "[": (shell, args) => runTest(shell, "[", args),
    read,
    wait,
    kill,
    type,
    command,
    ...Object.fromEntries(["[[", "alias", "unalias", "bg", "fg", "jobs", "getopts", "hash", "help", "history", "ulimit", "umask"].map((name) => [name, notEmulated(name)])),
    let: (shell, args) => {
      if (args.length === 0) throw new ShellError("expression expected", 1, true);
      let value = 0n;
      for (const expression of args) value = evaluateArithmetic(expression, { get: (name) => shell.vars.get(name), set: (name, v) => shell.vars.set(name, v) });
      return value === 0n ? 1 : 0;
    },
  }),
);

/** A builtin's output on stdout, and its status; writing to a closed stdout is an error. */
function output(shell: BuiltinShell, text: string, status: number): number {
  if (text === "" || shell.write(1, text)) return status;
  shell.write(2, `${shell.arg0}: write error: Bad file descriptor\n`);
  return 1;
}

/** ash's builtins the emulation does not follow. */
function notEmulated(name: string): Builtin {
  return () => {
    throw new NotEmulated(name);
  };
}

/** ash's `test` / `[`: status 0 or 1, 2 for an error or a `[` without its `]`. */
function runTest(shell: BuiltinShell, name: "test" | "[", args: readonly string[]): number {
  if (name === "[" && args.at(-1) !== "]") {
    shell.write(2, `${shell.arg0}: missing ]\n`);
    return 2;
  }
  const result = testExpression(shell.files, shell.cwd, name === "[" ? args.slice(0, -1) : args);
  if (result === undefined) throw new NotEmulated(`${name} ${args.join(" ")}`);
  if (typeof result === "boolean") return result ? 0 : 1;
  shell.write(2, `${shell.arg0}: ${result.error}\n`);
  return 2;
}
