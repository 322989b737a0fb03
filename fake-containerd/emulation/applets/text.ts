// busybox's text filters as a container's scripts use them in probes and pipelines: grep, wc,
// head, tail, cut, sort, uniq, tr, awk and tee, the path helpers basename and dirname, and seq. Each
// reads its operands from the container's files, or with none its stdin (a pipe, a file, a
// here-document); one that would read the process's own stdin, or an option not listed, is not
// emulated. Output formats and error texts are busybox's, pinned by golden/cri transcripts.

import { absolute } from "../files.ts";
import { byteOrder, decoder, options, type Applet, type AppletIo } from "./applet.ts";
import { writeError } from "./files.ts";

/** What a filter reads from one operand: its bytes, or why it cannot (busybox's words). */
type Input = { operand: string; data: Uint8Array; error?: undefined } | { operand: string; data?: undefined; error: string };

/**
 * The inputs of a filter: each operand (`-` is the pipe), or the pipe alone when there is none;
 * undefined when a read would be of the process's own stdin.
 */
function inputs(io: AppletIo, operands: readonly string[]): Input[] | undefined {
  const named = operands.length > 0 ? operands : ["-"];
  const read: Input[] = [];
  for (const operand of named) {
    if (operand === "-") {
      if (!io.stdin) return undefined;
      read.push({ operand, data: io.stdin });
      continue;
    }
    const path = absolute(operand, io.cwd);
    const data = io.files.readFile(path);
    if (data) read.push({ operand, data });
    else read.push({ operand, error: io.files.kindOf(path) === "dir" ? "Is a directory" : "No such file or directory" });
  }
  return read;
}

/** A text's lines without their newlines; a last line without one still counts. */
function linesOf(data: Uint8Array): string[] {
  const text = decoder.decode(data);
  const lines = text.split("\n");
  if (text === "" || text.endsWith("\n")) lines.pop();
  return lines;
}

