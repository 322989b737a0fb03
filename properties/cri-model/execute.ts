// Runs one command against the model and the target and fails on the first disagreement: the
// model says what the answer must be (success, or code and message), the target answers, and then
// the whole visible state (lists and the status of everything) must equal the model's. Every call
// is also written down as a scenario step (scenario.ts), with IDs as references to earlier answers.

import { NamespaceMode } from "../../src/cri/api/v1.ts";
import { codeName, statusOf } from "../../src/cri/errors.ts";
import type { Call, Command, ContainerChoice, Fault, IdRef, PodChoice } from "./commands.ts";
import { describeCommand, execCommands } from "./commands.ts";
import { CriModel, programs, unseenId, type KnownId, type Outcome, type PodConfig } from "./model.ts";
import {
  checkContainersHavePods,
  checkExitConsistency,
  checkFakeInternals,
  containerListView,
  containerStatusView,
  Disagreement,
  expectSame,
  expectSameList,
  imageView,
  modelContainerListView,
  modelContainerStatusView,
  modelImageView,
  modelSandboxView,
  sandboxView,
} from "./observe.ts";
import type { ScenarioStep } from "./scenario.ts";
import type { ModelTarget } from "./target.ts";

export type Answer = { ok: true; response: any } | { ok: false; code: string; message: string };
type Request<T> = { value: T; reference: T };

/** How a request names things: real values for the call, references for the scenario. */
interface Resolver {
  id(ref: IdRef): string;
  logDirectory(pod: PodChoice): string;
}

/** The real side of a model run: the target, and what the run has done so far. */
export class Session {
  readonly target: ModelTarget;
  /** Calls made, checks included. */
  calls = 0;
  /** The commands' calls as scenario steps (checks are not written down). */
  readonly steps: ScenarioStep[] = [];
  /** The commands run, described. */
  readonly commands: string[] = [];
  /** The commands' calls' answers, in the order of their steps. */
  readonly answers: Answer[] = [];
  /** How the commands' calls went, by RPC and outcome ("ok" or the gRPC code). */
  readonly outcomes = new Map<string, number>();

  constructor(target: ModelTarget) {
    this.target = target;
  }

  /** A call, bounded in real time: a runtime that does not answer is a failure, not a hang. */
  async call(service: "runtime" | "image", method: string, request: unknown, api: "v1" | "v1alpha2" = "v1"): Promise<Answer> {
    this.calls++;
    const clients = api === "v1" ? this.target : this.target.v1alpha2;
    const client = clients[service] as unknown as Record<string, (request: unknown) => Promise<unknown>>;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Disagreement(`${method} did not answer within ${this.target.callTimeoutMs} ms: ${JSON.stringify(request, bigints)}`)),
        this.target.callTimeoutMs,
      );
    });
    try {
      return { ok: true, response: await Promise.race([client[method]!(request), hung]) };
    } catch (err) {
      if (err instanceof Disagreement) throw err;
      const { code, message } = statusOf(err);
      return { ok: false, code: codeName(code), message };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits (bounded) until `done` holds, letting the runtime's time pass in small steps. */
  async settle(what: string, done: () => Promise<boolean>): Promise<void> {
    for (let waited = 0; waited <= 15_000; waited += 20) {
      if (await done()) return;
      await this.target.elapse(20);
    }
    throw new Disagreement(`${what} did not happen within 15 s of the runtime's time`);
  }
}

const bigints = (_: string, v: unknown) => (typeof v === "bigint" ? `${v}` : v);

/** The answer is the model's outcome; where its message says `unseenId`, any ID the run has not seen. */
function expectOutcome(method: string, answer: Answer, expected: Outcome, seen: (id: string) => boolean = () => false): void {
  const actual = answer.ok ? { ok: true } : { ok: false, code: answer.code, message: answer.message };
  if (!expected.ok && !answer.ok && expected.message.includes(unseenId)) {
    const [before, after] = expected.message.split(unseenId) as [string, string];
    const id = answer.message.slice(before.length, before.length + 64);
    const fits = answer.message === `${before}${id}${after}` && /^[0-9a-f]{64}$/.test(id) && !seen(id);
    if (fits) return expectSame(`${method}'s outcome`, actual, { ...expected, message: answer.message });
  }
  expectSame(`${method}'s outcome`, actual, expected);
}

