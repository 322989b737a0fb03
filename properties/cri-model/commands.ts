// The commands: one per state-changing or state-reading CRI call, plus the in-process faults, as
// plain data, and the arbitraries that make them. Arbitraries favour collisions: two pod names, two
// uids and two attempts (names clash often), two container names, the same few images under many
// spellings, IDs given in full, by prefix (short ones are often ambiguous), too long, empty, or of
// the other kind, and objects that are already gone.

import fc from "fast-check";
import { containerImageReferences, references } from "./images.ts";
import type { ContainerSpec, ContainerState, ProgramName, SandboxState } from "./model.ts";

/** Which ID a command names, resolved against the IDs the runtime has handed out so far. */
export type IdRef =
  | {
      kind: "known";
      of: "sandbox" | "container";
      /**
       * Among objects that exist, among those that run (ready pods, running containers), or among
       * every ID handed out (removed ones too).
       */
      among: "live" | "running" | "any";
      /** Counted from the most recent. */
      pick: number;
      form: "full" | "tooLong" | { prefix: number };
    }
  | { kind: "literal"; text: string };

export interface PodChoice {
  name: string;
  uid: string;
  attempt: number;
  labels: Record<string, string>;
  withLogDirectory: boolean;
  /** A pod network; the node's (as kubelets ask for it: no hostname); the node's with a hostname. */
  network: "pod" | "node" | "nodeWithHostname";
  withCgroupParent: boolean;
}

/** A container's part of a CreateContainer request: what the model keeps of it. */
export type ContainerChoice = ContainerSpec;

export const execCommands = {
  true: { cmd: ["true"], exitCode: 0, stdout: "" },
  false: { cmd: ["false"], exitCode: 1, stdout: "" },
  echo: { cmd: ["echo", "model"], exitCode: 0, stdout: "model\n" },
  exit3: { cmd: ["sh", "-c", "exit 3"], exitCode: 3, stdout: "" },
} as const;

export type ExecName = keyof typeof execCommands;

/** Calls go over v1 unless they say v1alpha2 (containerd converts and answers the same). */
export type Call = CallOf & { api?: "v1alpha2" };

type CallOf =
  | { rpc: "runPodSandbox"; pod: PodChoice | null; runtimeHandler: string }
  | { rpc: "stopPodSandbox" | "removePodSandbox" | "podSandboxStatus" | "podSandboxStats" | "portForward"; sandbox: IdRef }
  | { rpc: "listPodSandbox"; filter: { id?: IdRef; state?: SandboxState; labels?: Record<string, string> } | null }
  | { rpc: "listPodSandboxStats"; filter: { id?: IdRef; labels?: Record<string, string> } | null }
  | {
      rpc: "createContainer";
      sandbox: IdRef;
      container: ContainerChoice | null;
      /** Whose config the request carries as sandbox_config: the named pod's own, or another's. */
      sandboxConfigOf: "own" | IdRef;
    }
  | {
      rpc: "startContainer" | "removeContainer" | "containerStatus" | "reopenContainerLog" | "containerStats" | "exec" | "attach";
      container: IdRef;
    }
  | { rpc: "stopContainer"; container: IdRef; timeout: number }
  | { rpc: "listContainers"; filter: { id?: IdRef; podSandboxId?: IdRef; state?: ContainerState; labels?: Record<string, string> } | null }
  | { rpc: "updateContainerResources"; container: IdRef; cpuShares?: bigint; memoryLimitInBytes?: bigint }
  | { rpc: "execSync"; container: IdRef; exec: ExecName }
  | { rpc: "listContainerStats" | "listImages" | "imageFsInfo" }
  | { rpc: "pullImage" | "imageStatus" | "removeImage"; image: string };

/** What happens to the node outside the CRI; only the in-process fake can do these. */
export type Fault =
  | { fault: "crashContainer"; pick: number; exitCode: number }
  | { fault: "crashSandbox"; pick: number }
  | { fault: "failNextStart"; pick: number }
  | { fault: "dropOomEvent" }
  | { fault: "dropExitEvent" }
  | { fault: "restart" };

export type Command = Call | Fault;

