// `fake-cri serve --verbose`: one line on stderr per CRI call as it ends. Node-only.

import { codeName } from "../cri/errors.ts";
import type { CallLog } from "../harness/index.ts";

/** Writes `fake-cri: RunPodSandbox v1 3.1 ms OK` (or the status code's name) for every call. */
export function logEveryCall(calls: CallLog, write: (line: string) => void): void {
  calls.subscribe((call) => {
    const code = call.error ? codeName(call.error.code) : "OK";
    write(`fake-cri: ${call.method} ${call.apiVersion} ${call.durationMs!.toFixed(1)} ms ${code}\n`);
  });
}
