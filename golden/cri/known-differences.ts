// Differences from the recorded containerd versions that the fake keeps on purpose, per version,
// each described in KNOWN_DIFFERENCES.md under the same name in that version's section. Each one covers exactly the recorded calls its `covers`
// matches and states the answer the fake gives there instead; the replay then compares that answer
// exactly.

import type { ContainerdVersion } from "../../src/cri/versions/index.ts";
import type { Json, RecordedCall } from "../../src/transcript/calls.ts";
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
  /** The fake's answer for a covered call, from containerd's recorded one (and the call). */
  expected(recorded: Outcome, call: CallRef): Outcome;
}

const allCapabilitiesOfAFullNode: KnownDifference = {
  name: "all-capabilities-of-a-full-node",
  reason: "the recording machine's containerd itself lacked CAP_SYS_RESOURCE, so its ALL did; the fake's ALL is every capability, as on a node",
  covers: ({ scenario, call }) =>
    scenario === "exec-sync-proc-status" && call.method === "execSync" && (call.request as { containerId?: string }).containerId === "$all.containerId",
  expected: (recorded) => rewriteStdout(recorded, (stdout) => stdout.replaceAll("000001fffeffffff", "000001ffffffffff")),
};

/** The image volume of busybox:1.36 in the pod saved as $id1, as 2.4.2 names it in its errors. */
const busyboxVolume = "$root/io.containerd.grpc.v1.cri/image-volumes/$id1/2a43cd67112f9c9a87fc1298334a4d9eba5895117b7ac62ad0d5a23818b4e5fb";

const wholeMessagesEndingInASpace: KnownDifference = {
  name: "whole-messages-ending-in-a-space",
  reason: "2.4.2's message ends in a space, so Node's HTTP/2 drops its grpc-message trailer and the recording client (grpc-js) heard \"\"; Go clients hear it whole, and from the fake every client does",
  covers: ({ scenario, call }) => scenario === "container-image-volumes" && "error" in call && call.error?.message === "",
  expected: (recorded, { call }) => {
    const mount = (call.request as { config: { mounts: Array<{ imageSubPath?: string; image: { image?: string } }> } }).config.mounts[0]!;
    const cause =
      mount.imageSubPath === undefined
        ? "image not specified in: "
        : `failed to ensure image subpath "${mount.imageSubPath}" in "${busyboxVolume}": only directory subpath is supported, subpath: "${mount.imageSubPath}", mountpoint: "${busyboxVolume}" `;
    return { error: { ...(recorded as { error: { code: string } }).error, message: `failed to mount image volume: ImageVolumeMountFailed: ${cause}` } } as Outcome;
  },
};

const containerd16: readonly KnownDifference[] = [
  {
    name: "runtime-config-implemented",
    reason: "1.6.20 predates RuntimeConfig; the fake answers it as containerd 1.7+ does, cgroupfs for the reference config",
    covers: ({ scenario, call }) => scenario === "unimplemented-rpcs" && call.api === "v1" && call.method === "runtimeConfig",
    expected: () => ({ response: { linux: { cgroupDriver: "CGROUPFS" } } }),
  },
  allCapabilitiesOfAFullNode,
];

const containerd24: readonly KnownDifference[] = [
  allCapabilitiesOfAFullNode,
  wholeMessagesEndingInASpace,
  {
    name: "no-cgroup-v1-deprecation-warning",
    reason: "the recording host has cgroup v1, which 2.4.2 warns is deprecated; the fake node is a cgroup v2 host, which has no warning",
    covers: ({ call }) => call.method === "status" && "response" in call && JSON.stringify(call.response).includes("ContainerdHasDeprecationWarnings"),
    expected: (recorded) => {
      // Plain Status and Status verbose (which selects `status`) both answer status.conditions.
      const response = structuredClone((recorded as { response: { status: { conditions: { type?: Json }[] } } }).response);
      response.status.conditions = response.status.conditions.map((condition) =>
        condition.type === "ContainerdHasNoDeprecationWarnings" ? { status: true, type: condition.type } : condition,
      );
      return { response } as Outcome;
    },
  },
];

export const knownDifferences: Readonly<Record<ContainerdVersion, readonly KnownDifference[]>> = {
  "2.4": containerd24,
  "1.6": containerd16,
};

/** A recorded ExecSync answer with its stdout (base64 in the transcript) rewritten. */
function rewriteStdout(recorded: Outcome, rewrite: (stdout: string) => string): Outcome {
  const response = (recorded as { response: { stdout: string } }).response;
  return { response: { ...response, stdout: btoa(rewrite(atob(response.stdout))) } } as Outcome;
}