/** A text's lines with their newlines, as head and tail copy them. */
function rawLinesOf(data: Uint8Array): string[] {
  const text = decoder.decode(data);
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** `-5` as head and tail take it: the old form of `-n 5`. */
function oldCount(args: readonly string[]): readonly string[] {
  return /^-\d+$/.test(args[0] ?? "") ? ["-n", args[0]!.slice(1), ...args.slice(1)] : args;
}

/**
 * busybox `grep [-EFiqvcnxwolhs] PATTERN [FILE...]`: the matching lines (`-v` the others; each after
 * `FILE:` when there are several files, unless `-h`, and its number with `-n`), or only what
 * matched (`-o`), their count (`-c`), the files that have one (`-l`), nothing (`-q`). `-x` matches
 * whole lines, `-w` whole words. Status 0 when a line matched, 1 when none did, 2 after a file it
 * could not read (`-s` keeps quiet about it). Without a file it reads what the pipeline before it
 * wrote; the stdin of a process, and POSIX classes (`[[:alpha:]]`), are not emulated.
 */
function grep(io: AppletIo, args: readonly string[]): number | undefined {
  const parsed = options(args, "EFiqvcnxwolhs");
  if (!parsed || parsed.operands.length === 0) return undefined;
  const { flags } = parsed;
  const [pattern, ...operands] = parsed.operands as [string, ...string[]];
  const regex = grepRegex(pattern, flags);
  const read = regex && inputs(io, operands);
  if (!read || (flags.has("o") && flags.has("v"))) return undefined;
  const invert = flags.has("v");
  const quiet = flags.has("q");
  const named = operands.length > 1 && !flags.has("h");
  let matched = false;
  let failed = false;
  for (const input of read) {
    if (input.error !== undefined) {
      if (!flags.has("s")) io.err(`grep: ${input.operand}: ${input.error}\n`);
      failed = true;
      continue;
    }
    const name = input.operand === "-" ? "(standard input)" : input.operand;
    let out = "";
    let count = 0;
    linesOf(input.data).forEach((line, k) => {
      if (regex.test(line) === invert) return;
      count++;
      const prefix = `${named ? `${name}:` : ""}${flags.has("n") ? `${k + 1}:` : ""}`;
      if (!flags.has("o")) {
        out += `${prefix}${line}\n`;
        return;
      }
      for (const m of line.matchAll(new RegExp(regex.source, `${regex.flags}g`))) if (m[0] !== "") out += `${prefix}${m[0]}\n`;
    });
    if (count > 0) matched = true;
    if (quiet) continue;
    if (flags.has("l")) out = count > 0 ? `${name}\n` : "";
    else if (flags.has("c")) out = `${named ? `${name}:` : ""}${count}\n`;
    if (out !== "") io.out(out);
  }
  return quiet && matched ? 0 : failed ? 2 : matched ? 0 : 1;
}

/** A grep pattern as a JavaScript regular expression: basic (BRE, the default), extended (-E) or fixed (-F); whole lines (-x) or words (-w). */
export function grepRegex(pattern: string, flags: ReadonlySet<string>): RegExp | undefined {
  if (pattern.includes("[:") && !flags.has("F")) return undefined;
  let source: string;
  if (flags.has("F")) source = pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  else if (flags.has("E")) source = pattern;
  else {
    // In a BRE, ( ) { } | + ? are plain characters and their backslashed forms are the operators.
    source = "";
    for (let i = 0; i < pattern.length; i++) {
      const ch = pattern[i]!;
      if (ch === "\\" && i + 1 < pattern.length) {
        const next = pattern[++i]!;
        source += "(){}|+?".includes(next) ? next : `\\${next}`;
      } else source += "(){}|+?".includes(ch) ? `\\${ch}` : ch;
    }
  }
  if (flags.has("x")) source = `^(?:${source})$`;
  else if (flags.has("w")) source = `(?<![A-Za-z0-9_])(?:${source})(?![A-Za-z0-9_])`;
  try {
    return new RegExp(source, flags.has("i") ? "i" : "");
  } catch {
    return undefined;
  }
}

/**
 * `wc [-lwc] [FILE]...`: lines, words and bytes in that order whichever are asked (all three by
 * default), each right-aligned in 9 columns, except a lone count of at most one file; `total`
 * after several operands. A directory is an error that still gets its (empty) counts.
 */
function wc(io: AppletIo, args: readonly string[]): number | undefined {
  const parsed = options(args, "lwc", "");
  const read = parsed && inputs(io, parsed.operands);
  if (!read) return undefined;
  const asked = parsed.flags.size === 0 ? ["l", "w", "c"] : ["l", "w", "c"].filter((flag) => parsed.flags.has(flag));
  const bare = asked.length === 1 && read.length <= 1;
  const totals = [0, 0, 0];
  let out = "";
  let status = 0;
  const line = (counts: readonly number[], name: string): void => {
    out += asked.map((flag, k) => (bare ? `${counts["lwc".indexOf(flag)]}` : `${k > 0 ? " " : ""}${String(counts["lwc".indexOf(flag)]).padStart(9)}`)).join("");
    out += name === "-" ? "\n" : ` ${name}\n`;
  };
  for (const input of read) {
    if (input.error !== undefined) {
      // stderr goes out at once, stdout when stdio flushes it at exit.
      io.err(`wc: ${input.operand}: ${input.error}\n`);
      status = 1;
      if (input.error !== "Is a directory") continue;
    }
    const counts = input.data ? countText(input.data) : [0, 0, 0];
    counts.forEach((count, k) => (totals[k]! += count));
    line(counts, input.operand);
  }
  if (read.length > 1) line(totals, "total");
  if (out !== "") io.out(out);
  return status;
}

/** Lines, words and bytes as busybox's wc counts them without locale support: a word is printable non-blank bytes between blanks. */
function countText(data: Uint8Array): number[] {
  let lines = 0;
  let words = 0;
  let inWord = false;
  for (const byte of data) {
    if (byte > 0x20 && byte < 0x7f) {
      inWord = true;
      continue;
    }
    // Other unprintable bytes neither make nor end a word.
    if (byte !== 0x20 && (byte < 9 || byte > 13)) continue;
    if (byte === 10) lines++;
    if (inWord) words++;
    inWord = false;
  }
  if (inWord) words++;
  return [lines, words, data.length];
}

/**
 * `head [-n N] [FILE]...` (the first N lines, 10 by default) and `tail [-n [+]N] [FILE]...` (the
 * last N, or from line N on), under `==> FILE <==` headings when there are several files. head
 * goes through its operands in turn, and every heading but the first operand's starts with an empty
 * line; tail opens them all first (a file it cannot open is left out, and none at all is an error)
 * and heads the files it opened.
 */
function headOrTail(io: AppletIo, name: "head" | "tail", args: readonly string[]): number | undefined {
  const parsed = options(args, "", "n");
  if (!parsed) return undefined;
  const count = parsed.values.get("n") ?? "10";
  const m = name === "tail" ? /^(\+?)(\d+)$/.exec(count) : /^()(\d+)$/.exec(count);
  const read = m && inputs(io, parsed.operands);
  if (!m || !read || read.some((input) => input.error === "Is a directory")) return undefined;
  const n = Number(m[2]);
  const shown = (lines: string[]): string[] =>
    name === "head" ? lines.slice(0, n) : m[1] === "+" ? lines.slice(Math.max(n - 1, 0)) : lines.slice(Math.max(lines.length - n, 0));
  const heading = (operand: string, first: boolean): string => `${first ? "" : "\n"}==> ${operand === "-" ? "standard input" : operand} <==\n`;
  let status = 0;
  if (name === "head") {
    read.forEach((input, k) => {
      if (input.error !== undefined) {
        io.err(`head: ${input.operand}: ${input.error}\n`);
        status = 1;
        return;
      }
      const out = (read.length > 1 ? heading(input.operand, k === 0) : "") + shown(rawLinesOf(input.data)).join("");
      if (out !== "") io.out(out);
    });
    return status;
  }
  const opened: Array<{ operand: string; data: Uint8Array }> = [];
  for (const input of read) {
    if (input.error === undefined) opened.push(input);
    else {
      io.err(`tail: can't open '${input.operand}': ${input.error}\n`);
      status = 1;
    }
  }
  if (opened.length === 0) {
    io.err("tail: no files\n");
    return status;
  }
  opened.forEach((input, k) => {
    const out = (opened.length > 1 ? heading(input.operand, k === 0) : "") + shown(rawLinesOf(input.data)).join("");
    if (out !== "") io.out(out);
  });
  return status;
}

/** A cut list (`1,3-5,7-`) as a test of 1-based positions; undefined when it does not parse. */
function cutList(list: string): ((position: number) => boolean) | undefined {
  const ranges: Array<[number, number]> = [];
  for (const item of list.split(",")) {
    const m = /^(\d*)(-?)(\d*)$/.exec(item);
    if (!m || (m[1] === "" && m[3] === "")) return undefined;
    const from = m[1] === "" ? 1 : Number(m[1]);
    const to = m[2] === "" ? from : m[3] === "" ? Infinity : Number(m[3]);
    if (from < 1 || to < from) return undefined;
    ranges.push([from, to]);
  }
  return (position) => ranges.some(([from, to]) => position >= from && position <= to);
}

/** `cut -d D -f LIST [-s]` or `cut -c LIST` (`-b` too): the chosen fields or characters of each line, in line order. */
function cut(io: AppletIo, args: readonly string[]): number | undefined {
  const parsed = options(args, "s", "dfcb");
  if (!parsed) return undefined;
  const { values } = parsed;
  const fields = values.get("f");
  const chars = values.get("c") ?? values.get("b");
  const delimiter = values.get("d") ?? "\t";
  if ((fields === undefined) === (chars === undefined) || delimiter.length !== 1) return undefined;
  const chosen = cutList(fields ?? chars!);
  const read = chosen && inputs(io, parsed.operands);
  if (!chosen || !read || read.some((input) => input.error === "Is a directory")) return undefined;
  let status = 0;
  for (const input of read) {
    if (input.error !== undefined) {
      io.err(`cut: ${input.operand}: ${input.error}\n`);
      status = 1;
      continue;
    }
    let out = "";
    for (const line of linesOf(input.data)) {
      if (chars !== undefined) {
        out += `${[...line].filter((_, k) => chosen(k + 1)).join("")}\n`;
      } else if (!line.includes(delimiter)) {
        if (!parsed.flags.has("s")) out += `${line}\n`;
      } else {
        out += `${line
          .split(delimiter)
          .filter((_, k) => chosen(k + 1))
          .join(delimiter)}\n`;
      }
    }
    if (out !== "") io.out(out);
  }
  return status;
}

/** C's atof of a line's start: leading blanks, then a decimal number; 0 when there is none. */
function leadingNumber(line: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(line);
  return m ? Number(m[1]) : 0;
}

/**
 * `sort [-nru] [FILE]...`: all lines together, by bytes or (-n) by leading number with the whole
 * line breaking ties; -r reverses both; -u keeps the first of lines that compare equal. A file it
 * cannot open ends it at once with status 2, before any output.
 */
function sort(io: AppletIo, args: readonly string[]): number | undefined {
  const parsed = options(args, "nru", "");
  const read = parsed && inputs(io, parsed.operands);
  if (!read || read.some((input) => input.error === "Is a directory")) return undefined;
  const failed = read.find((input) => input.error);
  if (failed) {
    io.err(`sort: ${failed.operand}: ${failed.error}\n`);
    return 2;
  }
  const numeric = parsed.flags.has("n");
  const sign = parsed.flags.has("r") ? -1 : 1;
  const key = (a: string, b: string) => (numeric ? Math.sign(leadingNumber(a) - leadingNumber(b)) : byteOrder(a, b));
  let lines = read.flatMap((input) => linesOf(input.data!)).sort((a, b) => sign * (key(a, b) || byteOrder(a, b)));
  // -u compares by the key alone, so of numerically equal lines the first sorted stays.
  if (parsed.flags.has("u")) lines = lines.filter((line, k) => k === 0 || key(lines[k - 1]!, line) !== 0);
  if (lines.length > 0) io.out(lines.map((line) => `${line}\n`).join(""));
  return 0;
}

/** `uniq [-cdu] [FILE]`: adjacent equal lines once (-c with their count in 7 columns; -d only repeated, -u only single ones). */
function uniq(io: AppletIo, args: readonly string[]): number | undefined {
  const parsed = options(args, "cdu", "");
  if (!parsed || parsed.operands.length > 1) return undefined;
  const read = inputs(io, parsed.operands);
  if (!read || read[0]!.error === "Is a directory") return undefined;
  const input = read[0]!;
  if (input.error !== undefined) {
    io.err(`uniq: can't open '${input.operand}': ${input.error}\n`);
    return 1;
  }
  const { flags } = parsed;
  let out = "";
  const lines = linesOf(input.data);
  for (let k = 0; k < lines.length; ) {
    let end = k + 1;
    while (end < lines.length && lines[end] === lines[k]) end++;
    const repeats = end - k;
    if (!(flags.has("d") && repeats === 1) && !(flags.has("u") && repeats > 1)) {
      out += `${flags.has("c") ? `${String(repeats).padStart(7)} ` : ""}${lines[k]}\n`;
    }
    k = end;
  }
  if (out !== "") io.out(out);
  return 0;
}

/** A tr set written out: escapes (`\n`, `\\`, `\NNN`) and ranges (`a-z`); undefined for classes and repeats. */
function trSet(spec: string): string[] | undefined {
  if (spec.includes("[:") || spec.includes("[=") || /\[.\*/.test(spec)) return undefined;
  const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", a: "\x07", b: "\b", f: "\f", v: "\v" };
  // Characters, each marked when it was escaped (an escaped `-` is no range).
  const tokens: Array<{ ch: string; escaped: boolean }> = [];
  for (let i = 0; i < spec.length; i++) {
    if (spec[i] !== "\\" || i + 1 === spec.length) {
      tokens.push({ ch: spec[i]!, escaped: false });
      continue;
    }
    const octal = /^[0-7]{1,3}/.exec(spec.slice(i + 1));
    const ch = octal ? String.fromCharCode(parseInt(octal[0], 8)) : (escapes[spec[i + 1]!] ?? spec[i + 1]!);
    i += octal ? octal[0].length : 1;
    tokens.push({ ch, escaped: true });
  }
  const chars: string[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const range = tokens[k + 1]?.ch === "-" && !tokens[k + 1]!.escaped && k + 2 < tokens.length;
    if (!range) {
      chars.push(tokens[k]!.ch);
      continue;
    }
    for (let code = tokens[k]!.ch.charCodeAt(0); code <= tokens[k + 2]!.ch.charCodeAt(0); code++) chars.push(String.fromCharCode(code));
    k += 2;
  }
  return chars;
}

/**
 * `tr [-s] SET1 SET2` (each character of SET1 becomes the one at its place in SET2, padded with
 * SET2's last), `tr -d SET1`, and `tr -s SET1`; `-s` squeezes runs of a character of the last set
 * given into one. It reads only the pipe.
 */
function tr(io: AppletIo, args: readonly string[]): number | undefined {
  const parsed = options(args, "ds", "");
  if (!parsed || !io.stdin) return undefined;
  const deleting = parsed.flags.has("d");
  const squeezing = parsed.flags.has("s");
  const translating = parsed.operands.length === 2;
  if (deleting ? squeezing || translating : !translating && !(squeezing && parsed.operands.length === 1)) return undefined;
  const from = trSet(parsed.operands[0]!);
  const to = translating ? trSet(parsed.operands[1]!) : [];
  if (!from || !to || (translating && to.length === 0)) return undefined;
  const map = new Map<string, string>();
  if (deleting) for (const ch of from) map.set(ch, "");
  else if (translating) from.forEach((ch, k) => map.set(ch, to[k] ?? to.at(-1)!));
  const squeezed = new Set(squeezing ? (translating ? to : from) : []);
  let out = "";
  for (const ch of decoder.decode(io.stdin)) {
    const next = map.get(ch) ?? ch;
    if (next !== "" && squeezed.has(next) && out.endsWith(next)) continue;
    out += next;
  }
  if (out !== "") io.out(out);
  return 0;
}

/**
 * `awk [-F SEP] '{ print ITEMS }' [FILE...]`, the form scripts use to pick fields: each item `$N`,
 * `$NF`, `$0` or a "string", those side by side joined, items separated by `,` printed with a
 * space between; fields split at runs of blanks, or at each SEP (one character). Any other program
 * is not emulated.
 */
function awk(io: AppletIo, args: readonly string[]): number | undefined {
  const parsed = options(args, "", "F");
  if (!parsed || parsed.operands.length === 0) return undefined;
  const separator = parsed.values.get("F");
  if (separator !== undefined && (separator.length !== 1 || separator === " ")) return undefined;
  const [program, ...operands] = parsed.operands as [string, ...string[]];
  const items = awkPrint(program);
  const read = items && inputs(io, operands);
  if (!items || !read || read.some((input) => input.error === "Is a directory")) return undefined;
  for (const input of read) {
    if (input.error !== undefined) {
      // awk stops at a file it cannot open.
      io.err(`awk: ${input.operand}: ${input.error}\n`);
      return 1;
    }
    let out = "";
    for (const line of linesOf(input.data)) {
      const fields = separator === undefined ? line.split(/[ \t\n]+/).filter((f) => f !== "") : line.split(separator);
      const field = (n: number | "NF") => (n === 0 ? line : (fields[(n === "NF" ? fields.length : n) - 1] ?? ""));
      out += `${items.map((terms) => terms.map((term) => (typeof term === "string" ? term : field(term.field))).join("")).join(" ")}\n`;
    }
    if (out !== "") io.out(out);
  }
  return 0;
}

type AwkTerm = string | { field: number | "NF" };

/** A `{ print ... }` program's items (each a list of terms side by side); undefined for any other program. */
function awkPrint(program: string): AwkTerm[][] | undefined {
  const body = /^\s*\{\s*print\b(.*?);?\s*\}\s*$/s.exec(program)?.[1];
  if (body === undefined) return undefined;
  if (body.trim() === "") return [[{ field: 0 }]];
  const items: AwkTerm[][] = [[]];
  const term = /\s*(?:\$(\d+|NF)|"((?:[^"\\]|\\.)*)"|(,))/y;
  let at = 0;
  while (at < body.length) {
    if (/^\s*$/.test(body.slice(at))) break;
    term.lastIndex = at;
    const m = term.exec(body);
    if (!m) return undefined;
    at = term.lastIndex;
    if (m[3]) items.push([]);
    else if (m[1] !== undefined) items.at(-1)!.push({ field: m[1] === "NF" ? "NF" : Number(m[1]) });
    else items.at(-1)!.push(m[2]!.replace(/\\(.)/g, (_, ch: string) => ({ n: "\n", t: "\t" })[ch] ?? ch));
  }
  return items.some((item) => item.length === 0) ? undefined : items;
}