/** Exec, Attach and PortForward answer with a URL of the streaming server. */
function expectStreamingUrl(method: string, url: string): void {
  if (!/^http:\/\/[^/]+\/(exec|attach|portforward)\/\S+$/.test(url)) throw new Disagreement(`${method} answered with the URL ${JSON.stringify(url)}`);
}

// ---- requests ----

function podConfig(pod: PodChoice, r: Resolver) {
  const config = modelPodConfig(pod, "");
  return {
    metadata: { name: pod.name, namespace: "model", uid: pod.uid, attempt: pod.attempt },
    hostname: config.hostname,
    logDirectory: pod.withLogDirectory ? r.logDirectory(pod) : "",
    labels: pod.labels,
    linux: {
      ...(config.cgroupParent === "" ? {} : { cgroupParent: config.cgroupParent }),
      ...(config.hostNetwork ? { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } } : {}),
    },
  };
}

function modelPodConfig(pod: PodChoice, logRoot: string): PodConfig {
  return {
    name: pod.name,
    namespace: "model",
    uid: pod.uid,
    attempt: pod.attempt,
    labels: pod.labels,
    logDirectory: pod.withLogDirectory ? `${logRoot}/${pod.name}` : "",
    hostname: pod.network === "node" ? "" : pod.name,
    hostNetwork: pod.network !== "pod",
    // The cgroup that scripts/reference's containerd puts pods without a parent under.
    cgroupParent: pod.withCgroupParent ? "/k8s.io" : "",
  };
}

function containerConfig(c: ContainerChoice) {
  const program = programs[c.program];
  return {
    metadata: { name: c.name, attempt: c.attempt },
    image: { image: c.image },
    command: [...program.command],
    labels: c.labels,
    logPath: c.logPath,
    linux: "memoryLimit" in program ? { resources: { memoryLimitInBytes: program.memoryLimit } } : {},
  };
}

/** The pod a request's sandbox_config comes from when the command names no existing one. */
const fallbackPod: PodChoice = {
  name: "alpha",
  uid: "u1",
  attempt: 0,
  labels: {},
  withLogDirectory: true,
  network: "pod",
  withCgroupParent: false,
};

// ---- the run ----

export class Runner {
  readonly model: CriModel;
  readonly session: Session;
  /** The pod each sandbox was created from, by ID (removed ones too: requests may still carry it). */
  private readonly pods = new Map<string, PodChoice>();
  /** The API the current command's call goes over. */
  private api: "v1" | "v1alpha2" = "v1";
  /** Timestamps once set, by "<id> <field>": they never change afterwards. */
  private readonly timestamps = new Map<string, bigint>();

  constructor(model: CriModel, session: Session) {
    this.model = model;
    this.session = session;
  }

  private get target() {
    return this.session.target;
  }

  /** The handed-out ID a reference picks (counted from the most recent), if any. */
  private pick(ref: Extract<IdRef, { kind: "known" }>): KnownId | undefined {
    const all = this.model.known[ref.of];
    const running = (id: string) =>
      ref.of === "sandbox" ? this.model.sandboxes.get(id)?.state === "SANDBOX_READY" : this.model.containers.get(id)?.state === "CONTAINER_RUNNING";
    const live = (id: string) => (ref.of === "sandbox" ? this.model.sandboxes.has(id) : this.model.containers.has(id));
    const pool = ref.among === "any" ? all : all.filter((k) => (ref.among === "live" ? live(k.id) : running(k.id)));
    return pool.length === 0 ? undefined : pool[pool.length - 1 - (ref.pick % pool.length)];
  }

  private resolveKnown(ref: IdRef): { value: string; reference: string } {
    const known = ref.kind === "known" ? this.pick(ref) : undefined;
    if (ref.kind === "literal") return { value: ref.text, reference: ref.text };
    if (!known) return { value: "0123456789ab", reference: "0123456789ab" };
    const field = ref.of === "sandbox" ? "podSandboxId" : "containerId";
    const path = `${known.save}.${field}`;
    if (ref.form === "full") return { value: known.id, reference: `$${path}` };
    if (ref.form === "tooLong") return { value: `${known.id}0`, reference: `$append(${path}, 0)` };
    const value = known.id.slice(0, ref.form.prefix);
    const live = ref.of === "sandbox" ? this.model.sandboxes : this.model.containers;
    const sharers = [...live.keys()].filter((id) => id.startsWith(value)).length;
    // A prefix ambiguous here would not be on a replay with other IDs: ask for one that is.
    if (sharers > 1) return { value, reference: `$commonPrefix(${ref.of === "sandbox" ? "pod" : "ctr"}*.${field})` };
    return { value, reference: `$prefix(${path}, ${ref.form.prefix})` };
  }

