// The scenario format. A scenario is data: a named list of steps, each a CRI call (recorded) or a
// control step (wait, sleep; not recorded). Requests are the JSON form of the generated request
// types (what `X.toJSON` writes: camelCase, int64 as decimal strings, defaults left out); strings in
// them may refer to earlier results (see resolve.ts). A transcript is the same list with each call's
// outcome added, so a transcript alone is enough to replay it.
//
// Scenarios are written with the small builder below (scenarios/*.ts) rather than as JSON files:
// requests are type-checked against the generated types, shared pod and container configs are
// functions, and loops (twenty containers for an ambiguous prefix) stay loops. What they produce,
// and what the transcripts store, is plain JSON.

import type * as v1 from "../../src/cri/api/v1.ts";
import type * as v1alpha2 from "../../src/cri/api/v1alpha2.ts";
import type { ServiceDefinition } from "../../src/cri/service-types.ts";
import { containerdVersions, type ContainerdVersion } from "../../src/cri/versions/index.ts";
import {
  definitions,
  methodOf,
  type Api,
  type CallStep,
  type CallTarget,
  type Json,
  type JsonObject,
  type ServiceName,
} from "../../src/transcript/calls.ts";

export { definitions };
export type { Api, CallStep, Json, JsonObject, ServiceName } from "../../src/transcript/calls.ts";

/** Polls a call until a path of its response equals a value. Not recorded. */
export interface WaitStep extends CallTarget {
  kind: "wait";
  until: { path: string; equals: Json };
  timeoutMs: number;
}

/** Lets time pass. Not recorded. */
export interface SleepStep {
  kind: "sleep";
  ms: number;
}

export type Step = CallStep | WaitStep | SleepStep;

export interface Scenario {
  name: string;
  description: string;
  /** The containerd versions it is recorded against (every one unless the scenario says). */
  containerd: readonly ContainerdVersion[];
  /** Recorded on a freshly started runtime rather than an emptied one (see ScenarioOptions). */
  freshRuntime: boolean;
  /** Lines added to the reference's 2.x CRI images plugin table (see ScenarioOptions); none by default. */
  imagesConfig?: string[];
  steps: Step[];
}

// ---- the builder ----

type PartialRequest<M> = M extends { requestType: { fromPartial(object: infer P): unknown } } ? P : never;

export interface CallOptions {
  save?: string;
  select?: string[];
}

type CallBuilder<D extends ServiceDefinition> = {
  [K in keyof D["methods"]]: (request?: PartialRequest<D["methods"][K]>, options?: CallOptions) => void;
};

type WaitBuilder<D extends ServiceDefinition> = {
  [K in keyof D["methods"]]: (
    request: PartialRequest<D["methods"][K]>,
    until: { path: string; equals: Json },
    timeoutMs?: number,
  ) => void;
};

interface ApiBuilder<R extends ServiceDefinition, I extends ServiceDefinition> {
  runtime: CallBuilder<R>;
  image: CallBuilder<I>;
}

export interface ScenarioBuilder {
  /** v1 calls (the default API). */
  runtime: CallBuilder<typeof v1.RuntimeServiceDefinition>;
  image: CallBuilder<typeof v1.ImageServiceDefinition>;
  v1alpha2: ApiBuilder<typeof v1alpha2.RuntimeServiceDefinition, typeof v1alpha2.ImageServiceDefinition>;
  /** Polls a v1 call until `until.path` of its response equals `until.equals`. */
  waitUntil: { runtime: WaitBuilder<typeof v1.RuntimeServiceDefinition> };
  sleep(ms: number): void;
}

/** Default time a wait may take before the scenario fails (real time against containerd). */
export const defaultWaitMs = 30_000;

/** A request as a template: the partial message normalised through the generated type to JSON. */
function template(api: Api, service: ServiceName, method: string, request: unknown): JsonObject {
  const { requestType } = methodOf(api, service, method);
  return requestType.toJSON(requestType.fromPartial((request ?? {}) as never) as never) as JsonObject;
}

function callBuilder(api: Api, service: ServiceName, steps: Step[]): CallBuilder<ServiceDefinition> {
  const methods = definitions[api][service].methods;
  const builder: Record<string, (request?: unknown, options?: CallOptions) => void> = {};
  for (const method of Object.keys(methods)) {
    builder[method] = (request, options = {}) => {
      const step: CallStep = { kind: "call", api, service, method, request: template(api, service, method, request) };
      if (options.save !== undefined) step.save = options.save;
      if (options.select !== undefined) step.select = options.select;
      steps.push(step);
    };
  }
  return builder as CallBuilder<ServiceDefinition>;
}

function waitBuilder(api: Api, service: ServiceName, steps: Step[]): WaitBuilder<ServiceDefinition> {
  const methods = definitions[api][service].methods;
  const builder: Record<string, (request: unknown, until: WaitStep["until"], timeoutMs?: number) => void> = {};
  for (const method of Object.keys(methods)) {
    builder[method] = (request, until, timeoutMs = defaultWaitMs) => {
      steps.push({ kind: "wait", api, service, method, request: template(api, service, method, request), until, timeoutMs });
    };
  }
  return builder as WaitBuilder<ServiceDefinition>;
}

export interface ScenarioOptions {
  /** Record it only against these versions: what older ones lack, or what newer ones no longer serve. */
  containerd?: readonly ContainerdVersion[];
  /**
   * Record it on a freshly started runtime. For GetContainerEvents: containerd 2.x holds the events
   * sent while no one subscribes and hands them all to the next subscriber, and a subscriber that
   * has gone keeps taking events (each lost at random, as Go's select picks) until one fails to
   * reach it; only a fresh daemon has neither earlier events nor departed subscribers.
   */
  freshRuntime?: boolean;
  /**
   * TOML lines the reference runtime's 2.x CRI images plugin table gets for this scenario alone
   * (`use_local_image_pull = true`): record.ts starts an instance with them (start.sh
   * --images-config), the transcript keeps them, and replay gives the fake the same config.
   */
  imagesConfig?: readonly string[];
}

export function defineScenario(
  name: string,
  description: string,
  body: (s: ScenarioBuilder) => void,
  options: ScenarioOptions = {},
): Scenario {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)) throw new Error(`scenario name ${JSON.stringify(name)} is not kebab-case`);
  const steps: Step[] = [];
  const builder: ScenarioBuilder = {
    runtime: callBuilder("v1", "runtime", steps) as ScenarioBuilder["runtime"],
    image: callBuilder("v1", "image", steps) as ScenarioBuilder["image"],
    v1alpha2: {
      runtime: callBuilder("v1alpha2", "runtime", steps) as ScenarioBuilder["v1alpha2"]["runtime"],
      image: callBuilder("v1alpha2", "image", steps) as ScenarioBuilder["v1alpha2"]["image"],
    },
    waitUntil: { runtime: waitBuilder("v1", "runtime", steps) as ScenarioBuilder["waitUntil"]["runtime"] },
    sleep: (ms) => void steps.push({ kind: "sleep", ms }),
  };
  body(builder);
  const containerd = options.containerd ?? containerdVersions;
  if (options.imagesConfig && containerd.includes("1.6")) throw new Error(`${name}: imagesConfig is for 2.x; 1.6 has no images plugin`);
  const scenario: Scenario = { name, description, containerd, freshRuntime: options.freshRuntime ?? false, steps };
  if (options.imagesConfig) scenario.imagesConfig = [...options.imagesConfig];
  return scenario;
}