/** One line: the RPC or fault and its arguments. */
export function describeCommand(command: Command): string {
  const { rpc, fault, ...rest } = command as { rpc?: string; fault?: string };
  const args = JSON.stringify(rest, (_, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
  return `${rpc ?? fault}${args === "{}" ? "" : args}`;
}

// ---- arbitraries ----

const labelSets: Record<string, string>[] = [{}, { app: "a" }, { app: "b", tier: "x" }];

export function podChoice(): fc.Arbitrary<PodChoice> {
  return fc.record({
    name: fc.constantFrom("alpha", "beta"),
    uid: fc.constantFrom("u1", "u2"),
    attempt: fc.constantFrom(0, 0, 1),
    labels: fc.constantFrom(...labelSets),
    withLogDirectory: fc.constantFrom(true, true, true, false),
    network: fc.oneof(
      { weight: 10, arbitrary: fc.constant("pod" as const) },
      { weight: 1, arbitrary: fc.constantFrom("node" as const, "nodeWithHostname" as const) },
    ),
    withCgroupParent: fc.boolean(),
  });
}

const programWeights: Array<{ weight: number; arbitrary: fc.Arbitrary<ProgramName> }> = [
  { weight: 8, arbitrary: fc.constant("sleep") },
  { weight: 2, arbitrary: fc.constant("exit0") },
  { weight: 2, arbitrary: fc.constant("exit3") },
  { weight: 1, arbitrary: fc.constant("false") },
  { weight: 1, arbitrary: fc.constant("oom") },
  { weight: 1, arbitrary: fc.constant("missing") },
  { weight: 1, arbitrary: fc.constant("notInPath") },
];

export function containerImage(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant("docker.io/library/busybox:1.36") },
    { weight: 3, arbitrary: fc.constantFrom(...containerImageReferences) },
  );
}

export function containerChoice(): fc.Arbitrary<ContainerChoice> {
  return fc.record({
    name: fc.constantFrom("app", "web"),
    attempt: fc.constantFrom(0, 0, 1),
    image: containerImage(),
    program: fc.oneof(...programWeights),
    labels: fc.constantFrom<Record<string, string>>({}, { app: "a" }, { role: "x" }),
    logPath: fc.constantFrom("app.log", "app.log", "nested/app.log", ""),
  });
}

export function imageReference(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant("docker.io/library/busybox:1.36") },
    { weight: 3, arbitrary: fc.constantFrom("busybox:1.36", "registry.k8s.io/pause:3.6", "busybox:stable") },
    { weight: 4, arbitrary: fc.constantFrom(...references.keys()) },
  );
}

const pick = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.nat(7) });

/**
 * An ID reference. Calls that only do something to a running object (exec, stats, log reopening)
 * mostly name one that runs; the others mostly name any existing one.
 */
export function idRef(of: "sandbox" | "container", mostly: "live" | "running" = "live"): fc.Arbitrary<IdRef> {
  const other = of === "sandbox" ? "container" : "sandbox";
  const known = (kind: "sandbox" | "container", among: "live" | "running" | "any", form: fc.Arbitrary<Extract<IdRef, { kind: "known" }>["form"]>) =>
    fc.record({ kind: fc.constant("known" as const), of: fc.constant(kind), among: fc.constant(among), pick, form });
  const prefix = fc.constantFrom(1, 1, 2, 3, 12).map((length) => ({ prefix: length }));
  return fc.oneof(
    { weight: mostly === "live" ? 9 : 4, arbitrary: known(of, "live", fc.constant("full" as const)) },
    { weight: mostly === "live" ? 4 : 9, arbitrary: known(of, "running", fc.constant("full" as const)) },
    { weight: 3, arbitrary: known(of, "any", fc.constant("full" as const)) },
    { weight: 3, arbitrary: known(of, "live", prefix) },
    { weight: 1, arbitrary: known(of, "live", fc.constant("tooLong" as const)) },
    { weight: 1, arbitrary: known(other, "any", fc.oneof(fc.constant("full" as const), prefix)) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("literal" as const), text: fc.constantFrom("", "fedcba98", "0123456789ab") }) },
  );
}

/** A command kind: its name (the RPC or fault), how often it comes, and its arbitrary. */
interface Weighted<T> {
  kind: string;
  weight: number;
  arbitrary: fc.Arbitrary<T>;
}

/** A call kind whose request is the RPC name plus these fields. */
function call<K extends Call["rpc"], F extends Record<string, unknown>>(
  rpc: K,
  weight: number,
  fields: { [P in keyof F]: fc.Arbitrary<F[P]> },
  optional: Array<keyof F> = [],
): Weighted<Call> {
  const required = Object.keys(fields).filter((k) => !optional.includes(k)) as Array<keyof F>;
  const record = fc.record(fields as { [P in keyof F]: fc.Arbitrary<F[P]> }, { requiredKeys: required });
  return { kind: rpc, weight, arbitrary: record.map((f) => ({ rpc, ...f }) as unknown as Call) };
}

const states = {
  sandbox: fc.constantFrom<SandboxState>("SANDBOX_READY", "SANDBOX_NOTREADY"),
  container: fc.constantFrom<ContainerState>("CONTAINER_CREATED", "CONTAINER_RUNNING", "CONTAINER_EXITED"),
};

