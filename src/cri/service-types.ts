// The shape of a CRI implementation, derived from the generated service definitions: one handler per
// RPC, taking the decoded request and a CallContext. Also the rule for the RPCs an implementation
// leaves out, and the binding both transports (gRPC, in-process) share. Portable.

import type { BinaryWriter } from "@bufbuild/protobuf/wire";
import type { ImageServiceDefinition, RuntimeServiceDefinition } from "./api/v1.ts";
import type {
  ImageServiceDefinition as V1alpha2ImageServiceDefinition,
  RuntimeServiceDefinition as V1alpha2RuntimeServiceDefinition,
} from "./api/v1alpha2.ts";
import { Code, CriError } from "./errors.ts";

/** What a handler learns about its call besides the request. */
export interface CallContext {
  /**
   * Aborts when the client's deadline passes (reason: ContextError "context deadline exceeded") or
   * the client cancels or goes away (reason: ContextError "context canceled"). As in containerd, the
   * work is not stopped for the handler: it goes on unless the handler watches this signal.
   */
  signal: AbortSignal;
  /** The client's deadline, if it set one. */
  deadline?: Date;
  /** Request metadata by lower-case key; binary (-bin) values as octet strings (one char per byte). */
  metadata?: Record<string, string[]>;
}

/** A generated message type: ts-proto's encode/decode/fromPartial. */
export interface MessageType<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: Uint8Array, length?: number): T;
  fromPartial(object: never): T;
}

/** One method of a generated generic service definition. */
export interface MethodDefinition<Req = unknown, Res = unknown> {
  readonly name: string;
  readonly requestType: MessageType<Req>;
  readonly requestStream: boolean;
  readonly responseType: MessageType<Res>;
  readonly responseStream: boolean;
}

/** A generated generic service definition (`RuntimeServiceDefinition`, ...). */
export interface ServiceDefinition {
  readonly name: string;
  readonly fullName: string;
  readonly methods: Readonly<Record<string, MethodDefinition>>;
}

/** The request message type of a method definition. */
export type RequestOf<M> = M extends { requestType: { decode(...args: never[]): infer R } } ? R : never;
/** The response message type of a method definition. */
export type ResponseOf<M> = M extends { responseType: { decode(...args: never[]): infer R } } ? R : never;

/** A unary RPC answers with a promise; a server-streaming one (GetContainerEvents) with an async iterable. */
export type MethodHandler<M> = M extends { responseStream: true }
  ? (request: RequestOf<M>, call: CallContext) => AsyncIterable<ResponseOf<M>>
  : (request: RequestOf<M>, call: CallContext) => Promise<ResponseOf<M>>;

/** Handlers keyed like the definition's methods (`version`, `runPodSandbox`, ...); any may be left out. */
export type ServiceImplementation<D extends ServiceDefinition> = {
  [K in keyof D["methods"]]?: MethodHandler<D["methods"][K]>;
};

/** Handlers of CRI v1's RuntimeService. */
export interface CriRuntimeService extends ServiceImplementation<RuntimeServiceDefinition> {}
/** Handlers of CRI v1's ImageService. */
export interface CriImageService extends ServiceImplementation<ImageServiceDefinition> {}
/** Handlers of CRI v1alpha2's RuntimeService. */
export interface V1alpha2RuntimeService extends ServiceImplementation<V1alpha2RuntimeServiceDefinition> {}
/** Handlers of CRI v1alpha2's ImageService. */
export interface V1alpha2ImageService extends ServiceImplementation<V1alpha2ImageServiceDefinition> {}

/** The v1 services a server answers; v1alpha2 calls are converted and answered by the same handlers. */
export interface CriServices {
  runtime?: CriRuntimeService;
  image?: CriImageService;
  /** v1alpha2 handlers where they differ from converted v1 ones (Version reports the API version asked). */
  v1alpha2?: { runtime?: V1alpha2RuntimeService; image?: V1alpha2ImageService };
}

