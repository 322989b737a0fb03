// The CRI's RPCs by the names they have on the wire ("RunPodSandbox"), with their v1 request and
// response types, for the call log and the per-method injections. Names are checked when given.

import { checkName } from "../../fake-containerd/names.ts";
import * as v1 from "../cri/api/v1.ts";
import type { RequestOf, ResponseOf } from "../cri/service-types.ts";

type RuntimeMethods = v1.RuntimeServiceDefinition["methods"];
type ImageMethods = v1.ImageServiceDefinition["methods"];
type Methods = RuntimeMethods & ImageMethods;

/** A CRI RPC of RuntimeService or ImageService, named as on the wire: `"RunPodSandbox"`, `"PullImage"`. */
export type CriMethod = Capitalize<keyof Methods & string>;

/** The RPCs that answer once (all but the server-streaming ones such as GetContainerEvents). */
export type UnaryCriMethod = {
  [M in CriMethod]: Methods[Uncapitalize<M>] extends { responseStream: true } ? never : M;
}[CriMethod];

/** The v1 request message of `M` (a v1alpha2 call's request is converted to it). */
export type CriRequest<M extends CriMethod> = RequestOf<Methods[Uncapitalize<M>]>;

/** The v1 response message of `M`. */
export type CriResponse<M extends CriMethod> = ResponseOf<Methods[Uncapitalize<M>]>;

const allMethods = [...Object.values(v1.RuntimeServiceDefinition.methods), ...Object.values(v1.ImageServiceDefinition.methods)];

/** Every CRI method, RuntimeService's then ImageService's, in the order of the API. */
export const criMethods: readonly CriMethod[] = allMethods.map((m) => m.name as CriMethod);

/** The CRI methods `failNext` and `onCall` take. */
export const unaryCriMethods: readonly UnaryCriMethod[] = allMethods
  .filter((m) => !m.responseStream)
  .map((m) => m.name as UnaryCriMethod);

/** Throws, listing the valid names, unless `method` is a unary CRI method. */
export function checkUnaryCriMethod(method: unknown): asserts method is UnaryCriMethod {
  checkName("unary CRI method", method, unaryCriMethods);
}
