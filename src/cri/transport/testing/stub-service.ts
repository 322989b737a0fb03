// A small CRI implementation for exercising the wire layer: one RPC per behaviour the transport
// must carry (an answer, a status error, a plain error, a containerd error, a slow call, a call
// that waits for cancellation, a stream, an oversized answer).

import { containerdError } from "../../../../fake-containerd/errdefs.ts";
import {
  ContainerEventType,
  PodSandbox,
  type ContainerEventResponse,
  type VersionResponse,
} from "../../api/v1.ts";
import { Code, CriError } from "../../errors.ts";
import type { CallContext, CriServices } from "../../service-types.ts";

export const stubVersion: VersionResponse = {
  version: "0.1.0",
  runtimeName: "fake-cri-stub",
  runtimeVersion: "v1.6.20",
  runtimeApiVersion: "v1",
};

/** What a finished call saw of its context. */
export interface Observed {
  aborted: boolean;
  reason: unknown;
  deadline: Date | undefined;
  metadata: Record<string, string[]> | undefined;
}

export type ObservedCall = "slow" | "cancelled" | "stream";

export interface Stub {
  services: CriServices;
  /**
   * What the next finished call of a kind saw: "slow" (PodSandboxStatus, which takes slowMillis),
   * "cancelled" (RemoveContainer, which waits for its signal) or "stream" (GetContainerEvents).
   */
  next(kind: ObservedCall): Promise<Observed>;
  /** What the last Version call saw. */
  lastVersionCall: () => CallContext | undefined;
}

// Far beyond the 100 ms deadlines the tests give it: on a loaded 2-core machine (CI runs Node, Deno
// and Bun side by side) a client's 100 ms deadline was seen firing after 359 ms.
export const slowMillis = 1500;
export const eventCount = 3;

function observe(call: CallContext): Observed {
  return { aborted: call.signal.aborted, reason: call.signal.reason, deadline: call.deadline, metadata: call.metadata };
}

/** Observations in the order calls finish, handed out in the same order. */
function observations(): { record: (o: Observed) => void; next: () => Promise<Observed> } {
  const done: Observed[] = [];
  const waiting: ((o: Observed) => void)[] = [];
  return {
    record: (o) => (waiting.length > 0 ? waiting.shift()!(o) : done.push(o)),
    next: () => (done.length > 0 ? Promise.resolve(done.shift()!) : new Promise((resolve) => waiting.push(resolve))),
  };
}

export function createStub(): Stub {
  const seen = { slow: observations(), cancelled: observations(), stream: observations() };
  let versionCall: CallContext | undefined;
  const event = (i: number): ContainerEventResponse => ({
    containerId: `c${i}`,
    containerEventType: ContainerEventType.CONTAINER_STARTED_EVENT,
    createdAt: BigInt(i) * 1_000_000_000n + 123n,
    podSandboxStatus: undefined,
    containersStatuses: [],
  });

  const services: CriServices = {
    runtime: {
      async version(_request, call) {
        versionCall = call;
        return stubVersion;
      },
      async status() {
        throw new CriError(Code.NotFound, "an error occurred when try to find sandbox: not found");
      },
      async listContainers() {
        throw new Error("failed to list containers: boom");
      },
      async containerStatus(request) {
        throw new Error(`an error occurred when try to find container "${request.containerId}"`, {
          cause: containerdError("not found", `container "${request.containerId}"`),
        });
      },
      async podSandboxStatus(_request, call) {
        await new Promise((r) => setTimeout(r, slowMillis));
        seen.slow.record(observe(call));
        return { status: undefined, info: {}, containersStatuses: [], timestamp: 7n };
      },
      async removeContainer(_request, call) {
        await new Promise((resolve) => call.signal.addEventListener("abort", resolve, { once: true }));
        seen.cancelled.record(observe(call));
        throw call.signal.reason;
      },
      async listPodSandbox(request) {
        const id = request.filter?.id ?? "";
        if (id !== "huge") return { items: [] };
        const item = PodSandbox.fromPartial({ id: "x".repeat(1 << 20) });
        return { items: Array.from({ length: 17 }, () => item) };
      },
      async *getContainerEvents(_request, call) {
        try {
          for (let i = 0; i < eventCount; i++) yield event(i);
          await new Promise((resolve) => call.signal.addEventListener("abort", resolve, { once: true }));
        } finally {
          seen.stream.record(observe(call));
        }
      },
    },
    image: {
      async imageFsInfo() {
        return { imageFilesystems: [], containerFilesystems: [] };
      },
      async *streamImages() {
        yield { images: [] };
      },
    },
  };
  return {
    services,
    next: (kind) => seen[kind].next(),
    lastVersionCall: () => versionCall,
  };
}

/** A v1 implementation whose event stream fails after two events. */
export function failingStreamServices(): CriServices {
  return {
    runtime: {
      async *getContainerEvents() {
        yield { containerId: "a", containerEventType: 0, createdAt: 1n, podSandboxStatus: undefined, containersStatuses: [] };
        yield { containerId: "b", containerEventType: 0, createdAt: 2n, podSandboxStatus: undefined, containersStatuses: [] };
        throw new CriError(Code.Unavailable, "events stream broke");
      },
    },
  };
}
