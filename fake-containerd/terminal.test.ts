// The pty line discipline: what the client sees echoed, what the process reads, what signals it.

import { describe, expect, test } from "vitest";
import { Terminal } from "./terminal.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function terminal() {
  const echoed: string[] = [];
  const lines: string[] = [];
  const signals: number[] = [];
  let eof = 0;
  const tty = new Terminal({
    deliver: (line) => lines.push(text(line)),
    endOfFile: () => eof++,
    echo: (bytes) => echoed.push(text(bytes)),
    signal: (signal) => signals.push(signal),
  });
  return { tty, echoed, lines, signals, eof: () => eof, type: (s: string) => tty.input(new TextEncoder().encode(s)) };
}

describe("Terminal (n_tty defaults)", () => {
  test("input is echoed, a carriage return ends the line as a newline, the process reads whole lines", () => {
    const t = terminal();
    t.type("echo hi");
    expect(t.lines).toEqual([]);
    t.type("\r");
    expect(t.lines).toEqual(["echo hi\n"]);
    expect(t.echoed.join("")).toBe("echo hi\r\n");
  });

  test("DEL erases a character, ^W a word, ^U the line, each rubbed out on the screen", () => {
    const t = terminal();
    t.type("ls -l\x7f\x7fa\r");
    expect(t.lines).toEqual(["ls a\n"]);
    t.type("one two\x17three\x15four\r");
    expect(t.lines.at(-1)).toBe("four\n");
    expect(t.echoed.join("")).toContain("\b \b\b \b");
  });

  test("^D at the start of a line is end of file; after text it hands over the text without a newline", () => {
    const t = terminal();
    t.type("abc\x04");
    expect(t.lines).toEqual(["abc"]);
    expect(t.eof()).toBe(0);
    t.type("\x04");
    expect(t.eof()).toBe(1);
  });

  test("^C, ^\\ and ^Z discard the line, echo ^X and signal the process", () => {
    const t = terminal();
    t.type("sleep 9\x03");
    t.type("\x1c\x1a");
    expect(t.signals).toEqual([2, 3, 20]);
    expect(t.echoed.join("")).toBe("sleep 9^C^\\^Z");
    t.type("\r");
    expect(t.lines).toEqual(["\n"]);
  });

  test("other control characters echo as ^X and are read as typed", () => {
    const t = terminal();
    t.type("\x1b[A\r");
    expect(t.echoed.join("")).toBe("^[[A\r\n");
    expect(t.lines).toEqual(["\x1b[A\n"]);
  });

  test("output newlines reach the client as CR LF", () => {
    const t = terminal();
    expect(text(t.tty.output(new TextEncoder().encode("a\nb\n")))).toBe("a\r\nb\r\n");
  });

  test("a new window size signals SIGWINCH; the same size again does not", () => {
    const t = terminal();
    t.tty.resize({ width: 80, height: 24 });
    t.tty.resize({ width: 80, height: 24 });
    t.tty.resize({ width: 100, height: 30 });
    expect(t.signals).toEqual([28, 28]);
    expect(t.tty.size).toEqual({ width: 100, height: 30 });
  });
});
