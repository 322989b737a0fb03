// Every RPC of both API versions, fed random bytes and random well-formed protobuf messages
// (fast-check) over the socket: every call gets an answer or a gRPC status, never a JavaScript
// error's text; the server keeps answering; and a request it refuses leaves the node as it was
// (containerd's own exception: a StartContainer that fails records the failure on the container).

import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import * as grpc from "@grpc/grpc-js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import * as v1 from "../../src/cri/api/v1.ts";
import * as v1alpha2 from "../../src/cri/api/v1alpha2.ts";
import type { CriServer } from "../../src/cri/transport/grpc.ts";
import { createFakeCri, type FakeCri } from "../../src/harness/index.ts";
import { busybox } from "./served.ts";

/** Runs per RPC: about 150 RPCs, two kinds of input each. */
const runsPerRpc = 15;

const services = [v1.RuntimeServiceDefinition, v1.ImageServiceDefinition, v1alpha2.RuntimeServiceDefinition, v1alpha2.ImageServiceDefinition];
const methods = services.flatMap((service) =>
  Object.values(service.methods).map((m) => ({ path: `/${service.fullName}/${m.name}`, name: m.name, stream: m.responseStream })),
);

/** Texts a JavaScript error carries: a status with one of them is a crash that was caught. */
const crashText = /Cannot read propert|is not a function|is not iterable|undefined is not|Maximum call stack|Invalid array length|is not defined|Cannot convert/;

let fake: FakeCri;
let server: CriServer;
let channel: grpc.Client;
const known: string[] = [];

beforeAll(async () => {
  fake = await createFakeCri({ seed: 1, images: [busybox] });
  server = await fake.serve();
  channel = new grpc.Client(server.endpoint, grpc.credentials.createInsecure(), { "grpc.max_send_message_length": -1 });
  const config = { metadata: { name: "fuzz", namespace: "fuzz", uid: "fuzz" }, logDirectory: "/var/log/pods/fuzz" };
  const { podSandboxId } = await fake.runtime.runPodSandbox({ config });
  const { containerId } = await fake.runtime.createContainer({
    podSandboxId,
    sandboxConfig: config,
    config: { metadata: { name: "c" }, image: { image: busybox }, command: ["sleep", "1000"], logPath: "c.log" },
  });
  await fake.runtime.startContainer({ containerId });
  known.push(podSandboxId, containerId, podSandboxId.slice(0, 6), busybox, "busybox", "registry.k8s.io/pause:3.6");
});

afterAll(async () => {
  channel?.close();
  await server?.close();
  await fake?.close();
});

// ---- random protobuf messages: fields 1..20 of every wire type, strings mostly the node's IDs ----

type Field = { number: number } & ({ wire: 0 | 1 | 5; value: bigint } | { wire: 2; value: Uint8Array });

const text = new TextEncoder();

function encode(fields: readonly Field[]): Uint8Array {
  const writer = new BinaryWriter();
  for (const field of fields) {
    if (field.wire === 0) writer.tag(field.number, WireType.Varint).uint64(BigInt.asUintN(64, field.value));
    else if (field.wire === 1) writer.tag(field.number, WireType.Bit64).fixed64(field.value);
    else if (field.wire === 5) writer.tag(field.number, WireType.Bit32).fixed32(Number(field.value & 0xffffffffn));
    else writer.tag(field.number, WireType.LengthDelimited).bytes(field.value as Uint8Array);
  }
  return writer.finish();
}

