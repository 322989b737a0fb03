// A program back as script text that parses to the same tree (parser.ts): words keep the quoting
// they were written with; here-documents follow the line their redirection is on. Used by the
// property test (print, parse again, compare) and wherever a command line is shown (`trap`, jobs).

import type { Command, Part, Program, Redirection, Sequence, Word } from "./ast.ts";

export function printProgram(program: Program): string {
  const printer = new Printer();
  const text = printer.sequence(program.body, false);
  return text + printer.flush();
}

/** One command as it would read on a line of its own (here-documents after it). */
export function printCommand(command: Command): string {
  const printer = new Printer();
  const text = printer.command(command);
  return text + printer.flush();
}

class Printer {
  /** Here-documents waiting for the end of their line. */
  private pending: Redirection[] = [];

  /** The newline and bodies of the here-documents waiting, or nothing. */
  flush(): string {
    if (this.pending.length === 0) return "";
    const docs = this.pending;
    this.pending = [];
    return `\n${docs.map((doc) => hereDocBody(doc)).join("")}`;
  }

  /** Items separated by `;`, `&` or a newline; `terminated` ends the last one too (compound bodies). */
  sequence(sequence: Sequence, terminated: boolean): string {
    let out = "";
    sequence.items.forEach((item, k) => {
      out += this.command(item.command);
      const last = k === sequence.items.length - 1;
      const docs = this.flush();
      if (item.background) out += docs === "" ? (last ? " &" : " & ") : ` &${docs}`;
      else if (docs !== "") out += docs;
      else if (!last) out += "; ";
      else if (terminated) out += ";";
    });
    return out;
  }

  /** A compound command's body: ` BODY;` with the separator it needs before the next keyword. */
  private body(sequence: Sequence): string {
    const text = this.sequence(sequence, true);
    return text.endsWith("\n") ? ` ${text}` : ` ${text} `;
  }

  command(command: Command): string {
    switch (command.type) {
      case "simple":
        return [...command.assignments.map((a) => `${a.name}=${word(a.value)}`), ...command.words.map(word), ...this.redirections(command.redirections)].join(" ");
      case "andor":
        return [this.command(command.first), ...command.rest.map(({ op, command: next }) => `${op} ${this.command(next)}`)].join(" ");
      case "pipeline":
        return `${command.negated ? "! " : ""}${command.commands.map((c) => this.command(c)).join(" | ")}`;
      case "if": {
        let out = "";
        command.clauses.forEach(({ condition, body }, k) => {
          out += `${k === 0 ? "if" : "elif"}${this.body(condition)}then${this.body(body)}`;
        });
        if (command.otherwise) out += `else${this.body(command.otherwise)}`;
        return this.withRedirections(`${out}fi`, command.redirections);
      }
      case "loop":
        return this.withRedirections(`${command.until ? "until" : "while"}${this.body(command.condition)}do${this.body(command.body)}done`, command.redirections);
      case "for": {
        const words = command.words === undefined ? ";" : ` in${command.words.map((w) => ` ${word(w)}`).join("")};`;
        return this.withRedirections(`for ${command.name}${words} do${this.body(command.body)}done`, command.redirections);
      }
      case "case": {
        const items = command.items.map(({ patterns, body }) => `${patterns.map(word).join(" | ")})${body ? this.body(body) : " "};; `);
        return this.withRedirections(`case ${word(command.word)} in ${items.join("")}esac`, command.redirections);
      }
      case "group":
        return this.withRedirections(`{${this.body(command.body)}}`, command.redirections);
      case "subshell": {
        const body = this.sequence(command.body, false);
        return this.withRedirections(`( ${body}${body.endsWith("\n") ? "" : " "})`, command.redirections);
      }
      case "function":
        return `${command.name}() ${this.command(command.body)}`;
    }
  }

  private withRedirections(text: string, redirections: readonly Redirection[]): string {
    return [text, ...this.redirections(redirections)].join(" ");
  }

  private redirections(redirections: readonly Redirection[]): string[] {
    return redirections.map((r) => {
      if (r.hereDoc !== undefined) this.pending.push(r);
      return `${r.fd ?? ""}${r.op}${word(r.target)}`;
    });
  }
}

function hereDocBody(doc: Redirection): string {
  const delimiter = word(doc.target).replace(/["'\\]/g, "");
  const body = typeof doc.hereDoc === "string" ? doc.hereDoc : doc.hereDoc!.map((part) => (part.type === "literal" ? quotedText(part.text, "") : printPart(part, true))).join("");
  return `${body}${delimiter}\n`;
}

/**
 * Literal text inside double quotes (or an unquoted here-document, where `"` is plain): a backslash,
 * `$` or backquote escaped only where the reader would take it for more than itself.
 */
function quotedText(text: string, quote: '"' | ""): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const next = text[i + 1];
    const escape =
      ch === "`" ||
      (quote !== "" && ch === quote) ||
      (ch === "\\" && (next === undefined || `\\$\`\n${quote}`.includes(next))) ||
      (ch === "$" && (next === undefined || /[A-Za-z0-9_{(@*#?$!-]/.test(next)));
    out += escape ? `\\${ch}` : ch;
  }
  return out;
}

export function word(parts: Word): string {
  return parts.map((part) => printPart(part, false)).join("");
}

function printPart(part: Part, inDouble: boolean): string {
  switch (part.type) {
    case "literal":
      return inDouble ? quotedText(part.text, '"') : part.text;
    case "escaped":
      return part.text.replace(/[\s\S]/g, "\\$&");
    case "single":
      return `'${part.text}'`;
    case "ansi":
      return `$'${part.text.replace(/[\\']/g, "\\$&").replace(/[\x00-\x1f\x7f]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`)}'`;
    case "double":
      return `"${part.parts.map((inner) => printPart(inner, true)).join("")}"`;
    case "parameter":
      return parameter(part);
    case "command": {
      const body = printProgram(part.body);
      if (part.backquoted) return `\`${body.replace(/[\\`]/g, "\\$&")}\``;
      return `$(${body.startsWith("(") ? " " : ""}${body}${body.endsWith("\n") ? "" : ""})`;
    }
    case "arithmetic":
      return `$((${part.parts.map((inner) => printPart(inner, false)).join("")}))`;
  }
}

function parameter(part: Extract<Part, { type: "parameter" }>): string {
  if (!part.braced) return `$${part.name}`;
  const argument = part.argument === undefined ? "" : word(part.argument);
  switch (part.op) {
    case undefined:
      return `\${${part.name}}`;
    case "length":
      return `\${#${part.name}}`;
    case "substring":
      return `\${${part.name}:${argument}${part.second === undefined ? "" : `:${word(part.second)}`}}`;
    case "/":
    case "//":
      return `\${${part.name}${part.op}${argument}${part.second === undefined ? "" : `/${word(part.second)}`}}`;
    default:
      return `\${${part.name}${part.colon ? ":" : ""}${part.op}${argument}}`;
  }
}
