// What the checks compare: views of CRI answers with what may differ from run to run left out
// (IDs are the runtime's and known to the model; timestamps become "set or not"; pod IPs "has
// one or not"), the same views computed from the model, and the invariants that hold whatever the
// model says (exit reasons that fit the exit, no container without its pod, names reserved exactly
// while their owner exists, no task without a running owner).

import * as v1 from "../../src/cri/api/v1.ts";
import type { FakeCri } from "../../src/harness/index.ts";
import { catalogue, sandboxImage } from "./images.ts";
import { CriModel, type Container, type Image, type Sandbox } from "./model.ts";

const sandboxStates = ["SANDBOX_READY", "SANDBOX_NOTREADY"] as const;
const containerStates = ["CONTAINER_CREATED", "CONTAINER_RUNNING", "CONTAINER_EXITED", "CONTAINER_UNKNOWN"] as const;
const stateName = (names: readonly string[], value: number) => names[value] ?? `state ${value}`;

// ---- views ----

export function sandboxView(s: v1.PodSandbox | v1.PodSandboxStatus) {
  return {
    id: s.id,
    metadata: v1.PodSandboxMetadata.toJSON(s.metadata ?? v1.PodSandboxMetadata.fromPartial({})),
    state: stateName(sandboxStates, s.state),
    labels: s.labels,
    annotations: s.annotations,
    runtimeHandler: s.runtimeHandler,
    created: s.createdAt > 0n,
    ...("network" in s
      ? {
          hasIp: (s.network?.ip ?? "") !== "",
          namespaces: v1.NamespaceOption.toJSON(s.linux?.namespaces?.options ?? v1.NamespaceOption.fromPartial({})),
        }
      : {}),
  };
}

export function modelSandboxView(s: Sandbox, withStatus: boolean) {
  return {
    id: s.id,
    metadata: v1.PodSandboxMetadata.toJSON(
      v1.PodSandboxMetadata.fromPartial({ name: s.config.name, namespace: s.config.namespace, uid: s.config.uid, attempt: s.config.attempt }),
    ),
    state: s.state,
    labels: s.config.labels,
    annotations: {},
    runtimeHandler: s.runtimeHandler,
    created: true,
    ...(withStatus
      ? {
          hasIp: s.networkUp && !s.config.hostNetwork,
          namespaces: v1.NamespaceOption.toJSON(v1.NamespaceOption.fromPartial({ network: s.config.hostNetwork ? v1.NamespaceMode.NODE : v1.NamespaceMode.POD })),
        }
      : {}),
  };
}

export function containerListView(c: v1.Container) {
  return {
    id: c.id,
    podSandboxId: c.podSandboxId,
    metadata: v1.ContainerMetadata.toJSON(c.metadata ?? v1.ContainerMetadata.fromPartial({})),
    image: c.image?.image ?? "",
    imageRef: c.imageRef,
    state: stateName(containerStates, c.state),
    labels: c.labels,
    annotations: c.annotations,
    created: c.createdAt > 0n,
  };
}

export function modelContainerListView(c: Container) {
  return {
    id: c.id,
    podSandboxId: c.sandboxId,
    metadata: containerMetadata(c),
    image: c.spec.image,
    imageRef: c.imageId,
    state: c.state,
    labels: c.spec.labels,
    annotations: {},
    created: true,
  };
}

function containerMetadata(c: Container) {
  return v1.ContainerMetadata.toJSON(v1.ContainerMetadata.fromPartial({ name: c.spec.name, attempt: c.spec.attempt }));
}

export function containerStatusView(c: v1.ContainerStatus) {
  return {
    id: c.id,
    metadata: v1.ContainerMetadata.toJSON(c.metadata ?? v1.ContainerMetadata.fromPartial({})),
    state: stateName(containerStates, c.state),
    image: c.image?.image ?? "",
    imageRef: c.imageRef,
    exitCode: c.exitCode,
    reason: c.reason,
    message: c.message,
    labels: c.labels,
    annotations: c.annotations,
    logPath: c.logPath,
    resources: v1.LinuxContainerResources.toJSON(c.resources?.linux ?? v1.LinuxContainerResources.fromPartial({})),
    created: c.createdAt > 0n,
    started: c.startedAt > 0n,
    finished: c.finishedAt > 0n,
  };
}

export function modelContainerStatusView(model: CriModel, c: Container) {
  return {
    id: c.id,
    metadata: containerMetadata(c),
    state: c.state,
    ...model.imageShownFor(c),
    exitCode: c.exitCode,
    reason: CriModel.reasonOf(c),
    message: c.message,
    labels: c.spec.labels,
    annotations: {},
    logPath: c.logPath,
    resources: v1.LinuxContainerResources.toJSON(v1.LinuxContainerResources.fromPartial(c.resources)),
    created: true,
    started: c.started,
    finished: c.finished,
  };
}

export function imageView(i: v1.Image) {
  return { id: i.id, json: v1.Image.toJSON(i) };
}

