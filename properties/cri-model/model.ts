// The CRI contract as containerd's CRI plugin keeps it, as a small state machine: the spec in
// executable form. Each operation takes what a request says, changes the state the way containerd
// does, and says what containerd answers: success, or a gRPC code with its message. Written for
// reading, not speed. Where a rule is surprising, the comment names the containerd source file
// (1.6's pkg/cri/server/<file>.go, 2.x's internal/cri/server/<file>.go) it comes from;
// golden/cri/README.md has the texts. Where the versions differ, the model reads the fake's version
// profile (src/cri/versions/), so the profile's claims are checked against a real containerd too.
//
// IDs are the runtime's: the model cannot predict them, so a successful creation hands the
// model the ID the runtime answered with (`commit`), and from then on the model knows it exactly
// (prefix lookups, "reserved for <id>" texts).

import { codeName } from "../../src/cri/errors.ts";
import type { ContainerdProfile } from "../../src/cri/versions/profile.ts";
import {
  catalogue,
  isDigest,
  lookupImageId,
  parseReference,
  registry,
  sandboxImage,
  sortReferences,
  type DigestLookup,
  type ImageName,
} from "./images.ts";

// ---- outcomes ----

export type CodeName = "NotFound" | "Unknown" | "FailedPrecondition" | "Unavailable";
export type Outcome = { ok: true } | { ok: false; code: CodeName; message: string };

const ok: Outcome = { ok: true };
const notFound = (message: string): Outcome => ({ ok: false, code: "NotFound", message });
const unknown = (message: string): Outcome => ({ ok: false, code: "Unknown", message });
/** Go's %q, for the ASCII strings the commands use. */
const q = (text: string) => JSON.stringify(text);
/**
 * Stands in a message for the ID of a sandbox the call made up and then gave up on (2.x names it
 * in RunPodSandbox's failures): any 64-hex ID the runtime never handed out.
 */
export const unseenId = "<unseen id>";

// ---- what requests carry ----

export interface PodConfig {
  name: string;
  namespace: string;
  uid: string;
  attempt: number;
  labels: Record<string, string>;
  /** Absolute; "" for none. */
  logDirectory: string;
  hostname: string;
  /** The node's network namespace instead of a pod network. */
  hostNetwork: boolean;
  /** "" for none. */
  cgroupParent: string;
}

/** The processes a container may run: the ones the reference runtime and the fake both do. */
export const programs = {
  sleep: { command: ["sleep", "infinity"] },
  exit0: { command: ["sh", "-c", "echo model; exit 0"], exitCode: 0 },
  exit3: { command: ["sh", "-c", "echo model; exit 3"], exitCode: 3 },
  false: { command: ["false"], exitCode: 1 },
  /** Killed by the memory cgroup (32 MiB limit): exit 137, OOMKilled. */
  oom: { command: ["tail", "/dev/zero"], exitCode: 137, memoryLimit: 33_554_432n },
  missing: { command: ["/no/such/binary"], startError: 'exec: "/no/such/binary": stat /no/such/binary: no such file or directory' },
  notInPath: { command: ["no-such-command"], startError: 'exec: "no-such-command": executable file not found in $PATH' },
} as const satisfies Record<string, { command: readonly string[]; exitCode?: number; memoryLimit?: bigint; startError?: string }>;

export type ProgramName = keyof typeof programs;

export interface ContainerSpec {
  name: string;
  attempt: number;
  image: string;
  program: ProgramName;
  labels: Record<string, string>;
  /** Relative to the pod's log directory; "" for none. */
  logPath: string;
}

// ---- the state ----

export type SandboxState = "SANDBOX_READY" | "SANDBOX_NOTREADY";
export type ContainerState = "CONTAINER_CREATED" | "CONTAINER_RUNNING" | "CONTAINER_EXITED";

export interface Sandbox {
  id: string;
  /** The reserved name: name_namespace_uid_attempt. */
  name: string;
  config: PodConfig;
  runtimeHandler: string;
  state: SandboxState;
  /** The pod network is up until StopPodSandbox tears it down (a pause that dies keeps it). */
  networkUp: boolean;
}

export interface Resources {
  cpuShares?: bigint;
  memoryLimitInBytes?: bigint;
  memorySwapLimitInBytes?: bigint;
}

