// Replays golden/go/filepath.json (filepath.Clean, filepath.Join on Linux) against src/go/filepath.ts.
// Inputs that are not valid UTF-8 were recorded as hex. Clean and Join only look at "/" and ".", so
// those cases run on a one-char-per-byte string (latin1) and the result is read back as bytes: this
// checks that every other byte passes through untouched, which is all Go does with them.
import { clean, join } from "../../../src/go/filepath.ts";
import { type GoString, goBytes, isRawBytes, outcomeOf, replayGolden } from "./golden.ts";

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const latin1 = (s: GoString) => String.fromCharCode(...goBytes(s));

/** Runs a string function as Go would on the bytes, answering in the recorder's encoding. */
function onGoStrings(inputs: GoString[], fn: (...args: string[]) => string) {
  return outcomeOf(() => {
    if (!inputs.some(isRawBytes)) return fn(...(inputs as string[]));
    const bytes = Uint8Array.from(fn(...inputs.map(latin1)), (ch) => ch.charCodeAt(0));
    const text = new TextDecoder("utf-8", { fatal: true });
    try {
      return text.decode(bytes);
    } catch {
      return { hex: hex(bytes) };
    }
  });
}

replayGolden("filepath", {
  Clean: (path: GoString) => onGoStrings([path], clean),
  Join: (elements: GoString[]) => onGoStrings(elements, join),
});
