// In-process CRI clients: the same handlers the gRPC server calls, without encoding. A request may
// be partial (ts-proto's fromPartial fills in proto defaults, as the wire would); a failure rejects
// with the CriError a gRPC client would get. With a timeout or a signal, the call gives up the way
// a Go client does ("context deadline exceeded" / "context canceled") while the work goes on, as in
// containerd.

import type { Clock } from "../../fake-containerd/index.ts";
import type { DeepPartial } from "../cri/api/v1.ts";
import { canceled, clientContextError, Code, deadlineExceeded } from "../cri/errors.ts";
import {
  bindService,
  type BoundMethod,
  type CallContext,
  type RequestOf,
  type ResponseOf,
  type ServiceDefinition,
  type ServiceImplementation,
} from "../cri/service-types.ts";

/** Per-call options of the in-process clients. */
export interface InProcessCallOptions {
  /** Gives up after this many milliseconds of the fake's clock. */
  timeoutMs?: number;
  /** Gives up when aborted. */
  signal?: AbortSignal;
}

/** One in-process client method: partial request in, the response (or an async iterable of them) out. */
export type InProcessMethod<M> = M extends { responseStream: true }
  ? (request?: DeepPartial<RequestOf<M>>, options?: InProcessCallOptions) => AsyncIterable<ResponseOf<M>>
  : (request?: DeepPartial<RequestOf<M>>, options?: InProcessCallOptions) => Promise<ResponseOf<M>>;

/** An in-process client of one CRI service: a method per RPC, keyed like the generated definition. */
export type InProcessClient<D extends ServiceDefinition> = {
  readonly [K in keyof D["methods"]]: InProcessMethod<D["methods"][K]>;
};

type Unary = (request: unknown, call: CallContext) => Promise<unknown>;
type Stream = (request: unknown, call: CallContext) => AsyncIterable<unknown>;

const neverAborted = new AbortController().signal;
const quietCall: CallContext = { signal: neverAborted };

/**
 * A client for `service` whose calls go to `current()`'s handlers, looked up on each call so that a
 * restarted fake keeps its clients.
 */
export function inProcessClient<D extends ServiceDefinition>(
  service: D,
  current: () => ServiceImplementation<D>,
  clock: Clock,
): InProcessClient<D> {
  const client: Record<string, unknown> = {};
  let implementation: ServiceImplementation<D> | undefined;
  let bound = new Map<string, BoundMethod>();
  const handlerOf = (key: string) => {
    const now = current();
    if (now !== implementation) {
      implementation = now;
      bound = bindService(service, now);
    }
    return bound.get(key)!.handler;
  };
  for (const [key, method] of Object.entries(service.methods)) {
    const fromPartial = (request: unknown): unknown => method.requestType.fromPartial((request ?? {}) as never);
    client[key] = method.responseStream
      ? (request?: unknown, options?: InProcessCallOptions) => {
          const handler = handlerOf(key);
          if (handler.kind === "unknown-method") return failing(handler.error);
          const message = fromPartial(request);
          return options ? streamWithOptions(handler.call as Stream, message, options, clock) : (handler.call as Stream)(message, quietCall);
        }
      : (request?: unknown, options?: InProcessCallOptions) => {
          const handler = handlerOf(key);
          if (handler.kind === "unknown-method") return Promise.reject(handler.error);
          const message = fromPartial(request);
          return options ? unaryWithOptions(handler.call as Unary, message, options, clock) : (handler.call as Unary)(message, quietCall);
        };
  }
  return client as InProcessClient<D>;
}

async function* failing(error: Error): AsyncIterable<never> {
  throw error;
}

/** A call context whose signal aborts on the timeout or the caller's signal. */
function callContext(options: InProcessCallOptions, clock: Clock): { call: CallContext; done: () => void } {
  const controller = new AbortController();
  let cancelTimer: (() => void) | undefined;
  if (options.timeoutMs !== undefined) {
    cancelTimer = clock.setTimer(options.timeoutMs, () => controller.abort(deadlineExceeded()));
  }
  const onAbort = (): void => controller.abort(canceled());
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });
  return {
    call: { signal: controller.signal },
    done: () => {
      cancelTimer?.();
      options.signal?.removeEventListener("abort", onAbort);
    },
  };
}

function clientError(signal: AbortSignal): Error {
  const reason = signal.reason as { code?: number } | undefined;
  return clientContextError(reason?.code === Code.DeadlineExceeded ? Code.DeadlineExceeded : Code.Canceled);
}

function unaryWithOptions(handler: Unary, request: unknown, options: InProcessCallOptions, clock: Clock): Promise<unknown> {
  const { call, done } = callContext(options, clock);
  if (call.signal.aborted) {
    done();
    void handler(request, call).catch(() => undefined);
    return Promise.reject(clientError(call.signal));
  }
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(clientError(call.signal));
    call.signal.addEventListener("abort", onAbort, { once: true });
    handler(request, call).then(
      (response) => {
        call.signal.removeEventListener("abort", onAbort);
        done();
        resolve(response);
      },
      (err: unknown) => {
        call.signal.removeEventListener("abort", onAbort);
        done();
        reject(err);
      },
    );
  });
}

async function* streamWithOptions(handler: Stream, request: unknown, options: InProcessCallOptions, clock: Clock): AsyncIterable<unknown> {
  const { call, done } = callContext(options, clock);
  const iterator = handler(request, call)[Symbol.asyncIterator]();
  const aborted = new Promise<never>((_, reject) => {
    if (call.signal.aborted) reject(clientError(call.signal));
    call.signal.addEventListener("abort", () => reject(clientError(call.signal)), { once: true });
  });
  aborted.catch(() => undefined);
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    done();
    void iterator.return?.();
  }
}
