// Replays golden/go/crilogger.json (containerd v1.6.20's CRI log writer, timestamps cut off the
// records, and RFC3339Nano in UTC) against src/cri/io/logger.ts.
import { VirtualClock } from "../../../fake-containerd/index.ts";
import { formatRfc3339Nano, newCriLogger, type StreamType } from "../../../src/cri/io/logger.ts";
import { type GoString, goBytes, outcomeOf, replayGolden } from "./golden.ts";

const strict = new TextDecoder("utf-8", { fatal: true });

/** A record as the recorder writes it: text when valid UTF-8, hex otherwise. */
function asGoString(bytes: Uint8Array): GoString {
  try {
    return strict.decode(bytes);
  } catch {
    return { hex: Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("") };
  }
}

function criLogger(input: { maxLen: number; stream: StreamType; chunks: GoString[] | null }) {
  return outcomeOf(() => {
    const records: GoString[] = [];
    const sink = newCriLogger({
      stream: input.stream,
      maxLen: input.maxLen,
      clock: new VirtualClock(),
      out: { write: (record) => records.push(asGoString(record.subarray(record.indexOf(0x20) + 1))) },
    });
    for (const chunk of input.chunks ?? []) sink.write(goBytes(chunk));
    sink.close();
    return records;
  });
}

replayGolden("crilogger", {
  criLogger,
  rfc3339Nano: (ns: string) => outcomeOf(() => formatRfc3339Nano(BigInt(ns))),
});
