// Word expansion as ash does it: tilde prefixes, parameters with their operators, command
// substitution, arithmetic, then field splitting at IFS (of unquoted expansions only), pathname
// expansion (of unquoted pattern characters) and quote removal. Errors are ash's (`x: parameter not
// set`, `divide by zero` ...) and end the shell; what the emulation does not follow is said so.

import type { Part, Program, Word } from "../syntax/ast.ts";
import type { FileView } from "../files.ts";
import { absolute } from "../files.ts";
import { evaluateArithmetic } from "./arithmetic.ts";
import { NotEmulated, ShellError } from "./errors.ts";
import { byteOrder } from "../applets/applet.ts";
import { hasPatternCharacters, matches, patternText, removePrefix, removeSuffix, replace, type Pattern } from "./pattern.ts";

/** What expansion reads and changes of its shell. */
export interface ExpansionHost {
  /** A variable's or special parameter's value (`?`, `#`, `$`, `!`, `-`, `0`, `1`...); undefined when unset. */
  lookup(name: string): string | undefined;
  readonly positional: readonly string[];
  assign(name: string, value: string): void;
  readonly nounset: boolean;
  readonly noglob: boolean;
  /** The output of a command substitution (its status becomes the shell's last). */
  substitute(body: Program): string;
  readonly files: FileView;
  readonly cwd: string;
  /** A user's home directory from /etc/passwd; the shell's HOME for the empty name. */
  home(user: string): string | undefined;
}

/** A field being put together: its pieces, and whether it exists (has text, or quotes, even empty). */
interface Field {
  pieces: Array<{ text: string; quoted: boolean }>;
  exists: boolean;
  /** How it began: with the word, after IFS white space, or after another IFS delimiter. */
  start: "word" | "blank" | "delimiter";
}

