// The CRI log format containerd's pkg/cri/io writes container output in, which `crictl logs` and
// the kubelet read: one record per line, `<RFC3339Nano time> <stream> <tag> <bytes>\n`, tag F for
// a full line and P for a part: a line longer than max_container_log_line_size is cut into parts of
// exactly that many bytes, and what is left when the stream ends without a newline is a part too.
// "\n" and "\r\n" end a line; the time is when the record is written, from the fake's clock. A
// limit below 16 bytes reads as containerd's does (bufio raises its buffer to 16), including the
// panic it ends in once a line runs two pieces over the limit.

import type { Clock } from "../../../fake-containerd/index.ts";
import { GoPanicError } from "../../go/toml-options.ts";
import type { OutputSink } from "./sink.ts";

export type StreamType = "stdout" | "stderr";

const encoder = new TextEncoder();
const tagFull = encoder.encode(" F ");
const tagPartial = encoder.encode(" P ");
const streamNames: Record<StreamType, Uint8Array> = { stdout: encoder.encode("stdout"), stderr: encoder.encode("stderr") };
const noBytes = new Uint8Array(0);
const newline = 0x0a;
const carriageReturn = 0x0d;

/** containerd's default bufio size: a line is read in pieces of at most this many bytes. */
const defaultBufSize = 4096;
/** bufio's smallest buffer: a smaller size asked for is raised to this. */
const minReadBufferSize = 16;

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

/** Go's time.RFC3339Nano in UTC: fraction without trailing zeros, none at all for whole seconds. */
export function formatRfc3339Nano(unixNano: bigint): string {
  let seconds = unixNano / 1_000_000_000n;
  let nanos = unixNano % 1_000_000_000n;
  if (nanos < 0n) {
    nanos += 1_000_000_000n;
    seconds -= 1n;
  }
  const date = new Date(Number(seconds) * 1000);
  const year = date.getUTCFullYear();
  const base =
    `${year < 0 ? "-" + pad(-year, 4) : pad(year, 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}` +
    `T${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}`;
  if (nanos === 0n) return `${base}Z`;
  return `${base}.${nanos.toString().padStart(9, "0").replace(/0+$/, "")}Z`;
}

/** Where a logger's finished records go (the log file, shared by both streams). */
export interface LogRecords {
  write(record: Uint8Array): void;
  /** Told once when the logger closes; a promise while what it was given is written behind. */
  close?(): void | Promise<void>;
}

export interface CriLoggerOptions {
  stream: StreamType;
  /** max_container_log_line_size; not positive means no limit. */
  maxLen: number;
  clock: Clock;
  out: LogRecords;
}

/**
 * NewCRILogger: a sink that turns a stream's bytes into CRI log records. Bytes are cut into lines
 * the way containerd's bufio reading does, so the records (and where long lines split) match.
 */
export function newCriLogger(options: CriLoggerOptions): OutputSink {
  return new CriLogger(options);
}

class CriLogger implements OutputSink {
  private readonly stream: Uint8Array;
  private readonly maxLen: number;
  private readonly bufSize: number;
  private readonly clock: Clock;
  private readonly out: LogRecords;
  /** Bytes of the current line not yet written (without its line ending). */
  private pending: Uint8Array[] = [];
  private length = 0;
  /** Bytes the reader holds that do not fill a buffer and end no line yet. */
  private unread = noBytes;
  /** Writes go nowhere once closed, or once the writer panicked (it still closes then). */
  private state: "open" | "panicked" | "closed" = "open";

  constructor(options: CriLoggerOptions) {
    this.stream = streamNames[options.stream];
    this.maxLen = options.maxLen;
    this.bufSize =
      options.maxLen > 0 && options.maxLen < defaultBufSize ? Math.max(options.maxLen, minReadBufferSize) : defaultBufSize;
    this.clock = options.clock;
    this.out = options.out;
  }

  write(chunk: Uint8Array): void {
    if (this.state !== "open" || chunk.length === 0) return;
    let data = chunk;
    if (this.unread.length > 0) {
      data = new Uint8Array(this.unread.length + chunk.length);
      data.set(this.unread);
      data.set(chunk, this.unread.length);
    }
    let start = 0;
    for (;;) {
      const limit = Math.min(data.length, start + this.bufSize);
      const nl = data.subarray(start, limit).indexOf(newline);
      if (nl >= 0) {
        let end = start + nl;
        if (end > start && data[end - 1] === carriageReturn) end--;
        this.take(data.subarray(start, end), false);
        start = start + nl + 1;
        continue;
      }
      if (limit - start === this.bufSize) {
        // A full buffer without a newline: a piece of a longer line. A trailing "\r" is held back
        // in case a "\n" follows.
        let end = limit;
        if (data[end - 1] === carriageReturn && end - 1 > start) end--;
        this.take(data.subarray(start, end), true);
        start = end;
        continue;
      }
      this.unread = data.slice(start);
      return;
    }
  }

  close(): void | Promise<void> {
    if (this.state === "closed") return;
    const open = this.state === "open";
    this.state = "closed";
    try {
      if (open && this.unread.length > 0) {
        const rest = this.unread;
        this.unread = noBytes;
        this.append(rest);
      }
      if (open && this.length > 0) this.record(tagPartial);
    } catch (err) {
      // A panic while flushing: this stream is done with the file all the same.
      void this.out.close?.();
      throw err;
    }
    return this.out.close?.();
  }

  /** One readLine result: a piece of a line (`isPrefix`) or the rest of one. */
  private take(piece: Uint8Array, isPrefix: boolean): void {
    this.append(piece);
    if (isPrefix) return;
    this.record(tagFull);
  }

  private append(piece: Uint8Array): void {
    if (piece.length > 0) {
      this.pending.push(piece.slice());
      this.length += piece.length;
    }
    if (this.maxLen > 0 && this.length > this.maxLen) {
      const exceed = this.length - this.maxLen;
      const last = this.pending[this.pending.length - 1]!;
      if (exceed > last.length) {
        // A limit below bufio's 16-byte minimum leaves more than one piece over the limit; containerd
        // panics there (and the daemon goes down). The writer is dead from here on.
        this.state = "panicked";
        throw new GoPanicError("panic: exceed length should <= last buffer size");
      }
      this.pending[this.pending.length - 1] = last.subarray(0, last.length - exceed);
      this.length = this.maxLen;
      this.record(tagPartial);
      this.pending = [last.subarray(last.length - exceed)];
      this.length = exceed;
    }
  }

  private record(tag: Uint8Array): void {
    const time = encoder.encode(formatRfc3339Nano(this.clock.now()));
    const out = new Uint8Array(time.length + 1 + this.stream.length + tag.length + this.length + 1);
    let o = 0;
    out.set(time, o);
    o += time.length;
    out[o++] = 0x20;
    out.set(this.stream, o);
    o += this.stream.length;
    out.set(tag, o);
    o += tag.length;
    for (const part of this.pending) {
      out.set(part, o);
      o += part.length;
    }
    out[o] = newline;
    this.pending = [];
    this.length = 0;
    this.out.write(out);
  }
}