export interface Container {
  id: string;
  /** The reserved name: container_pod_namespace_uid_attempt (pod parts from the request's sandbox config). */
  name: string;
  sandboxId: string;
  spec: ContainerSpec;
  imageId: string;
  logPath: string;
  state: ContainerState;
  exitCode: number;
  reason: string;
  message: string;
  started: boolean;
  finished: boolean;
  resources: Resources;
}

export interface Image {
  id: string;
  name: ImageName;
  /** containerd's order: tags, repo digests, the ID. */
  references: string[];
}

/** An ID the runtime has handed out, kept after its object is gone (commands may still name it). */
export interface KnownId {
  id: string;
  /** The name the scenario saves the creating call's response under. */
  save: string;
}

/** A change that needs the runtime's answer (the new ID) before the model can make it. */
export type Expectation<T = string> = { outcome: Outcome; commit?: (id: T) => void };

export class CriModel {
  /** The containerd version modelled: where versions differ, what it does. */
  readonly profile: ContainerdProfile;
  readonly sandboxes = new Map<string, Sandbox>();
  readonly containers = new Map<string, Container>();
  readonly images = new Map<string, Image>();
  readonly known = { sandbox: [] as KnownId[], container: [] as KnownId[] };
  /** /tasks/oom events the runtime will drop (an in-process fault). */
  droppedOomEvents = 0;
  /** Containers whose next task start fails with this text (an in-process fault). */
  readonly startFaults = new Map<string, string>();

  constructor(profile: ContainerdProfile) {
    this.profile = profile;
  }

  /** runc's failure as the shim reports it: 1.x's client adds the gRPC code's name. */
  private runcText(text: string): string {
    return this.profile.shimUnknownErrorsEndUnknown ? `${text}: unknown` : text;
  }

  /** A name (or ID) held by another: Unknown in 1.6, FailedPrecondition in 2.x. */
  private nameReserved(message: string): Outcome {
    return { ok: false, code: codeName(this.profile.nameReservedCode) as CodeName, message };
  }

  // ---- names: reserved exactly while their owner exists ----

  sandboxNames(): Map<string, string> {
    return new Map([...this.sandboxes.values()].map((s) => [s.name, s.id]));
  }

  containerNames(): Map<string, string> {
    return new Map([...this.containers.values()].map((c) => [c.name, c.id]));
  }

  // ---- images ----

  private imageWithReference(reference: string): Image | undefined {
    return [...this.images.values()].find((image) => image.references.includes(reference));
  }

  /** helpers.go localResolve: an image ID (or a prefix of one), else a reference resolved locally. */
  localResolve(refOrId: string): { image: Image } | { failure: "not found" | "ambiguous digest string" } {
    let id = refOrId;
    if (!isDigest(refOrId)) {
      const parsed = parseReference(refOrId);
      const holder = parsed.ok ? this.imageWithReference(parsed.normalized) : undefined;
      if (holder) id = holder.id;
    }
    const lookup: DigestLookup = lookupImageId([...this.images.keys()], id);
    return "found" in lookup ? { image: this.images.get(lookup.found)! } : lookup;
  }

  /** PullImage's work: the image gets its ID, the reference and its repo digest as references. */
  private pull(reference: string): { image: Image } | { outcome: Outcome } {
    const parsed = parseReference(reference);
    if (!parsed.ok) {
      const error = "error" in parsed ? parsed.error : this.profile.remoteNameUppercaseText(parsed.uppercase);
      return { outcome: unknown(`failed to parse image reference ${q(reference)}: ${error}`) };
    }
    const ref = parsed.normalized;
    const name = registry.get(ref);
    if (!name) return { outcome: notFound(`failed to pull and unpack image ${q(ref)}: ${this.profile.pullResolveContext(ref)}: ${ref}: not found`) };
    const { id, digest } = catalogue[name];
    // A tag brings its repo digest along; a digest reference is its own repo digest.
    const added = parsed.kind === "tag" ? [id, ref, `${parsed.repository}@${digest}`] : [id, ref];
    const image = this.images.get(id) ?? { id, name, references: [] };
    image.references = sortReferences([...image.references, ...added]);
    this.images.set(id, image);
    return { image };
  }

  pullImage(reference: string): { outcome: Outcome; imageRef?: string } {
    const pulled = this.pull(reference);
    return "outcome" in pulled ? pulled : { outcome: ok, imageRef: pulled.image.id };
  }

