// busybox's date on the fake's clock: `date [-u] [-R | -I[SPEC]] [-d @SECONDS] [+FORMAT]`, in UTC,
// the reference images' only zone (no /etc/localtime, no TZ). The format is C's strftime as glibc
// does it in the C locale (busybox hands it over): a directive glibc lacks stays as written.

import type { Applet } from "./applet.ts";

const days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

const pad = (n: number, width = 2, fill = "0") => String(n).padStart(width, fill);

/** Day of the year, 0 for January 1st. */
function yearDay(t: Date): number {
  return Math.floor((Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()) - Date.UTC(t.getUTCFullYear(), 0, 1)) / 86_400_000);
}

/** The week of the year whose weeks start on `firstDay` (0 Sunday, 1 Monday), days before the first such day in week 0. */
function weekOfYear(t: Date, firstDay: number): number {
  return Math.floor((yearDay(t) + 7 - ((t.getUTCDay() - firstDay + 7) % 7)) / 7);
}

/** ISO 8601's week-based year and week number (%G, %V). */
function isoWeek(t: Date): { year: number; week: number } {
  const thursday = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() + 3 - ((t.getUTCDay() + 6) % 7)));
  const year = thursday.getUTCFullYear();
  return { year, week: 1 + Math.floor(yearDay(thursday) / 7) };
}

const directives: Readonly<Record<string, (t: Date, seconds: number) => string>> = {
  a: (t) => days[t.getUTCDay()]!.slice(0, 3),
  A: (t) => days[t.getUTCDay()]!,
  b: (t) => months[t.getUTCMonth()]!.slice(0, 3),
  h: (t) => months[t.getUTCMonth()]!.slice(0, 3),
  B: (t) => months[t.getUTCMonth()]!,
  c: (t, s) => strftime("%a %b %e %H:%M:%S %Y", t, s),
  C: (t) => pad(Math.floor(t.getUTCFullYear() / 100)),
  d: (t) => pad(t.getUTCDate()),
  D: (t, s) => strftime("%m/%d/%y", t, s),
  e: (t) => pad(t.getUTCDate(), 2, " "),
  F: (t, s) => strftime("%Y-%m-%d", t, s),
  G: (t) => String(isoWeek(t).year),
  g: (t) => pad(isoWeek(t).year % 100),
  H: (t) => pad(t.getUTCHours()),
  I: (t) => pad(t.getUTCHours() % 12 || 12),
  j: (t) => pad(yearDay(t) + 1, 3),
  k: (t) => pad(t.getUTCHours(), 2, " "),
  l: (t) => pad(t.getUTCHours() % 12 || 12, 2, " "),
  m: (t) => pad(t.getUTCMonth() + 1),
  M: (t) => pad(t.getUTCMinutes()),
  n: () => "\n",
  p: (t) => (t.getUTCHours() < 12 ? "AM" : "PM"),
  P: (t) => (t.getUTCHours() < 12 ? "am" : "pm"),
  r: (t, s) => strftime("%I:%M:%S %p", t, s),
  R: (t, s) => strftime("%H:%M", t, s),
  s: (_, s) => String(s),
  S: (t) => pad(t.getUTCSeconds()),
  t: () => "\t",
  T: (t, s) => strftime("%H:%M:%S", t, s),
  u: (t) => String(t.getUTCDay() || 7),
  U: (t) => pad(weekOfYear(t, 0)),
  V: (t) => pad(isoWeek(t).week),
  w: (t) => String(t.getUTCDay()),
  W: (t) => pad(weekOfYear(t, 1)),
  x: (t, s) => strftime("%m/%d/%y", t, s),
  X: (t, s) => strftime("%H:%M:%S", t, s),
  y: (t) => pad(t.getUTCFullYear() % 100),
  Y: (t) => String(t.getUTCFullYear()),
  z: () => "+0000",
  Z: () => "UTC",
  "%": () => "%",
};

/** strftime(3) in the C locale, in UTC, of the instant `seconds` after the epoch. */
export function strftime(format: string, t: Date, seconds: number): string {
  return format.replace(/%(.?)/gs, (directive, letter: string) => directives[letter]?.(t, seconds) ?? directive);
}

/** -I's SPECs: what each adds to the date. */
const isoFormats: Readonly<Record<string, string>> = {
  date: "%Y-%m-%d",
  hours: "%Y-%m-%dT%H+00:00",
  minutes: "%Y-%m-%dT%H:%M+00:00",
  seconds: "%Y-%m-%dT%H:%M:%S+00:00",
};

/** `date`: now on the fake's clock (or `-d @SECONDS`), as busybox prints it; setting the clock and other zones are not emulated. */
const date: Applet = (io, args) => {
  if (io.env().some((entry) => /^TZ=/.test(entry) && !/^TZ=(UTC0?)?$/.test(entry))) return undefined;
  let format = "%a %b %e %H:%M:%S %Z %Y";
  let seconds = Math.floor(io.nowMs() / 1000);
  let formatted = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-u") continue;
    if (arg === "-R") format = "%a, %d %b %Y %H:%M:%S %z";
    else if (arg.startsWith("-I") && isoFormats[arg.slice(2) || "date"] !== undefined) format = isoFormats[arg.slice(2) || "date"]!;
    else if (arg === "-d" && /^@-?\d+$/.test(args[i + 1] ?? "")) seconds = Number(args[++i]!.slice(1));
    else if (arg.startsWith("+") && !formatted) {
      format = arg.slice(1);
      formatted = true;
    } else return undefined;
  }
  io.out(`${strftime(format, new Date(seconds * 1000), seconds)}\n`);
  return 0;
};

export const timeApplets: Readonly<Record<string, Applet>> = { date };