  private readonly values: Resolver = {
    id: (ref) => this.resolveKnown(ref).value,
    logDirectory: (pod) => `${this.target.logRoot}/${pod.name}`,
  };

  private readonly references: Resolver = {
    id: (ref) => this.resolveKnown(ref).reference,
    logDirectory: (pod) => `$logRoot/${pod.name}`,
  };

  /**
   * A request in both forms: with the real values, and with references for the scenario. Built
   * before the model changes, so that references resolve against the state the call is made in.
   */
  private request<T>(build: (r: Resolver) => T): Request<T> {
    return { value: build(this.values), reference: build(this.references) };
  }

  /** Makes the call, and writes it down as a scenario step. */
  private async call(service: "runtime" | "image", method: string, request: Request<unknown>, save?: string): Promise<Answer> {
    const api = this.api;
    const step: ScenarioStep = { kind: "call", api, service, method, request: request.reference };
    const answer = await this.session.call(service, method, request.value, api);
    this.session.answers.push(answer);
    const key = `${api === "v1" ? "" : "v1alpha2 "}${method} ${answer.ok ? "ok" : answer.code}`;
    this.session.outcomes.set(key, (this.session.outcomes.get(key) ?? 0) + 1);
    if (answer.ok && save !== undefined) step.save = save;
    this.session.steps.push(step);
    return answer;
  }

  /**
   * Whether the command can run now: one that names a live object needs one to exist (otherwise it
   * would only repeat what the forms naming nothing already cover).
   */
  applicable(command: Command): boolean {
    if ("fault" in command) return true;
    const named = "sandbox" in command ? command.sandbox : "container" in command ? command.container : undefined;
    return named?.kind !== "known" || named.among === "any" || this.pick(named) !== undefined;
  }

  async run(command: Command): Promise<void> {
    this.session.commands.push(describeCommand(command));
    if ("fault" in command) await this.fault(command);
    else await this.rpc(command);
    await this.checkState();
  }

