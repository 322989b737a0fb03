import { mkdtempSync, readFileSync, realpathSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { VirtualClock } from "../../../fake-containerd/index.ts";
import { MemoryHostFs, readTextFile } from "../../node/host-fs.ts";
import { memoryNodeFiles } from "../../node/node-files.ts";
import { HostNodeFiles } from "../../node/node-files-disk.ts";
import { formatRfc3339Nano, newCriLogger, type StreamType } from "./logger.ts";
import { createContainerLoggers } from "./loggers.ts";

const encoder = new TextEncoder();
const start = 1_633_478_400_000_000_000n;

function logger(maxLen: number, stream: StreamType = "stdout") {
  const clock = new VirtualClock({ startNs: start, tickNs: 1n });
  const records: string[] = [];
  const sink = newCriLogger({ stream, maxLen, clock, out: { write: (r) => records.push(new TextDecoder().decode(r)) } });
  return { sink, records, write: (s: string) => sink.write(encoder.encode(s)) };
}

/** The records with their timestamps cut off. */
const bodies = (records: string[]) => records.map((r) => r.slice(r.indexOf(" ") + 1));

describe("RFC3339Nano", () => {
  test("as Go formats it in UTC: trailing zeros of the fraction dropped, none for whole seconds", () => {
    expect(formatRfc3339Nano(start)).toBe("2021-10-06T00:00:00Z");
    expect(formatRfc3339Nano(start + 1n)).toBe("2021-10-06T00:00:00.000000001Z");
    expect(formatRfc3339Nano(start + 120_000_000n)).toBe("2021-10-06T00:00:00.12Z");
    expect(formatRfc3339Nano(0n)).toBe("1970-01-01T00:00:00Z");
    expect(formatRfc3339Nano(-1n)).toBe("1969-12-31T23:59:59.999999999Z");
  });
});

describe("the CRI log writer", () => {
  test("a full line is one F record: `<time> <stream> F <line>\\n`, time taken when it is written", () => {
    const { write, records } = logger(16384);
    write("hello\nwor");
    write("ld\n");
    expect(records).toEqual(["2021-10-06T00:00:00Z stdout F hello\n", "2021-10-06T00:00:00.000000001Z stdout F world\n"]);
  });

  test("\\r\\n ends a line like \\n; a lone \\r is kept; an empty line is an empty F record", () => {
    const { write, records } = logger(16384, "stderr");
    write("a\r\nb\rc\n\n");
    expect(bodies(records)).toEqual(["stderr F a\n", "stderr F b\rc\n", "stderr F \n"]);
  });

  test("a line longer than the limit is cut into P records of exactly the limit, the rest F", () => {
    const { write, records } = logger(20);
    write(`${"a".repeat(20)}${"b".repeat(20)}${"c".repeat(10)}\n`);
    expect(bodies(records)).toEqual([`stdout P ${"a".repeat(20)}\n`, `stdout P ${"b".repeat(20)}\n`, `stdout F ${"c".repeat(10)}\n`]);
  });

  test("below 16 bytes the limit cuts once per 16-byte piece (bufio's minimum), and a second overrun panics as in containerd", () => {
    const { write, records } = logger(4);
    write("abcdefghij\n");
    expect(bodies(records)).toEqual(["stdout P abcd\n", "stdout F efghij\n"]);
    const overrun = logger(5);
    expect(() => overrun.write("x".repeat(40))).toThrow("panic: exceed length should <= last buffer size");
    overrun.write("later\n");
    expect(bodies(overrun.records)).toEqual([`stdout P xxxxx\n`]);
  });

  test("a line of exactly the limit is one F record; twice the limit ends with an F of the last part", () => {
    const a = logger(4);
    a.write("abcd\n");
    expect(bodies(a.records)).toEqual(["stdout F abcd\n"]);
    const b = logger(4);
    b.write("abcdefgh\n");
    expect(bodies(b.records)).toEqual(["stdout P abcd\n", "stdout F efgh\n"]);
  });

  test("what is left when the stream ends without a newline is a P record; nothing left, nothing written", () => {
    const { write, sink, records } = logger(16384);
    write("done\npartial");
    sink.close();
    expect(bodies(records)).toEqual(["stdout F done\n", "stdout P partial\n"]);
    const empty = logger(16384);
    empty.write("x\n");
    empty.sink.close();
    expect(bodies(empty.records)).toEqual(["stdout F x\n"]);
  });

  test("without a limit long lines stay whole (read in 4096-byte pieces, joined)", () => {
    const { write, records } = logger(0);
    const long = "x".repeat(10_000);
    write(`${long}\n`);
    expect(bodies(records)).toEqual([`stdout F ${long}\n`]);
  });

  test("a limit above 4096 splits at the limit, whatever the pieces", () => {
    const { write, records } = logger(5000);
    write(`${"y".repeat(12_000)}\n`);
    expect(bodies(records).map((r) => r.length)).toEqual([5000 + 10, 5000 + 10, 2000 + 10]);
    expect(bodies(records).map((r) => r.slice(0, 9))).toEqual(["stdout P ", "stdout P ", "stdout F "]);
  });

  test("bytes are cut as bytes, even inside a UTF-8 sequence", () => {
    const raw: Uint8Array[] = [];
    const clock = new VirtualClock({ startNs: start, tickNs: 0n });
    const bytes = newCriLogger({ stream: "stdout", maxLen: 3, clock, out: { write: (r) => raw.push(r) } });
    bytes.write(encoder.encode("éé\n"));
    expect(raw.map((r) => [...r.subarray("2021-10-06T00:00:00Z stdout P ".length)])).toEqual([
      [0xc3, 0xa9, 0xc3, 0x0a],
      [0xa9, 0x0a],
    ]);
  });

  test("writes after close are dropped", () => {
    const { write, sink, records } = logger(16384);
    sink.close();
    write("late\n");
    expect(records).toEqual([]);
  });
});

describe("createContainerLoggers", () => {
  test("both streams go to one file, created 0640 with its directory", async () => {
    const fs = new MemoryHostFs();
    const clock = new VirtualClock({ startNs: start, tickNs: 1000n });
    const context = { nodeFiles: memoryNodeFiles(fs), clock, config: { maxContainerLogLineSize: 16384 } };
    const [stdout, stderr] = await createContainerLoggers(context, "/logs/pod/c.log", false);
    stdout.write(encoder.encode("out\n"));
    stderr!.write(encoder.encode("err\n"));
    expect(readTextFile(fs, "/logs/pod/c.log")).toBe("2021-10-06T00:00:00Z stdout F out\n2021-10-06T00:00:00.000001Z stderr F err\n");
    expect(fs.stat("/logs/pod/c.log").mode).toBe(0o640);
  });

  test("with a tty there is no stderr logger; without a log path output is discarded", async () => {
    const fs = new MemoryHostFs();
    const context = { nodeFiles: memoryNodeFiles(fs), clock: new VirtualClock(), config: { maxContainerLogLineSize: 16384 } };
    expect((await createContainerLoggers(context, "/l/c.log", true))[1]).toBeUndefined();
    const [out] = await createContainerLoggers(context, "", false);
    out.write(encoder.encode("x\n"));
    expect(fs.readDir("/")).toEqual(["l"]);
  });

  test("a kubelet's rotation: what is written before ReopenContainerLog stays in the renamed file", async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "fake-cri-rotate-")));
    try {
      const nodeFiles = new HostNodeFiles({ memory: new MemoryHostFs(), memoryDirs: [], hostRoots: [dir] });
      const context = { nodeFiles, clock: new VirtualClock({ startNs: start, tickNs: 0n }), config: { maxContainerLogLineSize: 16384 } };
      const path = join(dir, "0.log");
      const [out, err] = await createContainerLoggers(context, path, false);
      out.write(encoder.encode("one\n"));
      renameSync(path, `${path}.rotated`);
      out.write(encoder.encode("two\nthr"));
      // ReopenContainerLog: new loggers on a new file, then the old ones closed (flushing "thr").
      const [reopened, reopenedErr] = await createContainerLoggers(context, path, false);
      out.close();
      err!.close();
      reopened.write(encoder.encode("four\n"));
      reopened.close();
      reopenedErr!.close();
      const bodiesOf = (file: string) => bodies(readFileSync(file, "utf8").split("\n").filter(Boolean));
      // Written behind: the lines arrive a moment later.
      for (let i = 0; i < 100 && bodiesOf(path).length + bodiesOf(`${path}.rotated`).length < 4; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(bodiesOf(`${path}.rotated`)).toEqual(["stdout F one", "stdout F two", "stdout P thr"]);
      expect(bodiesOf(path)).toEqual(["stdout F four"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a log file that cannot be opened fails as containerd's", async () => {
    const fs = new MemoryHostFs();
    fs.mkdirAll("/l");
    fs.writeFile("/l/file", "");
    const context = { nodeFiles: memoryNodeFiles(fs), clock: new VirtualClock(), config: { maxContainerLogLineSize: 1 } };
    await expect(createContainerLoggers(context, "/l/file/c.log", false)).rejects.toThrow(
      "failed to create and open log file: mkdir /l/file: not a directory",
    );
  });
});
