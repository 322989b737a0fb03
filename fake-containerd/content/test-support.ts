// What the content, image and snapshot tests share: a deterministic context whose events are
// recorded in publish order, and a helper that captures a rejected promise's error.
import { VirtualClock } from "../clock.ts";
import type { FakeContext } from "../context.ts";
import { ContainerdError } from "../errdefs.ts";
import { SeededIds } from "../ids.ts";
import { Operations } from "../operations.ts";

export interface RecordedEvent {
  namespace: string;
  topic: string;
  event: Record<string, unknown>;
}

export function testContext(seed = 1): { ctx: FakeContext; clock: VirtualClock; events: RecordedEvent[] } {
  const clock = new VirtualClock();
  const events: RecordedEvent[] = [];
  const ctx: FakeContext = {
    clock,
    ids: new SeededIds(seed),
    operations: new Operations(clock),
    events: {
      async publish(namespace, topic, event) {
        events.push({ namespace, topic, event });
      },
    },
  };
  return { ctx, clock, events };
}

/** The ContainerdError a promise rejects with (fails when it resolves or rejects otherwise). */
export async function rejection(promise: Promise<unknown>): Promise<ContainerdError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ContainerdError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

/** Like rejection, for code that throws synchronously. */
export function thrown(fn: () => unknown): ContainerdError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ContainerdError) return error;
    throw error;
  }
  throw new Error("expected the call to throw");
}

export const text = (s: string) => new TextEncoder().encode(s);
export const untext = (b: Uint8Array) => new TextDecoder().decode(b);