const nameOnly = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class Expander {
  private readonly host: ExpansionHost;

  constructor(host: ExpansionHost) {
    this.host = host;
  }

  /** Words as a command's arguments: every expansion, splitting and pathname expansion. */
  fields(words: readonly Word[]): string[] {
    const out: string[] = [];
    for (const word of words) {
      // The common case: a plain word.
      if (word.length === 1 && word[0]!.type === "literal" && !/[*?[~]/.test(word[0]!.text)) {
        out.push(word[0]!.text);
        continue;
      }
      for (const field of this.split(word)) {
        if (!this.host.noglob && hasPatternCharacters(field.pieces)) out.push(...this.glob(field.pieces));
        else out.push(field.pieces.map((piece) => piece.text).join(""));
      }
    }
    return out;
  }

  /** A word as one string: no splitting, no pathname expansion (assignments, redirection targets, case words). */
  string(word: Word, assignment = false): string {
    if (word.length === 1 && word[0]!.type === "literal" && !word[0]!.text.includes("~")) return word[0]!.text;
    const field = this.newField("word");
    this.word(word, field, undefined, assignment);
    return field.pieces.map((piece) => piece.text).join("");
  }

  /** A word as a pattern: what quotes protect is plain, the rest has its pattern characters. */
  pattern(word: Word): Pattern {
    const field = this.newField("word");
    this.word(word, field, undefined, false);
    return field.pieces;
  }

  /** A here-document's text, its expansions done. */
  hereDoc(parts: readonly Part[]): string {
    const field = this.newField("word");
    for (const part of parts) this.part(part, field, undefined, true);
    return field.pieces.map((piece) => piece.text).join("");
  }

  private newField(start: Field["start"]): Field {
    return { pieces: [], exists: false, start };
  }

  /** The fields of a word after splitting (each word gives none, one or more). */
  private split(word: Word): Field[] {
    const done: Field[] = [];
    const field = this.newField("word");
    const last = this.word(word, field, done, false);
    if (last.exists) done.push(last);
    return done;
  }

  /**
   * Expands a word into `field`; with `done`, unquoted expansions split into fields (closed ones
   * go to `done`). Returns the field the word ends in.
   */
  private word(word: Word, field: Field, done: Field[] | undefined, assignment: boolean): Field {
    let current = field;
    word.forEach((part, k) => {
      if (part.type === "literal" && (k === 0 || assignment) && part.text.includes("~")) {
        current = this.tilde(part.text, k === 0, assignment, word.length === 1, current);
        return;
      }
      current = this.part(part, current, done, false);
    });
    return current;
  }

  /** A literal with tilde prefixes: at the word's start, and in an assignment after each `:`. */
  private tilde(text: string, atStart: boolean, assignment: boolean, whole: boolean, field: Field): Field {
    const pieces = assignment ? text.split(":") : [text];
    pieces.forEach((piece, k) => {
      if (k > 0) push(field, ":", false);
      const slash = piece.indexOf("/");
      const prefix = slash < 0 ? piece : piece.slice(0, slash);
      const expandable = piece.startsWith("~") && (k > 0 || atStart) && (slash >= 0 || whole || k < pieces.length - 1);
      const home = expandable ? this.host.home(prefix.slice(1)) : undefined;
      if (home === undefined) push(field, piece, false);
      else {
        push(field, home, true);
        push(field, piece.slice(prefix.length), false);
      }
    });
    return field;
  }

  /** One part of a word into the field (quoted: inside double quotes). */
  private part(part: Part, field: Field, done: Field[] | undefined, quoted: boolean): Field {
    switch (part.type) {
      case "literal":
        push(field, part.text, quoted);
        return field;
      case "escaped":
      case "single":
      case "ansi":
        push(field, part.text, true);
        return field;
      case "double":
        if (part.parts.length === 0) field.exists = true;
        for (const inner of part.parts) field = this.part(inner, field, done, true);
        return field;
      case "parameter":
        return this.parameter(part, field, done, quoted);
      case "command": {
        const output = this.host.substitute(part.body).replace(/\n+$/, "");
        return this.value(output, field, done, quoted);
      }
      case "arithmetic": {
        const text = this.hereDoc(part.parts);
        const value = evaluateArithmetic(text, { get: (name) => this.variable(name), set: (name, v) => this.host.assign(name, v) });
        return this.value(value.toString(), field, done, quoted);
      }
    }
  }

  /** A variable for arithmetic: unset is empty, even under `set -u`. */
  private variable(name: string): string | undefined {
    return this.host.lookup(name);
  }

  /** An expansion's value into the field: as it is when quoted, else split at IFS. */
  private value(value: string, field: Field, done: Field[] | undefined, quoted: boolean): Field {
    if (quoted || done === undefined) {
      push(field, value, quoted);
      if (quoted) field.exists = true;
      return field;
    }
    return this.splitInto(value, field, done);
  }

  /** An unquoted expansion's value, split at IFS into fields. */
  private splitInto(value: string, field: Field, done: Field[]): Field {
    const ifs = this.host.lookup("IFS") ?? " \t\n";
    if (ifs === "") {
      push(field, value, false);
      return field;
    }
    let current = field;
    let text = "";
    const flush = () => {
      if (text !== "") push(current, text, false);
      text = "";
    };
    for (const ch of value) {
      if (!ifs.includes(ch)) {
        text += ch;
        continue;
      }
      flush();
      if (ch === " " || ch === "\t" || ch === "\n") {
        if (current.exists) {
          done.push(current);
          current = this.newField("blank");
        }
      } else {
        if (current.exists || current.start !== "blank") {
          current.exists = true;
          done.push(current);
        }
        current = this.newField("delimiter");
      }
    }
    flush();
    return current;
  }

  private parameter(part: Extract<Part, { type: "parameter" }>, field: Field, done: Field[] | undefined, quoted: boolean): Field {
    const name = part.name;
    if ((name === "@" || name === "*") && part.op === undefined) return this.positionalFields(name, field, done, quoted);
    const value = name === "@" || name === "*" ? this.host.positional.join(" ") : this.host.lookup(name);
    const unset = value === undefined;
    const empty = unset || (part.colon === true && value === "");
    switch (part.op) {
      case undefined:
        if (unset && this.host.nounset) throw new ShellError(`${name}: parameter not set`);
        return this.value(value ?? "", field, done, quoted);
      case "length":
        if (unset && this.host.nounset && name !== "@" && name !== "*") throw new ShellError(`${name}: parameter not set`);
        return this.value(String(name === "@" || name === "*" ? this.host.positional.length : [...(value ?? "")].length), field, done, quoted);
      case "-":
        return empty ? this.argument(part.argument!, field, done, quoted) : this.value(value, field, done, quoted);
      case "+":
        return empty ? this.value("", field, done, quoted) : this.argument(part.argument!, field, done, quoted);
      case "=": {
        if (!empty) return this.value(value, field, done, quoted);
        if (!nameOnly.test(name)) throw new ShellError(`${name}: bad variable name`);
        const assigned = this.string(part.argument!);
        this.host.assign(name, assigned);
        return this.value(assigned, field, done, quoted);
      }
      case "?": {
        if (!empty) return this.value(value, field, done, quoted);
        const message = part.argument!.length > 0 ? this.string(part.argument!) : part.colon ? "parameter not set or null" : "parameter not set";
        throw new ShellError(`${name}: ${message}`);
      }
      default: {
        if (unset && this.host.nounset) throw new ShellError(`${name}: parameter not set`);
        return this.value(this.operate(part, value ?? ""), field, done, quoted);
      }
    }
  }

  /** The word after `-` or `+`, in the same quoting as the expansion: unquoted, its text splits too. */
  private argument(argument: Word, field: Field, done: Field[] | undefined, quoted: boolean): Field {
    let current = field;
    for (const part of argument) current = part.type === "literal" ? this.value(part.text, current, done, quoted) : this.part(part, current, done, quoted);
    return current;
  }

  /** The pattern and substring operators. */
  private operate(part: Extract<Part, { type: "parameter" }>, value: string): string {
    switch (part.op) {
      case "#":
      case "##":
        return removePrefix(value, this.pattern(part.argument!), part.op === "##");
      case "%":
      case "%%":
        return removeSuffix(value, this.pattern(part.argument!), part.op === "%%");
      case "/":
      case "//":
        return replace(value, this.pattern(part.argument!), part.second === undefined ? "" : this.string(part.second), part.op === "//");
      case "substring": {
        const number = (word: Word) => Number(evaluateArithmetic(this.string(word), { get: (n) => this.variable(n), set: (n, v) => this.host.assign(n, v) }));
        const chars = [...value];
        let offset = number(part.argument!);
        if (offset < 0) offset = Math.max(chars.length + offset, 0);
        let end = chars.length;
        if (part.second !== undefined) {
          const length = number(part.second);
          end = length < 0 ? chars.length + length : offset + length;
        }
        return chars.slice(offset, Math.max(end, offset)).join("");
      }
      default:
        throw new NotEmulated(`\${${part.name}${part.op}...}`);
    }
  }

  /** `$@` and `$*`: the positional parameters, each its own field where ash makes them so. */
  private positionalFields(name: "@" | "*", field: Field, done: Field[] | undefined, quoted: boolean): Field {
    const params = this.host.positional;
    if (quoted && name === "*") {
      const ifs = this.host.lookup("IFS");
      push(field, params.join(ifs === undefined ? " " : ifs.slice(0, 1)), true);
      field.exists = true;
      return field;
    }
    if (done === undefined) {
      push(field, params.join(" "), quoted);
      return field;
    }
    let current = field;
    params.forEach((param, k) => {
      if (k > 0) {
        if (quoted || current.exists) done.push(current);
        current = this.newField("blank");
      }
      if (quoted) {
        push(current, param, true);
        current.exists = true;
      } else current = this.splitInto(param, current, done);
    });
    return current;
  }

  /** Pathname expansion of a field: the paths it matches in byte order, or the field itself when none. */
  private glob(pattern: Pattern): string[] {
    const components: Array<Array<{ text: string; quoted: boolean }>> = [[]];
    for (const piece of pattern) {
      piece.text.split("/").forEach((text, k) => {
        if (k > 0) components.push([]);
        if (text !== "") components.at(-1)!.push({ text, quoted: piece.quoted });
      });
    }
    const absolutePath = components[0]!.length === 0 && components.length > 1;
    let paths = [absolutePath ? "/" : ""];
    for (let k = absolutePath ? 1 : 0; k < components.length; k++) {
      const component = components[k]!;
      const lastComponent = k === components.length - 1;
      const next: string[] = [];
      for (const path of paths) {
        const join = (name: string) => (path === "" ? name : path.endsWith("/") ? `${path}${name}` : `${path}/${name}`);
        if (component.length === 0) {
          if (lastComponent) next.push(join(""));
          continue;
        }
        if (!hasPatternCharacters(component)) {
          next.push(join(patternText(component)));
          continue;
        }
        const dir = absolute(path === "" ? "." : path, this.host.cwd);
        const names = this.host.files.readDir(dir);
        if (!names) continue;
        const dotted = !component[0]!.quoted && component[0]!.text.startsWith(".");
        const candidates = dotted ? [".", "..", ...names] : names.filter((name) => !name.startsWith("."));
        for (const name of [...candidates].sort(byteOrder)) if (matches(component, name)) next.push(join(name));
      }
      paths = next;
    }
    const found = paths.filter((path) => this.host.files.kindOf(absolute(path, this.host.cwd)) !== undefined);
    return found.length > 0 ? found : [patternText(pattern)];
  }
}

function push(field: Field, text: string, quoted: boolean): void {
  if (text !== "" || quoted) field.exists = true;
  if (text === "") return;
  const last = field.pieces.at(-1);
  if (last && last.quoted === quoted) last.text += text;
  else field.pieces.push({ text, quoted });
}