function runtimeCalls(): Weighted<Call>[] {
  const sandbox = idRef("sandbox");
  const container = idRef("container");
  const running = idRef("container", "running");
  const labelSelector = fc.constantFrom(...labelSets, { app: "" });
  const handler = fc.oneof(
    { weight: 8, arbitrary: fc.constant("") },
    { weight: 1, arbitrary: fc.constantFrom("runc", "passthrough") },
    { weight: 1, arbitrary: fc.constant("nosuch") },
  );
  const sandboxFilter = fc.record({ id: sandbox, state: states.sandbox, labels: labelSelector }, { requiredKeys: [] });
  const containerFilter = fc.record(
    { id: container, podSandboxId: sandbox, state: states.container, labels: labelSelector },
    { requiredKeys: [] },
  );
  return [
    call("runPodSandbox", 8, { pod: fc.option(podChoice(), { nil: null, freq: 20 }), runtimeHandler: handler }),
    call("stopPodSandbox", 2, { sandbox }),
    call("removePodSandbox", 2, { sandbox }),
    call("podSandboxStatus", 1, { sandbox }),
    call("podSandboxStats", 1, { sandbox }),
    call("listPodSandboxStats", 1, { filter: fc.option(fc.record({ id: sandbox, labels: labelSelector }, { requiredKeys: [] }), { nil: null }) }),
    call("portForward", 1, { sandbox }),
    call("listPodSandbox", 2, { filter: fc.option(sandboxFilter, { nil: null }) }),
    call("createContainer", 12, {
      sandbox,
      container: fc.option(containerChoice(), { nil: null, freq: 25 }),
      sandboxConfigOf: fc.oneof({ weight: 6, arbitrary: fc.constant("own" as const) }, { weight: 1, arbitrary: idRef("sandbox") }),
    }),
    call("startContainer", 9, { container }),
    call("stopContainer", 3, { container, timeout: fc.constantFrom(0, 0, 2) }),
    call("removeContainer", 2, { container }),
    call("containerStatus", 1, { container }),
    call("listContainers", 2, { filter: fc.option(containerFilter, { nil: null }) }),
    call(
      "updateContainerResources",
      1,
      { container, cpuShares: fc.constantFrom(256n, 512n), memoryLimitInBytes: fc.constantFrom(134_217_728n, 268_435_456n) },
      ["cpuShares", "memoryLimitInBytes"],
    ),
    call("reopenContainerLog", 1, { container: running }),
    call("execSync", 2, { container: running, exec: fc.constantFrom(...(Object.keys(execCommands) as ExecName[])) }),
    call("exec", 1, { container: running }),
    call("attach", 1, { container: running }),
    call("containerStats", 1, { container: running }),
    call("listContainerStats", 1, {}),
  ];
}

function imageCalls(): Weighted<Call>[] {
  return [
    call("pullImage", 5, { image: imageReference() }),
    call("imageStatus", 2, { image: imageReference() }),
    call("removeImage", 1, { image: imageReference() }),
    call("listImages", 1, {}),
    call("imageFsInfo", 1, {}),
  ];
}

function faults(): Weighted<Fault>[] {
  const fault = <K extends Fault["fault"]>(kind: K, weight: number, fields: Record<string, fc.Arbitrary<unknown>> = {}): Weighted<Fault> => ({
    kind,
    weight,
    arbitrary: fc.record(fields).map((f) => ({ fault: kind, ...f }) as Fault),
  });
  return [
    fault("crashContainer", 2, { pick: fc.nat(7), exitCode: fc.constantFrom(0, 1, 2, 137) }),
    fault("crashSandbox", 1, { pick: fc.nat(7) }),
    fault("failNextStart", 1, { pick: fc.nat(7) }),
    fault("dropOomEvent", 1),
    fault("dropExitEvent", 1),
    fault("restart", 1),
  ];
}

/** One call in six goes over v1alpha2. */
function overEitherApi(arbitrary: fc.Arbitrary<Call>): fc.Arbitrary<Call> {
  return fc.tuple(arbitrary, fc.nat(5)).map(([call, n]) => (n === 5 ? { ...call, api: "v1alpha2" as const } : call));
}

/**
 * Every command kind: the calls (one in six over v1alpha2 where the runtime serves it), and the
 * faults where the target can inject them.
 */
export function commandArbitraries(options: {
  faults: boolean;
  v1alpha2: boolean;
  /** Commands left out (while a known bug they trigger is open). */
  avoid?: (command: Command) => boolean;
}): Array<fc.Arbitrary<Command>> {
  const kinds: Weighted<Command>[] = [
    ...[...runtimeCalls(), ...imageCalls()].map((c) => (options.v1alpha2 ? { ...c, arbitrary: overEitherApi(c.arbitrary) } : c)),
    ...(options.faults ? faults() : []),
  ];
  const avoid = options.avoid;
  // fc.commands takes one arbitrary per kind; a weight becomes that many copies.
  return kinds.flatMap(({ weight, arbitrary }) =>
    Array.from({ length: weight }, () => (avoid ? arbitrary.filter((command) => !avoid(command)) : arbitrary)),
  );
}
