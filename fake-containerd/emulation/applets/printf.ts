// busybox's printf and echo (ash's builtins and the applets share them): C conversions with flags,
// width and precision, escapes in the format, `%b` for escapes in an argument, and the format used
// again while arguments are left; echo's -n, -e and -E. A number that does not parse is an error
// that prints 0; an unknown conversion ends the output with an error. Pinned by
// golden/cri/exec-sync-printf-tee.json and exec-sync-echo-grep-options.json.

import type { Applet } from "./applet.ts";

export interface PrintfResult {
  stdout: string;
  stderr: string;
  status: number;
}

const simpleEscapes: Record<string, string> = { "\\": "\\", a: "\x07", b: "\b", e: "\x1b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", '"': '"' };

/**
 * One escape at `text[i]` (just after the backslash): its character and how many characters it
 * took, or `stop` for `\c`. In `%b` arguments (and `echo -e`'s) an octal escape may start with a
 * `\0` that only says octal.
 */
function escape(text: string, i: number, inArgument: boolean): { ch: string; length: number } | "stop" {
  const next = text[i];
  if (next === undefined) return { ch: "\\", length: 0 };
  if (next === "c") return "stop";
  const simple = simpleEscapes[next];
  if (simple !== undefined) return { ch: simple, length: 1 };
  if (next === "x") {
    const hex = /^[0-9a-fA-F]{1,2}/.exec(text.slice(i + 1));
    return hex ? { ch: String.fromCharCode(parseInt(hex[0], 16)), length: 1 + hex[0].length } : { ch: "\\x", length: 1 };
  }
  const skip = inArgument && next === "0" && /[0-7]/.test(text[i + 1] ?? "") ? 1 : 0;
  const octal = /^[0-7]{1,3}/.exec(text.slice(i + skip));
  if (octal) return { ch: String.fromCharCode(parseInt(octal[0], 8) & 0xff), length: skip + octal[0].length };
  return { ch: `\\${next}`, length: 1 };
}

/** Text with its escapes done; `stopped` when a `\c` ended it. */
function unescape(text: string, inArgument: boolean): { text: string; stopped: boolean } {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== "\\") {
      out += text[i];
      continue;
    }
    const e = escape(text, i + 1, inArgument);
    if (e === "stop") return { text: out, stopped: true };
    out += e.ch;
    i += e.length;
  }
  return { text: out, stopped: false };
}

/** A whole argument as strtoll/strtoull with base 0 reads it (`'x` is x's code); undefined when it is not all a number. */
function integerArgument(arg: string): bigint | undefined {
  if (arg.startsWith("'") || arg.startsWith('"')) return BigInt(arg.length > 1 ? arg.charCodeAt(1) : 0);
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.exec(arg);
  if (!m) return undefined;
  const digits = m[2]!;
  const value = /^0[xX]/.test(digits) ? BigInt(digits) : digits.length > 1 && digits.startsWith("0") ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits);
  return m[1] === "-" ? -value : value;
}

function floatArgument(arg: string): number | undefined {
  if (arg.startsWith("'") || arg.startsWith('"')) return arg.length > 1 ? arg.charCodeAt(1) : 0;
  const m = /^[ \t\n\v\f\r]*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$/.exec(arg);
  return m ? Number(m[1]) : undefined;
}

interface Directive {
  flags: string;
  width: number | undefined;
  precision: number | undefined;
}

/** Pads a converted value to the directive's width: left with spaces, right (`-`), or with zeros after the sign (`0`). */
function pad(text: string, d: Directive, zeroPadding: boolean): string {
  const width = d.width ?? 0;
  if (text.length >= width) return text;
  if (d.flags.includes("-")) return text.padEnd(width);
  if (zeroPadding && d.flags.includes("0")) {
    const sign = /^[+\- ]|^0[xX]/.exec(text)?.[0] ?? "";
    return sign + text.slice(sign.length).padStart(width - sign.length, "0");
  }
  return text.padStart(width);
}

function signed(text: string, negative: boolean, d: Directive): string {
  return negative ? `-${text}` : d.flags.includes("+") ? `+${text}` : d.flags.includes(" ") ? ` ${text}` : text;
}

/** C's exponent form: at least two exponent digits. */
function exponential(value: number, precision: number, upper: boolean): string {
  const [mantissa, exponent] = value.toExponential(precision).split("e") as [string, string];
  const digits = exponent.replace(/^[+-]/, "").padStart(2, "0");
  const text = `${mantissa}e${exponent.startsWith("-") ? "-" : "+"}${digits}`;
  return upper ? text.toUpperCase() : text;
}

/** C's %g: %e or %f by the exponent, at `precision` significant digits, trailing zeros dropped. */
function general(value: number, precision: number, d: Directive, upper: boolean): string {
  const p = precision === 0 ? 1 : precision;
  const exponent = value === 0 ? 0 : Number(value.toExponential(p - 1).split("e")[1]);
  const text = exponent < -4 || exponent >= p ? exponential(value, p - 1, upper) : value.toFixed(Math.max(p - 1 - exponent, 0));
  if (d.flags.includes("#")) return text;
  const [mantissa, power = ""] = text.split(/(?=[eE])/) as [string, string?];
  return (mantissa.includes(".") ? mantissa.replace(/0+$/, "").replace(/\.$/, "") : mantissa) + power;
}

