// CRI-level test controls, beside fake-containerd's operation-level faults: every call a fake's
// handlers answer (in process or over a socket) is logged, can be failed once (failNext) or handled
// by the test first (onCall), and is watched for waiting on a virtual clock nobody advances. They
// wrap the plugin's handlers, so they outlive restart().

import { RealClock, readClock, settle, type Clock } from "../../fake-containerd/clock.ts";
import * as v1 from "../cri/api/v1.ts";
import type { DeepPartial } from "../cri/api/v1.ts";
import * as v1alpha2 from "../cri/api/v1alpha2.ts";
import { convertMessage } from "../cri/api-convert.ts";
import { Code, codeName, CriError } from "../cri/errors.ts";
import { toStatusError } from "../cri/server/instrumented.ts";
import type { CriServiceHandlers } from "../cri/server/service.ts";
import type { CallContext, MethodDefinition, ServiceDefinition } from "../cri/service-types.ts";
import type { CallLog, CriCall } from "./calls.ts";
import { checkUnaryCriMethod, type CriMethod, type CriRequest, type CriResponse, type UnaryCriMethod } from "./cri-methods.ts";
import { watchVirtualTime } from "./virtual-time-watch.ts";

/** The status failNext fails a call with: a CriError, or its code and message. */
export type InjectedError = CriError | { code: Code; message?: string };

/**
 * A test's handler for calls of `M`: answers instead of the fake (a response, or the fields of
 * one), throws to fail the call (a CriError keeps its code; other errors map as the plugin's do),
 * or calls `next` to let the fake (or an older handler) answer, with the request or another one.
 */
export type CallHandler<M extends UnaryCriMethod> = (
  request: CriRequest<M>,
  next: (request?: CriRequest<M>) => Promise<CriResponse<M>>,
) => CriResponse<M> | DeepPartial<CriResponse<M>> | Promise<CriResponse<M> | DeepPartial<CriResponse<M>>>;

interface Injection {
  readonly method: UnaryCriMethod;
  /** What the test called, for the report of injections that never fired. */
  readonly description: string;
  fired: number;
}

interface FailureInjection extends Injection {
  readonly error: CriError;
}

interface HandlerInjection extends Injection {
  readonly handler: CallHandler<UnaryCriMethod>;
}

type AnyHandler = (request: unknown, call: CallContext) => unknown;
type V1Handler = (request: unknown) => Promise<unknown>;

/** Converts between the API version a call speaks and v1; identity for v1. */
interface Conversion {
  requestToV1(request: unknown): unknown;
  requestFromV1(request: unknown): unknown;
  responseToV1(response: unknown): unknown;
  responseFromV1(response: unknown): unknown;
}

const sameVersion: Conversion = {
  requestToV1: (r) => r,
  requestFromV1: (r) => r,
  responseToV1: (r) => r,
  responseFromV1: (r) => r,
};

function conversion(spoken: MethodDefinition, current: MethodDefinition): Conversion {
  return {
    requestToV1: (r) => convertMessage(spoken.requestType, current.requestType, r),
    requestFromV1: (r) => convertMessage(current.requestType, spoken.requestType, r),
    responseToV1: (r) => convertMessage(spoken.responseType, current.responseType, r),
    responseFromV1: (r) => convertMessage(current.responseType, spoken.responseType, r),
  };
}

const v1Methods: Readonly<Record<string, MethodDefinition>> = {
  ...v1.RuntimeServiceDefinition.methods,
  ...v1.ImageServiceDefinition.methods,
};

export class CallControls {
  private readonly failures: FailureInjection[] = [];
  private handlers: HandlerInjection[] = [];
  private readonly log: CallLog;
  private readonly clock: Clock;

  constructor(log: CallLog, clock: Clock) {
    this.log = log;
    this.clock = clock;
  }

  /** Fails the next call of `method` with `error`, before it reaches the fake. Queued failures fire in order. */
  failNext(method: UnaryCriMethod, error: InjectedError = { code: Code.Unknown }): void {
    checkUnaryCriMethod(method);
    const status = error instanceof CriError ? error : new CriError(checkedCode(error.code), error.message ?? `injected by failNext(${method})`);
    this.failures.push({ method, error: status, fired: 0, description: `failNext(${JSON.stringify(method)})` });
  }

  /** Puts `handler` in front of calls of `method` (the latest one first); returns the function that removes it. */
  onCall<M extends UnaryCriMethod>(method: M, handler: CallHandler<M>): () => void {
    checkUnaryCriMethod(method);
    const injection: HandlerInjection = {
      method,
      handler: handler as unknown as CallHandler<UnaryCriMethod>,
      fired: 0,
      description: `onCall(${JSON.stringify(method)})`,
    };
    this.handlers.push(injection);
    return () => {
      this.handlers = this.handlers.filter((h) => h !== injection);
    };
  }

  /** failNext and onCall injections that have not fired, as "failNext("RunPodSandbox")". */
  unfired(): string[] {
    return [...this.failures, ...this.handlers].filter((i) => i.fired === 0).map((i) => `${i.description} never fired`);
  }

