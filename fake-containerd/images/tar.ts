// Tar archives as Go's archive/tar writes and reads them. Writing picks USTAR when every field
// fits (splitting long names into prefix and name) and PAX otherwise, exactly as Go's Writer does
// for a header without an explicit format, so the same entries give the same bytes (and digests)
// as a Go program would. Reading accepts USTAR, PAX, GNU (long names, base-256 numbers) and V7.
import { concatBytes } from "../../src/node/bytes.ts";
import { ContainerdError } from "../errdefs.ts";

export type TarEntryType = "file" | "hardlink" | "symlink" | "char" | "block" | "dir" | "fifo" | "other";

export interface TarEntry {
  name: string;
  type: TarEntryType;
  mode: number;
  /** Contents of a regular file. */
  data?: Uint8Array;
  /** Target of a link. */
  linkname?: string;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  /** Modification time in seconds since the Unix epoch. */
  mtime?: number;
  /** The raw type flag, for types the other fields do not name (e.g. "g", a PAX global header). */
  typeflag?: string;
}

const blockSize = 512;
const typeflags: Record<Exclude<TarEntryType, "other">, string> = {
  file: "0",
  hardlink: "1",
  symlink: "2",
  char: "3",
  block: "4",
  dir: "5",
  fifo: "6",
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

class TarError extends ContainerdError {
  constructor(message: string) {
    super("unknown", message);
    this.name = "TarError";
  }
}

const errHeader = () => new TarError("archive/tar: invalid tar header");
const errUnexpectedEOF = () => new TarError("unexpected EOF");

function isAscii(s: string): boolean {
  return /^[\x01-\x7f]*$/.test(s);
}

function toAscii(s: string): string {
  return s.replace(/[^\x01-\x7f]/gu, "");
}

function byteLength(s: string): number {
  return encoder.encode(s).length;
}

/** Go's splitUSTARPath: a name over 100 bytes split at a "/" into prefix (≤155) and name (≤100). */
function splitUstarPath(name: string): { prefix: string; suffix: string } | undefined {
  let length = name.length;
  if (length <= 100 || !isAscii(name)) return undefined;
  if (length > 156) length = 156;
  else if (name[length - 1] === "/") length--;
  const i = name.lastIndexOf("/", length - 1);
  const nlen = name.length - i - 1;
  if (i <= 0 || nlen > 100 || nlen === 0 || i > 155) return undefined;
  return { prefix: name.slice(0, i), suffix: name.slice(i + 1) };
}

class Block {
  readonly bytes = new Uint8Array(blockSize);

  /** Go's formatString: copy, NUL-terminate when there is room, and never end a cut name in "/". */
  string(offset: number, size: number, s: string): void {
    const b = encoder.encode(s);
    this.bytes.set(b.subarray(0, size), offset);
    if (b.length < size) this.bytes[offset + b.length] = 0;
    if (b.length > size && this.bytes[offset + size - 1] === 0x2f) {
      let n = size - 1;
      while (n > 0 && b[n - 1] === 0x2f) n--;
      this.bytes[offset + n] = 0;
    }
  }

  /** Go's formatOctal: zero-padded octal leaving room for a NUL. */
  octal(offset: number, size: number, value: number): void {
    let s = value.toString(8);
    if (size - s.length - 1 > 0) s = "0".repeat(size - s.length - 1) + s;
    this.string(offset, size, s);
  }

  /** Sets the magic and the checksum (six octal digits, NUL, space). */
  finish(ustar: boolean): void {
    if (ustar) {
      this.bytes.set(encoder.encode("ustar\0"), 257);
      this.bytes.set(encoder.encode("00"), 263);
    }
    let sum = 0;
    for (let i = 0; i < blockSize; i++) sum += i >= 148 && i < 156 ? 0x20 : this.bytes[i]!;
    this.octal(148, 7, sum);
    this.bytes[155] = 0x20;
  }
}

function fitsOctal(size: number, value: number): boolean {
  return value >= 0 && value < 8 ** (size - 1);
}

interface Header {
  name: string;
  linkname: string;
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  uname: string;
  gname: string;
}

function templateV7Plus(h: Header, str: (s: string) => string): Block {
  const b = new Block();
  b.bytes[156] = h.typeflag.charCodeAt(0);
  b.string(0, 100, str(h.name));
  b.string(157, 100, str(h.linkname));
  b.octal(100, 8, h.mode);
  b.octal(108, 8, h.uid);
  b.octal(116, 8, h.gid);
  b.octal(124, 12, h.size);
  b.octal(136, 12, h.mtime);
  b.string(265, 32, str(h.uname));
  b.string(297, 32, str(h.gname));
  b.octal(329, 8, 0);
  b.octal(337, 8, 0);
  return b;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let size = byteLength(body);
  size += String(size).length;
  let record = `${size}${body}`;
  if (byteLength(record) !== size) record = `${byteLength(record)}${body}`;
  return record;
}

/** Go's path.Join of a few clean parts, enough for PAX header names. */
function joinPath(dir: string, ...parts: string[]): string {
  const all = [dir, ...parts].filter((p) => p !== "").join("/");
  const out: string[] = [];
  for (const seg of all.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === ".." && out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else out.push(seg);
  }
  return (all.startsWith("/") ? "/" : "") + out.join("/");
}

/** The header blocks Go's tar.Writer emits for one entry (without its data). */
function headerBlocks(h: Header): Uint8Array[] {
  const pax = new Map<string, string>();
  let ustar = true;
  const verifyString = (s: string, size: number, key: string, splittable: boolean) => {
    if (!isAscii(s) || byteLength(s) > size) {
      if (!splittable || !splitUstarPath(s)) ustar = false;
      pax.set(key, s);
    }
  };
  const verifyNumber = (n: number, size: number, key: string) => {
    if (!fitsOctal(size, n)) {
      ustar = false;
      pax.set(key, String(n));
    }
  };
  verifyString(h.name, 100, "path", true);
  verifyString(h.linkname, 100, "linkpath", false);
  verifyString(h.uname, 32, "uname", false);
  verifyString(h.gname, 32, "gname", false);
  verifyNumber(h.uid, 8, "uid");
  verifyNumber(h.gid, 8, "gid");
  verifyNumber(h.size, 12, "size");
  verifyNumber(h.mtime, 12, "mtime");

  if (ustar) {
    const split = splitUstarPath(h.name);
    const block = templateV7Plus({ ...h, name: split ? split.suffix : h.name }, (s) => s);
    block.string(345, 155, split ? split.prefix : "");
    block.finish(true);
    return [block.bytes];
  }

  const records = [...pax.keys()].sort().map((k) => paxRecord(k, pax.get(k)!)).join("");
  const data = encoder.encode(records);
  const slash = h.name.lastIndexOf("/");
  let paxName = toAscii(joinPath(h.name.slice(0, slash + 1), "PaxHeaders.0", h.name.slice(slash + 1)));
  if (paxName.length > 100) paxName = paxName.slice(0, 100);
  paxName = paxName.replace(/\/+$/, "");
  const paxHeader = new Block();
  paxHeader.bytes[156] = "x".charCodeAt(0);
  paxHeader.string(0, 100, paxName);
  paxHeader.octal(100, 8, 0);
  paxHeader.octal(108, 8, 0);
  paxHeader.octal(116, 8, 0);
  paxHeader.octal(124, 12, data.length);
  paxHeader.octal(136, 12, 0);
  paxHeader.finish(true);

  const main = templateV7Plus(
    { ...h, uid: fitsOctal(8, h.uid) ? h.uid : 0, gid: fitsOctal(8, h.gid) ? h.gid : 0, size: fitsOctal(12, h.size) ? h.size : 0, mtime: fitsOctal(12, h.mtime) ? h.mtime : 0 },
    toAscii,
  );
  main.finish(true);
  return [paxHeader.bytes, ...padded(data), main.bytes];
}

function padded(data: Uint8Array): Uint8Array[] {
  if (data.length === 0) return [];
  const out = new Uint8Array(Math.ceil(data.length / blockSize) * blockSize);
  out.set(data);
  return [out];
}

/** Writes the entries in the given order, then the two zero blocks Go's Writer.Close adds. */
export function writeTar(entries: readonly TarEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const data = e.type === "file" ? (e.data ?? new Uint8Array(0)) : new Uint8Array(0);
    const typeflag = e.type === "other" ? (e.typeflag ?? "0") : typeflags[e.type];
    parts.push(
      ...headerBlocks({
        name: e.name,
        linkname: e.linkname ?? "",
        typeflag,
        mode: e.mode,
        uid: e.uid ?? 0,
        gid: e.gid ?? 0,
        size: data.length,
        mtime: e.mtime ?? 0,
        uname: e.uname ?? "",
        gname: e.gname ?? "",
      }),
      ...padded(data),
    );
  }
  parts.push(new Uint8Array(2 * blockSize));
  return concatBytes(parts);
}

