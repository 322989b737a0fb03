// Go's time.Duration as text, both ways.

import { quote } from "./strconv.ts";

/** Go's time.Duration.String(). */
export function formatDuration(d: bigint): string {
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u === 0n) return "0s";
    let prec: number;
    let unit: string;
    if (u < 1_000n) {
      prec = 0;
      unit = "ns";
    } else if (u < 1_000_000n) {
      prec = 3;
      unit = "µs";
    } else {
      prec = 6;
      unit = "ms";
    }
    const [frac, rest] = fraction(u, prec);
    out = `${rest}${frac}${unit}`;
  } else {
    const [frac, rest] = fraction(u, 9);
    u = rest;
    out = `${u % 60n}${frac}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** fmtFrac: the last `prec` digits as a fraction without trailing zeros, and what is left. */
function fraction(v: bigint, prec: number): [string, bigint] {
  let digits = "";
  let printed = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    printed ||= digit !== 0n;
    if (printed) digits = `${digit}${digits}`;
    v /= 10n;
  }
  return [printed ? `.${digits}` : "", v];
}

const durationUnits: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  "µs": 1_000n,
  "μs": 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go's time.ParseDuration, in nanoseconds; throws with Go's error text. */
export function parseDuration(s: string): bigint {
  const invalid = () => new Error(`time: invalid duration ${quote(s)}`);
  let rest = s;
  const negative = rest.startsWith("-");
  if (negative || rest.startsWith("+")) rest = rest.slice(1);
  if (rest === "0") return 0n;
  if (rest === "") throw invalid();
  let total = 0n;
  while (rest !== "") {
    const number = /^(\d*)(?:\.(\d*))?/.exec(rest)!;
    const whole = number[1]!;
    const fraction = number[2];
    if (whole === "" && (fraction === undefined || fraction === "")) throw invalid();
    rest = rest.slice(number[0].length);
    const unitMatch = /^[^0-9.]*/.exec(rest)![0];
    if (unitMatch === "") throw new Error(`time: missing unit in duration ${quote(s)}`);
    const unit = durationUnits[unitMatch];
    if (unit === undefined) throw new Error(`time: unknown unit ${quote(unitMatch)} in duration ${quote(s)}`);
    rest = rest.slice(unitMatch.length);
    const wholeValue = whole === "" ? 0n : BigInt(whole);
    if (wholeValue > (1n << 63n) / unit) throw invalid();
    let value = wholeValue * unit;
    if (fraction) {
      let scale = 1n;
      let digits = 0n;
      for (const d of fraction) {
        if (digits > (1n << 63n) / 10n) break;
        digits = digits * 10n + BigInt(d);
        scale *= 10n;
      }
      value += (digits * unit) / scale;
    }
    total += value;
    if (total > 1n << 63n) throw invalid();
  }
  if (total > (1n << 63n) - 1n && !negative) throw invalid();
  return negative ? -total : total;
}
