// A shell's file descriptors: where each one writes or reads. The process's own streams, a file
// opened by a redirection (writes append to it from then on), text to read (a here-document, a
// file, what the command before it in a pipeline wrote), the output a `$(...)` or a pipeline stage
// collects, or nowhere. Plain data, so a live shell's descriptors are saved with it.

import { base64ToBytes, bytesToBase64 } from "../../state.ts";

export type Fd =
  | { to: "stdout" | "stderr" }
  | { to: "stdin" }
  | { to: "file"; path: string }
  | { to: "input"; data: Uint8Array; pos: number }
  | { to: "capture"; chunks: Array<string | Uint8Array> }
  | { to: "null" };

/** Descriptors 0 to 9; a missing one is closed. */
export type Fds = Array<Fd | undefined>;

export type FdState =
  | { to: "stdout" | "stderr" | "stdin" | "null" }
  | { to: "file"; path: string }
  | { to: "input"; data: string; pos: number }
  | null;

export function standardFds(): Fds {
  return [{ to: "stdin" }, { to: "stdout" }, { to: "stderr" }];
}

export function fdsToState(fds: Fds): FdState[] {
  return fds.map((fd) => {
    if (fd === undefined) return null;
    if (fd.to === "input") return { to: "input", data: bytesToBase64(fd.data), pos: fd.pos };
    // A live shell never collects output: capturing shells are worked out at once.
    if (fd.to === "capture") return { to: "null" };
    return fd;
  });
}

export function fdsFromState(state: readonly FdState[]): Fds {
  return state.map((fd) => (fd === null ? undefined : fd.to === "input" ? { to: "input", data: base64ToBytes(fd.data), pos: fd.pos } : fd));
}

/** What is left to read of an input. */
export function remaining(fd: Extract<Fd, { to: "input" }>): Uint8Array {
  return fd.data.subarray(fd.pos);
}