function cString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return decoder.decode(nul === -1 ? bytes : bytes.subarray(0, nul));
}

/** Go's parseNumeric: base-256 when the top bit is set, else octal with spaces and NULs trimmed. */
function parseNumber(bytes: Uint8Array): number {
  if (bytes.length > 0 && bytes[0]! & 0x80) {
    const negative = (bytes[0]! & 0x40) !== 0;
    let value = 0n;
    for (let i = 0; i < bytes.length; i++) {
      let c = bytes[i]!;
      if (negative) c ^= 0xff;
      if (i === 0) c &= 0x7f;
      value = (value << 8n) | BigInt(c);
    }
    if (negative) value = -value - 1n;
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) throw errHeader();
    return Number(value);
  }
  const text = decoder.decode(bytes).replace(/^[ \0]+|[ \0]+$/g, "");
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw errHeader();
  return parseInt(text, 8);
}

function parsePaxRecords(data: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) throw errHeader();
    const length = Number(decoder.decode(data.subarray(at, space)));
    if (!Number.isInteger(length) || length <= space - at || at + length > data.length || data[at + length - 1] !== 0x0a) {
      throw errHeader();
    }
    const record = decoder.decode(data.subarray(space + 1, at + length - 1));
    const eq = record.indexOf("=");
    if (eq <= 0) throw errHeader();
    records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}