/** busybox basename: the last path component (trailing slashes dropped), less a suffix that is not all of it. */
function baseName(path: string, suffix?: string): string {
  const trimmed = path.replace(/\/+$/, "");
  if (trimmed === "") return path === "" ? "" : "/";
  const base = trimmed.slice(trimmed.lastIndexOf("/") + 1);
  return suffix && base !== suffix && base.endsWith(suffix) ? base.slice(0, -suffix.length) : base;
}

/** dirname(3): the path without its last component and the slashes before it; `.` for none, `/` for the root. */
function dirName(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  if (trimmed === "") return path.startsWith("/") ? "/" : ".";
  const slash = trimmed.lastIndexOf("/");
  if (slash < 0) return ".";
  const dir = trimmed.slice(0, slash).replace(/\/+$/, "");
  return dir === "" ? "/" : dir;
}

/**
 * `tee [-a] [FILE]...`: the pipe to stdout and into each file (truncated, or -a appended), every file
 * opened first; one that cannot be opened is an error (status 1) that leaves the others.
 */
function tee(io: AppletIo, args: readonly string[]): number | undefined {
  const parsed = options(args, "a", "");
  if (!parsed || !io.stdin) return undefined;
  const data = io.stdin;
  let status = 0;
  const opened: string[] = [];
  for (const operand of parsed.operands) {
    const path = absolute(operand, io.cwd);
    const error = writeError(io.files, path);
    if (error) {
      io.err(`tee: ${operand}: ${error}\n`);
      status = 1;
      continue;
    }
    if (!parsed.flags.has("a")) io.change(path, "write", new Uint8Array());
    else if (io.files.kindOf(path) === undefined) io.change(path, "touch");
    opened.push(path);
  }
  if (data.length === 0) return status;
  io.out(decoder.decode(data));
  for (const path of opened) io.change(path, "append", data);
  return status;
}