  private async rpc(call: Call): Promise<void> {
    this.api = call.api ?? "v1";
    const m = this.model;
    switch (call.rpc) {
      case "runPodSandbox": {
        const request = this.request((r) => ({ config: call.pod ? podConfig(call.pod, r) : {}, runtimeHandler: call.runtimeHandler }));
        const expected = m.runPodSandbox(call.pod ? modelPodConfig(call.pod, this.target.logRoot) : undefined, call.runtimeHandler);
        const answer = await this.call("runtime", call.rpc, request, `pod${m.known.sandbox.length + 1}`);
        expectOutcome(call.rpc, answer, expected.outcome, (id) => this.known(id));
        if (answer.ok) {
          const id = this.newId(answer.response.podSandboxId);
          expected.commit!(id);
          this.pods.set(id, call.pod!);
        }
        return;
      }
      case "stopPodSandbox":
      case "removePodSandbox":
      case "podSandboxStats": {
        const request = this.request((r) => ({ podSandboxId: r.id(call.sandbox) }));
        const ref = request.value.podSandboxId;
        const expected =
          call.rpc === "stopPodSandbox" ? m.stopPodSandbox(ref) : call.rpc === "removePodSandbox" ? m.removePodSandbox(ref) : m.podSandboxStats(ref);
        expectOutcome(call.rpc, await this.call("runtime", call.rpc, request), expected);
        return;
      }
      case "listPodSandboxStats": {
        const filter = call.filter;
        const request = this.request((r) => (filter ? { filter: { id: filter.id ? r.id(filter.id) : "", labelSelector: filter.labels ?? {} } } : {}));
        const sent = request.value.filter;
        const expected = m.listPodSandboxStats(filter && sent ? { id: sent.id, labels: sent.labelSelector } : undefined);
        const answer = await this.call("runtime", call.rpc, request);
        if ("failures" in expected) {
          // Which pods without stats containerd meets first is up to Go's map order.
          const message = answer.ok ? "" : answer.message;
          const failures = expected.joined ? [...expected.failures].sort() : expected.failures;
          const matched = expected.joined ? message.split("\n").sort().join("\n") === failures.join("\n") : failures.includes(message);
          const expectedMessage = matched ? message : failures.join("\n");
          expectOutcome(call.rpc, answer, { ok: false, code: "Unknown", message: expectedMessage });
          return;
        }
        expectOutcome(call.rpc, answer, { ok: true });
        const stats = answer.ok ? (answer.response.stats as Array<{ attributes?: { id: string } }>) : [];
        expectSame("ListPodSandboxStats' pods", stats.map((s) => s.attributes?.id ?? "").sort(), expected.ids.sort());
        return;
      }
      case "portForward": {
        const request = this.request((r) => ({ podSandboxId: r.id(call.sandbox), port: [80] }));
        const expected = m.portForward(request.value.podSandboxId);
        const answer = await this.call("runtime", call.rpc, request);
        expectOutcome(call.rpc, answer, expected);
        if (answer.ok) expectStreamingUrl(call.rpc, answer.response.url);
        return;
      }
      case "exec":
      case "attach": {
        const command = call.rpc === "exec" ? { cmd: ["true"] } : {};
        const request = this.request((r) => ({ containerId: r.id(call.container), ...command, stdout: true }));
        const expected = m.streamToContainer(call.rpc, request.value.containerId);
        const answer = await this.call("runtime", call.rpc, request);
        expectOutcome(call.rpc, answer, expected);
        if (answer.ok) expectStreamingUrl(call.rpc, answer.response.url);
        return;
      }
      case "podSandboxStatus": {
        const request = this.request((r) => ({ podSandboxId: r.id(call.sandbox) }));
        const expected = m.podSandboxStatus(request.value.podSandboxId);
        const answer = await this.call("runtime", call.rpc, request);
        expectOutcome(call.rpc, answer, expected.outcome);
        if (answer.ok) expectSame("PodSandboxStatus", sandboxView(answer.response.status), modelSandboxView(expected.sandbox!, true));
        return;
      }
      case "listPodSandbox": {
        const filter = call.filter;
        const request = this.request((r) =>
          filter
            ? {
                filter: {
                  id: filter.id ? r.id(filter.id) : "",
                  ...(filter.state ? { state: { state: sandboxStateValue[filter.state] } } : {}),
                  labelSelector: filter.labels ?? {},
                },
              }
            : {},
        );
        const sent = request.value.filter;
        const expected = m.listPodSandbox(
          filter && sent ? { id: sent.id, ...(filter.state ? { state: filter.state } : {}), labels: sent.labelSelector } : undefined,
        );
        const answer = await this.call("runtime", call.rpc, request);
        expectOutcome(call.rpc, answer, { ok: true });
        const items = answer.ok ? answer.response.items.map(sandboxView) : [];
        expectSameList("ListPodSandbox (filtered)", items, expected.map((s) => modelSandboxView(s, false)));
        return;
      }
      case "createContainer": {
        const ownRef = this.values.id(call.sandbox);
        const own = m.findSandbox(ownRef);
        const other =
          call.sandboxConfigOf === "own" || call.sandboxConfigOf.kind === "literal" ? undefined : this.pick(call.sandboxConfigOf);
        const pod = call.sandboxConfigOf === "own" ? ("id" in own ? this.pods.get(own.id) : undefined) : other && this.pods.get(other.id);
        const sandboxPod = pod ?? fallbackPod;
        const request = this.request((r) => ({
          podSandboxId: r.id(call.sandbox),
          config: call.container ? containerConfig(call.container) : {},
          sandboxConfig: podConfig(sandboxPod, r),
        }));
        const expected = m.createContainer(ownRef, call.container ?? undefined, modelPodConfig(sandboxPod, this.target.logRoot));
        const answer = await this.call("runtime", call.rpc, request, `ctr${m.known.container.length + 1}`);
        expectOutcome(call.rpc, answer, expected.outcome);
        if (answer.ok) expected.commit!(this.newId(answer.response.containerId));
        return;
      }
      case "startContainer": {
        const request = this.request((r) => ({ containerId: r.id(call.container) }));
        const ref = request.value.containerId;
        const expected = m.startContainer(ref);
        expectOutcome(call.rpc, await this.call("runtime", call.rpc, request), expected);
        const found = m.findContainer(ref);
        const container = "id" in found ? m.containers.get(found.id) : undefined;
        if (expected.ok && container?.state === "CONTAINER_EXITED") await this.waitForExit(request.reference.containerId, container.id);
        return;
      }
      case "stopContainer":
      case "removeContainer":
      case "reopenContainerLog": {
        const timeout = call.rpc === "stopContainer" ? { timeout: BigInt(call.timeout) } : {};
        const request = this.request((r) => ({ containerId: r.id(call.container), ...timeout }));
        const ref = request.value.containerId;
        const expected =
          call.rpc === "stopContainer" ? m.stopContainer(ref, call.timeout) : call.rpc === "removeContainer" ? m.removeContainer(ref) : m.reopenContainerLog(ref);
        expectOutcome(call.rpc, await this.call("runtime", call.rpc, request), expected);
        return;
      }
      case "containerStatus": {
        const request = this.request((r) => ({ containerId: r.id(call.container) }));
        const expected = m.containerStatus(request.value.containerId);
        const answer = await this.call("runtime", call.rpc, request);
        expectOutcome(call.rpc, answer, expected.outcome);
        if (answer.ok) expectSame("ContainerStatus", containerStatusView(answer.response.status), modelContainerStatusView(m, expected.container!));
        return;
      }
      case "listContainers": {
        const filter = call.filter;
        const request = this.request((r) =>
          filter
            ? {
                filter: {
                  id: filter.id ? r.id(filter.id) : "",
                  podSandboxId: filter.podSandboxId ? r.id(filter.podSandboxId) : "",
                  ...(filter.state ? { state: { state: containerStateValue[filter.state] } } : {}),
                  labelSelector: filter.labels ?? {},
                },
              }
            : {},
        );
        const sent = request.value.filter;
        const expected = m.listContainers(
          filter && sent
            ? { id: sent.id, podSandboxId: sent.podSandboxId, ...(filter.state ? { state: filter.state } : {}), labels: sent.labelSelector }
            : undefined,
        );
        const answer = await this.call("runtime", call.rpc, request);
        expectOutcome(call.rpc, answer, { ok: true });
        const items = answer.ok ? answer.response.containers.map(containerListView) : [];
        expectSameList("ListContainers (filtered)", items, expected.map(modelContainerListView));
        return;
      }
      case "updateContainerResources": {
        const update = {
          ...(call.cpuShares === undefined ? {} : { cpuShares: call.cpuShares }),
          ...(call.memoryLimitInBytes === undefined ? {} : { memoryLimitInBytes: call.memoryLimitInBytes }),
        };
        const request = this.request((r) => ({ containerId: r.id(call.container), linux: update }));
        const expected = m.updateContainerResources(request.value.containerId, update);
        expectOutcome(call.rpc, await this.call("runtime", call.rpc, request), expected);
        return;
      }
      case "execSync": {
        const exec = execCommands[call.exec];
        const request = this.request((r) => ({ containerId: r.id(call.container), cmd: [...exec.cmd], timeout: 10n }));
        const expected = m.execSync(request.value.containerId);
        const answer = await this.call("runtime", call.rpc, request);
        expectOutcome(call.rpc, answer, expected);
        if (answer.ok) {
          const { exitCode, stdout, stderr } = answer.response as { exitCode: number; stdout: Uint8Array; stderr: Uint8Array };
          const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
          const actual = { exitCode, stdout: text(stdout), stderr: text(stderr) };
          expectSame("ExecSync's result", actual, { exitCode: exec.exitCode, stdout: exec.stdout, stderr: "" });
        }
        return;
      }
      case "containerStats": {
        const request = this.request((r) => ({ containerId: r.id(call.container) }));
        const ref = request.value.containerId;
        const expected = m.containerStats(ref);
        const answer = await this.call("runtime", call.rpc, request);
        expectOutcome(call.rpc, answer, expected);
        if (answer.ok) expectSame("ContainerStats' container", answer.response.stats?.attributes?.id, (m.findContainer(ref) as { id: string }).id);
        return;
      }
      case "listContainerStats": {
        const answer = await this.call("runtime", call.rpc, this.request(() => ({})));
        expectOutcome(call.rpc, answer, { ok: true });
        const stats = answer.ok ? (answer.response.stats as Array<{ attributes?: { id: string } }>) : [];
        expectSame("ListContainerStats' containers", stats.map((s) => s.attributes?.id ?? "").sort(), [...m.containers.keys()].sort());
        return;
      }
      case "pullImage": {
        const expected = m.pullImage(call.image);
        const answer = await this.call("image", call.rpc, this.request(() => ({ image: { image: call.image } })));
        expectOutcome(call.rpc, answer, expected.outcome);
        if (answer.ok) expectSame("PullImage's imageRef", answer.response.imageRef, expected.imageRef);
        return;
      }
      case "imageStatus": {
        const expected = m.imageStatus(call.image);
        const answer = await this.call("image", call.rpc, this.request(() => ({ image: { image: call.image } })));
        expectOutcome(call.rpc, answer, expected.outcome);
        if (answer.ok) {
          const image = answer.response.image;
          expectSame("ImageStatus' image", image ? imageView(image) : null, expected.image ? modelImageView(m, expected.image) : null);
        }
        return;
      }
      case "removeImage": {
        const expected = m.removeImage(call.image);
        expectOutcome(call.rpc, await this.call("image", call.rpc, this.request(() => ({ image: { image: call.image } }))), expected);
        return;
      }
      case "listImages":
      case "imageFsInfo": {
        expectOutcome(call.rpc, await this.call("image", call.rpc, this.request(() => ({}))), { ok: true });
        return;
      }
    }
  }