  /** ImageStatus: the image, or none (not an error) when nothing resolves. */
  imageStatus(reference: string): { outcome: Outcome; image?: Image } {
    const resolved = this.localResolve(reference);
    if ("image" in resolved) return { outcome: ok, image: resolved.image };
    if (resolved.failure === "not found") return { outcome: ok };
    return { outcome: unknown(`can not resolve ${q(reference)} locally: ${resolved.failure}`) };
  }

  /** RemoveImage: every reference of the image goes, so the image goes; unknown ones are fine. */
  removeImage(reference: string): Outcome {
    const resolved = this.localResolve(reference);
    if ("image" in resolved) {
      this.images.delete(resolved.image.id);
      return ok;
    }
    if (resolved.failure === "not found") return ok;
    return unknown(`can not resolve ${q(reference)} locally: ${resolved.failure}`);
  }

  // ---- ID lookups: containerd's truncindex, one per kind ----

  private lookup(ids: Iterable<string>, ref: string): { id: string } | { cause: string; notFound: boolean } {
    if (ref === "") return { cause: this.profile.emptyIdPrefixText, notFound: false };
    const matches = [...ids].filter((id) => id.startsWith(ref));
    if (matches.length > 1) return { cause: `Multiple IDs found with provided prefix: ${ref}`, notFound: false };
    if (matches.length === 0) return { cause: "not found", notFound: true };
    return { id: matches[0]! };
  }

  private failure(found: { cause: string; notFound: boolean }, message: (cause: string) => string): Outcome {
    return found.notFound ? notFound(message(found.cause)) : unknown(message(found.cause));
  }

  findSandbox(ref: string) {
    return this.lookup(this.sandboxes.keys(), ref);
  }

  findContainer(ref: string) {
    return this.lookup(this.containers.keys(), ref);
  }

  /** The filter's ID as list filters use it: the full ID when the prefix resolves, else as given. */
  private filterId(ids: Iterable<string>, ref: string): string {
    const found = this.lookup(ids, ref);
    return "id" in found ? found.id : ref;
  }

  // ---- sandboxes ----

  runPodSandbox(config: PodConfig | undefined, runtimeHandler: string): Expectation {
    if (!config) return { outcome: unknown("sandbox config must include metadata") };
    const name = [config.name, config.namespace, config.uid, config.attempt].join("_");
    const holder = this.sandboxNames().get(name);
    if (holder) return { outcome: this.nameReserved(`failed to reserve sandbox name ${q(name)}: name ${q(name)} is reserved for ${q(holder)}`) };
    const noRuntime = `no runtime for ${q(runtimeHandler)} is configured`;
    const knownHandler = ["", "runc", "passthrough"].includes(runtimeHandler);
    // 2.x's sandbox controller: the handler is looked up before the sandbox image is made present.
    if (this.profile.sandboxController && !knownHandler) return { outcome: unknown(`unable to get OCI runtime for sandbox ${q(unseenId)}: ${noRuntime}`) };
    // 1.6's sandbox_run.go: the sandbox image is made present before the runtime handler is looked
    // at, so a pod refused for its handler still leaves the image pulled.
    if (!("image" in this.localResolve(sandboxImage))) this.pull(sandboxImage);
    if (!knownHandler) return { outcome: unknown(`failed to get sandbox runtime: ${noRuntime}`) };
    // runc refuses a hostname in the node's UTS namespace (kubelets send none for host-network pods).
    if (config.hostNetwork && config.hostname !== "") {
      const text = this.runcText(
        "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to set hostname without a private UTS namespace",
      );
      return { outcome: unknown(this.profile.sandboxController ? `failed to start sandbox ${q(unseenId)}: ${text}` : text) };
    }
    return {
      outcome: ok,
      commit: (id) => {
        this.sandboxes.set(id, { id, name, config, runtimeHandler, state: "SANDBOX_READY", networkUp: true });
        this.known.sandbox.push({ id, save: `pod${this.known.sandbox.length + 1}` });
      },
    };
  }

  /** sandbox_stop.go stopPodSandbox: running containers are killed (SIGKILL), then the pause. */
  private stopSandbox(sandbox: Sandbox): void {
    for (const container of this.containersOf(sandbox.id)) {
      if (container.state === "CONTAINER_RUNNING") this.exit(container, 137, "");
    }
    sandbox.state = "SANDBOX_NOTREADY";
    sandbox.networkUp = false;
  }

