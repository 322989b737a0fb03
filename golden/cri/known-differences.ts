// Differences from containerd 1.6.20 that the fake keeps on purpose, each described in
// KNOWN_DIFFERENCES.md under the same name. Each one covers exactly the recorded calls its `covers`
// matches and states the answer the fake gives there instead; the replay then compares that answer
// exactly.

import type { RecordedCall } from "../../src/transcript/calls.ts";
import type { Outcome } from "../../src/transcript/normalise.ts";

export interface CallRef {
  scenario: string;
  /** Index of the step in the transcript. */
  index: number;
  call: RecordedCall;
}

export interface KnownDifference {
  /** As in KNOWN_DIFFERENCES.md. */
  name: string;
  /** One line: what differs and why the fake keeps it. */
  reason: string;
  /** True for exactly the calls this difference covers. */
  covers(call: CallRef): boolean;
  /** The fake's answer for a covered call, from containerd's recorded one. */
  expected(recorded: Outcome): Outcome;
}

export const knownDifferences: readonly KnownDifference[] = [
  {
    name: "runtime-config-implemented",
    reason: "1.6.20 predates RuntimeConfig; the fake answers it as containerd 1.7+ does, cgroupfs for the reference config",
    covers: ({ scenario, call }) => scenario === "unimplemented-rpcs" && call.api === "v1" && call.method === "runtimeConfig",
    expected: () => ({ response: { linux: { cgroupDriver: "CGROUPFS" } } }),
  },
  {
    name: "all-capabilities-of-a-full-node",
    reason: "the recording machine's containerd itself lacked CAP_SYS_RESOURCE, so its ALL did; the fake's ALL is every capability, as on a node",
    covers: ({ scenario, call }) =>
      scenario === "exec-sync-proc-status" && call.method === "execSync" && (call.request as { containerId?: string }).containerId === "$all.containerId",
    expected: (recorded) => rewriteStdout(recorded, (stdout) => stdout.replaceAll("000001fffeffffff", "000001ffffffffff")),
  },
];

/** A recorded ExecSync answer with its stdout (base64 in the transcript) rewritten. */
function rewriteStdout(recorded: Outcome, rewrite: (stdout: string) => string): Outcome {
  const response = (recorded as { response: { stdout: string } }).response;
  return { response: { ...response, stdout: btoa(rewrite(atob(response.stdout))) } } as Outcome;
}