/**
 * `seq [-w] [-s SEP] [FIRST [INC]] LAST`: integers from FIRST (1) by INC (1) while not past LAST,
 * SEP between them (a newline), a newline at the end; `-w` pads them with zeros to one width.
 * Undefined for fractions, a zero step, and options not listed.
 */
function seqText(args: readonly string[]): string | undefined {
  let separator = "\n";
  let equalWidth = false;
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-w") equalWidth = true;
    else if (arg.startsWith("-s")) {
      const value = arg.length > 2 ? arg.slice(2) : args[++i];
      if (value === undefined) return undefined;
      separator = value;
    } else break;
  }
  const numbers = args.slice(i);
  if (numbers.length < 1 || numbers.length > 3 || !numbers.every((n) => /^-?\d+$/.test(n))) return undefined;
  const [first, step, last] = (numbers.length === 1 ? [1n, 1n, BigInt(numbers[0]!)] : numbers.length === 2 ? [BigInt(numbers[0]!), 1n, BigInt(numbers[1]!)] : numbers.map(BigInt)) as [bigint, bigint, bigint];
  if (step === 0n || (equalWidth && (first < 0n || last < 0n))) return undefined;
  const width = equalWidth ? Math.max(String(first).length, String(last).length) : 0;
  const out: string[] = [];
  for (let n = first; step > 0n ? n <= last : n >= last; n += step) out.push(String(n).padStart(width, "0"));
  return out.length > 0 ? `${out.join(separator)}\n` : "";
}