  stopPodSandbox(ref: string): Outcome {
    const found = this.findSandbox(ref);
    if (!("id" in found)) {
      if (found.notFound && this.profile.stopUnknownSucceeds) return ok;
      return this.failure(found, (cause) => `an error occurred when try to find sandbox ${q(ref)}: ${cause}`);
    }
    this.stopSandbox(this.sandboxes.get(found.id)!);
    return ok;
  }

  removePodSandbox(ref: string): Outcome {
    const found = this.findSandbox(ref);
    if (!("id" in found)) {
      if (found.notFound) return ok;
      return unknown(`an error occurred when try to find sandbox ${q(ref)}: ${found.cause}`);
    }
    const sandbox = this.sandboxes.get(found.id)!;
    this.stopSandbox(sandbox);
    for (const container of this.containersOf(sandbox.id)) this.containers.delete(container.id);
    this.sandboxes.delete(sandbox.id);
    return ok;
  }

  podSandboxStatus(ref: string): { outcome: Outcome; sandbox?: Sandbox } {
    const found = this.findSandbox(ref);
    if (!("id" in found)) return { outcome: this.failure(found, (cause) => `an error occurred when try to find sandbox: ${cause}`) };
    return { outcome: ok, sandbox: this.sandboxes.get(found.id)! };
  }

  /**
   * Pod stats read the cgroup the pod's cgroup parent names: without one that fails before the
   * pod's state is looked at; with one, only a ready pod has stats (sandbox_stats.go,
   * sandbox_stats_linux.go). The texts name the pod as the request did, then by its ID.
   */
  podSandboxStats(ref: string): Outcome {
    const found = this.findSandbox(ref);
    if (!("id" in found)) return this.failure(found, (cause) => `an error occurred when trying to find sandbox ${ref}: ${cause}`);
    if (this.profile.sandboxController) {
      // 2.x's controller: a pod that is not ready is unavailable before its cgroup is looked at.
      const why = this.controllerStatsFailure(this.sandboxes.get(found.id)!);
      if (why === undefined) return ok;
      const message = `failed to decode pod sandbox metrics ${ref}: ${why.message}`;
      return why.unavailable ? { ok: false, code: "Unavailable", message } : unknown(message);
    }
    const failure = this.statsFailure(this.sandboxes.get(found.id)!);
    if (failure === "no cgroup") {
      return unknown(`failed getting metrics for sandbox ${ref}: failed to get cgroup metrics for sandbox ${found.id} because cgroupPath is empty`);
    }
    if (failure === "not ready") {
      return unknown(`failed to decode pod sandbox metrics ${ref}: failed to get pod sandbox stats since sandbox container ${q(found.id)} is not in ready state`);
    }
    return ok;
  }

  private controllerStatsFailure(sandbox: Sandbox): { message: string; unavailable: boolean } | undefined {
    const id = sandbox.id;
    if (sandbox.state !== "SANDBOX_READY") {
      return { message: `failed to get pod sandbox stats since sandbox container ${q(id)} is not in ready state: unavailable`, unavailable: true };
    }
    if (sandbox.config.cgroupParent === "") return { message: `failed getting metrics for sandbox ${id}: sandbox ${q(id)} has no cgroup parent`, unavailable: false };
    return undefined;
  }

  private statsFailure(sandbox: Sandbox): "no cgroup" | "not ready" | undefined {
    if (sandbox.config.cgroupParent === "") return "no cgroup";
    return sandbox.state === "SANDBOX_READY" ? undefined : "not ready";
  }

