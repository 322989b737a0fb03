// v1alpha2 <-> v1, the way containerd answers the old API with the new code: a message is encoded
// with one version's type and decoded with the other's (alphaReqToV1Req / v1RespToAlphaResp in
// containerd's instrumented service). Fields one version lacks are dropped on the way. Portable.

import type {
  CallContext,
  CriImageService,
  CriRuntimeService,
  MessageType,
  ServiceDefinition,
  V1alpha2ImageService,
  V1alpha2RuntimeService,
} from "./service-types.ts";
import * as v1 from "./api/v1.ts";
import * as v1alpha2 from "./api/v1alpha2.ts";

/** Re-reads `message` of type `from` as type `to` through the protobuf wire format. */
export function convertMessage<From, To>(from: MessageType<From>, to: MessageType<To>, message: From): To {
  return to.decode(from.encode(message).finish());
}

type AnyHandler = (request: unknown, call: CallContext) => unknown;

/**
 * A v1alpha2 implementation that answers every call by converting the request to v1, calling the v1
 * handler of the same name, and converting its response back. A method the v1 implementation leaves
 * out stays left out, so it answers as a missing v1alpha2 method.
 */
function alphaFromV1(
  v1Service: ServiceDefinition,
  alphaService: ServiceDefinition,
  implementation: object,
): Record<string, AnyHandler> {
  const handlers = implementation as Record<string, AnyHandler | undefined>;
  const converted: Record<string, AnyHandler> = {};
  for (const [key, alpha] of Object.entries(alphaService.methods)) {
    const current = v1Service.methods[key];
    if (!current) throw new Error(`${alphaService.fullName}/${alpha.name} has no v1 counterpart`);
    const handler = handlers[key];
    if (!handler) continue;
    converted[key] = alpha.responseStream
      ? async function* (request: unknown, call: CallContext) {
          const v1Request = convertMessage(alpha.requestType, current.requestType, request);
          for await (const response of handler.call(implementation, v1Request, call) as AsyncIterable<unknown>) {
            yield convertMessage(current.responseType, alpha.responseType, response);
          }
        }
      : async (request: unknown, call: CallContext) => {
          const v1Request = convertMessage(alpha.requestType, current.requestType, request);
          const response = await handler.call(implementation, v1Request, call);
          return convertMessage(current.responseType, alpha.responseType, response);
        };
  }
  return converted;
}

/** The v1alpha2 RuntimeService answered by a v1 implementation. */
export function v1alpha2Runtime(implementation: CriRuntimeService): V1alpha2RuntimeService {
  return alphaFromV1(v1.RuntimeServiceDefinition, v1alpha2.RuntimeServiceDefinition, implementation);
}

/** The v1alpha2 ImageService answered by a v1 implementation. */
export function v1alpha2Image(implementation: CriImageService): V1alpha2ImageService {
  return alphaFromV1(v1.ImageServiceDefinition, v1alpha2.ImageServiceDefinition, implementation);
}