/** `printf FORMAT [ARGUMENT]...` as busybox runs it; `name` prefixes its errors (`sh` for ash's builtin). */
export function printfText(name: string, args: readonly string[]): PrintfResult | undefined {
  if (args.length === 0) return undefined;
  const [format, ...rest] = args as [string, ...string[]];
  const result: PrintfResult = { stdout: "", stderr: "", status: 0 };
  let next = 0;
  const argument = (): string | undefined => rest[next++];
  do {
    const used = next;
    for (let i = 0; i < format.length; i++) {
      const ch = format[i]!;
      if (ch === "\\") {
        const e = escape(format, i + 1, false);
        if (e === "stop") return result;
        result.stdout += e.ch;
        i += e.length;
        continue;
      }
      if (ch !== "%") {
        result.stdout += ch;
        continue;
      }
      const m = /^%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?(.?)/.exec(format.slice(i))!;
      const star = (spec: string | undefined): number | undefined =>
        spec === "*" ? Number(integerArgument(argument() ?? "0") ?? 0n) : spec === undefined ? undefined : Number(spec || "0");
      const d: Directive = { flags: m[1]!, width: star(m[2]), precision: star(m[3]) };
      const conversion = m[4]!;
      i += m[0].length - 1;
      if (conversion === "%") {
        result.stdout += "%";
        continue;
      }
      if (!"sbcdiouxXfFeEgG".includes(conversion) || conversion === "") {
        result.stderr += `${name}: ${format.slice(i - m[0].length + 1)}: invalid format\n`;
        result.status = 1;
        return result;
      }
      const arg = argument() ?? "";
      const invalid = (): void => {
        result.stderr += `${name}: invalid number '${arg}'\n`;
        result.status = 1;
      };
      switch (conversion) {
        case "s":
          result.stdout += pad(d.precision === undefined ? arg : arg.slice(0, d.precision), d, false);
          break;
        case "b": {
          const { text, stopped } = unescape(arg, true);
          result.stdout += pad(text, d, false);
          if (stopped) return result;
          break;
        }
        case "c":
          result.stdout += pad(arg.slice(0, 1), d, false);
          break;
        case "d":
        case "i":
        case "o":
        case "u":
        case "x":
        case "X": {
          let value = arg === "" ? 0n : integerArgument(arg);
          if (value === undefined) {
            invalid();
            value = 0n;
          }
          const unsigned = conversion !== "d" && conversion !== "i";
          if (unsigned) value = BigInt.asUintN(64, value);
          const negative = value < 0n;
          const radix = conversion === "o" ? 8 : conversion === "x" || conversion === "X" ? 16 : 10;
          let digits = (negative ? -value : value).toString(radix);
          if (conversion === "X") digits = digits.toUpperCase();
          if (d.precision !== undefined) digits = d.precision === 0 && value === 0n ? "" : digits.padStart(d.precision, "0");
          if (d.flags.includes("#") && value !== 0n) digits = conversion === "o" ? `0${digits}` : radix === 16 ? `0${conversion}${digits}` : digits;
          result.stdout += pad(unsigned ? digits : signed(digits, negative, d), d, d.precision === undefined);
          break;
        }
        default: {
          let value = arg === "" ? 0 : floatArgument(arg);
          if (value === undefined) {
            invalid();
            value = 0;
          }
          const precision = d.precision ?? 6;
          const upper = conversion === conversion.toUpperCase();
          const magnitude = Math.abs(value);
          const text =
            conversion === "f" || conversion === "F"
              ? magnitude.toFixed(precision)
              : conversion === "e" || conversion === "E"
                ? exponential(magnitude, precision, upper)
                : general(magnitude, precision, d, upper);
          result.stdout += pad(signed(text, value < 0 || Object.is(value, -0), d), d, true);
        }
      }
    }
    // The format goes round again only for arguments it has not used, and only if it uses any.
    if (next === used) break;
  } while (next < rest.length);
  return result;
}

/**
 * busybox echo (ash's builtin too): leading words of only `n`, `e` and `E` flags are options (no
 * newline; escapes on or off, off by default); with `-e`, `\0NNN` / `\NNN`, `\xHH`, `\a \b \e \f
 * \n \r \t \v \\`, and `\c`, which ends the output there.
 */
export function echoText(args: readonly string[]): string {
  let newline = true;
  let escapes = false;
  let i = 0;
  for (; i < args.length && /^-[neE]+$/.test(args[i]!); i++) {
    for (const flag of args[i]!.slice(1)) {
      if (flag === "n") newline = false;
      else escapes = flag === "e";
    }
  }
  const text = args.slice(i).join(" ");
  if (!escapes) return newline ? `${text}\n` : text;
  const { text: out, stopped } = unescape(text, true);
  return newline && !stopped ? `${out}\n` : out;
}

const echo: Applet = (io, args) => {
  const out = echoText(args);
  if (out !== "") io.out(out);
  return 0;
};

const printf: Applet = (io, args) => {
  const result = printfText("printf", args);
  if (!result) return undefined;
  // Errors go out at once; the output when stdio flushes it.
  if (result.stderr !== "") io.err(result.stderr);
  if (result.stdout !== "") io.out(result.stdout);
  return result.status;
};

export const printingApplets: Readonly<Record<string, Applet>> = { echo, printf };
