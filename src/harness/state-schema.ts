// The shape of a saved fake node (FakeCriState): its format, the fake-containerd's state and the
// in-memory node filesystem's, each checked by its own schema.

import { z } from "zod";
import { fakeContainerdStateSchema, schemaProblems } from "../../fake-containerd/state-schema.ts";
import { memoryHostFsStateSchema } from "../node/host-fs-schema.ts";
import type { FakeCriState } from "./index.ts";

export const fakeCriStateSchema = z.strictObject({
  format: z.literal("fake-cri/1"),
  containerd: fakeContainerdStateSchema,
  hostFs: memoryHostFsStateSchema.nullable(),
});

/** `value` as a saved fake node, or an error naming the first fields that do not fit. */
export function parseFakeCriState(value: unknown): FakeCriState {
  const result = fakeCriStateSchema.safeParse(value);
  if (!result.success) throw new Error(`not a fake-cri state: ${schemaProblems(result.error)}`);
  return value as FakeCriState;
}