function entryType(flag: string, name: string): TarEntryType {
  switch (flag) {
    case "0":
    case "\0":
    case "7":
      return name.endsWith("/") ? "dir" : "file";
    case "1":
      return "hardlink";
    case "2":
      return "symlink";
    case "3":
      return "char";
    case "4":
      return "block";
    case "5":
      return "dir";
    case "6":
      return "fifo";
    default:
      return "other";
  }
}

/** Reads every entry of a tar archive. */
export function readTar(archive: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let at = 0;
  let pax = new Map<string, string>();
  let longName: string | undefined;
  let longLink: string | undefined;
  const take = (n: number): Uint8Array => {
    if (at + n > archive.length) throw errUnexpectedEOF();
    const out = archive.subarray(at, at + n);
    at += n;
    return out;
  };
  for (;;) {
    if (at >= archive.length) return entries;
    const block = take(blockSize);
    if (block.every((b) => b === 0)) {
      if (at >= archive.length) return entries;
      if (take(blockSize).every((b) => b === 0)) return entries;
      throw errHeader();
    }
    let unsigned = 0;
    let signed = 0;
    for (let i = 0; i < blockSize; i++) {
      const c = i >= 148 && i < 156 ? 0x20 : block[i]!;
      unsigned += c;
      signed += c >= 128 ? c - 256 : c;
    }
    const stored = parseNumber(block.subarray(148, 156));
    if (stored !== unsigned && stored !== signed) throw errHeader();

    const magic = decoder.decode(block.subarray(257, 265));
    const isUstar = magic.startsWith("ustar\0");
    const isGnu = magic === "ustar  \0";
    const flag = String.fromCharCode(block[156]!);
    let name = cString(block.subarray(0, 100));
    if (isUstar) {
      const prefix = cString(block.subarray(345, 500));
      if (prefix !== "") name = `${prefix}/${name}`;
    }
    let size = parseNumber(block.subarray(124, 136));
    if (size < 0) throw errHeader();

    if (flag === "x" || flag === "L" || flag === "K") {
      const data = take(size);
      take((blockSize - (size % blockSize)) % blockSize);
      if (flag === "x") for (const [k, v] of parsePaxRecords(data)) pax.set(k, v);
      else if (flag === "L") longName = cString(data);
      else longLink = cString(data);
      continue;
    }

    let linkname = cString(block.subarray(157, 257));
    let uname = isUstar || isGnu ? cString(block.subarray(265, 297)) : "";
    let gname = isUstar || isGnu ? cString(block.subarray(297, 329)) : "";
    let uid = parseNumber(block.subarray(108, 116));
    let gid = parseNumber(block.subarray(116, 124));
    let mtime = parseNumber(block.subarray(136, 148));
    if (longName !== undefined) name = longName;
    if (longLink !== undefined) linkname = longLink;
    if (pax.has("path")) name = pax.get("path")!;
    if (pax.has("linkpath")) linkname = pax.get("linkpath")!;
    if (pax.has("uname")) uname = pax.get("uname")!;
    if (pax.has("gname")) gname = pax.get("gname")!;
    if (pax.has("uid")) uid = Number(pax.get("uid"));
    if (pax.has("gid")) gid = Number(pax.get("gid"));
    if (pax.has("mtime")) mtime = Math.floor(Number(pax.get("mtime")));
    if (pax.has("size")) {
      size = Number(pax.get("size"));
      if (!Number.isSafeInteger(size) || size < 0) throw errHeader();
    }
    pax = new Map();
    longName = undefined;
    longLink = undefined;

    const type = entryType(flag, name);
    const headerOnly = type !== "file" && type !== "other";
    const dataSize = headerOnly ? 0 : size;
    const data = take(dataSize).slice();
    take((blockSize - (dataSize % blockSize)) % blockSize);
    const entry: TarEntry = { name, type, mode: parseNumber(block.subarray(100, 108)), uid, gid, uname, gname, mtime };
    if (type === "file") entry.data = data;
    if (type === "hardlink" || type === "symlink") entry.linkname = linkname;
    if (type === "other") entry.typeflag = flag;
    entries.push(entry);
  }
}
