// The shape of a saved fake-containerd state, checked before a fake is built from it (zod: one
// schema per part, beside the TypeScript types it must satisfy). A state that does not fit is
// refused with the path of the first fields that do not, not half-restored. Tasks and process
// scripts are checked only as far as the objects that carry them: their restore code owns their
// insides (the emulation's runner state changes with the emulation).

import { z } from "zod";
import type { BackendSnapshotState, BlobState, ContainerdChange, ImageState, SnapshotRecordState } from "./changes.ts";
import type { ContainerState } from "./containers.ts";
import { errorKinds, type ErrorKind } from "./errdefs.ts";
import type { FakeContainerdState } from "./saved-state.ts";
import { operationNames } from "./operations.ts";
import type { UpperDirState } from "./snapshots/fs.ts";

/** A 64-bit number as the state writes it: decimal digits. */
const decimal = z.string().regex(/^-?\d+$/, "expected a decimal integer");
const count = z.number().int().nonnegative();
const stringMap = z.record(z.string(), z.string());
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "expected base64");
const anyState = z.strictObject({ typeUrl: z.string(), value: base64 });

export const containerStateSchema = z.strictObject({
  id: z.string(),
  labels: stringMap,
  image: z.string(),
  runtime: z.strictObject({ name: z.string(), options: anyState.optional() }),
  spec: anyState.optional(),
  snapshotter: z.string(),
  snapshotKey: z.string(),
  extensions: z.record(z.string(), anyState),
  createdAt: decimal,
  updatedAt: decimal,
}) satisfies z.ZodType<ContainerState>;

export const blobStateSchema = z.strictObject({
  digest: z.string(),
  data: base64,
  createdAt: decimal,
  updatedAt: decimal,
  labels: stringMap,
}) satisfies z.ZodType<BlobState>;

export const imageStateSchema = z.strictObject({
  name: z.string(),
  labels: stringMap,
  target: z.strictObject({ mediaType: z.string(), digest: z.string(), size: count, annotations: stringMap.optional() }),
  createdAt: decimal,
  updatedAt: decimal,
}) satisfies z.ZodType<ImageState>;

export const snapshotRecordSchema = z.strictObject({
  key: z.string(),
  backendKey: z.string(),
  parent: z.string(),
  labels: stringMap,
  createdAt: decimal,
  updatedAt: decimal,
}) satisfies z.ZodType<SnapshotRecordState>;

const fsNode = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("file"), mode: count, data: base64, inode: count }),
  z.strictObject({ type: z.literal("dir"), mode: count, opaque: z.boolean(), inode: count }),
  z.strictObject({ type: z.literal("symlink"), mode: count, target: z.string(), inode: count }),
  z.strictObject({ type: z.literal("whiteout"), inode: count }),
  z.strictObject({ type: z.literal("special"), mode: count, inode: count }),
]);

const upperDir = z.strictObject({
  nodes: z.array(z.tuple([z.string(), fsNode])),
  nextInode: count,
}) satisfies z.ZodType<UpperDirState>;

export const backendSnapshotSchema = z.strictObject({
  key: z.string(),
  id: count,
  kind: z.enum(["view", "active", "committed"]),
  parent: z.string(),
  labels: stringMap,
  createdAt: decimal,
  updatedAt: decimal,
  usage: z.strictObject({ size: decimal, inodes: decimal }),
  upper: upperDir,
}) satisfies z.ZodType<BackendSnapshotState>;

const snapshotters = z.strictObject({
  snapshotters: z.array(
    z.strictObject({
      name: z.string(),
      store: z.strictObject({ sequence: count, snapshots: z.array(snapshotRecordSchema) }),
      backend: z.strictObject({ name: z.string(), root: z.string(), nextId: count, snapshots: z.array(backendSnapshotSchema) }),
    }),
  ),
});

const faultSpec = z.strictObject({
  op: z.enum([...operationNames, "*"]),
  subject: z.string().optional(),
  nth: count.optional(),
  times: count.optional(),
  latencyMs: z.number().nonnegative().optional(),
  error: z.strictObject({ kind: z.enum(errorKinds as [ErrorKind, ...ErrorKind[]]), message: z.string().optional() }).optional(),
});

const idsSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("seeded"), position: decimal }),
  z.strictObject({ kind: z.literal("random") }),
  z.strictObject({ kind: z.literal("custom") }),
]);

/** A registered script: its match and script objects, whose insides the registry's restore checks. */
const registration = z.strictObject({ match: z.looseObject({}), script: z.looseObject({}) });

export const fakeContainerdStateSchema = z.strictObject({
  format: z.literal("fake-containerd/1"),
  clock: z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("virtual"), nowNs: decimal, tickNs: decimal }),
    z.strictObject({ kind: z.literal("real") }),
    z.strictObject({ kind: z.literal("custom") }),
  ]),
  ids: idsSchema,
  nextPid: count,
  runtimes: z.array(z.string()),
  faults: z.array(z.strictObject({ spec: faultSpec, matched: count, fired: count })),
  namespaces: z.strictObject({ namespaces: z.array(z.strictObject({ name: z.string(), labels: stringMap })) }),
  stores: z.array(
    z.strictObject({
      namespace: z.string(),
      containers: z.strictObject({ bucket: z.boolean(), containers: z.array(containerStateSchema) }),
      tasks: z.strictObject({
        tasks: z.array(z.looseObject({ containerId: z.string() })),
        // The next PID of each PID namespace the fake made (pid-namespaces.ts).
        pidNamespaces: z.record(z.string(), count).optional(),
      }),
      others: z.strictObject({
        content: z.strictObject({ blobs: z.array(blobStateSchema) }).optional(),
        images: z.strictObject({ images: z.array(imageStateSchema) }).optional(),
        snapshots: snapshotters.optional(),
      }),
    }),
  ),
  processes: z.strictObject({
    containers: z.array(registration),
    execs: z.array(registration),
    files: z.array(z.strictObject({ containerId: z.string().optional(), path: z.string(), content: base64 })),
  }),
  notes: z.array(z.string()),
});

// The schema's output is checked against the type at compile time; its looser parts (tasks,
// scripts) are what their own restore code checks.
void ((state: z.infer<typeof fakeContainerdStateSchema>) => state satisfies Omit<FakeContainerdState, "stores" | "processes">);

export const containerdChangeSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("container"), namespace: z.string(), key: z.string(), value: containerStateSchema.nullable() }),
  z.strictObject({ kind: z.literal("bucket"), namespace: z.string(), value: z.boolean() }),
  z.strictObject({ kind: z.literal("blob"), namespace: z.string(), key: z.string(), value: blobStateSchema.nullable() }),
  z.strictObject({ kind: z.literal("image"), namespace: z.string(), key: z.string(), value: imageStateSchema.nullable() }),
  z.strictObject({
    kind: z.literal("snapshot"),
    namespace: z.string(),
    snapshotter: z.string(),
    key: z.string(),
    value: z.strictObject({ record: snapshotRecordSchema, backend: backendSnapshotSchema }).nullable(),
  }),
  z.strictObject({
    kind: z.literal("snapshotter"),
    namespace: z.string(),
    snapshotter: z.string(),
    value: z.strictObject({ sequence: count, nextId: count, root: z.string() }),
  }),
  z.strictObject({ kind: z.literal("namespace"), namespace: z.string(), value: z.strictObject({ labels: stringMap }).nullable() }),
  z.strictObject({ kind: z.literal("daemon"), value: z.strictObject({ ids: idsSchema, nextPid: count }) }),
]) satisfies z.ZodType<ContainerdChange>;

/** Where a value does not fit a schema: the first few fields, by path (`stores[0].containers...`), and why. */
export function schemaProblems(error: z.ZodError, limit = 3): string {
  return error.issues
    .slice(0, limit)
    .map((issue) => `${fieldPath(issue.path) || "(the whole value)"}: ${issue.message}`)
    .join("; ");
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`)).join("");
}

/** `value` as a fake-containerd state, or an error naming the fields that do not fit. */
export function parseFakeContainerdState(value: unknown): FakeContainerdState {
  const result = fakeContainerdStateSchema.safeParse(value);
  if (!result.success) throw new Error(`not a fake-containerd state: ${schemaProblems(result.error)}`);
  return value as FakeContainerdState;
}
