// containerd's instrumented service, the same for every RPC: a call before the service has
// recovered fails with "server is not initialized yet", and whatever an RPC throws reaches the
// client as the gRPC status errdefs.ToGRPC gives it (src/cri/errors.ts). In-process callers get
// the same status as a CriError, so both paths report identical codes and texts.

import * as v1 from "../api/v1.ts";
import * as alpha from "../api/v1alpha2.ts";
import { v1alpha2Image, v1alpha2Runtime } from "../api-convert.ts";
import { Code, CriError, statusOf } from "../errors.ts";
import type { CallContext, RequestOf, ResponseOf } from "../service-types.ts";
import * as rpcs from "./rpcs.ts";
import { alphaVersion } from "./version.ts";
import type { CriService, CriServiceHandlers } from "./service.ts";

type RuntimeMethods = (typeof v1.RuntimeServiceDefinition)["methods"];
type ImageMethods = (typeof v1.ImageServiceDefinition)["methods"];

/** The shape of an RPC function for method M: unary answers a promise, streaming an async iterable. */
export type Rpc<M> = M extends { responseStream: true }
  ? (c: CriService, request: RequestOf<M>, call: CallContext) => AsyncIterable<ResponseOf<M>>
  : (c: CriService, request: RequestOf<M>, call: CallContext) => Promise<ResponseOf<M>>;

/** The RPC functions by method name; rpcs.ts must fit it (checked below). */
export type RpcTable = { [K in keyof RuntimeMethods]?: Rpc<RuntimeMethods[K]> } & {
  [K in keyof ImageMethods]?: Rpc<ImageMethods[K]>;
};

const table: RpcTable = rpcs;
// An export of rpcs.ts that names no method would be silently unserved; make it a type error.
type StrayExports = Exclude<keyof typeof rpcs, keyof RpcTable>;
const noStrayExports: [StrayExports] extends [never] ? true : StrayExports = true;
void noStrayExports;

/** The status error a client sees for `err`, keeping the original as the cause. */
export function toStatusError(err: unknown): CriError {
  if (err instanceof CriError) return err;
  const { code, message } = statusOf(err);
  return new CriError(code, message, { cause: err });
}

function notInitialized(): CriError {
  return toStatusError(new Error("server is not initialized yet"));
}

type AnyUnary = (c: CriService, request: unknown, call: CallContext) => Promise<unknown>;
type AnyStream = (c: CriService, request: unknown, call: CallContext) => AsyncIterable<unknown>;

function unary(c: CriService, rpc: AnyUnary) {
  const fail = (err: unknown): never => {
    throw toStatusError(err);
  };
  // A call that succeeded is answered once what it changed is kept (see CriServiceOptions.commit).
  const commit = c.commit;
  const committed = commit && ((response: unknown) => commit().then(() => response));
  return (request: unknown, call: CallContext): Promise<unknown> => {
    if (!c.initialized) return Promise.reject(notInitialized());
    try {
      const answer = rpc(c, request, call);
      return committed ? answer.then(committed).then(undefined, fail) : answer.then(undefined, fail);
    } catch (err) {
      return Promise.reject(toStatusError(err));
    }
  };
}

function stream(c: CriService, rpc: AnyStream) {
  return async function* (request: unknown, call: CallContext): AsyncIterable<unknown> {
    if (!c.initialized) throw notInitialized();
    try {
      yield* rpc(c, request, call);
    } catch (err) {
      throw toStatusError(err);
    }
  };
}

/**
 * The instrumented RPCs of one service as the profile has them: implemented ones from the table,
 * registered-but-unimplemented ones failing with `method X not implemented`; those the version does
 * not know are left out (service-types.ts answers them as an unknown method).
 */
function instrumentAll(c: CriService, methods: Record<string, { name: string; responseStream: boolean }>): Record<string, unknown> {
  const handlers: Record<string, unknown> = {};
  const rpcsByName = table as Record<string, AnyUnary | AnyStream | undefined>;
  for (const [key, method] of Object.entries(methods)) {
    const support = c.profile.rpcs[key] ?? "implemented";
    if (support === "unknown") continue;
    let rpc = rpcsByName[key];
    if (support === "not implemented") {
      const error = new CriError(Code.Unimplemented, `method ${method.name} not implemented`);
      rpc = method.responseStream
        ? async function* () {
            throw error;
          }
        : () => Promise.reject(error);
    }
    if (!rpc) continue;
    handlers[key] = method.responseStream ? stream(c, rpc as AnyStream) : unary(c, rpc as AnyUnary);
  }
  return handlers;
}

/** A service the version does not serve: every call is `unknown service <name>`, as grpc-go answers. */
function unservedService(service: { fullName: string; methods: Record<string, { responseStream: boolean }> }): Record<string, unknown> {
  const handlers: Record<string, unknown> = {};
  for (const [key, method] of Object.entries(service.methods)) {
    const error = (): CriError => new CriError(Code.Unimplemented, `unknown service ${service.fullName}`);
    handlers[key] = method.responseStream
      ? async function* () {
          throw error();
        }
      : () => Promise.reject(error());
  }
  return handlers;
}

/**
 * The instrumented handlers of every RPC in the table: v1, and v1alpha2 answered by converting to
 * v1 and back, except Version, which containerd answers with its own alpha method; a version that
 * no longer serves v1alpha2 answers every call to it as an unknown service.
 */
export function buildServices(c: CriService): CriServiceHandlers {
  const runtime = instrumentAll(c, v1.RuntimeServiceDefinition.methods) as CriServiceHandlers["runtime"];
  const image = instrumentAll(c, v1.ImageServiceDefinition.methods) as CriServiceHandlers["image"];
  if (!c.profile.servesV1alpha2) {
    const v1alpha2 = {
      runtime: unservedService(alpha.RuntimeServiceDefinition) as CriServiceHandlers["v1alpha2"]["runtime"],
      image: unservedService(alpha.ImageServiceDefinition) as CriServiceHandlers["v1alpha2"]["image"],
    };
    return { runtime, image, v1alpha2 };
  }
  const alphaRuntime: CriServiceHandlers["v1alpha2"]["runtime"] = {
    ...v1alpha2Runtime(runtime),
    version: unary(c, alphaVersion as AnyUnary) as CriServiceHandlers["v1alpha2"]["runtime"]["version"],
  };
  return { runtime, image, v1alpha2: { runtime: alphaRuntime, image: v1alpha2Image(image) } };
}
