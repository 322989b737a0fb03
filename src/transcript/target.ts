// What a CRI transcript is replayed against: clients for both services (v1, optionally v1alpha2)
// with one method per RPC keyed like the generated definitions, plus a way back to an empty runtime.
// A real containerd over gRPC (golden/cri/live-target.ts), the fake in-process or over its socket
// all fit. Portable.

import type * as v1 from "../cri/api/v1.ts";
import type * as v1alpha2 from "../cri/api/v1alpha2.ts";
import type { RequestOf, ResponseOf, ServiceDefinition } from "../cri/service-types.ts";

/**
 * A client method: a unary RPC answers with a promise, a server-streaming one with an async
 * iterable. A failed call rejects (or the iterable throws) with an error whose `code` is the gRPC
 * status code and whose `message` is the status message, as CriError does; anything else counts
 * as Unknown with its message, which is how grpc-go sends an error without a status.
 */
export type TargetMethod<M> = M extends { responseStream: true }
  ? (request: RequestOf<M>, options?: TargetCallOptions) => AsyncIterable<ResponseOf<M>>
  : (request: RequestOf<M>, options?: TargetCallOptions) => Promise<ResponseOf<M>>;

/** Options of one call to a target. */
export interface TargetCallOptions {
  /** The call's deadline, in milliseconds of the target's time from now. */
  timeoutMs?: number;
  /** Cancels the call when aborted (a server stream ends, throwing as a cancelled call does). */
  signal?: AbortSignal;
}

/** A target's client of one service: a method per RPC of the definition. */
export type TargetService<D extends ServiceDefinition> = {
  [K in keyof D["methods"]]: TargetMethod<D["methods"][K]>;
};

/** A runtime a transcript is replayed against, with a way back to an empty runtime. */
export interface CriTarget {
  runtime: TargetService<typeof v1.RuntimeServiceDefinition>;
  image: TargetService<typeof v1.ImageServiceDefinition>;
  /** The same runtime over the v1alpha2 API; transcripts that use it are skipped without. */
  v1alpha2?: {
    runtime: TargetService<typeof v1alpha2.RuntimeServiceDefinition>;
    image: TargetService<typeof v1alpha2.ImageServiceDefinition>;
  };
  /**
   * Back to a runtime with no sandboxes, containers or images (the sandbox image included), as
   * before each recorded scenario. Called before every scenario.
   */
  reset(): Promise<void>;
  /**
   * Lets `ms` milliseconds of the runtime's time pass (wait and sleep steps). A fake on a virtual
   * clock advances it; a real runtime leaves this out and real time passes.
   */
  elapse?(ms: number): Promise<void>;
  /**
   * How long (real time) a server stream may send nothing before the run takes it as open and idle
   * and cancels it. Default 2 s: a real runtime sends what it has at once.
   */
  streamIdleMs?: number;
}
