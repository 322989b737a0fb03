// The shape of the in-memory node filesystem's saved state and of its change records (zod), checked
// before either is laid into a filesystem.

import { z } from "zod";
import type { MemoryHostFsChange, MemoryHostFsState } from "./host-fs.ts";

const absolute = z.string().startsWith("/", "expected an absolute path");
const mode = z.number().int().min(0).max(0o7777);
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "expected base64");

const entry = z.discriminatedUnion("kind", [
  z.strictObject({ path: absolute, mode, kind: z.literal("dir") }),
  z.strictObject({ path: absolute, mode, kind: z.literal("file"), data: base64 }),
]);

export const memoryHostFsStateSchema = z.strictObject({
  format: z.literal("fake-cri-host-fs/1"),
  entries: z.array(entry),
}) satisfies z.ZodType<MemoryHostFsState>;

export const memoryHostFsChangeSchema = z.union([
  entry,
  z.strictObject({ path: absolute, kind: z.literal("removed") }),
]) satisfies z.ZodType<MemoryHostFsChange>;