  /** The plugin's handlers with every call logged, injectable and watched. */
  wrap(handlers: CriServiceHandlers): CriServiceHandlers {
    return {
      runtime: this.wrapService(v1.RuntimeServiceDefinition, "v1", handlers.runtime),
      image: this.wrapService(v1.ImageServiceDefinition, "v1", handlers.image),
      v1alpha2: {
        runtime: this.wrapService(v1alpha2.RuntimeServiceDefinition, "v1alpha2", handlers.v1alpha2.runtime),
        image: this.wrapService(v1alpha2.ImageServiceDefinition, "v1alpha2", handlers.v1alpha2.image),
      },
    };
  }

  private wrapService<T extends object>(service: ServiceDefinition, apiVersion: "v1" | "v1alpha2", implementation: T): T {
    const wrapped: Record<string, AnyHandler> = {};
    for (const [key, handler] of Object.entries(implementation) as Array<[string, AnyHandler]>) {
      const spoken = service.methods[key]!;
      const convert = apiVersion === "v1" ? sameVersion : conversion(spoken, v1Methods[key]!);
      const method = spoken.name as CriMethod;
      const what = `${method} (${apiVersion})`;
      const begin = (request: unknown): CriCall | undefined => {
        if (!this.log.observed) return undefined;
        const call = { method, apiVersion, request: convert.requestToV1(request), startNs: readClock(this.clock) } as CriCall;
        this.log.begin(call);
        return call;
      };
      const end = (call: CriCall | undefined, startedMs: number, outcome: { response?: unknown; error?: CriError }): void => {
        if (!call) return;
        if (outcome.error) call.error = outcome.error;
        else if (outcome.response !== undefined) (call as { response?: unknown }).response = convert.responseToV1(outcome.response);
        call.endNs = readClock(this.clock);
        call.durationMs = performance.now() - startedMs;
        this.log.ended(call);
      };
      wrapped[key] = spoken.responseStream
        ? async function* (request: unknown, context: CallContext) {
            const startedMs = performance.now();
            const call = begin(request);
            try {
              yield* handler(request, context) as AsyncIterable<unknown>;
              end(call, startedMs, {});
            } catch (err) {
              end(call, startedMs, { error: toStatusError(err) });
              throw err;
            }
          }
        : async (request: unknown, context: CallContext) => {
            const startedMs = performance.now();
            const call = begin(request);
            const stopWatching = watchVirtualTime(this.clock, what);
            try {
              // A busy loop runs due timers late: fire them first, and let what they started settle.
              if (firedOverdueTimers(this.clock)) await settle();
              const response = await this.answer(method as UnaryCriMethod, request, context, handler, convert, v1Methods[key]!);
              end(call, startedMs, { response });
              return response;
            } catch (err) {
              const error = toStatusError(err);
              end(call, startedMs, { error });
              throw error;
            } finally {
              stopWatching();
            }
          };
    }
    return wrapped as T;
  }

  /** The answer to one unary call: a queued failure, the test's handlers in turn, then the fake. */
  private async answer(
    method: UnaryCriMethod,
    request: unknown,
    context: CallContext,
    handler: AnyHandler,
    convert: Conversion,
    v1Method: MethodDefinition,
  ): Promise<unknown> {
    const failure = this.failures.findIndex((f) => f.method === method);
    if (failure >= 0) {
      const [injection] = this.failures.splice(failure, 1);
      injection!.fired++;
      throw injection!.error;
    }
    const chain = this.handlers.filter((h) => h.method === method).reverse();
    if (chain.length === 0) return handler(request, context);
    const fake: V1Handler = async (v1Request) => convert.responseToV1(await handler(convert.requestFromV1(v1Request), context));
    const link = (index: number, current: unknown): Promise<unknown> => {
      const injection = chain[index];
      if (!injection) return fake(current);
      injection.fired++;
      const next = (given?: unknown) => link(index + 1, given ?? current);
      return Promise.resolve(injection.handler(current as never, next as never)).then((answer) =>
        v1Method.responseType.fromPartial(answer as never),
      );
    };
    return convert.responseFromV1(await link(0, convert.requestToV1(request)));
  }
}

/**
 * On a real clock, fires the timers a busy event loop has not run yet, so that a call answers with
 * an overdue exit or OOM kill done, as it would be on an idle loop (VirtualClock.advance likewise
 * settles what a timer starts before going on).
 */
function firedOverdueTimers(clock: Clock): boolean {
  return clock instanceof RealClock && clock.fireOverdue();
}

function checkedCode(code: unknown): Code {
  if (typeof code === "number" && Number.isInteger(code) && code > 0 && code <= 16) return code as Code;
  throw new TypeError(`failNext: ${JSON.stringify(code)} is not a gRPC error code; use Code (fake-cri/errors): ${Object.values(Code).filter((c) => c > 0).map((c) => `${codeName(c)} = ${c}`).join(", ")}`);
}