  /**
   * ListPodSandboxStats: without a filter every pod, with one only ready pods that match. In 1.6
   * the first pod without stats fails the call, and containerd lists pods from a Go map: when
   * several have none, any one of their failures may be the answer (`joined` false). 2.x leaves
   * out the pods that are not ready and joins the other failures, one a line, in the map's order.
   */
  listPodSandboxStats(filter?: { id: string; labels: Record<string, string> }): { ids: string[] } | { failures: string[]; joined: boolean } {
    const id = filter?.id ? this.filterId(this.sandboxes.keys(), filter.id) : "";
    const listed = [...this.sandboxes.values()].filter(
      (s) =>
        !filter ||
        ((id === "" || s.id === id) &&
          Object.entries(filter.labels).every(([k, v]) => s.config.labels[k] === v) &&
          s.state === "SANDBOX_READY"),
    );
    if (this.profile.sandboxController) {
      const stated = listed.map((s) => ({ id: s.id, failure: this.controllerStatsFailure(s) })).filter((s) => !s.failure?.unavailable);
      const failures = stated.flatMap((s) => (s.failure ? [`failed to decode sandbox container metrics for sandbox ${q(s.id)}: ${s.failure.message}`] : []));
      return failures.length > 0 ? { failures, joined: true } : { ids: stated.map((s) => s.id) };
    }
    const failures = listed.flatMap((s) => {
      const failure = this.statsFailure(s);
      if (failure === "no cgroup") {
        return [`failed to obtain metrics for sandbox ${q(s.id)}: failed to get cgroup metrics for sandbox ${s.id} because cgroupPath is empty`];
      }
      if (failure === "not ready") {
        const why = `failed to get pod sandbox stats since sandbox container ${q(s.id)} is not in ready state`;
        return [`failed to decode sandbox container metrics for sandbox ${q(s.id)}: ${why}`];
      }
      return [];
    });
    return failures.length > 0 ? { failures, joined: false } : { ids: listed.map((s) => s.id) };
  }

  listPodSandbox(filter?: { id?: string; state?: SandboxState; labels?: Record<string, string> }): Sandbox[] {
    const all = [...this.sandboxes.values()];
    if (!filter) return all;
    const id = filter.id ? this.filterId(this.sandboxes.keys(), filter.id) : "";
    return all.filter(
      (s) =>
        (id === "" || s.id === id) &&
        (filter.state === undefined || s.state === filter.state) &&
        Object.entries(filter.labels ?? {}).every(([k, v]) => s.config.labels[k] === v),
    );
  }

  // ---- containers ----

  containersOf(sandboxId: string): Container[] {
    return [...this.containers.values()].filter((c) => c.sandboxId === sandboxId);
  }

  /** events.go handleContainerExit; the reason is derived at status time unless set (OOMKilled). */
  private exit(container: Container, exitCode: number, reason: string): void {
    container.state = "CONTAINER_EXITED";
    container.exitCode = exitCode;
    container.reason = reason;
    container.finished = true;
  }

  createContainer(sandboxRef: string, spec: ContainerSpec | undefined, sandboxConfig: PodConfig): Expectation {
    const found = this.findSandbox(sandboxRef);
    if (!("id" in found)) return { outcome: this.failure(found, (cause) => `failed to find sandbox id ${q(sandboxRef)}: ${cause}`) };
    const sandbox = this.sandboxes.get(found.id)!;
    if (sandbox.state !== "SANDBOX_READY") {
      // 2.x refuses a pod that is not ready at once; 1.6's container_create.go asks for the
      // sandbox's task first, and a stopped pod has none.
      if (this.profile.createContainerNeedsReadySandbox) return { outcome: unknown(`sandbox container ${q(sandbox.id)} is not running`) };
      return { outcome: notFound(`failed to get sandbox container task: no running task found: task ${sandbox.id} not found: not found`) };
    }
    if (!spec) return { outcome: unknown("container config must include metadata") };
    // The name's pod parts come from the request's sandbox config, not from the sandbox.
    const name = [spec.name, sandboxConfig.name, sandboxConfig.namespace, sandboxConfig.uid, spec.attempt].join("_");
    const holder = this.containerNames().get(name);
    if (holder) {
      const reserved = `failed to reserve container name ${q(name)}${this.profile.containerNameReservedHint}: name ${q(name)} is reserved for ${q(holder)}`;
      return { outcome: this.nameReserved(reserved) };
    }
    const resolved = this.localResolve(spec.image);
    if (!("image" in resolved)) {
      const message = `failed to resolve image ${q(spec.image)}: ${resolved.failure}`;
      return { outcome: resolved.failure === "not found" ? notFound(message) : unknown(message) };
    }
    const program = programs[spec.program];
    const memory = "memoryLimit" in program ? program.memoryLimit : undefined;
    return {
      outcome: ok,
      commit: (id) => {
        this.containers.set(id, {
          id,
          name,
          sandboxId: sandbox.id,
          spec,
          imageId: resolved.image.id,
          logPath: sandboxConfig.logDirectory !== "" && spec.logPath !== "" ? `${sandboxConfig.logDirectory}/${spec.logPath}` : "",
          state: "CONTAINER_CREATED",
          exitCode: 0,
          reason: "",
          message: "",
          started: false,
          finished: false,
          resources: memory === undefined ? {} : { memoryLimitInBytes: memory, memorySwapLimitInBytes: memory },
        });
        this.known.container.push({ id, save: `ctr${this.known.container.length + 1}` });
      },
    };
  }

