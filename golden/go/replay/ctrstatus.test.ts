// Replays golden/go/ctrstatus.json (containerd v1.6.20's container status checkpoint: the file
// StoreStatus writes, and LoadStatus of hand-made files) against src/cri/store/container-checkpoint.ts.
import { MemoryHostFs } from "../../../src/node/host-fs.ts";
import { encodeContainerStatus, loadContainerStatus } from "../../../src/cri/store/container-checkpoint.ts";
import { emptyContainerStatus, type ContainerStatus } from "../../../src/cri/store/container-status.ts";
import { type GoldenException, type GoString, goBytes, outcomeOf, replayGolden } from "./golden.ts";

const text = (s: GoString) => new TextDecoder("utf-8", { ignoreBOM: true }).decode(goBytes(s));

/**
 * The recorder's Go (1.22 and later) writes U+0008 and U+000C as \b and \f; the reference
 * containerd is built with go1.19.8, which writes \u0008 and \u000c, as the port does.
 */
const newerGoEscapes = (c: { out?: unknown; err?: string }) => typeof c.out === "string" && /(^|[^\\])(\\\\)*\\[bf]/.test(c.out);
const exceptions: GoldenException[] = [
  { fn: "storeStatus", reason: "\\b and \\f: the recorder's Go is newer than containerd's go1.19.8", applies: newerGoEscapes },
  { fn: "loadStatus", reason: "\\b and \\f: the recorder's Go is newer than containerd's go1.19.8", applies: newerGoEscapes },
];

interface StatusInput {
  pid: number;
  createdAt: string;
  startedAt: string;
  finishedAt: string;
  exitCode: number;
  reason: GoString;
  message: GoString;
  starting: boolean;
  unknown: boolean;
  resources: null | {
    cpuPeriod: string;
    cpuQuota: string;
    cpuShares: string;
    memoryLimitInBytes: string;
    oomScoreAdj: string;
    cpusetCpus: string;
    cpusetMems: string;
    memorySwapLimitInBytes: string;
    hugepageLimits: Array<{ pageSize: string; limit: string }>;
    unified: Record<string, string> | null;
  };
}

function statusOf(input: StatusInput): ContainerStatus {
  const status: ContainerStatus = {
    ...emptyContainerStatus(),
    pid: input.pid,
    createdAt: BigInt(input.createdAt),
    startedAt: BigInt(input.startedAt),
    finishedAt: BigInt(input.finishedAt),
    exitCode: input.exitCode,
    reason: text(input.reason),
    message: text(input.message),
    starting: input.starting,
    unknown: input.unknown,
  };
  const r = input.resources;
  if (r) {
    status.resources = {
      linux: {
        cpuPeriod: BigInt(r.cpuPeriod),
        cpuQuota: BigInt(r.cpuQuota),
        cpuShares: BigInt(r.cpuShares),
        memoryLimitInBytes: BigInt(r.memoryLimitInBytes),
        oomScoreAdj: BigInt(r.oomScoreAdj),
        cpusetCpus: r.cpusetCpus,
        cpusetMems: r.cpusetMems,
        hugepageLimits: r.hugepageLimits.map((h) => ({ pageSize: h.pageSize, limit: BigInt(h.limit) })),
        unified: r.unified ?? {},
        memorySwapLimitInBytes: BigInt(r.memorySwapLimitInBytes),
      },
      windows: undefined,
    };
  }
  return status;
}

replayGolden("ctrstatus", {
  storeStatus: (input: StatusInput) => outcomeOf(() => encodeContainerStatus(statusOf(input))),
  loadStatus: (file: GoString) =>
    outcomeOf(() => {
      const fs = new MemoryHostFs();
      fs.mkdirAll("/c");
      fs.writeFile("/c/status", goBytes(file));
      return encodeContainerStatus(loadContainerStatus(fs, "/c"));
    }),
}, exceptions);