/** 2.x reports the sandbox image pinned once it is pulled under its configured name. */
export function modelImageView(model: CriModel, i: Image) {
  const { size, uid } = catalogue[i.name];
  const pinned = model.profile.pinsSandboxImage && i.references.includes(sandboxImage);
  return {
    id: i.id,
    json: v1.Image.toJSON(
    v1.Image.fromPartial({
      id: i.id,
      repoTags: i.references.filter((r) => !r.startsWith("sha256:") && !r.includes("@")),
      repoDigests: i.references.filter((r) => r.includes("@")),
      size,
      ...(uid === undefined ? {} : { uid: { value: uid } }),
      pinned,
    }),
    ),
  };
}

// ---- comparing ----

/** JSON with sorted keys and bigints as strings: equal views print equal. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => {
    if (typeof v === "bigint") return v.toString();
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

export class Disagreement extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Disagreement";
  }
}

export function expectSame(what: string, actual: unknown, expected: unknown): void {
  const a = canonical(actual);
  const e = canonical(expected);
  if (a !== e) throw new Disagreement(`${what} differs from the model\n  runtime: ${a}\n  model:   ${e}`);
}

/** Lists compare as sets of views, ordered by ID (containerd lists from Go maps). */
export function expectSameList<T extends { id: string }>(what: string, actual: T[], expected: T[]): void {
  const byId = (a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  expectSame(what, [...actual].sort(byId), [...expected].sort(byId));
}

// ---- invariants that need no model ----

/** An exited container's reason fits how it ended; anything else has no exit at all. */
export function checkExitConsistency(status: v1.ContainerStatus): void {
  const state = stateName(containerStates, status.state);
  const fail = (why: string) => {
    throw new Disagreement(`container ${status.id} (${state}) ${why}: ${canonical(containerStatusView(status))}`);
  };
  if (state === "CONTAINER_EXITED") {
    if (status.finishedAt <= 0n) fail("has no finishedAt");
    if (status.reason === "StartError") {
      if (status.exitCode !== 128 || status.startedAt !== 0n || status.message === "") fail("is a StartError without exit code 128, or started, or without a message");
    } else if (status.reason === "Completed") {
      if (status.exitCode !== 0) fail("is Completed with a non-zero exit code");
    } else if (status.reason === "Error") {
      if (status.exitCode === 0) fail("is an Error with exit code 0");
    } else if (status.reason !== "OOMKilled") {
      fail(`has the reason ${JSON.stringify(status.reason)}`);
    }
    return;
  }
  if (status.reason !== "" || status.exitCode !== 0 || status.finishedAt !== 0n) fail("has an exit");
  if ((state === "CONTAINER_RUNNING") !== status.startedAt > 0n) fail("has a start time that does not fit its state");
}

/** No container outlives its pod. */
export function checkContainersHavePods(sandboxes: v1.PodSandbox[], containers: v1.Container[]): void {
  const pods = new Set(sandboxes.map((s) => s.id));
  for (const c of containers) {
    if (!pods.has(c.podSandboxId)) throw new Disagreement(`container ${c.id} outlives its pod ${c.podSandboxId}`);
  }
}

/**
 * Inside the fake: the name registrars hold exactly the model's names, and fake-containerd holds a
 * container for every pod and container and a task for exactly the ready pods and running containers.
 */
export async function checkFakeInternals(fake: FakeCri, model: CriModel): Promise<void> {
  const service = fake.service;
  for (const [what, registrar, names] of [
    ["sandbox", service.sandboxNameIndex, model.sandboxNames()],
    ["container", service.containerNameIndex, model.containerNames()],
  ] as const) {
    const held = [...names].filter(([name, id]) => registrar.keyOf(name) === id).length;
    if (registrar.size !== names.size || held !== names.size) {
      const reserved = [...names].map(([name]) => `${name} -> ${registrar.keyOf(name) ?? "(free)"}`);
      throw new Disagreement(
        `the ${what} name registrar holds ${registrar.size} names, the model's owners ${names.size}: ${reserved.join(", ") || "(none)"}`,
      );
    }
  }
  const namespace = fake.containerd.namespace("k8s.io");
  const containers = (await namespace.containers.list()).map((c) => c.id).sort();
  const expectedContainers = [...model.sandboxes.keys(), ...model.containers.keys()].sort();
  expectSame("fake-containerd's containers", containers, expectedContainers);
  const tasks = (await namespace.tasks.list()).map((t) => `${t.id} ${t.status}`).sort();
  const expectedTasks = [
    ...[...model.sandboxes.values()].filter((s) => s.state === "SANDBOX_READY").map((s) => s.id),
    ...[...model.containers.values()].filter((c) => c.state === "CONTAINER_RUNNING").map((c) => c.id),
  ]
    .map((id) => `${id} running`)
    .sort();
  expectSame("fake-containerd's tasks", tasks, expectedTasks);
}