  /** A start that fails leaves the container exited with StartError (container_start.go). */
  private startFailed(container: Container, message: string): Outcome {
    this.exit(container, 128, "StartError");
    container.message = message;
    return unknown(message);
  }

  /**
   * StartContainer. A program that ends by itself is exited afterwards: the command waits for
   * that, so the model records where the container settles.
   */
  startContainer(ref: string): Outcome {
    const found = this.findContainer(ref);
    if (!("id" in found)) return this.failure(found, (cause) => `an error occurred when try to find container ${q(ref)}: ${cause}`);
    const container = this.containers.get(found.id)!;
    if (container.state !== "CONTAINER_CREATED") {
      return unknown(`failed to set starting state for container ${q(container.id)}: container is in ${container.state} state`);
    }
    const sandbox = this.sandboxes.get(container.sandboxId)!;
    if (sandbox.state !== "SANDBOX_READY") return this.startFailed(container, `sandbox container ${q(sandbox.id)} is not running`);
    const startError = this.startErrorOf(container);
    if (startError !== undefined) {
      return this.startFailed(
        container,
        this.runcText(`failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ${startError}`),
      );
    }
    const startFault = this.startFaults.get(container.id);
    if (startFault !== undefined) {
      this.startFaults.delete(container.id);
      return this.startFailed(container, `failed to start containerd task ${q(container.id)}: ${startFault}`);
    }
    container.state = "CONTAINER_RUNNING";
    container.started = true;
    const program = programs[container.spec.program];
    if (container.spec.program === "oom") {
      // The reason comes only from the /tasks/oom event; without it the exit reads as an Error.
      const eventSeen = this.droppedOomEvents === 0;
      if (!eventSeen) this.droppedOomEvents--;
      this.exit(container, programs.oom.exitCode, eventSeen ? "OOMKilled" : "");
    } else if ("exitCode" in program) {
      this.exit(container, program.exitCode, "");
    }
    return ok;
  }

  /**
   * Why runc cannot start the container's program, if it cannot: the program is missing, or the
   * image is pause (an image reference such as "" can resolve to it), which has only /pause.
   */
  private startErrorOf(container: Container): string | undefined {
    const program = programs[container.spec.program];
    if ("startError" in program) return program.startError;
    if (container.imageId === catalogue.pause.id) return `exec: ${q(program.command[0])}: executable file not found in $PATH`;
    return undefined;
  }

  /** StopContainer: SIGTERM (every program here dies of it: 143) or, with no timeout, SIGKILL (137). */
  stopContainer(ref: string, timeoutSeconds: number): Outcome {
    const found = this.findContainer(ref);
    if (!("id" in found)) {
      if (found.notFound && this.profile.stopUnknownSucceeds) return ok;
      return this.failure(found, (cause) => `an error occurred when try to find container ${q(ref)}: ${cause}`);
    }
    const container = this.containers.get(found.id)!;
    if (container.state === "CONTAINER_RUNNING") this.exit(container, timeoutSeconds > 0 ? 143 : 137, "");
    return ok;
  }

  removeContainer(ref: string): Outcome {
    const found = this.findContainer(ref);
    if (!("id" in found)) {
      if (found.notFound) return ok;
      return unknown(`an error occurred when try to find container ${q(ref)}: ${found.cause}`);
    }
    const container = this.containers.get(found.id)!;
    if (container.state === "CONTAINER_RUNNING") this.exit(container, 137, "");
    this.containers.delete(container.id);
    return ok;
  }

  containerStatus(ref: string): { outcome: Outcome; container?: Container } {
    const found = this.findContainer(ref);
    if (!("id" in found)) return { outcome: this.failure(found, (cause) => `an error occurred when try to find container ${q(ref)}: ${cause}`) };
    return { outcome: ok, container: this.containers.get(found.id)! };
  }

  /** The reason ContainerStatus reports: an exit without one reads Completed or Error by its code. */
  static reasonOf(container: Container): string {
    if (container.state !== "CONTAINER_EXITED" || container.reason !== "") return container.reason;
    return container.exitCode === 0 ? "Completed" : "Error";
  }

