// busybox's date on the fake's clock: `date [-u] [-R | -I[SPEC]] [-d @SECONDS] [+FORMAT]`, in UTC
// (the reference images have no /etc/localtime) or in a TZ of POSIX's fixed form (`CET-1`: a
// name and the hours west of UTC, no daylight saving). The format is C's strftime as glibc does it
// in the C locale (busybox hands it over): a directive glibc lacks stays as written.

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

const directives: Readonly<Record<string, (t: Date, seconds: number, zone: Zone) => string>> = {
  a: (t) => days[t.getUTCDay()]!.slice(0, 3),
  A: (t) => days[t.getUTCDay()]!,
  b: (t) => months[t.getUTCMonth()]!.slice(0, 3),
  h: (t) => months[t.getUTCMonth()]!.slice(0, 3),
  B: (t) => months[t.getUTCMonth()]!,
  c: (t, s, z) => strftime("%a %b %e %H:%M:%S %Y", t, s, z),
  C: (t) => pad(Math.floor(t.getUTCFullYear() / 100)),
  d: (t) => pad(t.getUTCDate()),
  D: (t, s, z) => strftime("%m/%d/%y", t, s, z),
  e: (t) => pad(t.getUTCDate(), 2, " "),
  F: (t, s, z) => strftime("%Y-%m-%d", t, s, z),
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
  r: (t, s, z) => strftime("%I:%M:%S %p", t, s, z),
  R: (t, s, z) => strftime("%H:%M", t, s, z),
  s: (_, s) => String(s),
  S: (t) => pad(t.getUTCSeconds()),
  t: () => "\t",
  T: (t, s, z) => strftime("%H:%M:%S", t, s, z),
  u: (t) => String(t.getUTCDay() || 7),
  U: (t) => pad(weekOfYear(t, 0)),
  V: (t) => pad(isoWeek(t).week),
  w: (t) => String(t.getUTCDay()),
  W: (t) => pad(weekOfYear(t, 1)),
  x: (t, s, z) => strftime("%m/%d/%y", t, s, z),
  X: (t, s, z) => strftime("%H:%M:%S", t, s, z),
  y: (t) => pad(t.getUTCFullYear() % 100),
  Y: (t) => String(t.getUTCFullYear()),
  z: (_, __, zone) => `${zone.offsetMinutes < 0 ? "-" : "+"}${pad(Math.floor(Math.abs(zone.offsetMinutes) / 60))}${pad(Math.abs(zone.offsetMinutes) % 60)}`,
  Z: (_, __, zone) => zone.name,
  "%": () => "%",
};

/** A time zone: its name and how far east of UTC it is. */
interface Zone {
  readonly name: string;
  readonly offsetMinutes: number;
}

const utc: Zone = { name: "UTC", offsetMinutes: 0 };

/** The zone a TZ value names: UTC when unset or empty, a POSIX fixed zone (`CET-1`, `EST+5`, `IST-5:30`); undefined for any other (rules, files). */
function zoneOf(tz: string | undefined): Zone | undefined {
  if (tz === undefined || tz === "" || tz === "UTC" || tz === "UTC0") return utc;
  const m = /^([A-Za-z]{3,})([+-]?)(\d{1,2})(?::(\d{2}))?$/.exec(tz);
  if (!m) return undefined;
  const west = Number(m[3]) * 60 + Number(m[4] ?? 0);
  return { name: m[1]!, offsetMinutes: m[2] === "-" ? west : -west };
}

/** strftime(3) in the C locale, in `zone`, of the instant `seconds` after the epoch (`t` is that instant's wall time in the zone, read as UTC). */
export function strftime(format: string, t: Date, seconds: number, zone: Zone = utc): string {
  return format.replace(/%(.?)/gs, (directive, letter: string) => directives[letter]?.(t, seconds, zone) ?? directive);
}

/** -I's SPECs: what each prints (all but the date alone followed by the zone's offset, `+01:00`). */
const isoFormats: Readonly<Record<string, string>> = {
  date: "%Y-%m-%d",
  hours: "%Y-%m-%dT%H",
  minutes: "%Y-%m-%dT%H:%M",
  seconds: "%Y-%m-%dT%H:%M:%S",
};

/** `date`: now on the fake's clock (or `-d @SECONDS`), as busybox prints it; setting the clock and other zones are not emulated. */
const date: Applet = (io, args) => {
  const tz = io.env().findLast((entry) => entry.startsWith("TZ="));
  let zone = zoneOf(tz?.slice(3));
  if (zone === undefined) return undefined;
  let format = "%a %b %e %H:%M:%S %Z %Y";
  let seconds = Math.floor(io.nowMs() / 1000);
  let formatted = false;
  let isoOffset = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-u") zone = utc;
    else if (arg === "-R") format = "%a, %d %b %Y %H:%M:%S %z";
    else if (arg.startsWith("-I") && isoFormats[arg.slice(2) || "date"] !== undefined) {
      format = isoFormats[arg.slice(2) || "date"]!;
      isoOffset = arg.length > 2 && arg !== "-Idate";
    } else if (arg === "-d" && /^@-?\d+$/.test(args[i + 1] ?? "")) seconds = Number(args[++i]!.slice(1));
    else if (arg.startsWith("+") && !formatted) {
      format = arg.slice(1);
      formatted = true;
    } else return undefined;
  }
  const print = (text: string) => strftime(text, new Date((seconds + zone.offsetMinutes * 60) * 1000), seconds, zone);
  const offset = isoOffset ? print("%z").replace(/(..)$/, ":$1") : "";
  io.out(`${print(format)}${offset}\n`);
  return 0;
};

export const timeApplets: Readonly<Record<string, Applet>> = { date };
