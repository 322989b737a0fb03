// Laws of fake-containerd's content store: a blob written under its digest reads back exactly, any
// mismatch is refused without a trace, and any sequence of writes and deletes keeps the store equal
// to a plain map from digest to bytes. Digests are checked against Web Crypto, independently of
// the store's own hashing.
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ContentStore } from "../fake-containerd/content/store.ts";
import { testContext } from "../fake-containerd/content/test-support.ts";
import { isAlreadyExists, isKind } from "../fake-containerd/errdefs.ts";
import { blobBytes, wrongDigest } from "./arbitraries/images.ts";

const runs = { numRuns: 1000 };

/** For generating mismatches up front; the laws themselves check against Web Crypto. */
function nodeSha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return `sha256:${Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function freshStore(): ContentStore {
  return new ContentStore(testContext().ctx, "k8s.io");
}

async function snapshot(store: ContentStore) {
  const infos = await store.list();
  return Promise.all(infos.map(async (info) => ({ info, bytes: await store.read(info.digest) })));
}

describe("content store digest integrity", () => {
  test("bytes written under their digest read back identical", async () => {
    await fc.assert(
      fc.asyncProperty(blobBytes(), fc.boolean(), async (bytes, withSize) => {
        const store = freshStore();
        const digest = await sha256(bytes);
        const info = await store.write(bytes, withSize ? { digest, size: bytes.length } : { digest });
        expect(info.digest).toBe(digest);
        expect(info.size).toBe(bytes.length);
        expect(await store.read(digest)).toEqual(bytes);
        expect((await store.info(digest)).size).toBe(bytes.length);
      }),
      runs,
    );
  });

  test("a wrong digest or size is refused and leaves no trace", async () => {
    const mismatch = blobBytes().chain((bytes) => {
      const actual = nodeSha256(bytes);
      const wrong = fc.oneof(
        wrongDigest(actual).map((digest) => ({ digest })),
        fc
          .integer({ min: -5, max: 50000 })
          .filter((size) => size !== 0 && size !== bytes.length)
          .map((size) => ({ digest: actual, size })),
      );
      return fc.tuple(fc.constant(bytes), wrong, fc.uint8Array({ maxLength: 64 }));
    });
    await fc.assert(
      fc.asyncProperty(mismatch, async ([bytes, expected, other]) => {
        const store = freshStore();
        await store.write(other);
        const before = await snapshot(store);
        let error: unknown;
        try {
          await store.write(bytes, expected);
        } catch (e) {
          error = e;
        }
        const alreadyThere = before.some((b) => b.info.digest === expected.digest);
        expect(alreadyThere ? isAlreadyExists(error) : isKind(error, "failed precondition")).toBe(true);
        expect(await snapshot(store)).toEqual(before);
      }),
      runs,
    );
  });

  test("writes and deletes keep the store equal to a map of digest to bytes", async () => {
    type Step = { op: "write"; bytes: Uint8Array; expect: "none" | "digest" | "wrong" } | { op: "delete"; index: number };
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 3, arbitrary: fc.record({ op: fc.constant("write" as const), bytes: fc.oneof(blobBytes(), fc.constantFrom(new Uint8Array([1]), new Uint8Array([2]))), expect: fc.constantFrom("none" as const, "digest" as const, "wrong" as const) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant("delete" as const), index: fc.nat({ max: 9 }) }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 12 }), async (steps) => {
        const store = freshStore();
        const model = new Map<string, Uint8Array>();
        for (const s of steps) {
          if (s.op === "write") {
            const digest = await sha256(s.bytes);
            const given = s.expect === "none" ? {} : { digest: s.expect === "digest" ? digest : `sha256:${"0".repeat(64)}` };
            const ok = s.expect !== "wrong" && !model.has(digest);
            try {
              await store.write(s.bytes, given);
              expect(ok).toBe(true);
              model.set(digest, s.bytes);
            } catch (error) {
              expect(ok).toBe(false);
              expect(isAlreadyExists(error) || isKind(error, "failed precondition")).toBe(true);
            }
          } else {
            const digests = [...model.keys()].sort();
            const digest = digests[s.index % Math.max(1, digests.length)] ?? (await sha256(new Uint8Array([9, 9])));
            const present = model.delete(digest);
            try {
              await store.delete(digest);
              expect(present).toBe(true);
            } catch (error) {
              expect(present).toBe(false);
              expect(isKind(error, "not found")).toBe(true);
            }
          }
          const listed = await snapshot(store);
          expect(listed.map((l) => l.info.digest)).toEqual([...model.keys()].sort());
          for (const l of listed) expect(l.bytes).toEqual(model.get(l.info.digest));
        }
      }),
      { numRuns: 300 },
    );
  });
});