  /** What ContainerStatus shows of the image: its first tag and repo digest while it is present. */
  imageShownFor(container: Container): { image: string; imageRef: string } {
    const image = this.images.get(container.imageId);
    const tags = image?.references.filter((r) => !r.startsWith("sha256:") && !r.includes("@")) ?? [];
    const digests = image?.references.filter((r) => r.includes("@")) ?? [];
    return { image: tags[0] ?? container.spec.image, imageRef: digests[0] ?? container.imageId };
  }

  listContainers(filter?: { id?: string; podSandboxId?: string; state?: ContainerState; labels?: Record<string, string> }): Container[] {
    const all = [...this.containers.values()];
    if (!filter) return all;
    const id = filter.id ? this.filterId(this.containers.keys(), filter.id) : "";
    const sandboxId = filter.podSandboxId ? this.filterId(this.sandboxes.keys(), filter.podSandboxId) : "";
    return all.filter(
      (c) =>
        (id === "" || c.id === id) &&
        (sandboxId === "" || c.sandboxId === sandboxId) &&
        (filter.state === undefined || c.state === filter.state) &&
        Object.entries(filter.labels ?? {}).every(([k, v]) => c.spec.labels[k] === v),
    );
  }

  /** Non-zero values replace; a memory limit sets the swap limit to match. Any state will do. */
  updateContainerResources(ref: string, update: { cpuShares?: bigint; memoryLimitInBytes?: bigint }): Outcome {
    const found = this.findContainer(ref);
    if (!("id" in found)) return this.failure(found, (cause) => `failed to find container: ${cause}`);
    const resources = this.containers.get(found.id)!.resources;
    if (update.cpuShares) resources.cpuShares = update.cpuShares;
    if (update.memoryLimitInBytes) {
      resources.memoryLimitInBytes = update.memoryLimitInBytes;
      resources.memorySwapLimitInBytes = update.memoryLimitInBytes;
    }
    return ok;
  }

  reopenContainerLog(ref: string): Outcome {
    const found = this.findContainer(ref);
    if (!("id" in found)) return this.failure(found, (cause) => `an error occurred when try to find container ${q(ref)}: ${cause}`);
    if (this.containers.get(found.id)!.state !== "CONTAINER_RUNNING") return unknown("container is not running");
    return ok;
  }

  execSync(ref: string): Outcome {
    const found = this.findContainer(ref);
    if (!("id" in found)) return this.failure(found, (cause) => `failed to exec in container: failed to find container ${q(ref)} in store: ${cause}`);
    const { state } = this.containers.get(found.id)!;
    if (state !== "CONTAINER_RUNNING") return unknown(`failed to exec in container: container is in ${state} state`);
    return ok;
  }

  /** Exec and Attach hand out a streaming URL for a running container only. */
  streamToContainer(rpc: "exec" | "attach", ref: string): Outcome {
    const found = this.findContainer(ref);
    if (!("id" in found)) {
      const where = rpc === "exec" ? `container ${q(ref)}` : "container";
      return this.failure(found, (cause) => `failed to find ${where} in store: ${cause}`);
    }
    const { state } = this.containers.get(found.id)!;
    if (state !== "CONTAINER_RUNNING") return unknown(`container is in ${state} state`);
    return ok;
  }

  /** PortForward hands out a streaming URL for a ready pod only. */
  portForward(ref: string): Outcome {
    const found = this.findSandbox(ref);
    if (!("id" in found)) return this.failure(found, (cause) => `failed to find sandbox ${q(ref)}: ${cause}`);
    if (this.sandboxes.get(found.id)!.state !== "SANDBOX_READY") return unknown("sandbox container is not running");
    return ok;
  }

  /** Only a running container has a task to take metrics from. */
  containerStats(ref: string): Outcome {
    const found = this.findContainer(ref);
    if (!("id" in found)) return this.failure(found, (cause) => `failed to find container: ${cause}`);
    if (this.containers.get(found.id)!.state !== "CONTAINER_RUNNING") return unknown("unexpected metrics response: []");
    return ok;
  }

  // ---- what happens to processes outside the CRI (in-process faults) ----

  /** The container's process dies by itself with `exitCode`. */
  crashContainer(id: string, exitCode: number): void {
    this.exit(this.containers.get(id)!, exitCode, "");
  }

  /** The pause process dies: the pod is not ready, its network stays, its containers run on. */
  crashSandbox(id: string): void {
    this.sandboxes.get(id)!.state = "SANDBOX_NOTREADY";
  }
}