  /** Whether the runtime has handed out the ID before. */
  private known(id: string): boolean {
    return [...this.model.known.sandbox, ...this.model.known.container].some((k) => k.id === id);
  }

  /** The ID a creation answered with: 64 hex digits, never handed out before. */
  private newId(id: string): string {
    if (!/^[0-9a-f]{64}$/.test(id) || this.known(id)) throw new Disagreement(`the runtime answered with the ID ${JSON.stringify(id)}, which is not a new 64-hex ID`);
    return id;
  }

  private async waitForExit(reference: string, id: string): Promise<void> {
    await this.session.settle(`the exit of container ${id}`, async () => {
      const answer = await this.session.call("runtime", "containerStatus", { containerId: id });
      return answer.ok && answer.response.status.state === containerStateValue.CONTAINER_EXITED;
    });
    this.session.steps.push({
      kind: "wait",
      service: "runtime",
      method: "containerStatus",
      request: { containerId: reference },
      until: { path: "status.state", equals: "CONTAINER_EXITED" },
    });
  }

  // ---- faults (the fake only) ----

  private async fault(fault: Fault): Promise<void> {
    const fake = this.target.fake;
    if (!fake) throw new Error(`fault ${fault.fault} needs the fake behind the target`);
    const m = this.model;
    const choose = <T>(items: T[], pick: number): T | undefined => (items.length === 0 ? undefined : items[pick % items.length]);
    switch (fault.fault) {
      case "crashContainer": {
        const running = [...m.containers.values()].filter((c) => c.state === "CONTAINER_RUNNING");
        const victim = choose(running, fault.pick);
        if (!victim) return this.note(`crashContainer: no running container`);
        m.crashContainer(victim.id, fault.exitCode);
        fake.containerd.faults.crashTask({ namespace: "k8s.io", containerId: victim.id, exitStatus: fault.exitCode });
        this.note(`the process of ${this.saveOf("container", victim.id)} dies with exit status ${fault.exitCode}`);
        await this.session.settle(`the crash of container ${victim.id}`, async () => {
          const answer = await this.session.call("runtime", "containerStatus", { containerId: victim.id });
          return answer.ok && answer.response.status.state === containerStateValue.CONTAINER_EXITED;
        });
        return;
      }
      case "crashSandbox": {
        const ready = [...m.sandboxes.values()].filter((s) => s.state === "SANDBOX_READY");
        const victim = choose(ready, fault.pick);
        if (!victim) return this.note(`crashSandbox: no ready pod`);
        m.crashSandbox(victim.id);
        fake.containerd.faults.crashTask({ namespace: "k8s.io", containerId: victim.id, exitStatus: 255 });
        this.note(`the pause process of ${this.saveOf("sandbox", victim.id)} dies`);
        await this.session.settle(`the crash of pod ${victim.id}`, async () => {
          const answer = await this.session.call("runtime", "podSandboxStatus", { podSandboxId: victim.id });
          return answer.ok && answer.response.status.state === 1;
        });
        return;
      }
      case "failNextStart": {
        const created = [...m.containers.values()].filter((c) => c.state === "CONTAINER_CREATED" && !m.startFaults.has(c.id));
        const victim = choose(created, fault.pick);
        if (!victim) return this.note(`failNextStart: no created container`);
        const message = "model: injected start failure: unknown";
        m.startFaults.set(victim.id, message);
        fake.containerd.faults.inject({ op: "tasks.start", subject: victim.id, times: 1, error: { kind: "unknown", message } });
        this.note(`the next task start of ${this.saveOf("container", victim.id)} fails: ${message}`);
        return;
      }
      case "dropOomEvent": {
        m.droppedOomEvents++;
        fake.containerd.faults.inject({ op: "events.publish", subject: "/tasks/oom", times: 1 });
        this.note("the next /tasks/oom event is lost");
        return;
      }
      case "dropExitEvent": {
        // containerd learns of its own tasks' exits by waiting on them; the event changes nothing.
        fake.containerd.faults.inject({ op: "events.publish", subject: "/tasks/exit", times: 1 });
        this.note("the next /tasks/exit event is lost");
        return;
      }
      case "restart": {
        await fake.restart();
        this.note("the CRI plugin restarts (fake.restart())");
        return;
      }
    }
  }

