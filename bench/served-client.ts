// A CRI client that shares no code with fake-cri (grpc-js and a hand-written protobuf encoder),
// for the benchmarks that drive `fake-cri serve` from another process (served-lifecycle.ts,
// soak.ts): one pod's eight-call lifecycle. (The servers are started with test/fake-cri-process.ts.)

import * as grpc from "@grpc/grpc-js";
import { join } from "node:path";
import { rpcNames } from "./lifecycle.ts";

export const runtimeService = "/runtime.v1.RuntimeService";
export const imageService = "/runtime.v1.ImageService";

/** The eight calls of a lifecycle (lifecycle.ts's, as a kubelet drives them). */
export const methods = rpcNames;

// ---- protobuf, by hand: only what these requests and responses need ----

export type Field = [number, string | number | bigint | boolean | Uint8Array | Field[]];

const textEncoder = new TextEncoder();

function varint(n: bigint, out: number[]): void {
  let v = BigInt.asUintN(64, n);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

export function encode(fields: readonly Field[]): Uint8Array {
  const out: number[] = [];
  for (const [number, value] of fields) {
    if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
      varint(BigInt(number << 3), out);
      varint(BigInt(typeof value === "boolean" ? Number(value) : value), out);
      continue;
    }
    const bytes = typeof value === "string" ? textEncoder.encode(value) : value instanceof Uint8Array ? value : encode(value);
    varint(BigInt((number << 3) | 2), out);
    varint(BigInt(bytes.length), out);
    for (const b of bytes) out.push(b);
  }
  return Uint8Array.from(out);
}

/** The first string field `number` of a message (the IDs the responses carry in field 1). */
export function stringField(bytes: Uint8Array, number: number): string {
  let i = 0;
  const read = (): number => {
    let shift = 0;
    let n = 0;
    for (;;) {
      const b = bytes[i++]!;
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
      shift += 7;
    }
  };
  while (i < bytes.length) {
    const key = read();
    const wire = key & 7;
    if (wire === 0) read();
    else if (wire === 2) {
      const length = read();
      if (key >> 3 === number) return new TextDecoder().decode(bytes.subarray(i, i + length));
      i += length;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return "";
}

export const busybox = "docker.io/library/busybox:1.36";

function podConfig(i: number, logRoot: string): Field[] {
  const name = `pod-${i}`;
  const uid = `uid-${i}`;
  return [
    [1, [[1, name], [2, uid], [3, "default"]]],
    [2, name],
    [3, join(logRoot, `default_${name}_${uid}`)],
    [6, [[1, "io.kubernetes.pod.name"], [2, name]]],
    [6, [[1, "io.kubernetes.pod.namespace"], [2, "default"]]],
    [6, [[1, "io.kubernetes.pod.uid"], [2, uid]]],
    [8, [[1, `/kubepods/besteffort/pod${uid}`]]],
  ];
}

const containerConfig: Field[] = [
  [1, [[1, "app"]]],
  [2, [[1, busybox]]],
  [3, "sleep"],
  [3, "infinity"],
  [9, [[1, "io.kubernetes.container.name"], [2, "app"]]],
  [11, "app/0.log"],
  [15, []],
];

// ---- a client ----

export function unary(client: grpc.Client, path: string, request: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(
      path,
      (b: Uint8Array) => Buffer.from(b),
      (b: Buffer) => new Uint8Array(b),
      request,
      (err, response) => (err ? reject(err) : resolve(response!)),
    ),
  );
}

export async function lifecycle(client: grpc.Client, i: number, logRoot: string): Promise<void> {
  const call = (method: (typeof methods)[number], request: Field[]) => unary(client, `${runtimeService}/${method}`, encode(request));
  const pod = podConfig(i, logRoot);
  const podSandboxId = stringField(await call("RunPodSandbox", [[1, pod]]), 1);
  const containerId = stringField(await call("CreateContainer", [[1, podSandboxId], [2, containerConfig], [3, pod]]), 1);
  await call("StartContainer", [[1, containerId]]);
  await call("ContainerStatus", [[1, containerId]]);
  await call("StopContainer", [[1, containerId], [2, 0]]);
  await call("RemoveContainer", [[1, containerId]]);
  await call("StopPodSandbox", [[1, podSandboxId]]);
  await call("RemovePodSandbox", [[1, podSandboxId]]);
}