const fieldNumber = fc.integer({ min: 1, max: 20 });
const scalar: fc.Arbitrary<Field> = fc.oneof(
  fc.record({ number: fieldNumber, wire: fc.constant(0 as const), value: fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }), fc.constantFrom(0n, 1n, 2n, 3n)) }),
  fc.record({ number: fieldNumber, wire: fc.constantFrom(1 as const, 5 as const), value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
  fc.record({
    number: fieldNumber,
    wire: fc.constant(2 as const),
    value: fc.oneof(fc.constantFrom(...["", "..", "/", "a".repeat(300)]), fc.string({ maxLength: 20 }), fc.constant("")).map((s) => text.encode(s)),
  }),
);
/** Bytes, or a message whose strings are often the node's own IDs and names (`known`, once there are some). */
function input(): fc.Arbitrary<Uint8Array> {
  const message = fc.letrec<{ message: Uint8Array; field: Field }>((tie) => ({
    field: fc.oneof(
      { weight: 4, arbitrary: scalar },
      { weight: 2, arbitrary: fc.record({ number: fieldNumber, wire: fc.constant(2 as const), value: fc.constantFrom(...known).map((s) => text.encode(s)) }) },
      { weight: 2, arbitrary: fc.record({ number: fieldNumber, wire: fc.constant(2 as const), value: tie("message") }) },
    ),
    message: fc.array(tie("field") as fc.Arbitrary<Field>, { maxLength: 6, depthIdentifier: "message" }).map(encode),
  })).message;
  return fc.oneof(fc.uint8Array({ maxLength: 200 }), message);
}

// ---- calls and the node's state ----

type Outcome = { ok: true } | { ok: false; code: number; details: string };

function call(path: string, stream: boolean, body: Uint8Array): Promise<Outcome> {
  const options = { deadline: Date.now() + 5000 };
  const serialize = (b: Uint8Array) => Buffer.from(b);
  const deserialize = (b: Buffer) => b;
  if (!stream) {
    return new Promise((resolve) =>
      channel.makeUnaryRequest(path, serialize, deserialize, body, new grpc.Metadata(), options, (err) =>
        resolve(err ? { ok: false, code: err.code, details: err.details } : { ok: true }),
      ),
    );
  }
  return new Promise((resolve) => {
    const call = channel.makeServerStreamRequest(path, serialize, deserialize, body, new grpc.Metadata(), options);
    call.on("data", () => undefined);
    call.on("error", (err: grpc.ServiceError) => resolve({ ok: false, code: err.code, details: err.details }));
    call.on("end", () => resolve({ ok: true }));
  });
}

/** The node as a client and fake-containerd see it, without the clock and the ID generator's place. */
async function nodeState(): Promise<string> {
  const saved = fake.saveState();
  const [pods, containers, images] = await Promise.all([fake.runtime.listPodSandbox({}), fake.runtime.listContainers({}), fake.image.listImages({})]);
  return JSON.stringify({ stores: saved.containerd.stores, namespaces: saved.containerd.namespaces, files: saved.hostFs, pods, containers, images }, (_, v) =>
    typeof v === "bigint" ? v.toString() : v,
  );
}

describe("protobuf fuzzing of every RPC", () => {
  test(`${methods.length} RPCs (v1 and v1alpha2), ${runsPerRpc} random inputs each: no crash, and a refused request changes nothing`, async () => {
    const outcomes = { answered: 0, refused: 0 };
    for (const method of methods) {
      await fc.assert(
        fc.asyncProperty(input(), async (body) => {
          const before = await nodeState();
          const outcome = await call(method.path, method.stream, body);
          await fake.containerd.events.delivered();
          if (outcome.ok) {
            outcomes.answered++;
            return;
          }
          outcomes.refused++;
          expect(outcome.details, `${method.path} ${Buffer.from(body).toString("hex")}`).not.toMatch(crashText);
          expect(outcome.code).toBeGreaterThan(0);
          if (method.name !== "StartContainer") expect(await nodeState(), `${method.path} changed the node`).toBe(before);
        }),
        { numRuns: runsPerRpc },
      );
    }
    expect((await fake.runtime.version({})).runtimeName).toBe("containerd");
    expect(outcomes.answered + outcomes.refused).toBe(methods.length * runsPerRpc);
  }, 120_000);
});