const basename: Applet = (io, args) => {
  if (args.length === 0 || args.length > 2 || args.some((arg) => arg.startsWith("-"))) return undefined;
  io.out(`${baseName(args[0]!, args[1])}\n`);
  return 0;
};

const dirname: Applet = (io, args) => {
  if (args.length !== 1 || args[0]!.startsWith("-")) return undefined;
  io.out(`${dirName(args[0]!)}\n`);
  return 0;
};

const seq: Applet = (io, args) => {
  const out = seqText(args);
  if (out === undefined) return undefined;
  if (out !== "") io.out(out);
  return 0;
};

/** tail: a file it follows (`-f`) runs until killed; /dev/zero, which never ends a line, fills memory. */
const tail: Applet = (io, args) => {
  if (args.includes("-f")) {
    io.forever();
    return 0;
  }
  if (args.length === 1 && args[0] === "/dev/zero") {
    io.hog(undefined);
    return 0;
  }
  return headOrTail(io, "tail", oldCount(args));
};

export const textApplets: Readonly<Record<string, Applet>> = {
  grep,
  wc,
  head: (io, args) => headOrTail(io, "head", oldCount(args)),
  tail,
  cut,
  sort,
  uniq,
  tr,
  awk,
  tee,
  basename,
  dirname,
  seq,
};