/**
 * The RPCs containerd 1.6.20 registers: those of the CRI API it vendors (k8s.io/cri-api v0.25.0),
 * by service name. Every v1alpha2 RPC is among them; v1 has grown since (StreamContainers,
 * RuntimeConfig, ...).
 */
const containerdMethods: Readonly<Record<string, ReadonlySet<string>>> = {
  RuntimeService: new Set([
    "Version", "RunPodSandbox", "StopPodSandbox", "RemovePodSandbox", "PodSandboxStatus",
    "ListPodSandbox", "CreateContainer", "StartContainer", "StopContainer", "RemoveContainer",
    "ListContainers", "ContainerStatus", "UpdateContainerResources", "ReopenContainerLog", "ExecSync",
    "Exec", "Attach", "PortForward", "ContainerStats", "ListContainerStats", "PodSandboxStats",
    "ListPodSandboxStats", "UpdateRuntimeConfig", "Status", "CheckpointContainer", "GetContainerEvents",
  ]),
  ImageService: new Set(["ListImages", "ImageStatus", "PullImage", "RemoveImage", "ImageFsInfo"]),
};

function containerdRegisters(service: ServiceDefinition, method: MethodDefinition): boolean {
  return containerdMethods[service.name]?.has(method.name) ?? false;
}

/**
 * What containerd 1.6.20 answers for an RPC the implementation leaves out. An RPC containerd
 * registers answers as a grpc-go server that embeds the generated Unimplemented server; one its
 * vendored API lacks was never registered, so grpc-go answers for an unknown method.
 */
export function missingMethodError(service: ServiceDefinition, method: MethodDefinition): CriError {
  return containerdRegisters(service, method)
    ? new CriError(Code.Unimplemented, `method ${method.name} not implemented`)
    : new CriError(Code.Unimplemented, `unknown method ${method.name} for service ${service.fullName}`);
}

/**
 * A handler with the types erased, as the transports call it. A method containerd does not register
 * at all is answered before the request is read, as grpc-go answers an unknown method.
 */
export type BoundHandler =
  | { kind: "unary"; call: (request: unknown, call: CallContext) => Promise<unknown> }
  | { kind: "stream"; call: (request: unknown, call: CallContext) => AsyncIterable<unknown> }
  | { kind: "unknown-method"; error: CriError };

export interface BoundMethod {
  method: MethodDefinition;
  /** `/runtime.v1.RuntimeService/Version` */
  path: string;
  handler: BoundHandler;
}

/**
 * Every method of `service` with its handler from `implementation`, or one that fails as
 * missingMethodError says when the implementation leaves it out. Keyed like the definition.
 */
export function bindService<D extends ServiceDefinition>(
  service: D,
  implementation: ServiceImplementation<D>,
): Map<string, BoundMethod> {
  const bound = new Map<string, BoundMethod>();
  const handlers = implementation as Record<string, ((request: unknown, call: CallContext) => unknown) | undefined>;
  for (const [key, method] of Object.entries(service.methods)) {
    const given = handlers[key];
    const path = `/${service.fullName}/${method.name}`;
    let handler: BoundHandler;
    if (given) {
      const call = given.bind(implementation);
      handler = method.responseStream
        ? { kind: "stream", call: call as (request: unknown, call: CallContext) => AsyncIterable<unknown> }
        : { kind: "unary", call: call as (request: unknown, call: CallContext) => Promise<unknown> };
    } else {
      const error = missingMethodError(service, method);
      if (!containerdRegisters(service, method)) {
        handler = { kind: "unknown-method", error };
      } else if (method.responseStream) {
        handler = { kind: "stream", call: () => failingStream(error) };
      } else {
        handler = { kind: "unary", call: () => Promise.reject(error) };
      }
    }
    bound.set(key, { method, path, handler });
  }
  return bound;
}

async function* failingStream(error: Error): AsyncIterable<never> {
  throw error;
}