  private saveOf(of: "sandbox" | "container", id: string): string {
    const known = this.model.known[of].find((k) => k.id === id)!;
    return `$${known.save}`;
  }

  private note(text: string): void {
    this.session.steps.push({ kind: "note", text });
  }

  // ---- after every command ----

  /** The visible state equals the model's, and the invariants hold. */
  async checkState(): Promise<void> {
    const m = this.model;
    const sandboxes = await this.expectList("listPodSandbox", "items");
    expectSameList("ListPodSandbox", sandboxes.map(sandboxView), [...m.sandboxes.values()].map((s) => modelSandboxView(s, false)));
    for (const s of sandboxes) this.expectSteadyTimes(s.id, { createdAt: s.createdAt });
    for (const s of m.sandboxes.values()) {
      const answer = await this.session.call("runtime", "podSandboxStatus", { podSandboxId: s.id });
      expectOutcome("PodSandboxStatus", answer, { ok: true });
      if (!answer.ok) continue;
      expectSame("PodSandboxStatus", sandboxView(answer.response.status), modelSandboxView(s, true));
      this.expectSteadyTimes(s.id, { createdAt: answer.response.status.createdAt });
    }
    const containers = await this.expectList("listContainers", "containers");
    checkContainersHavePods(sandboxes, containers);
    expectSameList("ListContainers", containers.map(containerListView), [...m.containers.values()].map(modelContainerListView));
    for (const c of containers) this.expectSteadyTimes(c.id, { createdAt: c.createdAt });
    for (const c of m.containers.values()) {
      const answer = await this.session.call("runtime", "containerStatus", { containerId: c.id });
      expectOutcome("ContainerStatus", answer, { ok: true });
      if (!answer.ok) continue;
      const status = answer.response.status;
      checkExitConsistency(status);
      expectSame("ContainerStatus", containerStatusView(status), modelContainerStatusView(m, c));
      this.expectSteadyTimes(c.id, { createdAt: status.createdAt, startedAt: status.startedAt, finishedAt: status.finishedAt });
    }
    const images = await this.expectList("listImages", "images", "image");
    expectSameList("ListImages", images.map(imageView), [...m.images.values()].map((i) => modelImageView(m, i)));
    if (this.target.fake) await checkFakeInternals(this.target.fake, m);
  }

  /** A creation, start or finish time, once reported, is reported the same ever after (restarts too). */
  private expectSteadyTimes(id: string, times: Record<string, bigint>): void {
    for (const [field, value] of Object.entries(times)) {
      if (value === 0n) continue;
      const key = `${id} ${field}`;
      const first = this.timestamps.get(key);
      if (first === undefined) this.timestamps.set(key, value);
      else if (first !== value) throw new Disagreement(`the ${field} of ${id} changed from ${first} to ${value}`);
    }
  }

  private async expectList(method: string, field: string, service: "runtime" | "image" = "runtime"): Promise<any[]> {
    const answer = await this.session.call(service, method, {});
    expectOutcome(method, answer, { ok: true });
    return answer.ok ? answer.response[field] : [];
  }
}

const sandboxStateValue = { SANDBOX_READY: 0, SANDBOX_NOTREADY: 1 } as const;
const containerStateValue = { CONTAINER_CREATED: 0, CONTAINER_RUNNING: 1, CONTAINER_EXITED: 2 } as const;
